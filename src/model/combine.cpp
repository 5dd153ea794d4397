#include "tempo/model/combine.h"

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>

#include "tempopb/tempo.pb.h"

namespace tempo::model {
namespace {

using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::ScopeSpans;
using opentelemetry::proto::trace::v1::Span;

std::string ResourceKey(const ResourceSpans& rs) {
  std::string key;
  rs.resource().SerializeToString(&key);
  key += '\0';
  key += rs.schema_url();
  return key;
}

std::string ScopeKey(const ScopeSpans& ss) {
  std::string key;
  ss.scope().SerializeToString(&key);
  key += '\0';
  key += ss.schema_url();
  return key;
}

void EnsureServiceName(ResourceSpans* rs) {
  if (rs->resource().attributes_size() > 0) return;
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("unknown_service");
}

// The spans already taken, by (span ID, kind). Valid IDs (8 bytes) are kept as integers in a
// hash set: a trace of 50,000 spans otherwise costs as many strings and tree nodes.
class SeenSpans {
 public:
  // Whether (id, kind) is new (then it is remembered).
  bool Insert(const std::string& id, int kind) {
    if (id.size() == 8) {
      uint64_t v;
      std::memcpy(&v, id.data(), 8);
      return eight_.insert({v, kind}).second;
    }
    return other_.emplace(id, kind).second;
  }

 private:
  struct Hash {
    size_t operator()(const std::pair<uint64_t, int>& p) const {
      return std::hash<uint64_t>()(p.first ^ (static_cast<uint64_t>(p.second) << 59));
    }
  };
  std::unordered_set<std::pair<uint64_t, int>, Hash> eight_;
  std::set<std::pair<std::string, int>> other_;
};

}  // namespace

namespace {

// Merges parsed fragments into one trace (see CombineFragments), in order of Add.
class Combiner {
 public:
  explicit Combiner(tempopb::Trace* out) : out_(out) { out_->Clear(); }

  // Moves the spans, resources and scopes of `fragment` (left valid, unspecified) into `out`.
  void Add(tempopb::Trace& fragment) {
    for (ResourceSpans& rs : *fragment.mutable_resourcespans()) {
      auto [rit, rnew] = resource_index_.try_emplace(ResourceKey(rs), out_->resourcespans_size());
      if (rnew) {
        ResourceSpans* dst = out_->add_resourcespans();
        *dst->mutable_resource() = std::move(*rs.mutable_resource());
        dst->set_schema_url(rs.schema_url());
        EnsureServiceName(dst);
      }
      ResourceSpans* dst_rs = out_->mutable_resourcespans(rit->second);
      for (ScopeSpans& ss : *rs.mutable_scope_spans()) {
        auto [sit, snew] =
            scope_index_.try_emplace({rit->second, ScopeKey(ss)}, dst_rs->scope_spans_size());
        if (snew) {
          ScopeSpans* dst = dst_rs->add_scope_spans();
          *dst->mutable_scope() = std::move(*ss.mutable_scope());
          dst->set_schema_url(ss.schema_url());
        }
        ScopeSpans* dst_ss = dst_rs->mutable_scope_spans(sit->second);
        for (Span& span : *ss.mutable_spans()) {
          if (!seen_spans_.Insert(span.span_id(), static_cast<int>(span.kind()))) {
            ++stats_.duplicate_spans;
            continue;
          }
          // Grafana reads span.status without a nil check: make it present.
          span.mutable_status();
          *dst_ss->add_spans() = std::move(span);
          ++stats_.spans;
        }
      }
    }
  }

  // Drops containers left empty because all their spans were duplicates.
  void Finish(CombineStats* stats) {
    auto* all_rs = out_->mutable_resourcespans();
    for (int r = all_rs->size() - 1; r >= 0; --r) {
      auto* all_ss = all_rs->Mutable(r)->mutable_scope_spans();
      for (int s = all_ss->size() - 1; s >= 0; --s) {
        if (all_ss->Get(s).spans_size() == 0) all_ss->DeleteSubrange(s, 1);
      }
      if (all_ss->empty()) all_rs->DeleteSubrange(r, 1);
    }
    if (stats) *stats = stats_;
  }

  CombineStats& stats() { return stats_; }

 private:
  tempopb::Trace* out_;
  std::map<std::string, int> resource_index_;               // key -> index in out
  std::map<std::pair<int, std::string>, int> scope_index_;  // (resource, key) -> index
  SeenSpans seen_spans_;
  CombineStats stats_;
};

}  // namespace

Status CombineFragments(const std::vector<std::string_view>& fragments, tempopb::Trace* out,
                        CombineStats* stats) {
  Combiner combiner(out);
  for (std::string_view data : fragments) {
    combiner.stats().input_bytes += data.size();
    // On `out`'s arena when it has one: parsing then allocates from the arena, and moving spans
    // into `out` swaps pointers instead of copying across arenas.
    tempopb::Trace heap_fragment;
    tempopb::Trace& fragment =
        out->GetArena() != nullptr
            ? *google::protobuf::Arena::CreateMessage<tempopb::Trace>(out->GetArena())
            : heap_fragment;
    if (!fragment.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
      return CorruptionError("a stored trace fragment does not parse (" +
                             std::to_string(data.size()) + " bytes)");
    }
    combiner.Add(fragment);
  }
  combiner.Finish(stats);
  return Status::Ok();
}

void CombineTraces(const std::vector<tempopb::Trace*>& fragments, tempopb::Trace* out,
                   CombineStats* stats) {
  Combiner combiner(out);
  for (tempopb::Trace* fragment : fragments) combiner.Add(*fragment);
  combiner.Finish(stats);
}

}  // namespace tempo::model
