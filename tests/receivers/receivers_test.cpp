// The Jaeger and Zipkin receivers on loopback, with a real Distributor over a RecordingSink:
// status codes and texts per protocol, tenants, and the UDP drop accounting.

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "fixtures.h"
#include "jaeger/collector.grpc.pb.h"
#include "support/recording_sink.h"
#include "tempo/common/compression.h"
#include "tempo/receivers/jaeger_receivers.h"
#include "tempo/receivers/zipkin_receiver.h"

namespace tempo::receivers {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

// A Distributor over a RecordingSink, the io_context on two threads and a CPU pool.
struct Env {
  explicit Env(bool multitenancy = false)
      : overrides(overrides::OverridesConfig{}),
        distributor(distributor::DistributorConfig{multitenancy, std::chrono::seconds(5)}, sink,
                    overrides, registry, clock) {
    config.zipkin = {true, "127.0.0.1:0"};
    config.jaeger_grpc = {true, "127.0.0.1:0"};
    config.jaeger_thrift_http = {true, "127.0.0.1:0"};
    config.jaeger_thrift_compact = {true, "127.0.0.1:0"};
    config.jaeger_thrift_binary = {true, "127.0.0.1:0"};
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~Env() {
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
    pool.join();
  }

  double Discarded(const std::string& tenant, const std::string& reason) {
    return registry.AddCounter("tempo_discarded_spans_total", "", {"tenant", "reason"})
        .WithLabels({tenant, reason})
        .value();
  }
  size_t StoredSpans() {
    size_t n = 0;
    for (const auto& push : sink.pushes()) {
      for (const auto& fragment : push.fragments) n += fragment.span_count;
    }
    return n;
  }

  testing::RecordingSink sink;
  metrics::Registry registry;
  FakeClock clock;
  overrides::Overrides overrides;
  distributor::Distributor distributor;
  ReceiversConfig config;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  asio::thread_pool pool{2};
  std::vector<std::thread> threads;
};

// One request on a fresh connection.
http::response<http::string_body> Send(uint16_t port, http::verb method, const std::string& target,
                                       std::string body, const std::string& content_type,
                                       const std::string& encoding = "",
                                       const std::string& tenant = "") {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "localhost");
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  if (!encoding.empty()) req.set(http::field::content_encoding, encoding);
  if (!tenant.empty()) req.set("X-Scope-OrgID", tenant);
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return res;
}

const char* kZipkinJson =
    R"([{"traceId":"0af7651916cd43dd8448eb211c80319c","id":"b7ad6b7169203331","name":"x",
    "timestamp":1700000000000000,"duration":5,"localEndpoint":{"serviceName":"svc"}}])";

TEST_CASE("Zipkin receiver: 202, 400 with the parser message, 500 on distributor errors",
          "[receivers]") {
  Env env;
  ZipkinReceiver receiver(env.io, env.pool, env.config, env.distributor, env.registry);
  REQUIRE(receiver.Start().ok());
  const uint16_t port = receiver.port();

  auto ok = Send(port, http::verb::post, "/api/v2/spans", kZipkinJson, "application/json");
  CHECK(ok.result_int() == 202);
  CHECK(ok.body().empty());
  CHECK(env.StoredSpans() == 1);

  // Any path and method; gzip bodies.
  auto any = Send(port, http::verb::put, "/whatever", GzipCompress(kZipkinJson), "", "gzip");
  CHECK(any.result_int() == 202);

  auto bad = Send(port, http::verb::post, "/api/v2/spans", "[{", "application/json");
  CHECK(bad.result_int() == 400);
  CHECK(bad[http::field::content_type] == "text/plain; charset=utf-8");
  CHECK_FALSE(bad.body().empty());

  auto encoding = Send(port, http::verb::post, "/api/v2/spans", kZipkinJson, "", "br");
  CHECK(encoding.result_int() == 400);
  CHECK(encoding.body() == "unsupported Content-Encoding: br\n");

  // v1 by path.
  auto v1 = Send(port, http::verb::post, "/api/v1/spans",
                 R"([{"traceId":"8448eb211c80319c","id":"0000000000000001","timestamp":1}])",
                 "application/json");
  CHECK(v1.result_int() == 202);
  // v1 JSON sent to the v2 path does not decode as v2.
  auto wrong = Send(
      port, http::verb::post, "/api/v2/spans",
      R"([{"traceId":"8448eb211c80319c","id":"0000000000000001","binaryAnnotations":[{"key":"a","value":{}}]}])",
      "application/json");
  CHECK(wrong.result_int() == 202);  // v2 ignores unknown keys

  env.sink.set_answer(ResourceExhaustedError("queue full"));
  auto refused = Send(port, http::verb::post, "/api/v2/spans", kZipkinJson, "application/json");
  CHECK(refused.result_int() == 500);
  CHECK(refused.body() == "\"Internal Server Error\"");

  receiver.Stop();
  CHECK(receiver.Drain(5s));
}

