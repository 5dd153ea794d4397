// Querier::TagNames / TagValues (block catalogs and dictionaries, live traces walked) against the
// old span walk (Querier::ForEachTrace decodes and combines every trace, then every selected span
// is looked at), over seeded random traces in blocks of several row groups and live data, with
// and without filters; traces spread over several places; limits; cancellation.
#include <catch2/catch.hpp>
#include <future>
#include <map>
#include <set>

#include "block/random_traces.h"
#include "querier/search_node.h"
#include "querier/tag_collect.h"
#include "tempo/model/combine.h"
#include "tempo/model/tempo_json.h"

namespace tempo::querier {
namespace {

using block::AttributeOwner;
using block::OwnerBit;
using block::TagColumn;
using testing::SearchNode;
using testing::TestSpan;
using Names = std::map<std::string, std::set<std::string>>;    // scope -> keys
using Values = std::set<std::pair<std::string, std::string>>;  // (type, value)

constexpr uint64_t kSecond = 1'000'000'000ull;

RequestContext Ctx(const SearchNode& node) {
  RequestContext ctx;
  ctx.tenant = node.tenant;
  return ctx;
}

// Replaces invalid UTF-8 in every string field of `message`, recursively.
void ValidUtf8(google::protobuf::Message* message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) continue;  // none in traces
      reflection->SetString(message, field,
                            model::ToValidUtf8(reflection->GetString(*message, field)));
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          ValidUtf8(reflection->MutableRepeatedMessage(message, field, i));
        }
      } else {
        ValidUtf8(reflection->MutableMessage(message, field));
      }
    }
  }
}

// A random trace as the block builder would store it: its spans all carry its ID, it has one
// root span (so that the root is the same in any span order), and it is combined (duplicate
// spans dropped, empty ResourceSpans/ScopeSpans gone, as a walk would not see them).
tempopb::Trace Prepared(block::testing::RandomTraces& gen, const TraceId& id) {
  tempopb::Trace raw = gen.Trace(id, 1 + static_cast<int>(gen.Uniform(10)));
  tempopb::Trace trace;
  std::string root_id;
  for (auto& rs : *raw.mutable_resourcespans()) {
    auto* out_rs = trace.add_resourcespans();
    *out_rs->mutable_resource() = rs.resource();
    for (auto& ss : *rs.mutable_scope_spans()) {
      if (ss.spans_size() == 0) continue;
      auto* out_ss = out_rs->add_scope_spans();
      *out_ss->mutable_scope() = ss.scope();
      for (auto& span : *ss.mutable_spans()) {
        span.set_trace_id(std::string(id.view()));
        if (span.parent_span_id().empty()) {
          if (root_id.empty()) {
            root_id = span.span_id();
          } else {
            span.set_parent_span_id(root_id);
          }
        }
        *out_ss->add_spans() = span;
      }
    }
    if (out_rs->scope_spans_size() == 0) trace.mutable_resourcespans()->RemoveLast();
  }
  // Ingest accepts only valid UTF-8 in strings: fix the generator's invalid ones.
  ValidUtf8(&trace);
  std::string bytes = trace.SerializeAsString();
  std::vector<std::string_view> parts{bytes};
  tempopb::Trace combined;
  model::CombineStats stats;
  Status combined_status = model::CombineFragments(parts, &combined, &stats);
  INFO(combined_status.ToString());
  REQUIRE(combined_status.ok());
  return combined;
}

void WriteBlock(SearchNode& node, const std::map<TraceId, tempopb::Trace>& traces,
                uint32_t spans_per_row_group) {
  block::WriterOptions options;
  options.spans_per_row_group = spans_per_row_group;
  block::BlockWriter writer(options);
  for (const auto& [id, trace] : traces) REQUIRE(writer.Append(id, trace).ok());
  block::BlockMeta meta;
  Result<std::string> data = writer.Finish(&meta);
  REQUIRE(data.ok());
  meta.block_id = "00000000-0000-0000-0000-0000000001" + std::to_string(10 + ++node.blocks_written);
  meta.tenant_id = node.tenant;
  REQUIRE(node.backend->Write(node.tenant, meta.block_id, backend::kDataName, *data).ok());
  REQUIRE(
      node.backend->Write(node.tenant, meta.block_id, backend::kMetaName, block::MetaToJson(meta))
          .ok());
  node.store->AddBlock(meta);
}

