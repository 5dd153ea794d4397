// WalkTraceWire against traces built with libprotobuf: everything the walk reports is what the
// message holds, concatenated fragments walk as one trace, unknown fields are skipped, broken
// bytes fail, and Done ends the walk.
#include "tempo/model/otlp_wire_walk.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tempopb/tempo.pb.h"

namespace tempo::model {
namespace {

using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;

// Records every callback as a line of text.
class Recorder : public TraceWireVisitor {
 public:
  void Attribute(WireOwner owner, const WireAttribute& a) override {
    static const char* kOwners[] = {"resource", "scope", "span", "event", "link"};
    std::string line =
        std::string(kOwners[static_cast<int>(owner)]) + " " + std::string(a.key) + "=";
    switch (a.type) {
      case WireAttribute::Type::kString:
        line += "s:" + std::string(a.string_value);
        break;
      case WireAttribute::Type::kBool:
        line += "b:" + std::to_string(a.int_value);
        break;
      case WireAttribute::Type::kInt:
        line += "i:" + std::to_string(a.int_value);
        break;
      case WireAttribute::Type::kDouble:
        line += "d:" + std::to_string(a.double_value);
        break;
      case WireAttribute::Type::kArray:
        line += "array";
        break;
      case WireAttribute::Type::kKvList:
        line += "kvlist";
        break;
      case WireAttribute::Type::kBytes:
        line += "bytes:" + std::string(a.string_value);
        break;
      case WireAttribute::Type::kNone:
        line += "none";
        break;
    }
    lines.push_back(line);
  }
  void Scope(std::string_view name, std::string_view version) override {
    lines.push_back("scope " + std::string(name) + " " + std::string(version));
  }
  void Event(std::string_view name) override { lines.push_back("event " + std::string(name)); }
  void Span(const WireSpan& s) override {
    lines.push_back(
        "span " + std::string(s.name) + " kind=" + std::to_string(s.kind) +
        " start=" + std::to_string(s.start_unix_nano) + " end=" + std::to_string(s.end_unix_nano) +
        " status=" + std::to_string(s.status_code) + " msg=" + std::string(s.status_message));
    ++spans;
  }
  bool Done() const override { return stop_after > 0 && spans >= stop_after; }

