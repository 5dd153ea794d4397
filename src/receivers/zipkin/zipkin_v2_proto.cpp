// Zipkin v2 proto3 (zipkin.proto3.ListOfSpans, spec/ingest-protocols.md §6.2), converted with
// zipkin-go's rules: the trace id must be exactly 16 bytes, span ids 8 (parent may be empty).

#include <algorithm>

#include "receivers/jaeger/otlp_builder.h"
#include "receivers/zipkin/zipkin_decoder.h"
#include "zipkin/zipkin.pb.h"

namespace tempo::receivers::zipkin {
namespace {

namespace pb = ::zipkin::proto3;

uint64_t BigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

std::optional<Endpoint> MapEndpoint(bool present, const pb::Endpoint& in) {
  if (!present) return std::nullopt;
  Endpoint e;
  e.service_name = in.service_name();
  e.ipv4 = FormatIp(in.ipv4());
  e.ipv6 = FormatIp(in.ipv6());
  e.port = static_cast<uint16_t>(in.port());  // Go converts the int32 with uint16(...)
  return e;
}

Status MapSpan(const pb::Span& in, Span* out) {
  if (in.trace_id().size() != 16) {
    return InvalidArgumentError("invalid TraceID: has length " +
                                std::to_string(in.trace_id().size()) + " yet wanted length 16");
  }
  out->trace_high = BigEndian64(std::string_view(in.trace_id()).substr(0, 8));
  out->trace_low = BigEndian64(std::string_view(in.trace_id()).substr(8));
  if (!in.parent_id().empty()) {
    if (in.parent_id().size() != 8) {
      return InvalidArgumentError("invalid ParentID: has length " +
                                  std::to_string(in.parent_id().size()) + " yet wanted length 8");
    }
    out->parent_id = BigEndian64(in.parent_id());
  }
  if (in.id().size() != 8) {
    if (in.id().empty()) return InvalidArgumentError("expected a non-nil SpanID");
    return InvalidArgumentError("invalid SpanID: has length " + std::to_string(in.id().size()) +
                                " yet wanted length 8");
  }
  out->id = BigEndian64(in.id());
  switch (in.kind()) {
    case pb::Span::CLIENT:
      out->kind = Kind::kClient;
      break;
    case pb::Span::SERVER:
      out->kind = Kind::kServer;
      break;
    case pb::Span::PRODUCER:
      out->kind = Kind::kProducer;
      break;
    case pb::Span::CONSUMER:
      out->kind = Kind::kConsumer;
      break;
    default:
      out->kind = Kind::kUnspecified;
      break;
  }
  out->name = in.name();
  out->timestamp_us = in.timestamp();
  out->timestamp_absent = false;  // proto3 maps 0 to the epoch
  out->duration_us = in.duration();
  out->local_endpoint = MapEndpoint(in.has_local_endpoint(), in.local_endpoint());
  out->remote_endpoint = MapEndpoint(in.has_remote_endpoint(), in.remote_endpoint());
  out->annotations.reserve(static_cast<size_t>(in.annotations_size()));
  for (const pb::Annotation& a : in.annotations()) {
    out->annotations.push_back(Annotation{a.timestamp(), a.value()});
  }
  // A map on the wire: sorted by key, the last of duplicate keys wins.
  out->tags.reserve(static_cast<size_t>(in.tags_size()));
  for (const pb::Span::TagsEntry& tag : in.tags()) out->tags.emplace_back(tag.key(), tag.value());
  std::stable_sort(out->tags.begin(), out->tags.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t kept = 0;
  for (size_t i = 0; i < out->tags.size(); ++i) {
    if (i + 1 < out->tags.size() && out->tags[i + 1].first == out->tags[i].first) continue;
    if (kept != i) out->tags[kept] = std::move(out->tags[i]);
    ++kept;
  }
  out->tags.resize(kept);
  return Status::Ok();
}

}  // namespace

Status DecodeV2Proto(std::string_view body, std::vector<Span>* out) {
  pb::ListOfSpans list;
  if (body.size() > static_cast<size_t>(INT32_MAX) ||
      !list.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError("proto: cannot parse invalid wire-format data");
  }
  out->reserve(static_cast<size_t>(list.spans_size()));
  for (const pb::Span& in : list.spans()) {
    Span span;
    TEMPO_RETURN_IF_ERROR(MapSpan(in, &span));
    out->push_back(std::move(span));
  }
  return Status::Ok();
}

Status V2ProtoToOtlp(std::string_view body, model::OtlpRequest* out) {
  std::vector<Span> spans;
  TEMPO_RETURN_IF_ERROR(DecodeV2Proto(body, &spans));
  TEMPO_RETURN_IF_ERROR(TranslateV2(spans, out));
  // Our proto declares text as `bytes`; OTLP strings must be valid UTF-8.
  otlp_builder::SanitizeUtf8(out);
  return Status::Ok();
}

}  // namespace tempo::receivers::zipkin
