#include "tempo/common/shared_bytes.h"

#include <lz4.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <random>

#include "tempo/common/check.h"

namespace tempo {
namespace {

// Unpacks `piece` (packed) onto the end of `*out`. Pieces in memory were packed by PackBytes or
// checked by UnpackPieceTo when read from disk, so a failure is a bug, not bad input.
void UnpackTo(const BytesPiece& piece, std::string* out) {
  TEMPO_CHECK(UnpackPieceTo(piece, out), "a packed live-trace piece does not unpack");
}

}  // namespace

BytesPiece RawPiece(std::string&& raw) {
  const size_t n = raw.size();
  return BytesPiece{std::make_shared<const std::string>(std::move(raw)), n, false, nullptr};
}

bool UnpackPieceTo(const BytesPiece& piece, std::string* out) {
  if (piece.raw_size > static_cast<size_t>(LZ4_MAX_INPUT_SIZE) ||
      piece.stored->size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    return false;
  }
  const size_t at = out->size();
  out->resize(at + piece.raw_size);
  const int n =
      piece.dict ? LZ4_decompress_safe_usingDict(
                       piece.stored->data(), out->data() + at,
                       static_cast<int>(piece.stored->size()), static_cast<int>(piece.raw_size),
                       piece.dict->bytes().data(), static_cast<int>(piece.dict->bytes().size()))
                 : LZ4_decompress_safe(piece.stored->data(), out->data() + at,
                                       static_cast<int>(piece.stored->size()),
                                       static_cast<int>(piece.raw_size));
  if (n != static_cast<int>(piece.raw_size)) {
    out->resize(at);
    return false;
  }
  return true;
}

std::string BytesPiece::ToString() const {
  if (!packed) return *stored;
  std::string out;
  UnpackTo(*this, &out);
  return out;
}

namespace {

// A receiving thread's packing buffer: the dictionary's bytes followed by room for one fragment.
// A fragment copied right behind the dictionary is compressed in LZ4's prefix mode, which reads
// matches from one contiguous buffer; against the dictionary elsewhere in memory LZ4 takes its
// external-dictionary path, whose every match checks which buffer it lies in
// (BM_PackFragments: 750 -> 910-955 MB/s of fragments per core). The blocks are the same either
// way: they unpack against the dictionary's bytes wherever those are.
struct PackScratch {
  // The one `buffer` and `prepared` were made for (weak: the last piece packed against a
  // dictionary keeps it alive, not the thread).
  std::weak_ptr<const PackDictionary> dict;
  std::string buffer;                           // dict bytes | fragment
  LZ4_stream_t prepared;                        // the dictionary loaded from `buffer`
  LZ4_stream_t work;
  std::string block;  // compressed output

  // Makes `buffer` hold `d`'s bytes followed by `raw`; returns where `raw` starts.
  char* Stage(const std::shared_ptr<const PackDictionary>& d, std::string_view raw) {
    const size_t dict_size = d->bytes().size();
    bool moved = false;
    if (dict.lock() != d) {
      dict = d;
      buffer.assign(d->bytes());
      moved = true;
    }
    if (buffer.capacity() < dict_size + raw.size()) {
      buffer.reserve(dict_size + raw.size());
      moved = true;
    }
    // The prepared state points into the buffer: loaded again whenever the buffer changed.
    if (moved) {
      LZ4_initStream(&prepared, sizeof(prepared));
      LZ4_loadDict(&prepared, buffer.data(), static_cast<int>(dict_size));
    }
    buffer.resize(dict_size);
    buffer.append(raw);
    return buffer.data() + dict_size;
  }
};

}  // namespace

BytesPiece PackBytes(std::string&& raw, std::shared_ptr<const PackDictionary> dict) {
  if (raw.empty() || raw.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    return RawPiece(std::move(raw));
  }
  // Reused per thread: each receiving thread packs fragment after fragment.
  thread_local PackScratch scratch;
  std::string& block = scratch.block;
  const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
  if (block.size() < static_cast<size_t>(bound)) block.resize(static_cast<size_t>(bound));
  int n;
  if (dict) {
    const char* source = scratch.Stage(dict, raw);
    // Each fragment starts from the prepared state (a copy: it refers to nothing packed before).
    std::memcpy(&scratch.work, &scratch.prepared, sizeof(LZ4_stream_t));
    n = LZ4_compress_fast_continue(&scratch.work, source, block.data(),
                                   static_cast<int>(raw.size()), bound, 1);
  } else {
    n = LZ4_compress_default(raw.data(), block.data(), static_cast<int>(raw.size()), bound);
  }
  BytesPiece out;
  if (n > 0 && static_cast<size_t>(n) <= raw.size() - raw.size() / 8) {
    out = BytesPiece{std::make_shared<const std::string>(block.data(), static_cast<size_t>(n)),
                     raw.size(), true, std::move(dict)};
  } else {
    out = RawPiece(std::move(raw));
  }
  // A rare huge fragment does not leave its size behind on the thread.
  constexpr size_t kKeep = 4u << 20;
  if (block.capacity() > kKeep) std::string().swap(block);
  if (scratch.buffer.capacity() > kKeep + PackDictionary::kMaxBytes) {
    scratch.dict.reset();
    std::string().swap(scratch.buffer);
  }
  return out;
}

PackDictionary::PackDictionary(std::string_view sample, uint64_t id)
    : bytes_(sample.size() > kMaxBytes ? sample.substr(sample.size() - kMaxBytes) : sample),
      id_(id) {}

uint64_t PackDictionary::NewId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  uint64_t id = 0;
  while (id == 0) id = rng();
  return id;
}