  std::vector<std::string> lines;
  int spans = 0;
  int stop_after = 0;
};

void SetString(KeyValue* kv, const std::string& key, const std::string& value) {
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

tempopb::Trace SampleTrace() {
  tempopb::Trace trace;
  auto* rs = trace.add_resourcespans();
  SetString(rs->mutable_resource()->add_attributes(), "service.name", "cart");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  ss->mutable_scope()->set_version("1.2");
  SetString(ss->mutable_scope()->add_attributes(), "scope.attr", "x");
  Span* span = ss->add_spans();
  span->set_trace_id(std::string(16, '\x01'));
  span->set_span_id(std::string(8, '\x02'));
  span->set_name("GET /cart");
  span->set_kind(Span::SPAN_KIND_SERVER);
  span->set_start_time_unix_nano(1000);
  span->set_end_time_unix_nano(5000);
  span->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  span->mutable_status()->set_message("boom");
  auto* a = span->add_attributes();
  a->set_key("http.status_code");
  a->mutable_value()->set_int_value(-500);
  a = span->add_attributes();
  a->set_key("cached");
  a->mutable_value()->set_bool_value(true);
  a = span->add_attributes();
  a->set_key("ratio");
  a->mutable_value()->set_double_value(0.5);
  a = span->add_attributes();
  a->set_key("list");
  a->mutable_value()->mutable_array_value()->add_values()->set_int_value(1);
  a = span->add_attributes();
  a->set_key("map");
  a->mutable_value()->mutable_kvlist_value();
  a = span->add_attributes();
  a->set_key("raw");
  a->mutable_value()->set_bytes_value("\x01\x02");
  span->add_attributes()->set_key("empty");
  auto* event = span->add_events();
  event->set_name("exception");
  SetString(event->add_attributes(), "exception.type", "IOError");
  auto* link = span->add_links();
  link->set_trace_id(std::string(16, '\x03'));
  SetString(link->add_attributes(), "link.kind", "follows");
  Span* second = ss->add_spans();
  second->set_name("db");
  second->set_start_time_unix_nano(2000);
  second->set_end_time_unix_nano(3000);
  return trace;
}

std::vector<std::string> Expected() {
  return {"resource service.name=s:cart",
          "scope scope.attr=s:x",
          "scope lib 1.2",
          "span http.status_code=i:-500",
          "span cached=b:1",
          "span ratio=d:0.500000",
          "span list=array",
          "span map=kvlist",
          "span raw=bytes:\x01\x02",
          "span empty=none",
          "event exception.type=s:IOError",
          "event exception",
          "link link.kind=s:follows",
          "span GET /cart kind=2 start=1000 end=5000 status=2 msg=boom",
          "span db kind=0 start=2000 end=3000 status=0 msg="};
}

TEST_CASE("WalkTraceWire reports what the message holds", "[model][wire]") {
  const std::string bytes = SampleTrace().SerializeAsString();
  Recorder r;
  REQUIRE(WalkTraceWire(bytes, &r));
  CHECK(r.lines == Expected());
}

TEST_CASE("Concatenated fragments walk as one trace", "[model][wire]") {
  const std::string one = SampleTrace().SerializeAsString();
  Recorder r;
  REQUIRE(WalkTraceWire(one + one, &r));
  CHECK(r.spans == 4);
  CHECK(r.lines.size() == 2 * Expected().size());
}

TEST_CASE("Unknown fields are skipped and broken bytes fail the walk", "[model][wire]") {
  tempopb::Trace trace = SampleTrace();
  std::string bytes = trace.SerializeAsString();
  // Trace field 7 as a varint, a fixed64 and a fixed32: unknown to tempopb.Trace.
  const std::string unknown = std::string("\x38\x05", 2) + std::string("\x39", 1) +
                              std::string(8, '\0') + std::string("\x3d", 1) + std::string(4, '\0');
  Recorder r;
  REQUIRE(WalkTraceWire(unknown + bytes, &r));
  CHECK(r.lines == Expected());

  Recorder truncated;
  CHECK_FALSE(WalkTraceWire(std::string_view(bytes).substr(0, bytes.size() - 3), &truncated));
  Recorder group;
  CHECK_FALSE(WalkTraceWire(std::string("\x3b\x3c", 2) + bytes, &group));  // a group
  Recorder zero;
  CHECK_FALSE(WalkTraceWire(std::string("\x00\x01", 2), &zero));  // field number 0
  Recorder empty;
  CHECK(WalkTraceWire("", &empty));
  CHECK(empty.lines.empty());
}

TEST_CASE("Done ends the walk after the span that satisfied it", "[model][wire]") {
  const std::string bytes = SampleTrace().SerializeAsString();
  Recorder r;
  r.stop_after = 1;
  REQUIRE(WalkTraceWire(bytes + bytes, &r));
  CHECK(r.spans == 1);
}

TEST_CASE("Deprecated instrumentation-library spans are walked", "[model][wire]") {
  // ResourceSpans field 1000 with the layout of ScopeSpans: {1: {1: "old"}, 2: {5: "legacy"}}.
  const std::string span = std::string("\x2a\x06", 2) + "legacy";
  const std::string scope = std::string("\x0a\x03", 2) + "old";
  const std::string ils = std::string("\x0a", 1) + char(scope.size()) + scope +
                          std::string("\x12", 1) + char(span.size()) + span;
  const std::string rs = std::string("\xc2\x3e", 2) + char(ils.size()) + ils;  // tag 1000:2
  const std::string trace = std::string("\x0a", 1) + char(rs.size()) + rs;
  Recorder r;
  REQUIRE(WalkTraceWire(trace, &r));
  CHECK(r.lines ==
        std::vector<std::string>{"scope old ", "span legacy kind=0 start=0 end=0 status=0 msg="});
}

}  // namespace
}  // namespace tempo::model
