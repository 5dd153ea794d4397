// TraceRows::AppendSerialized: a trace's rows written as tempopb.Trace protobuf bytes without
// building the message.
#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "block/any_value_codec.h"
#include "block/trace_rows.h"
#include "tempo/model/wire_format.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

constexpr uint32_t kVarintType = 0, kFixed64Type = 1, kBytesType = 2, kFixed32Type = 5;

// Writes protobuf bytes back to front, so that a nested message's length is known when its
// prefix is written (after its contents) without computing sizes first. Fields therefore go in
// in reverse: the last field of a message first, a repeated field's last element first. The
// result is what libprotobuf writes: fields in number order, defaults of proto3 scalars left out.
// The bytes go into chunks that are never moved or zeroed (a trace of 50,000 spans is tens of
// megabytes); AppendTo copies them out once, front to back.
class ReverseWriter {
 public:
  size_t written() const { return full_bytes_ + (size_ - pos_); }

  void AppendTo(std::string* out) const {
    out->reserve(out->size() + written());
    out->append(chunk_.get() + pos_, size_ - pos_);
    for (size_t i = full_.size(); i-- > 0;) out->append(full_[i].first.get(), full_[i].second);
  }

  void Raw(std::string_view b) {
    if (b.size() <= pos_) {
      pos_ -= b.size();
      if (!b.empty()) std::memcpy(chunk_.get() + pos_, b.data(), b.size());
      return;
    }
    RawSlow(b);
  }
  void Varint(uint64_t v) {
    if (pos_ < 10) {
      char tmp[10];
      Raw(std::string_view(tmp, static_cast<size_t>(model::wire::WriteVarint(tmp, v) - tmp)));
      return;
    }
    pos_ -= model::wire::VarintSize(v);
    model::wire::WriteVarint(chunk_.get() + pos_, v);
  }
  void Tag(uint32_t field, uint32_t type) { Varint((field << 3) | type); }
  // A field whose payload (everything written since `mark`) is complete.
  void Close(size_t mark, uint32_t field) {
    Varint(written() - mark);
    Tag(field, kBytesType);
  }
  void Bytes(uint32_t field, std::string_view b) {  // always written (oneof members, messages)
    Raw(b);
    Varint(b.size());
    Tag(field, kBytesType);
  }
  void String(uint32_t field, std::string_view b) {
    if (!b.empty()) Bytes(field, b);
  }
  void UInt(uint32_t field, uint64_t v) {
    if (v == 0) return;
    Varint(v);
    Tag(field, kVarintType);
  }
  // int32 enums and int64 values: negative numbers as 10-byte two's complement varints.
  void Int(uint32_t field, int64_t v) { UInt(field, static_cast<uint64_t>(v)); }
  void Fixed64(uint32_t field, uint64_t v) {
    if (v != 0) Fixed64Always(field, v);
  }
  void Fixed64Always(uint32_t field, uint64_t v) {  // a oneof member
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    Raw(std::string_view(b, 8));
    Tag(field, kFixed64Type);
  }
  void Fixed32(uint32_t field, uint32_t v) {
    if (v == 0) return;
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    Raw(std::string_view(b, 4));
    Tag(field, kFixed32Type);
  }

 private:
  static constexpr size_t kFirstChunk = 4096, kMaxChunk = 1 << 20;

  // Fills the front of the current chunk with the tail of `b`, then continues in a new one.
  void RawSlow(std::string_view b) {
    while (!b.empty()) {
      if (pos_ == 0) NewChunk();
      const size_t n = std::min(pos_, b.size());
      pos_ -= n;
      std::memcpy(chunk_.get() + pos_, b.data() + b.size() - n, n);
      b.remove_suffix(n);
    }
  }
  void NewChunk() {
    full_bytes_ += size_;
    full_.emplace_back(std::move(chunk_), size_);
    size_ = std::min(size_ * 2, kMaxChunk);
    chunk_.reset(new char[size_]);
    pos_ = size_;
  }

  std::unique_ptr<char[]> chunk_{new char[kFirstChunk]};  // bytes in [pos_, size_)
  size_t size_ = kFirstChunk;
  size_t pos_ = kFirstChunk;
  std::vector<std::pair<std::unique_ptr<char[]>, size_t>> full_;  // oldest (last bytes) first
  size_t full_bytes_ = 0;
};

class Encoder {
 public:
  explicit Encoder(const TraceRows& rows) : rows_(rows) {}

  Status Trace(ReverseWriter& w) {
    for (size_t i = rows_.resource_spans.size(); i-- > 0;) {
      const size_t mark = w.written();
      TEMPO_RETURN_IF_ERROR(ResourceSpans(w, rows_.resource_spans[i]));
      w.Close(mark, 1);
    }
    return Status::Ok();
  }

 private:
  Status ResourceSpans(ReverseWriter& w, const TraceRows::ResourceSpans& rs) {
    w.String(3, rs.schema_url);
    for (uint32_t k = rs.scope_spans.end; k-- > rs.scope_spans.begin;) {
      const size_t mark = w.written();
      TEMPO_RETURN_IF_ERROR(ScopeSpans(w, rows_.scope_spans[k]));
      w.Close(mark, 2);
    }
    if (rs.resource.present) {
      const size_t mark = w.written();
      w.UInt(2, rs.resource.dropped_attributes);
      TEMPO_RETURN_IF_ERROR(KeyValues(w, 1, rs.resource.attrs));
      w.Close(mark, 1);
    }
    return Status::Ok();
  }

