// Decodes jaeger.thrift structs (spec/ingest-protocols.md §7.1) with our own thrift readers.
// Field ids and requiredness follow the IDL; a field of an unexpected type is skipped, as the
// generated Go code does, and a missing required field is an error.

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>

#include "receivers/jaeger/jaeger_decoder.h"
#include "receivers/jaeger/thrift_protocol.h"

namespace tempo::receivers::jaeger {
namespace {

using thrift::FieldHeader;
using thrift::ListHeader;
using thrift::TType;

// thrift TagType values.
constexpr int32_t kThriftString = 0;
constexpr int32_t kThriftDouble = 1;
constexpr int32_t kThriftBool = 2;
constexpr int32_t kThriftLong = 3;
constexpr int32_t kThriftBinary = 4;

// Tracks required fields of one struct: bit i set once field id i was read.
class Required {
 public:
  void Set(int16_t id) { seen_ |= 1u << id; }
  // Records an error on `r` for the first missing field among `ids` (names parallel to ids).
  template <typename Reader>
  void Check(Reader& r, const char* type, std::initializer_list<std::pair<int, const char*>> ids) {
    if (!r.ok()) return;
    for (const auto& [id, name] : ids) {
      if ((seen_ & (1u << id)) == 0) {
        r.Fail(std::string("required field ") + type + "." + name + " is not set");
        return;
      }
    }
  }

 private:
  uint32_t seen_ = 0;
};

template <typename Reader>
class Decoder {
 public:
  explicit Decoder(Reader& r) : r_(r) {}

  void ReadTag(Tag* tag) {
    Required required;
    std::string_view v_str, v_binary;
    double v_double = 0;
    bool v_bool = false;
    int64_t v_long = 0;
    int32_t type = 0;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      switch (f.id) {
        case 1:
          if (f.type != TType::kString) break;
          tag->key = r_.ReadBinary();
          required.Set(1);
          continue;
        case 2:
          if (f.type != TType::kI32) break;
          type = r_.ReadI32();
          required.Set(2);
          continue;
        case 3:
          if (f.type != TType::kString) break;
          v_str = r_.ReadBinary();
          continue;
        case 4:
          if (f.type != TType::kDouble) break;
          v_double = r_.ReadDouble();
          continue;
        case 5:
          if (f.type != TType::kBool) break;
          v_bool = r_.ReadBool();
          continue;
        case 6:
          if (f.type != TType::kI64) break;
          v_long = r_.ReadI64();
          continue;
        case 7:
          if (f.type != TType::kString) break;
          v_binary = r_.ReadBinary();
          continue;
        default:
          break;
      }
      r_.Skip(f.type);
    }
    r_.ReadStructEnd();
    required.Check(r_, "Tag", {{1, "key"}, {2, "vType"}});
    tag->raw_type = type;
    // The value is the field the type selects; senders such as Node's jaeger-client also write
    // the others, which are ignored.
    switch (type) {
      case kThriftString:
        tag->kind = TagKind::kString;
        tag->str = v_str;
        break;
      case kThriftDouble:
        tag->kind = TagKind::kDouble;
        tag->d = v_double;
        break;
      case kThriftBool:
        tag->kind = TagKind::kBool;
        tag->b = v_bool;
        break;
      case kThriftLong:
        tag->kind = TagKind::kInt;
        tag->i = v_long;
        break;
      case kThriftBinary:
        tag->kind = TagKind::kBinary;
        tag->str = v_binary;
        break;
      default:
        tag->kind = TagKind::kUnknown;
        break;
    }
  }

  void ReadTags(std::vector<Tag>* out) {
    ListHeader list;
    r_.ReadListBegin(&list);
    if (list.elem != TType::kStruct) {
      for (uint32_t i = 0; i < list.size && r_.ok(); ++i) r_.Skip(list.elem);
    } else {
      out->reserve(out->size() + std::min<uint32_t>(list.size, 256));
      for (uint32_t i = 0; i < list.size && r_.ok(); ++i) ReadTag(&out->emplace_back());
    }
    r_.ReadListEnd();
  }

