// Bounded random-mutation fuzzing of every decoder: valid payloads are mutated (bit flips, byte
// changes, insertions, deletions, duplicated ranges, truncation) with a fixed seed, and each
// result must decode to ok or to an error Status, never crash or hang. Each decoder gets at most
// kIterations inputs or kBudget of time, whichever comes first. For a longer campaign (e.g. under
// ASan), TEMPO_FUZZ_SECONDS=<n> lifts the iteration cap and sets the time per decoder, and
// TEMPO_FUZZ_SEED=<n> changes the seeds.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>

#include "fixtures.h"
#include "jaeger/collector.pb.h"
#include "receivers/jaeger/jaeger_decoder.h"
#include "receivers/zipkin/zipkin_decoder.h"
#include "zipkin/zipkin.pb.h"

namespace tempo::receivers {
namespace {

constexpr int kIterations = 100000;
constexpr auto kBudget = std::chrono::seconds(2);

std::string Mutate(const std::string& seed, std::mt19937& rng) {
  std::string data = seed;
  auto pick = [&](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  int mutations = 1 + static_cast<int>(pick(4));
  for (int m = 0; m < mutations; ++m) {
    switch (pick(7)) {
      case 0:  // flip a bit
        if (!data.empty()) data[pick(data.size())] ^= static_cast<char>(1 << pick(8));
        break;
      case 1:  // set a byte to an interesting value
        if (!data.empty()) {
          static const char kValues[] = {
              0,   1,    0x7f, static_cast<char>(0x80), static_cast<char>(0xff), '"', '{', '[',
              '|', 0x0c, 0x0f};
          data[pick(data.size())] = kValues[pick(sizeof(kValues))];
        }
        break;
      case 2:  // insert random bytes
        data.insert(pick(data.size() + 1), std::string(1 + pick(8), static_cast<char>(rng())));
        break;
      case 3:  // delete a range
        if (!data.empty()) {
          size_t at = pick(data.size());
          data.erase(at, 1 + pick(std::min<size_t>(16, data.size() - at)));
        }
        break;
      case 4:  // duplicate a range
        if (!data.empty()) {
          size_t at = pick(data.size());
          size_t len = 1 + pick(std::min<size_t>(32, data.size() - at));
          data.insert(pick(data.size() + 1), data.substr(at, len));
        }
        break;
      case 5:  // truncate
        data.resize(pick(data.size() + 1));
        break;
      default:  // overwrite four bytes (sizes, lengths) with random ones
        if (data.size() >= 4) {
          size_t at = pick(data.size() - 3);
          for (int i = 0; i < 4; ++i) data[at + i] = static_cast<char>(rng());
        }
        break;
    }
  }
  return data;
}

// Runs `decode` on mutations of `seeds`; returns how many inputs decoded ok (for the log).
int Fuzz(const std::vector<std::string>& seeds, uint32_t seed,
         const std::function<Status(std::string_view)>& decode) {
  const char* seconds = std::getenv("TEMPO_FUZZ_SECONDS");
  const char* extra_seed = std::getenv("TEMPO_FUZZ_SEED");
  std::mt19937 rng(seed + (extra_seed != nullptr ? std::atoi(extra_seed) : 0) * 1000);
  const auto budget = seconds != nullptr ? std::chrono::seconds(std::atoi(seconds)) : kBudget;
  const int64_t iterations = seconds != nullptr ? INT64_MAX : kIterations;
  auto deadline = std::chrono::steady_clock::now() + budget;
  int ok = 0;
  for (const std::string& s : seeds) REQUIRE(decode(s).ok());  // the seeds themselves are valid
  for (int64_t i = 0; i < iterations && std::chrono::steady_clock::now() < deadline; ++i) {
    std::string input = Mutate(seeds[static_cast<size_t>(i) % seeds.size()], rng);
    if (decode(input).ok()) ++ok;
  }
  return ok;
}

TEST_CASE("Fuzz: Jaeger agent datagrams (binary and compact)", "[receivers]") {
  for (bool compact : {false, true}) {
    std::vector<std::string> seeds = {
        testing::EncodeAgentMessage(testing::RichJaegerBatch(3), compact),
        testing::EncodeAgentMessage(testing::RichJaegerBatch(1), compact)};
    auto protocol = compact ? jaeger::ThriftProtocol::kCompact : jaeger::ThriftProtocol::kBinary;
    int ok = Fuzz(seeds, compact ? 11 : 12, [&](std::string_view in) {
      model::OtlpRequest out;
      return jaeger::AgentMessageToOtlp(in, protocol, &out);
    });
    INFO("decoded ok: " << ok);
    SUCCEED();
  }
}

TEST_CASE("Fuzz: Jaeger thrift_http bodies", "[receivers]") {
  std::vector<std::string> seeds = {testing::EncodeJaegerBatch(testing::RichJaegerBatch(3))};
  Fuzz(seeds, 13, [](std::string_view in) {
    model::OtlpRequest out;
    return jaeger::ThriftHttpBodyToOtlp(in, &out);
  });
}

TEST_CASE("Fuzz: Jaeger gRPC PostSpans messages", "[receivers]") {
  ::jaeger::api_v2::PostSpansRequest request;
  auto* batch = request.mutable_batch();
  batch->mutable_process()->set_service_name("svc");
  for (int i = 0; i < 3; ++i) {
    auto* span = batch->add_spans();
    span->set_trace_id(std::string(16, static_cast<char>(i + 1)));
    span->set_span_id(std::string(8, static_cast<char>(i + 1)));
    span->set_operation_name("op");
    span->mutable_start_time()->set_seconds(1'700'000'000);
    auto* tag = span->add_tags();
    tag->set_key("span.kind");
    tag->set_v_str("server");
    auto* ref = span->add_references();
    ref->set_trace_id(span->trace_id());
    ref->set_span_id(std::string(8, 9));
    span->add_logs()->add_fields()->set_key("event");
  }
  Fuzz({request.SerializeAsString()}, 14, [](std::string_view in) {
    model::OtlpRequest out;
    return jaeger::PostSpansToOtlp(in, &out);
  });
}

TEST_CASE("Fuzz: Zipkin v2 JSON", "[receivers]") {
  std::vector<std::string> seeds = {
      R"([{"traceId":"0af7651916cd43dd8448eb211c80319c","id":"b7ad6b7169203331","parentId":"1",
        "name":"n","kind":"SERVER","timestamp":1700000000000000,"duration":5,
        "localEndpoint":{"serviceName":"s","ipv4":"1.2.3.4","port":80},
        "remoteEndpoint":{"serviceName":"r","ipv6":"::1"},
        "annotations":[{"timestamp":1,"value":"e|{\"a\":1}|0"}],
        "tags":{"otlp.link.0":"0af7651916cd43dd8448eb211c80319c|b7ad6b7169203331||{\"x\":[1,{\"y\":null}]}|0",
                "error":"true","host.name":"h","otel.library.name":"l"}}])"};
  Fuzz(seeds, 15, [](std::string_view in) {
    model::OtlpRequest out;
    return zipkin::V2JsonToOtlp(in, &out);
  });
}

TEST_CASE("Fuzz: Zipkin v2 proto3", "[receivers]") {
  ::zipkin::proto3::ListOfSpans list;
  for (int i = 0; i < 2; ++i) {
    auto* s = list.add_spans();
    s->set_trace_id(std::string(16, 'a'));
    s->set_id(std::string(8, static_cast<char>('b' + i)));
    s->set_name("n");
    s->set_timestamp(1);
    s->mutable_local_endpoint()->set_service_name("svc");
    s->mutable_local_endpoint()->set_ipv4(std::string(4, 1));
    auto* tag = s->add_tags();
    tag->set_key("k");
    tag->set_value("v");
    s->add_annotations()->set_value("a");
  }
  Fuzz({list.SerializeAsString()}, 16, [](std::string_view in) {
    model::OtlpRequest out;
    return zipkin::V2ProtoToOtlp(in, &out);
  });
}

TEST_CASE("Fuzz: Zipkin v1 JSON", "[receivers]") {
  std::vector<std::string> seeds = {
      R"([{"traceId":"0af7651916cd43dd8448eb211c80319c","id":"b7ad6b7169203331",
        "parentId":"00f067aa0ba902b7","name":"get","timestamp":1,"duration":2,
        "annotations":[{"timestamp":1,"value":"sr","endpoint":{"serviceName":"s","ipv4":"1.2.3.4","port":1}},
                       {"timestamp":3,"value":"x"}],
        "binaryAnnotations":[{"key":"lc","value":"c"},{"key":"sa","value":true},
                             {"key":"http.status_code","value":"500"}]}])"};
  Fuzz(seeds, 17, [](std::string_view in) {
    model::OtlpRequest out;
    return zipkin::V1JsonToOtlp(in, 1, &out);
  });
}

TEST_CASE("Fuzz: Zipkin v1 thrift", "[receivers]") {
  testing::ZEndpoint host{0x01020304, 80, "svc", std::string(16, 1)};
  testing::ZSpanV1 s;
  s.trace_id = 1;
  s.id = 2;
  s.name = "n";
  s.annotations = {testing::ZAnnotation{1, "cs", true, host}};
  s.binary_annotations = {testing::ZBinaryAnnotation{"k", "v", 6, true, host},
                          testing::BinAnn("i", std::string(8, 0), 4)};
  Fuzz({testing::EncodeZipkinV1Thrift({s, s})}, 18, [](std::string_view in) {
    model::OtlpRequest out;
    return zipkin::V1ThriftToOtlp(in, 1, &out);
  });
}

}  // namespace
}  // namespace tempo::receivers
