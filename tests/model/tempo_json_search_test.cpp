#include <catch2/catch.hpp>

#include "tempo/model/tempo_json.h"
#include "tempopb/tempo.pb.h"

TEST_CASE("SearchResponseToJson writes Tempo's search body", "[model][json]") {
  tempopb::SearchResponse response;
  CHECK(tempo::model::SearchResponseToJson(response) == R"({"metrics":{}})");

  auto* trace = response.add_traces();
  trace->set_traceid("2f3e");
  trace->set_rootservicename("shop");
  trace->set_roottracename("update");
  trace->set_starttimeunixnano(1684778327699392724ull);
  trace->set_durationms(557);
  auto* set = trace->add_spansets();
  auto* span = set->add_spans();
  span->set_spanid("563d623c76514f8e");
  span->set_starttimeunixnano(1684778327735077898ull);
  span->set_durationnanos(446979497);
  auto* kv = span->add_attributes();
  kv->set_key("status");
  kv->mutable_value()->set_string_value("error");
  set->set_matched(1);
  *trace->mutable_spanset() = *set;
  (*trace->mutable_servicestats())["shop"].set_spancount(5);
  (*trace->mutable_servicestats())["shop"].set_errorcount(1);
  (*trace->mutable_servicestats())["b"].set_spancount(1);
  response.mutable_metrics()->set_inspectedtraces(12);
  response.mutable_metrics()->set_inspectedbytes(123456);
  response.mutable_metrics()->set_completedjobs(1);
  response.mutable_metrics()->set_totaljobs(1);

  const std::string set_json =
      R"({"spans":[{"spanID":"563d623c76514f8e","startTimeUnixNano":"1684778327735077898",)"
      R"("durationNanos":"446979497","attributes":[{"key":"status","value":{"stringValue":"error"}}]}],)"
      R"("matched":1})";
  CHECK(tempo::model::SearchResponseToJson(response) ==
        R"({"traces":[{"traceID":"2f3e","rootServiceName":"shop","rootTraceName":"update",)"
        R"("startTimeUnixNano":"1684778327699392724","durationMs":557,"spanSet":)" +
            set_json + R"(,"spanSets":[)" + set_json +
            R"(],"serviceStats":{"b":{"spanCount":1},"shop":{"spanCount":5,"errorCount":1}}}],)"
            R"("metrics":{"inspectedTraces":12,"inspectedBytes":"123456","completedJobs":1,)"
            R"("totalJobs":1}})");
}

TEST_CASE("Tag responses are written with metrics always present", "[model][json]") {
  tempopb::SearchTagsV2Response tags;
  CHECK(tempo::model::SearchTagsV2ResponseToJson(tags) == R"({"metrics":{}})");
  auto* scope = tags.add_scopes();
  scope->set_name("span");
  scope->add_tags("a");
  tags.mutable_metrics()->set_inspectedbytes(5);
  CHECK(tempo::model::SearchTagsV2ResponseToJson(tags) ==
        R"({"scopes":[{"name":"span","tags":["a"]}],"metrics":{"inspectedBytes":"5"}})");

  tempopb::SearchTagValuesV2Response values;
  auto* v = values.add_tagvalues();
  v->set_type("int");
  v->set_value("200");
  CHECK(tempo::model::SearchTagValuesV2ResponseToJson(values) ==
        R"({"tagValues":[{"type":"int","value":"200"}],"metrics":{}})");

  tempopb::SearchTagsResponse v1;
  v1.add_tagnames("x");
  CHECK(tempo::model::SearchTagsResponseToJson(v1) == R"({"tagNames":["x"],"metrics":{}})");
  tempopb::SearchTagValuesResponse v1values;
  CHECK(tempo::model::SearchTagValuesResponseToJson(v1values) == R"({"metrics":{}})");
}