void PushTraces(SearchNode& node, const std::map<TraceId, tempopb::Trace>& traces) {
  for (const auto& [id, trace] : traces) {
    testing::OtlpRequest request;
    REQUIRE(request.ParseFromString(trace.SerializeAsString()));
    std::promise<Status> done;
    node.ingester->Push(Ctx(node), model::SplitByTrace(request),
                        [&done](Status s) { done.set_value(std::move(s)); });
    REQUIRE(done.get_future().get().ok());
  }
}

// 240 random traces: three blocks (two with small row groups) and live data.
void Populate(SearchNode& node, uint64_t seed) {
  block::testing::RandomTraces gen(seed);
  std::map<TraceId, tempopb::Trace> parts[4];
  for (int i = 0; i < 240; ++i) {
    TraceId id = gen.Id();
    parts[i % 4][id] = Prepared(gen, id);
  }
  WriteBlock(node, parts[0], 50);
  WriteBlock(node, parts[1], 1'000'000);
  WriteBlock(node, parts[2], 80);
  PushTraces(node, parts[3]);
}

// The old span walk: every trace decoded and combined, and the spans the filter selects.
using Walk = std::vector<std::pair<traceql::TraceView, std::vector<uint32_t>>>;
Walk WalkAll(const SearchNode& node, const std::optional<traceql::SearchQuery>& filter) {
  Walk walk;
  REQUIRE(node.querier
              ->ForEachTrace(
                  Ctx(node), 0, UINT64_MAX,
                  [&](traceql::TraceView&& view) {
                    std::vector<uint32_t> spans = SelectedSpans(filter, view);
                    walk.emplace_back(std::move(view), std::move(spans));
                    return true;
                  },
                  nullptr, nullptr)
              .ok());
  return walk;
}

template <typename Fn>
void ForEachSpan(const Walk& walk, Fn&& fn) {
  for (const auto& [view, spans] : walk) {
    for (uint32_t i : spans) fn(view, i);
  }
}

template <typename Fn>
void EachAttribute(const traceql::SpanRef& ref, Fn&& fn) {
  for (const auto& kv : ref.resource->attributes()) fn(AttributeOwner::kResource, kv);
  for (const auto& kv : ref.span->attributes()) fn(AttributeOwner::kSpan, kv);
  for (const auto& e : ref.span->events()) {
    for (const auto& kv : e.attributes()) fn(AttributeOwner::kEvent, kv);
  }
  for (const auto& l : ref.span->links()) {
    for (const auto& kv : l.attributes()) fn(AttributeOwner::kLink, kv);
  }
  for (const auto& kv : ref.scope->attributes()) fn(AttributeOwner::kScope, kv);
}

Names OldNames(const Walk& walk) {
  Names out;
  ForEachSpan(walk, [&](const traceql::TraceView& view, uint32_t i) {
    EachAttribute(view.spans()[i], [&](AttributeOwner o, const auto& kv) {
      out[std::string(TagScopeName(o))].insert(kv.key());
    });
  });
  return out;
}

Values OldValues(const Walk& walk, const TagColumn& column) {
  Values out;
  ForEachSpan(walk, [&](const traceql::TraceView& view, uint32_t i) {
    const traceql::SpanRef& ref = view.spans()[i];
    switch (column.kind) {
      case TagColumn::Kind::kSpanName:
        out.emplace("string", ref.span->name());
        return;
      case TagColumn::Kind::kSpanStatusMessage:
        out.emplace("string", ref.span->status().message());
        return;
      case TagColumn::Kind::kRootSpanName:
      case TagColumn::Kind::kRootServiceName: {
        const std::string_view root = column.kind == TagColumn::Kind::kRootSpanName
                                          ? view.root_span_name()
                                          : view.root_service_name();
        if (view.root() >= 0 && !root.empty()) out.emplace("string", std::string(root));
        return;
      }
      case TagColumn::Kind::kAttribute:
        EachAttribute(ref, [&](AttributeOwner o, const auto& kv) {
          std::string type, text;
          if ((column.owners & OwnerBit(o)) && kv.key() == column.key &&
              TypedTagValue(kv.value(), &type, &text)) {
            out.emplace(type, text);
          }
        });
        return;
    }
  });
  return out;
}

