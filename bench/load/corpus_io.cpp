// The corpus file: header, length-prefixed records, and the offsets index used to patch replays.
#include "corpus_io.h"

#include <cerrno>
#include <cstring>
#include <string_view>
#include <unordered_set>

namespace tempo::bench {
namespace {

constexpr char kMagic[8] = {'T', 'M', 'P', 'O', 'C', 'R', 'P', '1'};
constexpr size_t kHeaderBytes = 8 + 7 * 8;
// A sanity bound on one record; the load generator never sends anything near it.
constexpr uint32_t kMaxRecordBytes = 64u << 20;

void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string EncodeHeader(const CorpusHeader& h) {
  std::string out(kHeaderBytes, '\0');
  std::memcpy(out.data(), kMagic, 8);
  uint64_t fields[7] = {h.seed,          h.batches,        h.spans,      h.traces,
                        h.payload_bytes, h.first_start_ns, h.last_end_ns};
  for (int i = 0; i < 7; ++i) PutU64(out.data() + 8 + 8 * i, fields[i]);
  return out;
}

Result<CorpusHeader> DecodeHeader(const char* p, const std::string& path) {
  if (std::memcmp(p, kMagic, 8) != 0) return CorruptionError(path + " is not a corpus file");
  CorpusHeader h;
  uint64_t* fields[7] = {&h.seed,          &h.batches,        &h.spans,      &h.traces,
                         &h.payload_bytes, &h.first_start_ns, &h.last_end_ns};
  for (int i = 0; i < 7; ++i) *fields[i] = GetU64(p + 8 + 8 * i);
  if (h.batches == 0) return CorruptionError(path + " is incomplete (no batches in its header)");
  return h;
}

// A minimal protobuf wire reader over one message's bytes.
struct Wire {
  const char* p;
  const char* end;
  bool ok = true;

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      uint8_t b = static_cast<uint8_t>(*p++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok = false;
    return 0;
  }
  // Skips a field of `wire_type`, or returns the [begin, end) of a length-delimited one.
  std::string_view Field(int wire_type) {
    switch (wire_type) {
      case 0:
        Varint();
        return {};
      case 1:
        Advance(8);
        return {};
      case 5:
        Advance(4);
        return {};
      case 2: {
        uint64_t len = Varint();
        if (!ok || len > static_cast<uint64_t>(end - p)) {
          ok = false;
          return {};
        }
        std::string_view v(p, len);
        p += len;
        return v;
      }
      default:
        ok = false;
        return {};
    }
  }
  void Advance(size_t n) {
    if (static_cast<size_t>(end - p) < n) {
      ok = false;
      p = end;
    } else {
      p += n;
    }
  }
};

// Nesting: request.1 ResourceSpans .2 ScopeSpans .2 Span {1 trace_id, 7/8 times, 11 Event {1
// time}, 13 Link {1 trace_id}}.
enum class Level { kRequest, kResourceSpans, kScopeSpans, kSpan, kEvent, kLink };

bool Walk(std::string_view bytes, Level level, const char* base, CorpusBatch* batch) {
  Wire w{bytes.data(), bytes.data() + bytes.size()};
  while (w.ok && w.p < w.end) {
    uint64_t tag = w.Varint();
    int field = static_cast<int>(tag >> 3), type = static_cast<int>(tag & 7);
    if (!w.ok) break;
    const char* at = w.p;
    uint32_t offset = static_cast<uint32_t>(at - base);
    bool is_time = (level == Level::kSpan && (field == 7 || field == 8)) ||
                   (level == Level::kEvent && field == 1);
    if (is_time && type == 1) batch->time_offsets.push_back(offset);
    std::string_view sub = w.Field(type);
    if (!w.ok) break;
    if (type != 2) continue;
    bool is_trace_id = (level == Level::kSpan || level == Level::kLink) && field == 1;
    if (is_trace_id && sub.size() == 16) {
      batch->trace_id_offsets.push_back(static_cast<uint32_t>(sub.data() - base));
    }
    Level next = level;
    if (level == Level::kRequest && field == 1)
      next = Level::kResourceSpans;
    else if (level == Level::kResourceSpans && field == 2)
      next = Level::kScopeSpans;
    else if (level == Level::kScopeSpans && field == 2)
      next = Level::kSpan;
    else if (level == Level::kSpan && field == 11)
      next = Level::kEvent;
    else if (level == Level::kSpan && field == 13)
      next = Level::kLink;
    if (next != level && !Walk(sub, next, base, batch)) return false;
  }
  return w.ok;
}

Status ReadExact(std::FILE* f, char* out, size_t n, const std::string& path) {
  if (std::fread(out, 1, n, f) != n) return CorruptionError(path + ": truncated corpus file");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<CorpusFileWriter>> CorpusFileWriter::Create(const std::string& path,
                                                                   uint64_t seed) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return IOError("cannot create " + path + ": " + std::strerror(errno));
  std::unique_ptr<CorpusFileWriter> w(new CorpusFileWriter(f, path, seed));
  std::string header = EncodeHeader(CorpusHeader{});  // batches = 0 until Finish
  if (std::fwrite(header.data(), 1, header.size(), f) != header.size()) {
    return IOError("cannot write " + path);
  }
  return w;
}

CorpusFileWriter::CorpusFileWriter(std::FILE* file, std::string path, uint64_t seed)
    : file_(file), path_(std::move(path)) {
  header_.seed = seed;
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

CorpusFileWriter::~CorpusFileWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status CorpusFileWriter::Append(const std::string& payload, uint32_t spans) {
  char prefix[8];
  uint32_t len = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) {
    prefix[i] = static_cast<char>(len >> (8 * i));
    prefix[4 + i] = static_cast<char>(spans >> (8 * i));
  }
  if (std::fwrite(prefix, 1, 8, file_) != 8 ||
      std::fwrite(payload.data(), 1, payload.size(), file_) != payload.size()) {
    return IOError("cannot write " + path_ + ": " + std::strerror(errno));
  }
  ++header_.batches;
  header_.spans += spans;
  header_.payload_bytes += payload.size();
  return Status::Ok();
}

Status CorpusFileWriter::Finish(uint64_t traces, uint64_t first_start_ns, uint64_t last_end_ns) {
  header_.traces = traces;
  header_.first_start_ns = first_start_ns;
  header_.last_end_ns = last_end_ns;
  std::string header = EncodeHeader(header_);
  bool ok = std::fseek(file_, 0, SEEK_SET) == 0 &&
            std::fwrite(header.data(), 1, header.size(), file_) == header.size();
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok) return IOError("cannot finish " + path_ + ": " + std::strerror(errno));
  return Status::Ok();
}

bool IndexPayload(const std::string& payload, CorpusBatch* batch) {
  batch->trace_id_offsets.clear();
  batch->time_offsets.clear();
  return Walk(payload, Level::kRequest, payload.data(), batch);
}

Result<CorpusHeader> ReadCorpusHeader(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFoundError("cannot open " + path + ": " + std::strerror(errno));
  char buf[kHeaderBytes];
  Status s = ReadExact(f, buf, sizeof(buf), path);
  std::fclose(f);
  TEMPO_RETURN_IF_ERROR(s);
  return DecodeHeader(buf, path);
}

Result<std::unique_ptr<Corpus>> LoadCorpus(const std::string& path, bool index_offsets,
                                           uint64_t max_batches) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFoundError("cannot open " + path + ": " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(f, &std::fclose);
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  char buf[kHeaderBytes];
  TEMPO_RETURN_IF_ERROR(ReadExact(f, buf, sizeof(buf), path));
  auto corpus = std::make_unique<Corpus>();
  TEMPO_ASSIGN_OR_RETURN(corpus->header, DecodeHeader(buf, path));
  uint64_t count = corpus->header.batches;
  if (max_batches != 0 && max_batches < count) count = max_batches;
  corpus->batches.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    char prefix[8];
    TEMPO_RETURN_IF_ERROR(ReadExact(f, prefix, 8, path));
    uint32_t len = 0, spans = 0;
    for (int k = 0; k < 4; ++k) {
      len |= static_cast<uint32_t>(static_cast<unsigned char>(prefix[k])) << (8 * k);
      spans |= static_cast<uint32_t>(static_cast<unsigned char>(prefix[4 + k])) << (8 * k);
    }
    if (len > kMaxRecordBytes) return CorruptionError(path + ": record too large");
    CorpusBatch& b = corpus->batches[i];
    b.spans = spans;
    b.payload.resize(len);
    TEMPO_RETURN_IF_ERROR(ReadExact(f, b.payload.data(), len, path));
    if (index_offsets && !IndexPayload(b.payload, &b)) {
      return CorruptionError(path + ": batch " + std::to_string(i) + " is not a valid request");
    }
  }
  return corpus;
}