  Status ScopeSpans(ReverseWriter& w, const TraceRows::ScopeSpans& ss) {
    w.String(3, ss.schema_url);
    for (uint32_t pos = ss.spans.end; pos-- > ss.spans.begin;) {
      const size_t mark = w.written();
      TEMPO_RETURN_IF_ERROR(Span(w, rows_.span(pos)));
      w.Close(mark, 2);
    }
    if (ss.scope.present) {
      const size_t mark = w.written();
      w.UInt(4, ss.scope.dropped_attributes);
      TEMPO_RETURN_IF_ERROR(KeyValues(w, 3, ss.scope.attrs));
      w.String(2, ss.scope.version);
      w.String(1, ss.scope.name);
      w.Close(mark, 1);
    }
    return Status::Ok();
  }

  Status Span(ReverseWriter& w, const TraceRows::Span& s) {
    w.Fixed32(16, s.flags);
    if (s.status_present) {
      const size_t mark = w.written();
      w.Int(3, s.status_code);
      w.String(2, s.status_message);
      w.Close(mark, 15);
    }
    w.UInt(14, s.dropped_links);
    for (uint32_t l = s.links.end; l-- > s.links.begin;) {
      const TraceRows::Link& link = rows_.links[l];
      const size_t mark = w.written();
      w.Fixed32(6, link.flags);
      w.UInt(5, link.dropped_attributes);
      TEMPO_RETURN_IF_ERROR(KeyValues(w, 4, link.attrs));
      w.String(3, link.trace_state);
      w.String(2, link.span_id);
      w.String(1, link.trace_id);
      w.Close(mark, 13);
    }
    w.UInt(12, s.dropped_events);
    for (uint32_t e = s.events.end; e-- > s.events.begin;) {
      const TraceRows::Event& ev = rows_.events[e];
      const size_t mark = w.written();
      w.UInt(4, ev.dropped_attributes);
      TEMPO_RETURN_IF_ERROR(KeyValues(w, 3, ev.attrs));
      w.String(2, ev.name);
      w.Fixed64(1, ev.time);
      w.Close(mark, 11);
    }
    w.UInt(10, s.dropped_attributes);
    TEMPO_RETURN_IF_ERROR(KeyValues(w, 9, s.attrs));
    w.Fixed64(8, s.end);
    w.Fixed64(7, s.start);
    w.Int(6, s.kind);
    w.String(5, s.name);
    w.String(4, s.parent_span_id);
    w.String(3, s.trace_state);
    w.String(2, s.span_id);
    w.String(1, s.trace_id);
    return Status::Ok();
  }

  Status KeyValues(ReverseWriter& w, uint32_t field, TraceRows::Range range) {
    for (uint32_t k = range.end; k-- > range.begin;) {
      const TraceRows::Attr& a = rows_.attrs[k];
      const size_t mark = w.written();
      if (a.type != AttrType::kUnset) {
        const size_t value_mark = w.written();
        TEMPO_RETURN_IF_ERROR(Value(w, a));
        w.Close(value_mark, 2);
      }
      w.String(1, a.key);
      w.Close(mark, field);
    }
    return Status::Ok();
  }

  // The AnyValue's fields (its oneof member is written even when it holds the default).
  Status Value(ReverseWriter& w, const TraceRows::Attr& a) {
    switch (a.type) {
      case AttrType::kString:
        w.Bytes(1, a.bytes);
        break;
      case AttrType::kBool:
        w.Varint(a.int_value != 0 ? 1 : 0);
        w.Tag(2, kVarintType);
        break;
      case AttrType::kInt:
        w.Varint(static_cast<uint64_t>(a.int_value));
        w.Tag(3, kVarintType);
        break;
      case AttrType::kDouble: {
        uint64_t bits;
        std::memcpy(&bits, &a.double_value, sizeof bits);
        w.Fixed64Always(4, bits);
        break;
      }
      case AttrType::kBytes:
        w.Bytes(7, a.bytes);
        break;
      case AttrType::kComplex:
        if (a.complex != nullptr) {
          scratch_.clear();
          a.complex->AppendToString(&scratch_);
          w.Raw(scratch_);
        } else if (a.block_encoded) {
          TEMPO_RETURN_IF_ERROR(DecodeAnyValue(a.bytes, &value_));
          scratch_.clear();
          value_.AppendToString(&scratch_);
          w.Raw(scratch_);
        } else {
          w.Raw(a.bytes);  // already the serialized AnyValue
        }
        break;
      default:  // kEmpty: an AnyValue without fields
        break;
    }
    return Status::Ok();
  }

  const TraceRows& rows_;
  std::string scratch_;
  opentelemetry::proto::common::v1::AnyValue value_;
};

}  // namespace

Status TraceRows::AppendSerialized(std::string* out) const {
  ReverseWriter w;
  Encoder encoder(*this);
  TEMPO_RETURN_IF_ERROR(encoder.Trace(w));
  w.AppendTo(out);
  return Status::Ok();
}

}  // namespace tempo::block