TEST_CASE("Zipkin receiver: multitenancy takes X-Scope-OrgID, a missing one is a 500",
          "[receivers]") {
  Env env(/*multitenancy=*/true);
  ZipkinReceiver receiver(env.io, env.pool, env.config, env.distributor, env.registry);
  REQUIRE(receiver.Start().ok());
  auto missing =
      Send(receiver.port(), http::verb::post, "/api/v2/spans", kZipkinJson, "application/json");
  CHECK(missing.result_int() == 500);
  auto ok = Send(receiver.port(), http::verb::post, "/api/v2/spans", kZipkinJson,
                 "application/json", "", "team-a");
  CHECK(ok.result_int() == 202);
  REQUIRE(env.sink.pushes().size() == 1);
  CHECK(env.sink.pushes()[0].tenant == "team-a");
  // An empty upload succeeds before the tenant is looked at.
  CHECK(Send(receiver.port(), http::verb::post, "/", "[]", "application/json").result_int() == 202);
  receiver.Stop();
  receiver.Drain(5s);
}

TEST_CASE("Jaeger thrift_http receiver: status codes and texts", "[receivers]") {
  Env env;
  JaegerThriftHttpReceiver receiver(env.io, env.pool, env.config, env.distributor, env.registry);
  REQUIRE(receiver.Start().ok());
  const uint16_t port = receiver.port();
  std::string body = testing::EncodeJaegerBatch(testing::RichJaegerBatch(2));

  auto ok = Send(port, http::verb::post, "/api/traces?format=jaeger.thrift", body,
                 "application/x-thrift");
  CHECK(ok.result_int() == 202);
  CHECK(ok.body().empty());
  CHECK(env.StoredSpans() == 2);
  CHECK(Send(port, http::verb::post, "/api/traces", GzipCompress(body),
             "application/vnd.apache.thrift.binary; charset=x", "gzip")
            .result_int() == 202);

  auto ctype = Send(port, http::verb::post, "/api/traces", body, "text/plain");
  CHECK(ctype.result_int() == 400);
  CHECK(ctype.body() == "Unsupported content type: text/plain\n");
  auto none = Send(port, http::verb::post, "/api/traces", body, "");
  CHECK(none.result_int() == 400);
  CHECK(none.body() == "Cannot parse content type: mime: no media type\n");
  auto garbage = Send(port, http::verb::post, "/api/traces", "garbage", "application/x-thrift");
  CHECK(garbage.result_int() == 400);
  CHECK(garbage.body().rfind("Unable to process request body: ", 0) == 0);
  CHECK(Send(port, http::verb::post, "/api/other", body, "application/x-thrift").result_int() ==
        404);
  CHECK(Send(port, http::verb::get, "/api/traces", "", "").result_int() == 405);

  env.sink.set_answer(UnavailableError("stopping"));
  auto refused = Send(port, http::verb::post, "/api/traces", body, "application/x-thrift");
  CHECK(refused.result_int() == 500);
  CHECK(refused.body() == "Cannot submit Jaeger batch: stopping\n");
  receiver.Stop();
  receiver.Drain(5s);
}

// ---- gRPC
// ----------------------------------------------------------------------------------------

