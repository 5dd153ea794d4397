#include "tempo/ingester/fragment_packer.h"

#include <algorithm>
#include <string>

namespace tempo::ingester {

FragmentPacker::FragmentPacker(Clock& clock, std::chrono::milliseconds period)
    : clock_(clock), period_(period) {}

std::shared_ptr<const PackDictionary> FragmentPacker::dictionary() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dict_;
}

std::shared_ptr<const PackDictionary> FragmentPacker::DictionaryFor(
    const std::vector<model::TraceFragment>& fragments) {
  const auto now = clock_.Monotonic();
  std::lock_guard<std::mutex> lock(mu_);
  if (dict_ && now - sampled_ < period_) return dict_;
  // Due: sampled from this push and, while that is not enough (small pushes), the next ones.
  for (const model::TraceFragment& f : fragments) {
    if (sample_.size() >= PackDictionary::kMaxBytes) break;
    sample_.append(f.data, 0, std::min(f.data.size(), kSamplePerFragment));
  }
  if (sample_.size() >= kMinSample) {
    dict_ = std::make_shared<const PackDictionary>(sample_, PackDictionary::NewId());
    sampled_ = now;
    std::string().swap(sample_);
  }
  return dict_;
}

std::vector<BytesPiece> FragmentPacker::Pack(std::vector<model::TraceFragment>& fragments) {
  std::shared_ptr<const PackDictionary> dict = DictionaryFor(fragments);
  std::vector<BytesPiece> pieces;
  pieces.reserve(fragments.size());
  for (model::TraceFragment& f : fragments) pieces.push_back(PackBytes(std::move(f.data), dict));
  return pieces;
}

}  // namespace tempo::ingester