Result<std::vector<FirstSeenTrace>> TracesByFirstBatch(const std::string& path) {
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<CorpusReader> reader, CorpusReader::Open(path));
  std::vector<FirstSeenTrace> out;
  std::unordered_set<std::string> ids;
  CorpusBatch batch;
  uint32_t spans = 0;
  for (uint64_t b = 0;; ++b) {
    TEMPO_ASSIGN_OR_RETURN(bool more, reader->Next(&batch.payload, &spans));
    if (!more) break;
    if (!IndexPayload(batch.payload, &batch)) {
      return CorruptionError(path + ": batch " + std::to_string(b) + " is not a valid request");
    }
    for (uint32_t offset : batch.trace_id_offsets) {
      std::string id = batch.payload.substr(offset, 16);
      if (ids.insert(id).second) out.push_back({std::move(id), b});
    }
  }
  return out;
}

Result<std::unique_ptr<CorpusReader>> CorpusReader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFoundError("cannot open " + path + ": " + std::strerror(errno));
  std::unique_ptr<CorpusReader> reader(new CorpusReader(f, path));
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  char buf[kHeaderBytes];
  TEMPO_RETURN_IF_ERROR(ReadExact(f, buf, sizeof(buf), path));
  TEMPO_ASSIGN_OR_RETURN(reader->header_, DecodeHeader(buf, path));
  return reader;
}

