#include "api/grpc/streaming_querier.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/grpc/request_params.h"
#include "api/query/search_query.h"
#include "api/query/tag_query.h"
#include "tempo/common/log.h"

namespace tempo::api::grpc_api {
namespace {

size_t ItemBytes(const std::string& item) { return item.size(); }
size_t ItemBytes(const google::protobuf::Message& item) { return item.ByteSizeLong(); }

// Streams `response` as segments of about kSegmentBytes: the items of the repeated field that
// `items` selects are split in order, and the metrics go in the last segment. Returns false
// when the client went away.
template <typename Response, typename Items>
bool WriteSegmented(Response response, Items items, grpc::ServerWriter<Response>* writer) {
  Response segment;
  size_t bytes = 0;
  for (auto& item : *items(response)) {
    // Tag and length overhead of one item is at most a few bytes; 16 keeps the estimate safe.
    size_t size = ItemBytes(item) + 16;
    if (bytes > 0 && bytes + size > kSegmentBytes) {
      if (!writer->Write(segment)) return false;
      segment.Clear();
      bytes = 0;
    }
    *items(segment)->Add() = std::move(item);
    bytes += size;
  }
  *segment.mutable_metrics() = std::move(*response.mutable_metrics());
  return writer->Write(segment);
}

// Sends search progress (spec/query-api.md §9.2) as metrics-only messages, at most one per
// kProgressInterval, so Grafana can show how far the search got. Traces go only into the final
// result: Grafana keeps the first copy of every trace it receives, so a partial trace that the
// final top `limit` later leaves out would stay on screen. Thread-safe; Close() ends reporting
// before the final result is written.
class ProgressWriter {
 public:
  static constexpr auto kProgressInterval = std::chrono::milliseconds(500);

  explicit ProgressWriter(grpc::ServerWriter<tempopb::SearchResponse>* writer)
      : writer_(writer), last_(std::chrono::steady_clock::now()) {}

  void Report(const tempopb::SearchMetrics& metrics) {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (closed_ || now - last_ < kProgressInterval) return;
    last_ = now;
    tempopb::SearchResponse message;
    *message.mutable_metrics() = metrics;
    // A few dozen bytes every 500 ms: never waits on HTTP/2 flow control in practice.
    if (!writer_->Write(message)) closed_ = true;  // client gone; the final write reports it
  }

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }

 private:
  std::mutex mu_;
  grpc::ServerWriter<tempopb::SearchResponse>* writer_;  // guarded by mu_
  std::chrono::steady_clock::time_point last_;           // guarded by mu_
  bool closed_ = false;                                  // guarded by mu_
};

// What the querier is told about the call: its deadline (a search also notices a cancelled call
// at each progress report).
RequestContext CallContext(const grpc::ServerContext& context) {
  RequestContext ctx;
  auto deadline = context.deadline();
  if (deadline != std::chrono::system_clock::time_point::max()) {
    ctx.deadline = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       deadline - std::chrono::system_clock::now());
  }
  return ctx;
}

}  // namespace

grpc::Status ToGrpcStatus(const Status& status) {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  switch (status.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case StatusCode::kNotFound:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case StatusCode::kResourceExhausted:
      code = grpc::StatusCode::RESOURCE_EXHAUSTED;
      break;
    case StatusCode::kCancelled:
      code = grpc::StatusCode::CANCELLED;
      break;
    case StatusCode::kDeadlineExceeded:
      code = grpc::StatusCode::DEADLINE_EXCEEDED;
      break;
    case StatusCode::kUnavailable:
      code = grpc::StatusCode::UNAVAILABLE;
      break;
    case StatusCode::kUnimplemented:
      code = grpc::StatusCode::UNIMPLEMENTED;
      break;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      code = grpc::StatusCode::INTERNAL;
      break;
    default:
      break;
  }
  return grpc::Status(code, status.message());
}