  void ReadLog(Log* log) {
    Required required;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      if (f.id == 1 && f.type == TType::kI64) {
        log->time_ns = static_cast<uint64_t>(r_.ReadI64()) * 1000;
        required.Set(1);
      } else if (f.id == 2 && f.type == TType::kList) {
        ReadTags(&log->fields);
        required.Set(2);
      } else {
        r_.Skip(f.type);
      }
    }
    r_.ReadStructEnd();
    required.Check(r_, "Log", {{1, "timestamp"}, {2, "fields"}});
  }

  void ReadRef(SpanRef* ref) {
    Required required;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      if (f.id == 1 && f.type == TType::kI32) {
        ref->type = r_.ReadI32();
      } else if (f.id >= 2 && f.id <= 4 && f.type == TType::kI64) {
        uint64_t v = static_cast<uint64_t>(r_.ReadI64());
        if (f.id == 2) ref->trace_low = v;
        if (f.id == 3) ref->trace_high = v;
        if (f.id == 4) ref->span_id = v;
      } else {
        r_.Skip(f.type);
        continue;
      }
      required.Set(f.id);
    }
    r_.ReadStructEnd();
    required.Check(r_, "SpanRef",
                   {{1, "refType"}, {2, "traceIdLow"}, {3, "traceIdHigh"}, {4, "spanId"}});
  }

  template <typename T, typename Fn>
  void ReadStructList(std::vector<T>* out, Fn read_one) {
    ListHeader list;
    r_.ReadListBegin(&list);
    if (list.elem != TType::kStruct) {
      for (uint32_t i = 0; i < list.size && r_.ok(); ++i) r_.Skip(list.elem);
    } else {
      out->reserve(std::min<uint32_t>(list.size, 1024));
      for (uint32_t i = 0; i < list.size && r_.ok(); ++i) (this->*read_one)(&out->emplace_back());
    }
    r_.ReadListEnd();
  }

  void ReadSpan(Span* span) {
    Required required;
    int64_t start_us = 0, duration_us = 0;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      switch (f.id) {
        case 1:
        case 2:
        case 3:
        case 4:
        case 8:
        case 9: {
          if (f.type != TType::kI64) break;
          int64_t v = r_.ReadI64();
          switch (f.id) {
            case 1:
              span->trace_low = static_cast<uint64_t>(v);
              break;
            case 2:
              span->trace_high = static_cast<uint64_t>(v);
              break;
            case 3:
              span->span_id = static_cast<uint64_t>(v);
              break;
            case 4:
              span->parent_span_id = static_cast<uint64_t>(v);
              break;
            case 8:
              start_us = v;
              break;
            default:
              duration_us = v;
              break;
          }
          required.Set(f.id);
          continue;
        }
        case 5:
          if (f.type != TType::kString) break;
          span->operation_name = r_.ReadBinary();
          required.Set(5);
          continue;
        case 6:
          if (f.type != TType::kList) break;
          ReadStructList(&span->references, &Decoder::ReadRef);
          continue;
        case 7:
          if (f.type != TType::kI32) break;
          span->flags = static_cast<uint32_t>(r_.ReadI32());
          required.Set(7);
          continue;
        case 10:
          if (f.type != TType::kList) break;
          ReadTags(&span->tags);
          continue;
        case 11:
          if (f.type != TType::kList) break;
          ReadStructList(&span->logs, &Decoder::ReadLog);
          continue;
        default:
          break;
      }
      r_.Skip(f.type);
    }
    r_.ReadStructEnd();
    required.Check(r_, "Span",
                   {{1, "traceIdLow"},
                    {2, "traceIdHigh"},
                    {3, "spanId"},
                    {4, "parentSpanId"},
                    {5, "operationName"},
                    {7, "flags"},
                    {8, "startTime"},
                    {9, "duration"}});
    // Microseconds to nanoseconds with Go's unsigned wrap-around.
    span->start_ns = static_cast<uint64_t>(start_us) * 1000;
    span->end_ns = (static_cast<uint64_t>(start_us) + static_cast<uint64_t>(duration_us)) * 1000;
    span->blank = span->trace_low == 0 && span->trace_high == 0 && span->span_id == 0 &&
                  span->parent_span_id == 0 && span->operation_name.empty() &&
                  span->references.empty() && span->flags == 0 && start_us == 0 &&
                  duration_us == 0 && span->tags.empty() && span->logs.empty();
  }

  void ReadProcess(Process* process) {
    Required required;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      if (f.id == 1 && f.type == TType::kString) {
        process->service_name = r_.ReadBinary();
        required.Set(1);
      } else if (f.id == 2 && f.type == TType::kList) {
        ReadTags(&process->tags);
      } else {
        r_.Skip(f.type);
      }
    }
    r_.ReadStructEnd();
    required.Check(r_, "Process", {{1, "serviceName"}});
  }

  void ReadBatch(Batch* batch) {
    Required required;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      if (f.id == 1 && f.type == TType::kStruct) {
        ReadProcess(&batch->process);
        batch->has_process = true;
        required.Set(1);
      } else if (f.id == 2 && f.type == TType::kList) {
        ReadStructList(&batch->spans, &Decoder::ReadSpan);
        required.Set(2);
      } else {
        r_.Skip(f.type);  // seqNo, stats
      }
    }
    r_.ReadStructEnd();
    required.Check(r_, "Batch", {{1, "process"}, {2, "spans"}});
  }

  // The emitBatch argument struct: field 1 is the batch.
  void ReadEmitBatchArgs(Batch* batch) {
    bool found = false;
    r_.ReadStructBegin();
    FieldHeader f;
    for (r_.ReadFieldBegin(&f); f.type != TType::kStop; r_.ReadFieldBegin(&f)) {
      if (f.id == 1 && f.type == TType::kStruct && !found) {
        ReadBatch(batch);
        found = true;
      } else {
        r_.Skip(f.type);
      }
    }
    r_.ReadStructEnd();
    if (r_.ok() && !found) r_.Fail("emitBatch arguments carry no batch");
  }

 private:
  Reader& r_;
};