CorpusReader::~CorpusReader() { std::fclose(file_); }

Result<bool> CorpusReader::Next(std::string* payload, uint32_t* spans) {
  if (read_ >= header_.batches) return false;
  char prefix[8];
  TEMPO_RETURN_IF_ERROR(ReadExact(file_, prefix, 8, path_));
  uint32_t len = 0, count = 0;
  for (int k = 0; k < 4; ++k) {
    len |= static_cast<uint32_t>(static_cast<unsigned char>(prefix[k])) << (8 * k);
    count |= static_cast<uint32_t>(static_cast<unsigned char>(prefix[4 + k])) << (8 * k);
  }
  if (len > kMaxRecordBytes) return CorruptionError(path_ + ": record too large");
  if (payload == nullptr) {
    if (std::fseek(file_, static_cast<long>(len), SEEK_CUR) != 0) {
      return CorruptionError(path_ + ": truncated corpus file");
    }
  } else {
    payload->resize(len);
    TEMPO_RETURN_IF_ERROR(ReadExact(file_, payload->data(), len, path_));
  }
  *spans = count;
  ++read_;
  return true;
}

void PatchInPlace(const CorpusBatch& batch, uint32_t pass, int64_t time_shift_ns,
                  std::string* payload) {
  char* base = payload->data();
  if (pass != 0) {
    for (uint32_t off : batch.trace_id_offsets) {
      for (int i = 0; i < 4; ++i) base[off + i] ^= static_cast<char>(pass >> (8 * i));
    }
  }
  if (time_shift_ns != 0) {
    for (uint32_t off : batch.time_offsets) {
      PutU64(base + off, GetU64(base + off) + static_cast<uint64_t>(time_shift_ns));
    }
  }
}

void PatchBatchForPass(const CorpusBatch& batch, uint32_t pass, int64_t time_shift_ns,
                       std::string* out) {
  out->assign(batch.payload);
  PatchInPlace(batch, pass, time_shift_ns, out);
}

}  // namespace tempo::bench
