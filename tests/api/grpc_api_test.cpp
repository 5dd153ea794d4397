#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api_server.h"
#include "tempopb/tempo.grpc.pb.h"

namespace {

using tempo::testing::ApiServer;
using tempo::testing::NowNanos;
using tempo::testing::Reply;

// A StreamingQuerier client on 127.0.0.1:<port> (plaintext HTTP/2, as Grafana's for http://).
struct GrpcClient {
  explicit GrpcClient(int port) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                        grpc::InsecureChannelCredentials(), args);
    stub = tempopb::StreamingQuerier::NewStub(channel);
  }

  // Reads a whole server stream; returns its messages and sets `status`.
  template <typename Response, typename Request, typename Call>
  std::vector<Response> ReadAll(Call call, const Request& request, grpc::Status* status,
                                const std::string& org = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!org.empty()) context.AddMetadata("x-scope-orgid", org);
    auto reader = ((*stub).*call)(&context, request);
    std::vector<Response> out;
    Response message;
    while (reader->Read(&message)) out.push_back(message);
    *status = reader->Finish();
    return out;
  }

  std::vector<tempopb::SearchResponse> Search(const tempopb::SearchRequest& request,
                                              grpc::Status* status, const std::string& org = "") {
    return ReadAll<tempopb::SearchResponse>(&tempopb::StreamingQuerier::Stub::Search, request,
                                            status, org);
  }

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<tempopb::StreamingQuerier::Stub> stub;
};

void PushTwoTraces(ApiServer& server) {
  uint64_t now = NowNanos();
  server.node.WriteBlock({{.trace = 0x1a,
                           .span = 1,
                           .service = "shop",
                           .name = "checkout",
                           .start_unix_nano = now - 60'000'000'000ull,
                           .duration_nanos = 557'000'000,
                           .attributes = {{"http.route", "/pay"}}}});
  server.node.Push({{.trace = 0x2b,
                     .span = 2,
                     .service = "cart",
                     .name = "add",
                     .start_unix_nano = now - 1'000'000,
                     .duration_nanos = 500,
                     .attributes = {{"http.route", "/add"}}}});
}

TEST_CASE("StreamingQuerier/Search answers on the HTTP port (h2c) and on the gRPC port",
          "[api][grpc]") {
  ApiServer server;
  PushTwoTraces(server);
  REQUIRE(server.api->grpc_port() > 0);
  for (int port : {static_cast<int>(server.api->port()), server.api->grpc_port()}) {
    INFO("port " << port);
    GrpcClient client(port);
    tempopb::SearchRequest request;
    request.set_query("{}");
    grpc::Status status;
    std::vector<tempopb::SearchResponse> messages = client.Search(request, &status);
    INFO(status.error_message());
    REQUIRE(status.ok());
    REQUIRE(messages.size() == 1);
    const tempopb::SearchResponse& last = messages.back();
    REQUIRE(last.traces_size() == 2);
    CHECK(last.traces(0).traceid() == "2b");
    CHECK(last.traces(1).traceid() == "1a");
    CHECK(last.metrics().inspectedtraces() == 2);
    CHECK(last.metrics().totalblocks() == 1);
    // SpansPerSpanSet 0 means unlimited on gRPC; Limit 1 keeps the newest.
    request.set_limit(1);
    messages = client.Search(request, &status);
    REQUIRE(status.ok());
    REQUIRE(messages.back().traces_size() == 1);
    CHECK(messages.back().traces(0).traceid() == "2b");
  }
  // Plain HTTP still works on the same port after gRPC connections came and went.
  CHECK(server.Get("/api/search").status == 200);
}

TEST_CASE("StreamingQuerier errors carry the HTTP error texts", "[api][grpc]") {
  ApiServer server;
  GrpcClient client(server.api->port());
  grpc::Status status;

  tempopb::SearchRequest bad_query;
  bad_query.set_query("{ .a = }");
  client.Search(bad_query, &status);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  Reply http = server.Get("/api/search?q=%7B%20.a%20%3D%20%7D");
  CHECK(http.status == 400);
  CHECK(status.error_message() == http.body);
  CHECK_THAT(status.error_message(),
             Catch::StartsWith("invalid TraceQL query: parse error at line 1, col"));

  tempopb::SearchRequest too_long;
  too_long.set_start(1'700'000'000);
  too_long.set_end(1'700'000'000 + 8 * 24 * 3600);
  client.Search(too_long, &status);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(),
             Catch::StartsWith("range specified by start and end exceeds 168h0m0s. received"));

  tempopb::SearchRequest spss;
  spss.set_spansperspanset(101);
  client.Search(spss, &status);
  CHECK(status.error_message() == "spans per span set exceeds 100. received 101");

  tempopb::SearchTagsRequest bad_scope;
  bad_scope.set_scope("foo");
  client.ReadAll<tempopb::SearchTagsV2Response>(&tempopb::StreamingQuerier::Stub::SearchTagsV2,
                                                bad_scope, &status);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "invalid scope: foo");

  tempopb::QueryRangeRequest metrics;
  metrics.set_query("{} | rate()");
  client.ReadAll<tempopb::QueryRangeResponse>(&tempopb::StreamingQuerier::Stub::MetricsQueryRange,
                                              metrics, &status);
  CHECK(status.error_code() == grpc::StatusCode::UNIMPLEMENTED);
}