BytesRef::BytesRef(std::vector<BytesPiece> pieces) : pieces_(std::move(pieces)) {
  for (const BytesPiece& p : pieces_) size_ += p.raw_size;
}

size_t BytesRef::stored_size() const {
  size_t n = 0;
  for (const BytesPiece& p : pieces_) n += p.stored->size();
  return n;
}

std::string_view BytesRef::Piece(size_t i, std::string* scratch) const {
  const BytesPiece& p = pieces_[i];
  if (!p.packed) return *p.stored;
  scratch->clear();
  UnpackTo(p, scratch);
  return *scratch;
}

std::string_view BytesRef::Flat(std::string* scratch) const {
  if (pieces_.size() == 1 && !pieces_.front().packed) return *pieces_.front().stored;
  scratch->clear();
  AppendTo(scratch);
  return *scratch;
}

void BytesRef::AppendPrefixTo(size_t n, std::string* out) const {
  n = std::min(n, size_);
  out->reserve(out->size() + n);
  for (const BytesPiece& p : pieces_) {
    if (n == 0) break;
    const size_t take = std::min(n, p.raw_size);
    if (!p.packed) {
      out->append(p.stored->data(), take);
    } else {
      const size_t at = out->size();
      UnpackTo(p, out);
      out->resize(at + take);
    }
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

void SharedBytes::Append(BytesPiece piece) {
  if (!piece.stored || piece.raw_size == 0) return;
  size_ += piece.raw_size;
  pieces_.push_back(std::move(piece));
}

void SharedBytes::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  Append(RawPiece(std::string(bytes)));
}

BytesPiece SharedBytes::Unpacked(size_t i) const {
  std::string raw;
  UnpackTo(pieces_[i], &raw);
  return RawPiece(std::move(raw));
}

void SharedBytes::Truncate(size_t n) {
  while (size_ > n) {
    const size_t last = pieces_.back().raw_size;
    if (size_ - last >= n) {
      size_ -= last;
      pieces_.pop_back();
      continue;
    }
    // `n` falls inside the last piece: keep a copy of its head.
    const size_t keep = last - (size_ - n);
    BytesPiece whole = pieces_.back().packed ? Unpacked(pieces_.size() - 1) : pieces_.back();
    pieces_.back() = RawPiece(whole.stored->substr(0, keep));
    size_ = n;
  }
}

void SharedBytes::EraseFront(size_t n) {
  n = std::min(n, size_);
  size_t whole = 0;  // pieces wholly dropped
  size_t dropped = 0;
  while (whole < pieces_.size() && dropped + pieces_[whole].raw_size <= n) {
    dropped += pieces_[whole].raw_size;
    ++whole;
  }
  pieces_.erase(pieces_.begin(), pieces_.begin() + static_cast<std::ptrdiff_t>(whole));
  if (dropped < n) {
    // `n` falls inside the first piece left: keep a copy of its tail.
    BytesPiece first = pieces_.front().packed ? Unpacked(0) : pieces_.front();
    pieces_.front() = RawPiece(first.stored->substr(n - dropped));
  }
  size_ -= n;
}

}  // namespace tempo
