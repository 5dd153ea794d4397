#include "tempo/block/trace_combine.h"

#include <google/protobuf/arena.h>

#include "block/trace_rows.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {

Status CombineSerializedTrace(std::string_view fragments, std::string* out,
                              model::CombineStats* stats) {
  model::CombineStats local;
  model::CombineStats& s = stats != nullptr ? *stats : local;
  TraceRows rows;
  if (rows.FromFragments(fragments)) {
    s = model::CombineStats();
    s.input_bytes = fragments.size();
    s.spans = static_cast<uint32_t>(rows.span_count());
    s.duplicate_spans = static_cast<uint32_t>(rows.duplicate_spans);
    return rows.AppendSerialized(out);
  }
  google::protobuf::Arena arena;
  auto* combined = google::protobuf::Arena::CreateMessage<tempopb::Trace>(&arena);
  TEMPO_RETURN_IF_ERROR(model::CombineFragments({fragments}, combined, &s));
  combined->DiscardUnknownFields();  // as the rows path, which has no place for them
  combined->AppendToString(out);
  return Status::Ok();
}

}  // namespace tempo::block
