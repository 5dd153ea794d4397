// Deleted traces are invisible to every query of the querier at once: trace by ID, search (the
// combined job and the row-group jobs) and the trace scan behind tag names and values.
#include <catch2/catch.hpp>

#include <set>

#include "querier/delete_node.h"
#include "tempo/traceql/engine.h"

using tempo::RequestContext;
using tempo::StatusCode;
using tempo::TraceId;
using tempo::testing::DeleteNode;
using tempo::testing::SearchWindow;
using tempo::testing::SortedIds;
using tempo::testing::TraceIdBytes;

namespace {

constexpr uint64_t kBase = 1'800'000'000'000'000'000ull;
constexpr uint64_t kSecond = 1'000'000'000ull;

std::vector<std::string> Search(const DeleteNode& d, const std::string& text) {
  return SortedIds(SearchWindow(d.node, text, kBase - 3600 * kSecond, kBase + 3600 * kSecond));
}

StatusCode FindById(const DeleteNode& d, uint64_t trace) {
  RequestContext ctx;
  ctx.tenant = d.node.tenant;
  tempopb::Trace out;
  tempo::querier::TraceByIdStats stats;
  return d.node.querier
      ->FindTraceByID(ctx, TraceId::FromBytes(TraceIdBytes(trace)), {}, &out, &stats)
      .code();
}

std::set<TraceId> Scanned(const DeleteNode& d) {
  RequestContext ctx;
  ctx.tenant = d.node.tenant;
  std::set<TraceId> ids;
  REQUIRE(d.node.querier
              ->ForEachTrace(
                  ctx, kBase - 3600 * kSecond, kBase + 3600 * kSecond,
                  [&](tempo::traceql::TraceView&& view) {
                    ids.insert(view.id());
                    return true;
                  },
                  nullptr, nullptr)
              .ok());
  return ids;
}

TraceId Id(uint64_t n) { return TraceId::FromBytes(TraceIdBytes(n)); }

}  // namespace

TEST_CASE("A deleted trace disappears from trace by ID, search and the trace scan",
          "[querier][delete]") {
  DeleteNode d;
  // Trace 1: two blocks and live data. Trace 2: one block. Trace 3: live only. 4, 5: untouched.
  d.node.WriteBlock({{.trace = 1, .span = 1, .service = "a", .start_unix_nano = kBase},
                     {.trace = 2, .span = 2, .service = "b", .start_unix_nano = kBase},
                     {.trace = 4, .span = 4, .service = "a", .start_unix_nano = kBase}});
  d.node.WriteBlock({{.trace = 1, .span = 11, .service = "a", .start_unix_nano = kBase},
                     {.trace = 5, .span = 5, .service = "b", .start_unix_nano = kBase}});
  d.node.Push({{.trace = 1, .span = 12, .service = "a", .start_unix_nano = kBase},
               {.trace = 3, .span = 3, .service = "c", .start_unix_nano = kBase}});
  REQUIRE(Search(d, "{}") == std::vector<std::string>{"1", "2", "3", "4", "5"});

  REQUIRE(d.Delete(1).ok());
  REQUIRE(d.Delete(2).ok());
  REQUIRE(d.Delete(3).ok());
  CHECK(Search(d, "{}") == std::vector<std::string>{"4", "5"});
  CHECK(Search(d, "{ resource.service.name = \"a\" }") == std::vector<std::string>{"4"});
  CHECK(Search(d, "{ resource.service.name = \"c\" }").empty());
  for (uint64_t n : {1, 2, 3}) CHECK(FindById(d, n) == StatusCode::kNotFound);
  CHECK(FindById(d, 4) == StatusCode::kOk);
  CHECK(Scanned(d) == std::set<TraceId>{Id(4), Id(5)});
  CHECK(d.node.ingester->live_traces() == 0);

  // Spans of a deleted trace pushed now are refused; the push still succeeds.
  d.node.Push({{.trace = 3, .span = 30, .service = "c", .start_unix_nano = kBase}});
  CHECK(FindById(d, 3) == StatusCode::kNotFound);
  CHECK(Search(d, "{ resource.service.name = \"c\" }").empty());
}
