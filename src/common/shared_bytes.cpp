#include "tempo/common/shared_bytes.h"

#include <algorithm>

namespace tempo {

BytesRef::BytesRef(std::vector<SharedPiece> pieces) : pieces_(std::move(pieces)) {
  for (const SharedPiece& p : pieces_) size_ += p->size();
}

std::string_view BytesRef::Flat(std::string* scratch) const {
  if (pieces_.size() == 1) return *pieces_.front();
  scratch->clear();
  AppendTo(scratch);
  return *scratch;
}

void BytesRef::AppendPrefixTo(size_t n, std::string* out) const {
  n = std::min(n, size_);
  out->reserve(out->size() + n);
  for (const SharedPiece& p : pieces_) {
    if (n == 0) break;
    const size_t take = std::min(n, p->size());
    out->append(p->data(), take);
    n -= take;
  }
}

std::string BytesRef::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

bool operator==(const BytesRef& a, const BytesRef& b) {
  if (a.size_ != b.size_) return false;
  std::string fa, fb;
  return a.Flat(&fa) == b.Flat(&fb);
}

void SharedBytes::Append(SharedPiece piece) {
  if (!piece || piece->empty()) return;
  size_ += piece->size();
  pieces_.push_back(std::move(piece));
}

void SharedBytes::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  Append(std::make_shared<const std::string>(bytes));
}

void SharedBytes::Truncate(size_t n) {
  while (size_ > n) {
    const size_t last = pieces_.back()->size();
    if (size_ - last >= n) {
      size_ -= last;
      pieces_.pop_back();
      continue;
    }
    // `n` falls inside the last piece: keep a copy of its head.
    const size_t keep = last - (size_ - n);
    pieces_.back() = std::make_shared<const std::string>(pieces_.back()->substr(0, keep));
    size_ = n;
  }
}

void SharedBytes::EraseFront(size_t n) {
  n = std::min(n, size_);
  size_t whole = 0;  // pieces wholly dropped
  size_t dropped = 0;
  while (whole < pieces_.size() && dropped + pieces_[whole]->size() <= n) {
    dropped += pieces_[whole]->size();
    ++whole;
  }
  pieces_.erase(pieces_.begin(), pieces_.begin() + static_cast<std::ptrdiff_t>(whole));
  if (dropped < n) {
    // `n` falls inside the first piece left: keep a copy of its tail.
    pieces_.front() = std::make_shared<const std::string>(pieces_.front()->substr(n - dropped));
  }
  size_ -= n;
}

}  // namespace tempo
