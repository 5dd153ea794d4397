// DELETE /api/traces/<id> over HTTP: answers, tenant rules, and the trace gone at once.
#include <catch2/catch.hpp>

#include <string>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "api_server.h"
#include "querier/delete_node.h"

namespace {

namespace http = boost::beast::http;
using tempo::testing::DeleteNode;
using tempo::testing::Reply;

constexpr uint64_t kBase = 1'800'000'000'000'000'000ull;

// The HTTP API on an ephemeral port over a DeleteNode (as ApiServer over a SearchNode).
struct DeleteServer {
  explicit DeleteServer(bool multitenancy, const std::string& tenant = "single-tenant")
      : d(tenant), host(d.node, multitenancy, d.deleter.get()) {}

  Reply Send(http::verb verb, const std::string& target, const std::string& org = "") {
    return host.Send(verb, target, org);
  }
  Reply Delete(const std::string& id, const std::string& org = "") {
    return Send(http::verb::delete_, "/api/traces/" + id, org);
  }

  DeleteNode d;
  tempo::testing::HttpApiHost host;
};

}  // namespace

TEST_CASE("DELETE /api/traces/<id> deletes a trace and says what it found", "[api][delete]") {
  DeleteServer s(false);
  s.d.node.WriteBlock({{.trace = 0xab, .span = 1, .start_unix_nano = kBase}});
  s.d.node.Push({{.trace = 0xab, .span = 2, .start_unix_nano = kBase},
                 {.trace = 0xcd, .span = 3, .start_unix_nano = kBase}});
  REQUIRE(s.Send(http::verb::get, "/api/traces/ab").status == 200);

  Reply r = s.Delete("AB");  // the ID parsing of GET: case-insensitive, left-padded
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  auto json = nlohmann::json::parse(r.body);
  CHECK(json["traceID"] == "000000000000000000000000000000ab");
  CHECK(json["tenant"] == "single-tenant");
  CHECK(json["deleted"] == true);
  CHECK(json["liveData"] == true);
  CHECK(json["blocks"] == 1);
  CHECK(s.Send(http::verb::get, "/api/traces/ab").status == 404);
  CHECK(s.Send(http::verb::get, "/api/traces/cd").status == 200);

  // Deleting it again, or a trace that never existed: 404.
  r = s.Delete("ab");
  CHECK(r.status == 404);
  CHECK(r.body == "trace not found\n");
  CHECK(s.Delete("1234").status == 404);
  // Without multitenancy a tenant header is ignored, as on every other endpoint.
  CHECK(s.Delete("cd", "someone").status == 200);
}

TEST_CASE("DELETE /api/traces/<id> rejects bad trace IDs with the reason", "[api][delete]") {
  DeleteServer s(false);
  Reply r = s.Delete("xyz");
  CHECK(r.status == 400);
  CHECK(r.body ==
        "trace IDs can only contain hex characters: invalid character 'x' at position 1\n");
  r = s.Delete(std::string(33, 'a'));
  CHECK(r.status == 400);
  CHECK(r.body == "trace IDs can't be larger than 128 bits\n");
  r = s.Delete("");
  CHECK(r.status == 400);
  CHECK(r.body == "trace ID is missing: DELETE /api/traces/<trace ID>\n");
  r = s.Delete("ab%00cd");
  CHECK(r.status == 400);
  r = s.Delete("ab/cd");
  CHECK(r.status == 400);
  // The v2 path only reads.
  CHECK(s.Send(http::verb::delete_, "/api/v2/traces/ab").status == 405);
  // A `tenant` parameter naming another tenant is refused.
  CHECK(s.Delete("ab?tenant=other").status == 403);
}

TEST_CASE("With multitenancy a delete needs the org ID of the trace's tenant", "[api][delete]") {
  DeleteServer s(true, "t1");
  s.d.node.Push({{.trace = 0x77, .span = 1, .start_unix_nano = kBase}});

  Reply r = s.Delete("77");
  CHECK(r.status == 401);
  CHECK(r.body == "no org id\n");
  r = s.Delete("77?tenant=t1", "t2");
  CHECK(r.status == 403);
  CHECK(r.body == "tenant 't2' may not delete data of tenant 't1'\n");
  r = s.Delete("77", "t1|t2");
  CHECK(r.status == 400);
  CHECK(r.body == "a delete applies to one tenant, but X-Scope-OrgID names 2\n");
  CHECK(s.Delete("77", "bad/tenant").status == 400);
  // Another tenant's request looks at its own data only.
  CHECK(s.Delete("77", "t2").status == 404);
  CHECK(s.Send(http::verb::get, "/api/traces/77", "t1").status == 200);

  r = s.Delete("77?tenant=t1", "t1");
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body)["tenant"] == "t1");
  CHECK(s.Send(http::verb::get, "/api/traces/77", "t1").status == 404);
}