Names NewNames(const SearchNode& node, const TagNamesQuery& query, TagQueryStats* stats,
               TagLimits limits = {}) {
  DistinctTagValues found(limits);
  Status s = node.querier->TagNames(Ctx(node), query, &found, stats);
  INFO(s.ToString());
  REQUIRE(s.ok());
  Names out;
  for (const TagValue& v : found.values()) out[v.type].insert(v.value);
  return out;
}

Values NewValues(const SearchNode& node, const TagValuesQuery& query, TagQueryStats* stats) {
  DistinctTagValues found;
  Status s = node.querier->TagValues(Ctx(node), query, &found, stats);
  INFO(s.ToString());
  REQUIRE(s.ok());
  Values out;
  for (const TagValue& v : found.values()) CHECK(out.emplace(v.type, v.value).second);
  return out;
}

std::vector<TagColumn> Columns() {
  std::vector<TagColumn> out;
  for (const char* key :
       {"http.method", "http.status_code", "user.id", "k", "service.name", "ratio", "absent"}) {
    for (uint8_t owners :
         {block::kAllAttributeOwners, OwnerBit(AttributeOwner::kSpan),
          OwnerBit(AttributeOwner::kResource),
          uint8_t(OwnerBit(AttributeOwner::kSpan) | OwnerBit(AttributeOwner::kResource)),
          OwnerBit(AttributeOwner::kEvent), OwnerBit(AttributeOwner::kLink),
          OwnerBit(AttributeOwner::kScope)}) {
      out.push_back({TagColumn::Kind::kAttribute, key, owners});
    }
  }
  for (auto kind : {TagColumn::Kind::kSpanName, TagColumn::Kind::kSpanStatusMessage,
                    TagColumn::Kind::kRootSpanName, TagColumn::Kind::kRootServiceName}) {
    out.push_back({kind, "", 0});
  }
  return out;
}

std::optional<traceql::SearchQuery> Filter(const char* text) {
  if (text == nullptr) return std::nullopt;
  Result<traceql::SearchQuery> q = traceql::SearchQuery::Compile(text);
  REQUIRE(q.ok());
  return std::move(q).value();
}