template <typename Reader>
Status DecodeBatchWith(std::string_view data, Batch* out) {
  Reader reader(data);
  Decoder<Reader>(reader).ReadBatch(out);
  return reader.status();
}

template <typename Reader>
Status DecodeAgentWith(std::string_view data, Batch* out) {
  Reader reader(data);
  thrift::MessageHeader header;
  reader.ReadMessageBegin(&header);
  if (!reader.ok()) return reader.status();
  if (header.name != "emitBatch") {
    return UnimplementedError("unsupported method \"" + std::string(header.name.substr(0, 64)) +
                              "\"");
  }
  if (header.type != thrift::kMessageOneway && header.type != thrift::kMessageCall) {
    return InvalidArgumentError("unexpected thrift message type " + std::to_string(header.type));
  }
  Decoder<Reader>(reader).ReadEmitBatchArgs(out);
  return reader.status();
}

}  // namespace

Status DecodeThriftBatch(std::string_view data, ThriftProtocol protocol, Batch* out) {
  return protocol == ThriftProtocol::kBinary ? DecodeBatchWith<thrift::BinaryReader>(data, out)
                                             : DecodeBatchWith<thrift::CompactReader>(data, out);
}

Status DecodeAgentMessage(std::string_view data, ThriftProtocol protocol, Batch* out) {
  return protocol == ThriftProtocol::kBinary ? DecodeAgentWith<thrift::BinaryReader>(data, out)
                                             : DecodeAgentWith<thrift::CompactReader>(data, out);
}

Status ThriftHttpBodyToOtlp(std::string_view body, model::OtlpRequest* out) {
  Batch batch;
  Status s = DecodeThriftBatch(body, ThriftProtocol::kBinary, &batch);
  if (!s.ok()) return s;
  TranslateToOtlp(batch, Flavor::kThrift, out);
  return Status::Ok();
}

Status AgentMessageToOtlp(std::string_view datagram, ThriftProtocol protocol,
                          model::OtlpRequest* out) {
  Batch batch;
  Status s = DecodeAgentMessage(datagram, protocol, &batch);
  if (!s.ok()) return s;
  TranslateToOtlp(batch, Flavor::kThrift, out);
  return Status::Ok();
}

}  // namespace tempo::receivers::jaeger