grpc::Status PostRaw(int port, const std::string& bytes, const std::string& tenant = "") {
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  if (!tenant.empty()) context.AddMetadata("x-scope-orgid", tenant);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/jaeger.api_v2.CollectorService/PostSpans", grpc::StubOptions(),
                 &request, &response, [&](grpc::Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

std::string ValidPostSpans() {
  ::jaeger::api_v2::PostSpansRequest request;
  request.mutable_batch()->mutable_process()->set_service_name("svc");
  auto* span = request.mutable_batch()->add_spans();
  span->set_trace_id(std::string(16, 1));
  span->set_span_id(std::string(8, 2));
  span->set_operation_name("op");
  return request.SerializeAsString();
}

TEST_CASE("Jaeger gRPC receiver: OK, INTERNAL for undecodable input, distributor codes",
          "[receivers]") {
  Env env;
  JaegerGrpcReceiver receiver(env.config, env.distributor);
  REQUIRE(receiver.Start().ok());
  grpc::Status ok = PostRaw(receiver.port(), ValidPostSpans());
  CHECK(ok.ok());
  CHECK(env.StoredSpans() == 1);

  grpc::Status bad = PostRaw(receiver.port(), std::string("\x0a\x03\x0a\x01", 4));
  CHECK(bad.error_code() == grpc::StatusCode::INTERNAL);
  CHECK(bad.error_message().rfind("grpc: error unmarshalling request: ", 0) == 0);

  ::jaeger::api_v2::PostSpansRequest short_id;
  short_id.ParseFromString(ValidPostSpans());
  short_id.mutable_batch()->mutable_spans(0)->set_span_id("abc");
  CHECK(PostRaw(receiver.port(), short_id.SerializeAsString()).error_code() ==
        grpc::StatusCode::INTERNAL);

  // A zero span id passes decoding and is refused by the distributor.
  short_id.mutable_batch()->mutable_spans(0)->set_span_id(std::string(8, 0));
  CHECK(PostRaw(receiver.port(), short_id.SerializeAsString()).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);

  env.sink.set_answer(ResourceExhaustedError("too much"));
  CHECK(PostRaw(receiver.port(), ValidPostSpans()).error_code() ==
        grpc::StatusCode::RESOURCE_EXHAUSTED);
  env.sink.set_answer(UnavailableError("stopping"));
  CHECK(PostRaw(receiver.port(), ValidPostSpans()).error_code() == grpc::StatusCode::UNKNOWN);
  receiver.Stop();
}

TEST_CASE("Jaeger gRPC receiver: a missing org id is UNKNOWN with multitenancy", "[receivers]") {
  Env env(/*multitenancy=*/true);
  JaegerGrpcReceiver receiver(env.config, env.distributor);
  REQUIRE(receiver.Start().ok());
  grpc::Status missing = PostRaw(receiver.port(), ValidPostSpans());
  CHECK(missing.error_code() == grpc::StatusCode::UNKNOWN);
  CHECK(missing.error_message() == "no org id");
  CHECK(PostRaw(receiver.port(), ValidPostSpans(), "team-j").ok());
  CHECK(env.sink.pushes().at(0).tenant == "team-j");
  receiver.Stop();
}

// ---- UDP
// -----------------------------------------------------------------------------------------

void SendUdp(uint16_t port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ssize_t n =
      sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  close(fd);
  REQUIRE(n == static_cast<ssize_t>(bytes.size()));
}

TEST_CASE("Jaeger UDP: batches are pushed; garbage and unsupported methods are counted",
          "[receivers]") {
  Env env;
  for (bool compact : {true, false}) {
    INFO((compact ? "compact" : "binary"));
    auto protocol =
        compact ? JaegerUdpReceiver::Protocol::kCompact : JaegerUdpReceiver::Protocol::kBinary;
    JaegerUdpReceiver receiver(protocol, env.config.jaeger_thrift_compact, env.pool,
                               env.distributor);
    REQUIRE(receiver.Start().ok());
    REQUIRE(receiver.port() != 0);
    size_t before = env.StoredSpans();
    double garbage_before = env.Discarded("single-tenant", "malformed_udp_packet");

    SendUdp(receiver.port(), testing::EncodeAgentMessage(testing::RichJaegerBatch(3), compact));
    SendUdp(receiver.port(), "garbage");
    SendUdp(receiver.port(),
            testing::EncodeAgentMessage(testing::RichJaegerBatch(1), compact, "emitZipkinBatch"));
    SendUdp(receiver.port(), std::string(65001, 'x'));
    REQUIRE(receiver.WaitHandledForTest(4, 5s));

    CHECK(env.StoredSpans() == before + 3);
    CHECK(env.Discarded("single-tenant", "malformed_udp_packet") == garbage_before + 1);
    CHECK(env.Discarded("single-tenant", "unsupported_udp_method") >= 1);
    CHECK(env.Discarded("single-tenant", "udp_packet_too_large") >= 1);
    receiver.Stop();
  }
}

TEST_CASE("Jaeger UDP: with multitenancy every batch is dropped and its spans counted",
          "[receivers]") {
  Env env(/*multitenancy=*/true);
  JaegerUdpReceiver receiver(JaegerUdpReceiver::Protocol::kBinary, env.config.jaeger_thrift_binary,
                             env.pool, env.distributor);
  REQUIRE(receiver.Start().ok());
  SendUdp(receiver.port(), testing::EncodeAgentMessage(testing::RichJaegerBatch(3), false));
  SendUdp(receiver.port(), "\x80\x01");
  REQUIRE(receiver.WaitHandledForTest(2, 5s));
  CHECK(env.StoredSpans() == 0);
  CHECK(env.Discarded("unknown", "no_tenant") == 3);
  CHECK(env.Discarded("unknown", "malformed_udp_packet") == 1);
  receiver.Stop();
  receiver.Stop();  // idempotent
}

TEST_CASE("Jaeger UDP: Stop processes what is queued", "[receivers]") {
  Env env;
  JaegerUdpReceiver receiver(JaegerUdpReceiver::Protocol::kCompact,
                             env.config.jaeger_thrift_compact, env.pool, env.distributor);
  REQUIRE(receiver.Start().ok());
  const std::string packet = testing::EncodeAgentMessage(testing::RichJaegerBatch(1), true);
  for (int i = 0; i < 50; ++i) SendUdp(receiver.port(), packet);
  REQUIRE(receiver.WaitHandledForTest(50, 10s));
  receiver.Stop();
  CHECK(env.StoredSpans() == 50);
}

TEST_CASE("Receivers refuse malformed endpoints", "[receivers]") {
  Env env;
  env.config.zipkin.endpoint = "nonsense";
  ZipkinReceiver zipkin(env.io, env.pool, env.config, env.distributor, env.registry);
  CHECK(zipkin.Start().code() == StatusCode::kInvalidArgument);
  ProtocolConfig udp{true, "127.0.0.1:notaport"};
  JaegerUdpReceiver receiver(JaegerUdpReceiver::Protocol::kCompact, udp, env.pool, env.distributor);
  CHECK(receiver.Start().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tempo::receivers
