#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tempo {

// An immutable byte string that several owners share: a pushed fragment is held by its live trace
// and by its WAL record at once, without a copy.
using SharedPiece = std::shared_ptr<const std::string>;

// Bytes that LZ4 blocks may refer back to, so that each packed fragment need not spell out again
// the attribute names, service names and values every trace repeats: a fragment packed against a
// dictionary sampled from other fragments of the same services stores ~3.6-4.1x less instead of
// ~2.1x alone (bench/RESULTS.md, sessions 14 and 15). Holds the bytes and an id that names them
// in the WAL (each packing thread prepares its own LZ4 state from a copy of the bytes: PackBytes).
// Immutable once made; shared by every piece packed with it, which keeps it alive. Thread-safe to
// use from any thread.
class PackDictionary {
 public:
  // LZ4 looks back at most this far: longer samples are cut to their last kMaxBytes.
  static constexpr size_t kMaxBytes = 64 * 1024;
  PackDictionary(std::string_view sample, uint64_t id);
  PackDictionary(const PackDictionary&) = delete;
  PackDictionary& operator=(const PackDictionary&) = delete;

  // A random non-zero id for a new dictionary: ids outlive the process (the WAL stores them),
  // so a counter would repeat after a restart.
  static uint64_t NewId();

  uint64_t id() const { return id_; }
  std::string_view bytes() const { return bytes_; }

 private:
  std::string bytes_;
  uint64_t id_ = 0;
};

// One piece of a SharedBytes: bytes as appended, or an appended fragment packed into one LZ4 block
// (PackBytes), which stands for `raw_size` bytes; `dict` is the dictionary the block refers to
// (null: none).
struct BytesPiece {
  SharedPiece stored;
  size_t raw_size = 0;
  bool packed = false;
  std::shared_ptr<const PackDictionary> dict;

  // The bytes it stands for (unpacked when packed).
  std::string ToString() const;
};

// `raw` as a piece: LZ4-compressed, against `dict` when not null, when that saves at least an
// eighth; otherwise the bytes themselves (adopted, not copied). CPU-bound (about 0.4 GB/s with a
// dictionary); call outside any lock.
BytesPiece PackBytes(std::string&& raw, std::shared_ptr<const PackDictionary> dict);

// A piece of `raw` as is (adopted, not copied).
BytesPiece RawPiece(std::string&& raw);

// Appends the bytes a packed `piece` stands for to `*out`; false (with `*out` as it was) when its
// block does not unpack to raw_size bytes, which for a piece read from disk means corruption.
bool UnpackPieceTo(const BytesPiece& piece, std::string* out);

// A read-only snapshot of the bytes of a SharedBytes: the pieces it held when the reference was
// taken, in order. Copying one copies the piece pointers, never the bytes, and the bytes it sees
// never change. Thread-safe to read from any thread.
class BytesRef {
 public:
  BytesRef() = default;
  explicit BytesRef(std::vector<BytesPiece> pieces);

  // Bytes it stands for (packed pieces counted unpacked).
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Bytes held in memory (packed pieces counted packed).
  size_t stored_size() const;
  size_t piece_count() const { return pieces_.size(); }
  // The bytes of piece `i`: the piece itself, or unpacked into `*scratch` (replacing its
  // contents). Valid while this reference and `*scratch` are.
  std::string_view Piece(size_t i, std::string* scratch) const;
  // The bytes as one view: the only unpacked piece itself, or else every piece unpacked and
  // concatenated into `*scratch` (replacing its contents).
  std::string_view Flat(std::string* scratch) const;
  // Appends the first `n` bytes (all of them when n >= size()) to `*out`.
  void AppendPrefixTo(size_t n, std::string* out) const;
  void AppendTo(std::string* out) const { AppendPrefixTo(size_, out); }
  // A copy of the bytes.
  std::string ToString() const;

  friend bool operator==(const BytesRef& a, const BytesRef& b);

 private:
  friend class SharedBytes;
  std::vector<BytesPiece> pieces_;
  size_t size_ = 0;
};

// Append-mostly bytes kept as a list of immutable pieces, so that appending adopts a buffer
// instead of copying it and a snapshot (Ref) copies pointers instead of bytes. The pieces are
// never changed in place: truncating or erasing inside a piece replaces it with a copy of the
// part kept (unpacked), so a reference never sees its bytes change or go away. Unpacked pieces
// hold exactly the bytes appended (no spare capacity). Not thread-safe: the owner serializes
// every call (BytesRef copies may then be read anywhere).
class SharedBytes {
 public:
  // Bytes appended and kept (packed pieces counted unpacked).
  size_t size() const { return size_; }
  size_t piece_count() const { return pieces_.size(); }
  BytesRef Ref() const { return BytesRef(pieces_); }
  // Adopts `piece` (packed or not) as the last piece (shared, not copied). Empty or null pieces
  // are ignored.
  void Append(BytesPiece piece);
  // Appends a copy of `bytes` as a new piece.
  void Append(std::string_view bytes);
  // Keeps the first `n` bytes (n <= size()).
  void Truncate(size_t n);
  // Drops the first `n` bytes (n <= size()).
  void EraseFront(size_t n);

 private:
  // Piece `i` unpacked, as an unpacked piece.
  BytesPiece Unpacked(size_t i) const;

  std::vector<BytesPiece> pieces_;
  size_t size_ = 0;
};

}  // namespace tempo