namespace {

// The tenants of a call from its x-scope-orgid metadata (exactly one value when multitenancy is
// on). A missing org ID is UNAUTHENTICATED "no org id"; an invalid one INVALID_ARGUMENT.
grpc::Status CallTenants(const grpc::ServerContext& context, bool multitenancy_enabled,
                         std::vector<std::string>* tenants) {
  std::optional<std::string> org_id;
  auto range = context.client_metadata().equal_range("x-scope-orgid");
  if (std::distance(range.first, range.second) == 1) {
    org_id = std::string(range.first->second.data(), range.first->second.size());
  }
  Result<std::vector<std::string>> parsed =
      query::QueryTenants(multitenancy_enabled, org_id ? &*org_id : nullptr);
  if (!parsed.ok()) {
    if (parsed.status().code() == StatusCode::kNotFound) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, parsed.status().message());
    }
    return ToGrpcStatus(parsed.status());
  }
  *tenants = std::move(parsed).value();
  return grpc::Status::OK;
}

// Resolves the tenants, prepares the request (`prepare(tenants)` → Result<Prepared>), runs it (`run`,
// blocking on this gRPC thread) and streams the result with WriteSegmented over `items`.
template <typename Response, typename Prepare, typename Run, typename Items>
grpc::Status Serve(grpc::ServerContext& context, bool multitenancy_enabled, const char* method,
                   Prepare prepare, Run run, Items items, grpc::ServerWriter<Response>* writer) {
  std::vector<std::string> tenants;
  if (grpc::Status s = CallTenants(context, multitenancy_enabled, &tenants); !s.ok()) return s;
  auto prepared = prepare(tenants);
  if (!prepared.ok()) return ToGrpcStatus(prepared.status());
  Result<Response> response = run(CallContext(context), tenants, *prepared);
  if (!response.ok()) {
    if (response.status().code() != StatusCode::kInvalidArgument) {
      LOG_ERROR << "gRPC " << method << " failed: " << response.status().ToString();
    }
    return ToGrpcStatus(response.status());
  }
  if (!WriteSegmented(std::move(response).value(), items, writer)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  }
  return grpc::Status::OK;
}

}  // namespace

StreamingQuerierService::StreamingQuerierService(const querier::Querier& querier,
                                                 const overrides::Overrides& overrides,
                                                 bool multitenancy_enabled)
    : querier_(querier), overrides_(overrides), multitenancy_enabled_(multitenancy_enabled) {}

grpc::Status StreamingQuerierService::Search(grpc::ServerContext* context,
                                             const tempopb::SearchRequest* request,
                                             grpc::ServerWriter<tempopb::SearchResponse>* writer) {
  return Serve(
      *context, multitenancy_enabled_, "Search",
      [&](const std::vector<std::string>& tenants) -> Result<query::PreparedSearch> {
        TEMPO_ASSIGN_OR_RETURN(
            query::PreparedSearch search,
            query::PrepareSearch(SearchParamsOf(*request), NowUnixNano(),
                                 query::SearchLimitsFor(overrides_, tenants)));
        // On gRPC, SpansPerSpanSet 0 means unlimited (over HTTP an absent spss means 3).
        if (request->spansperspanset() == 0) search.params.options.spans_per_spanset = 0;
        return search;
      },
      [&](const RequestContext& ctx, const std::vector<std::string>& tenants,
          const query::PreparedSearch& search) {
        ProgressWriter progress(writer);
        Result<tempopb::SearchResponse> result = query::RunSearch(
            querier_, ctx, tenants, search, [&](const tempopb::SearchMetrics& metrics) {
              // A client that cancelled (or went away) stops the search's outstanding jobs.
              if (context->IsCancelled()) ctx.Cancel();
              progress.Report(metrics);
            });
        progress.Close();
        return result;
      },
      [](tempopb::SearchResponse& r) { return r.mutable_traces(); }, writer);
}

grpc::Status StreamingQuerierService::SearchTags(
    grpc::ServerContext* context, const tempopb::SearchTagsRequest* request,
    grpc::ServerWriter<tempopb::SearchTagsResponse>* writer) {
  return Serve(
      *context, multitenancy_enabled_, "SearchTags",
      [&](const std::vector<std::string>& tenants) {
        return query::PrepareTagNames(TagNamesParamsOf(*request), NowUnixNano(),
                                      query::TagBytesLimitFor(overrides_, tenants));
      },
      [&](const RequestContext& ctx, const std::vector<std::string>& tenants,
          const query::TagNamesRequest& prepared) {
        return query::RunTagNamesV1(querier_, ctx, tenants, prepared);
      },
      [](tempopb::SearchTagsResponse& r) { return r.mutable_tagnames(); }, writer);
}