TEST_CASE("StreamingQuerier tag names and values match the HTTP endpoints", "[api][grpc]") {
  ApiServer server;
  PushTwoTraces(server);
  GrpcClient client(server.api->port());
  grpc::Status status;

  tempopb::SearchTagsRequest tags;
  auto tag_messages = client.ReadAll<tempopb::SearchTagsV2Response>(
      &tempopb::StreamingQuerier::Stub::SearchTagsV2, tags, &status);
  REQUIRE(status.ok());
  REQUIRE(tag_messages.size() == 1);
  std::map<std::string, std::vector<std::string>> scopes;
  for (const auto& scope : tag_messages[0].scopes()) {
    scopes[scope.name()] = {scope.tags().begin(), scope.tags().end()};
  }
  CHECK(scopes["span"] == std::vector<std::string>{"http.route"});
  CHECK(scopes["resource"] == std::vector<std::string>{"service.name"});
  CHECK(scopes.count("intrinsic") == 1);

  tempopb::SearchTagValuesRequest values;
  values.set_tagname("resource.service.name");
  auto value_messages = client.ReadAll<tempopb::SearchTagValuesV2Response>(
      &tempopb::StreamingQuerier::Stub::SearchTagValuesV2, values, &status);
  REQUIRE(status.ok());
  REQUIRE(value_messages.size() == 1);
  std::vector<std::string> got;
  for (const auto& v : value_messages[0].tagvalues()) got.push_back(v.type() + ":" + v.value());
  CHECK(got == std::vector<std::string>{"string:cart", "string:shop"});

  values.set_tagname("app.user.id");
  client.ReadAll<tempopb::SearchTagValuesV2Response>(
      &tempopb::StreamingQuerier::Stub::SearchTagValuesV2, values, &status);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), Catch::StartsWith("please provide a valid tagName: "));

  tempopb::SearchTagValuesRequest v1;
  v1.set_tagname("http.route");
  auto v1_messages = client.ReadAll<tempopb::SearchTagValuesResponse>(
      &tempopb::StreamingQuerier::Stub::SearchTagValues, v1, &status);
  REQUIRE(status.ok());
  CHECK(std::vector<std::string>(v1_messages.back().tagvalues().begin(),
                                 v1_messages.back().tagvalues().end()) ==
        std::vector<std::string>{"/add", "/pay"});
}

TEST_CASE("StreamingQuerier takes the tenant from x-scope-orgid when multitenant", "[api][grpc]") {
  ApiServer server(true);
  PushTwoTraces(server);  // tenant single-tenant
  GrpcClient client(server.api->grpc_port());
  tempopb::SearchRequest request;
  grpc::Status status;
  client.Search(request, &status);
  CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(status.error_message() == "no org id");
  auto other = client.Search(request, &status, "other");
  REQUIRE(status.ok());
  CHECK(other.back().traces_size() == 0);
  auto own = client.Search(request, &status, "single-tenant");
  REQUIRE(status.ok());
  CHECK(own.back().traces_size() == 2);
  client.Search(request, &status, "bad/tenant");
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("A large search result is streamed in messages under 4 MiB", "[api][grpc]") {
  ApiServer server;
  uint64_t now = NowNanos();
  std::vector<tempo::testing::TestSpan> spans;
  const std::string big(20'000, 'x');
  for (uint64_t i = 1; i <= 300; ++i) {
    spans.push_back({.trace = i,
                     .span = i,
                     .service = "svc",
                     .name = "op",
                     .start_unix_nano = now - i * 1'000'000,
                     .duration_nanos = 1000,
                     .attributes = {{"payload", big}}});
  }
  server.node.Push(spans);
  GrpcClient client(server.api->port());
  tempopb::SearchRequest request;
  request.set_query("{ span.payload != nil } | select(span.payload)");
  request.set_limit(1000);
  grpc::Status status;
  auto messages = client.Search(request, &status);
  INFO(status.error_message());
  REQUIRE(status.ok());
  size_t traces = 0;
  for (const auto& m : messages) {
    CHECK(m.ByteSizeLong() < (4u << 20));
    traces += m.traces_size();
  }
  CHECK(traces == 300);
  CHECK(messages.size() >= 2);
  CHECK(messages.back().has_metrics());
  CHECK(messages.back().metrics().inspectedtraces() == 300);
}

}  // namespace
