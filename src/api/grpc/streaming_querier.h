#pragma once

#include <grpcpp/grpcpp.h>

#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"
#include "tempopb/tempo.grpc.pb.h"

// The tempopb.StreamingQuerier service (spec/query-api.md §9). Private to src/api.
namespace tempo::api::grpc_api {

// Largest batch of items (traces, tag values) put into one streamed message. Grafana's client
// refuses messages over 4 MiB (§1.4); Tempo segments at about 1 MiB too.
inline constexpr size_t kSegmentBytes = 1u << 20;

// Implements every StreamingQuerier method with the queries of api/query, the same code the HTTP
// endpoints run: a request is converted to the HTTP parameter names (request_params.h),
// validated, executed on the calling gRPC thread (blocking), and its result streamed as one or
// more messages under kSegmentBytes with the metrics in the last one. A search running longer
// than 500 ms first streams metrics-only progress messages. Errors end the stream with
// the HTTP error text as status message (§9.3). The metrics methods answer UNIMPLEMENTED: TraceQL
// metrics evaluation does not exist yet. Stateless apart from references; thread-safe.
// `querier` must outlive the service.
class StreamingQuerierService final : public tempopb::StreamingQuerier::Service {
 public:
  StreamingQuerierService(const querier::Querier& querier, const overrides::Overrides& overrides,
                          bool multitenancy_enabled);

  grpc::Status Search(grpc::ServerContext* context, const tempopb::SearchRequest* request,
                      grpc::ServerWriter<tempopb::SearchResponse>* writer) override;
  grpc::Status SearchTags(grpc::ServerContext* context, const tempopb::SearchTagsRequest* request,
                          grpc::ServerWriter<tempopb::SearchTagsResponse>* writer) override;
  grpc::Status SearchTagsV2(grpc::ServerContext* context, const tempopb::SearchTagsRequest* request,
                            grpc::ServerWriter<tempopb::SearchTagsV2Response>* writer) override;
  grpc::Status SearchTagValues(
      grpc::ServerContext* context, const tempopb::SearchTagValuesRequest* request,
      grpc::ServerWriter<tempopb::SearchTagValuesResponse>* writer) override;
  grpc::Status SearchTagValuesV2(
      grpc::ServerContext* context, const tempopb::SearchTagValuesRequest* request,
      grpc::ServerWriter<tempopb::SearchTagValuesV2Response>* writer) override;
  grpc::Status MetricsQueryRange(grpc::ServerContext* context,
                                 const tempopb::QueryRangeRequest* request,
                                 grpc::ServerWriter<tempopb::QueryRangeResponse>* writer) override;
  grpc::Status MetricsQueryInstant(
      grpc::ServerContext* context, const tempopb::QueryInstantRequest* request,
      grpc::ServerWriter<tempopb::QueryInstantResponse>* writer) override;

 private:
  const querier::Querier& querier_;
  const overrides::Overrides& overrides_;
  const bool multitenancy_enabled_;
};

// The gRPC status of a failed query: the code per §9.3, the message unchanged.
grpc::Status ToGrpcStatus(const Status& status);

}  // namespace tempo::api::grpc_api