grpc::Status StreamingQuerierService::SearchTagsV2(
    grpc::ServerContext* context, const tempopb::SearchTagsRequest* request,
    grpc::ServerWriter<tempopb::SearchTagsV2Response>* writer) {
  return Serve(
      *context, multitenancy_enabled_, "SearchTagsV2",
      [&](const std::vector<std::string>& tenants) {
        return query::PrepareTagNames(TagNamesParamsOf(*request), NowUnixNano(),
                                      query::TagBytesLimitFor(overrides_, tenants));
      },
      [&](const RequestContext& ctx, const std::vector<std::string>& tenants,
          const query::TagNamesRequest& prepared) {
        return query::RunTagNamesV2(querier_, ctx, tenants, prepared);
      },
      [](tempopb::SearchTagsV2Response& r) { return r.mutable_scopes(); }, writer);
}

grpc::Status StreamingQuerierService::SearchTagValues(
    grpc::ServerContext* context, const tempopb::SearchTagValuesRequest* request,
    grpc::ServerWriter<tempopb::SearchTagValuesResponse>* writer) {
  return Serve(
      *context, multitenancy_enabled_, "SearchTagValues",
      [&](const std::vector<std::string>& tenants) {
        return query::PrepareTagValues(request->tagname(), false, TagValuesParamsOf(*request),
                                       NowUnixNano(), query::TagBytesLimitFor(overrides_, tenants));
      },
      [&](const RequestContext& ctx, const std::vector<std::string>& tenants,
          const query::TagValuesRequest& prepared) {
        return query::RunTagValuesV1(querier_, ctx, tenants, prepared);
      },
      [](tempopb::SearchTagValuesResponse& r) { return r.mutable_tagvalues(); }, writer);
}

grpc::Status StreamingQuerierService::SearchTagValuesV2(
    grpc::ServerContext* context, const tempopb::SearchTagValuesRequest* request,
    grpc::ServerWriter<tempopb::SearchTagValuesV2Response>* writer) {
  return Serve(
      *context, multitenancy_enabled_, "SearchTagValuesV2",
      [&](const std::vector<std::string>& tenants) {
        return query::PrepareTagValues(request->tagname(), true, TagValuesParamsOf(*request),
                                       NowUnixNano(), query::TagBytesLimitFor(overrides_, tenants));
      },
      [&](const RequestContext& ctx, const std::vector<std::string>& tenants,
          const query::TagValuesRequest& prepared) {
        return query::RunTagValuesV2(querier_, ctx, tenants, prepared);
      },
      [](tempopb::SearchTagValuesV2Response& r) { return r.mutable_tagvalues(); }, writer);
}

namespace {

constexpr char kMetricsUnimplemented[] =
    "TraceQL metrics queries are not implemented by this server yet";

}  // namespace

grpc::Status StreamingQuerierService::MetricsQueryRange(
    grpc::ServerContext* context, const tempopb::QueryRangeRequest* /*request*/,
    grpc::ServerWriter<tempopb::QueryRangeResponse>* /*writer*/) {
  std::vector<std::string> tenants;
  if (grpc::Status s = CallTenants(*context, multitenancy_enabled_, &tenants); !s.ok()) return s;
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, kMetricsUnimplemented);
}

grpc::Status StreamingQuerierService::MetricsQueryInstant(
    grpc::ServerContext* context, const tempopb::QueryInstantRequest* /*request*/,
    grpc::ServerWriter<tempopb::QueryInstantResponse>* /*writer*/) {
  std::vector<std::string> tenants;
  if (grpc::Status s = CallTenants(*context, multitenancy_enabled_, &tenants); !s.ok()) return s;
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, kMetricsUnimplemented);
}

}  // namespace tempo::api::grpc_api