TEST_CASE("Tag names and values from catalogs and dictionaries equal the span walk",
          "[querier][tags]") {
  SearchNode node;
  Populate(node, 21);
  for (const char* q : {(const char*)nullptr, "{}", "{ true }",
                        "{ resource.service.name = \"svc-1\" }", "{ span.http.method != nil }",
                        "{ status = error || kind = server }", "{ .k =~ \"alpha.*\" }"}) {
    INFO("q = " << (q ? q : "(none)"));
    const std::optional<traceql::SearchQuery> filter = Filter(q);
    const Walk walk = WalkAll(node, filter);
    TagNamesQuery names_query;
    names_query.filter = filter;
    TagQueryStats stats;
    Names got = NewNames(node, names_query, &stats);
    CHECK(got == OldNames(walk));
    if (!filter) {  // the data is rich enough to mean something
      CHECK(got["span"].count("http.method") == 1);
      CHECK(got["event"].size() > 3);
      CHECK(OldValues(walk, {TagColumn::Kind::kSpanName, "", 0}).size() > 50);
      CHECK(OldValues(walk, {TagColumn::Kind::kAttribute, "k", block::kAllAttributeOwners}).size() >
            50);
    }
    CHECK(stats.blocks == 3);
    CHECK(stats.total_jobs == 4);
    CHECK(stats.completed_jobs == 4);
    CHECK(stats.any_data);
    if (!filter || MatchesEverySpan(*filter)) {
      // Catalogs only: the blocks cost nothing but live data walked.
      CHECK(stats.inspected_bytes < 200'000);
    }
    for (const TagColumn& column : Columns()) {
      INFO("column " << static_cast<int>(column.kind) << " '" << column.key << "' owners "
                     << static_cast<int>(column.owners));
      TagValuesQuery query;
      query.column = column;
      query.filter = filter;
      TagQueryStats value_stats;
      CHECK(NewValues(node, query, &value_stats) == OldValues(walk, column));
    }
  }
}

// Traces whose spans sit in two blocks and live data.
void PopulateSplit(SearchNode& node) {
  const uint64_t base = 1'800'000'000'000'000'000ull;
  std::vector<TestSpan> places[3];
  for (uint64_t t = 1; t <= 30; ++t) {
    for (uint64_t s = 1; s <= 4; ++s) {
      TestSpan span{.trace = t,
                    .span = t * 10 + s,
                    .service = "svc-" + std::to_string(s % 3),
                    .name = "op-" + std::to_string((t + s) % 5),
                    .start_unix_nano = base + t * kSecond + s,
                    .parent = s == 1 ? 0 : t * 10 + 1,
                    .attributes = {}};
      span.attributes["part"] = "p" + std::to_string((t * s) % 7);
      if (t % 3 == 0) span.attributes["only.t3." + std::to_string(s)] = "x";
      places[(t + s) % 3].push_back(span);
    }
  }
  node.WriteBlock(places[0]);
  node.WriteBlock(places[1]);
  // Live spans in two pushes: a live trace is then held in several pieces.
  std::vector<TestSpan> halves[2];
  for (size_t i = 0; i < places[2].size(); ++i) halves[i % 2].push_back(places[2][i]);
  node.Push(halves[0]);
  node.Push(halves[1]);
}

TEST_CASE("Tag queries over traces spread over blocks and live data", "[querier][tags]") {
  SearchNode node;
  PopulateSplit(node);
  for (const char* q :
       {(const char*)nullptr, "{ resource.service.name = \"svc-1\" }", "{ span.part = \"p3\" }",
        "{ name = \"op-2\" && span.part =~ \"p[0-3]\" }"}) {
    INFO("q = " << (q ? q : "(none)"));
    const std::optional<traceql::SearchQuery> filter = Filter(q);
    const Walk walk = WalkAll(node, filter);
    TagNamesQuery names_query;
    names_query.filter = filter;
    TagQueryStats stats;
    CHECK(NewNames(node, names_query, &stats) == OldNames(walk));
    for (const TagColumn& column :
         {TagColumn{TagColumn::Kind::kAttribute, "part", block::kAllAttributeOwners},
          TagColumn{TagColumn::Kind::kAttribute, "service.name", block::kAllAttributeOwners},
          TagColumn{TagColumn::Kind::kSpanName, "", 0},
          TagColumn{TagColumn::Kind::kRootSpanName, "", 0}}) {
      if (!filter && column.kind == TagColumn::Kind::kRootSpanName) {
        continue;  // unfiltered, each place reports its own fragment's root (see below)
      }
      TagValuesQuery query;
      query.column = column;
      query.filter = filter;
      TagQueryStats value_stats;
      CHECK(NewValues(node, query, &value_stats) == OldValues(walk, column));
    }
  }
  // Without a filter a block's root column describes its own fragment: a root span found in a
  // fragment is still a root span of the trace, so the names are the same here.
  TagValuesQuery roots;
  roots.column.kind = TagColumn::Kind::kRootSpanName;
  TagQueryStats stats;
  const Values old_roots = OldValues(WalkAll(node, std::nullopt), roots.column);
  for (const auto& v : old_roots) CHECK(NewValues(node, roots, &stats).count(v) == 1);
}

TEST_CASE("Tag queries: the time range restricts live traces and row groups", "[querier][tags]") {
  SearchNode node;
  const uint64_t base = 1'800'000'000'000'000'000ull;
  const uint64_t hour = 3600 * kSecond;
  node.WriteBlock({{.trace = 1, .span = 1, .start_unix_nano = base, .attributes = {{"a", "1"}}}});
  node.WriteBlock(
      {{.trace = 2, .span = 2, .start_unix_nano = base + 2 * hour, .attributes = {{"b", "2"}}}});
  node.Push(
      {{.trace = 3, .span = 3, .start_unix_nano = base + 4 * hour, .attributes = {{"c", "3"}}}});

  TagNamesQuery names;
  names.start_unix_nano = base + hour;
  names.end_unix_nano = base + 3 * hour;
  TagQueryStats stats;
  CHECK(NewNames(node, names, &stats)["span"] == std::set<std::string>{"b"});
  CHECK(stats.blocks == 1);
  names.end_unix_nano = base + 5 * hour;
  CHECK(NewNames(node, names, &stats)["span"] == std::set<std::string>{"b", "c"});

  TagValuesQuery values;
  values.column = {TagColumn::Kind::kSpanName, "", 0};
  values.start_unix_nano = base + 5 * hour;
  CHECK(NewValues(node, values, &stats).empty());
  values.start_unix_nano = 0;
  CHECK(NewValues(node, values, &stats) == Values{{"string", "op"}});
}

TEST_CASE("Tag value limits: count, bytes and staleness, independent of timing",
          "[querier][tags]") {
  SearchNode node;
  Populate(node, 5);
  TagValuesQuery query;
  query.column = {TagColumn::Kind::kSpanName, "", 0};
  DistinctTagValues all_values;
  TagQueryStats stats;
  REQUIRE(node.querier->TagValues(Ctx(node), query, &all_values, &stats).ok());
  const size_t total = all_values.values().size();
  REQUIRE(total > 20);
  CHECK_FALSE(all_values.done());

  auto run = [&](TagLimits limits) {
    DistinctTagValues found(limits);
    TagQueryStats s;
    REQUIRE(node.querier->TagValues(Ctx(node), query, &found, &s).ok());
    for (const TagValue& v : found.values()) {
      CHECK(std::find(all_values.values().begin(), all_values.values().end(), v) !=
            all_values.values().end());
    }
    return found;
  };
  SECTION("limit keeps that many values, the same ones every time") {
    DistinctTagValues first = run({.max_values = 10});
    CHECK(first.values().size() == 10);
    CHECK(first.done());
    for (int i = 0; i < 5; ++i) CHECK(run({.max_values = 10}).values() == first.values());
  }
  SECTION("max bytes keeps the values within the cap") {
    DistinctTagValues capped = run({.max_bytes = 60});
    CHECK(capped.bytes() <= 60);
    CHECK(capped.bytes() > 0);
    CHECK(capped.limited());
    CHECK(capped.values().size() < total);
    CHECK(run({.max_bytes = 60}).values() == capped.values());
  }
  SECTION("max stale values stops after repeated values") {
    DistinctTagValues stale = run({.max_stale_values = 1});
    CHECK(stale.values().size() < total);
    CHECK(stale.done());
    CHECK_FALSE(stale.limited());
  }
  SECTION("a second tenant adds to a collector that is already complete: nothing") {
    DistinctTagValues found({.max_values = 3});
    TagQueryStats s;
    REQUIRE(node.querier->TagValues(Ctx(node), query, &found, &s).ok());
    const auto before = found.values();
    REQUIRE(node.querier->TagValues(Ctx(node), query, &found, &s).ok());
    CHECK(found.values() == before);
  }
}

TEST_CASE("Tag names honour staleness and report what they read", "[querier][tags]") {
  SearchNode node;
  Populate(node, 9);
  TagQueryStats stats;
  Names all = NewNames(node, {}, &stats);
  Names stale = NewNames(node, {}, &stats, {.max_stale_values = 2});
  size_t all_count = 0, stale_count = 0;
  for (const auto& [scope, keys] : all) all_count += keys.size();
  for (const auto& [scope, keys] : stale) stale_count += keys.size();
  CHECK(stale_count < all_count);
}

TEST_CASE("Tag queries stop on cancellation and deadline", "[querier][tags]") {
  SearchNode node;
  Populate(node, 3);
  for (const char* q : {(const char*)nullptr, "{ span.http.method != nil }"}) {
    RequestContext ctx = Ctx(node);
    SECTION(std::string("cancelled ") + (q ? q : "")) {
      ctx.Cancel();
      DistinctTagValues found;
      TagQueryStats stats;
      TagValuesQuery query;
      query.column = {TagColumn::Kind::kSpanName, "", 0};
      query.filter = Filter(q);
      CHECK(node.querier->TagValues(ctx, query, &found, &stats).code() == StatusCode::kCancelled);
      TagNamesQuery names;
      names.filter = Filter(q);
      CHECK(node.querier->TagNames(ctx, names, &found, &stats).code() == StatusCode::kCancelled);
    }
    SECTION(std::string("deadline ") + (q ? q : "")) {
      ctx.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
      DistinctTagValues found;
      TagQueryStats stats;
      TagValuesQuery query;
      query.column = {TagColumn::Kind::kAttribute, "k", block::kAllAttributeOwners};
      query.filter = Filter(q);
      CHECK(node.querier->TagValues(ctx, query, &found, &stats).code() ==
            StatusCode::kDeadlineExceeded);
    }
  }
}

}  // namespace
}  // namespace tempo::querier
