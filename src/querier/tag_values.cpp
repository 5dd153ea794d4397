#include "tempo/querier/tag_values.h"

#include "tempo/traceql/ast.h"

namespace tempo::querier {

std::string_view TagScopeName(TagScope scope) {
  switch (scope) {
    case TagScope::kResource:
      return "resource";
    case TagScope::kSpan:
      return "span";
    case TagScope::kEvent:
      return "event";
    case TagScope::kLink:
      return "link";
    case TagScope::kScope:
      return "instrumentation";
  }
  return "";
}

bool DistinctTagValues::Add(std::string_view type, std::string_view value) {
  if (done_) return false;
  key_.assign(type);
  key_.push_back('\0');
  key_.append(value);
  if (seen_.count(key_)) {
    if (limits_.max_stale_values != 0 && ++stale_ >= limits_.max_stale_values) done_ = true;
    return !done_;
  }
  stale_ = 0;
  if (limits_.max_bytes != 0 && bytes_ + value.size() > limits_.max_bytes) {
    Stop();
    return false;
  }
  seen_.insert(key_);
  values_.push_back({std::string(type), std::string(value)});
  bytes_ += value.size();
  if (limits_.max_values != 0 && values_.size() >= limits_.max_values) Stop();
  return !done_;
}

bool MatchesEverySpan(const traceql::SearchQuery& query) {
  const traceql::RootExpr& root = query.ast();
  if (root.is_metrics() || root.pipeline.stages.size() != 1) return false;
  const traceql::Stage& stage = root.pipeline.stages.front();
  if (stage.kind != traceql::StageKind::kSpanset || stage.spanset == nullptr ||
      stage.spanset->kind != traceql::SpansetExprKind::kFilter) {
    return false;
  }
  const traceql::FieldExpr* filter = stage.spanset->filter.get();
  // Constants are folded by the parser: `{ true }` and `{ 1 = 1 }` are a static true.
  return filter == nullptr ||
         (filter->kind == traceql::FieldExprKind::kStatic &&
          filter->value.type == traceql::ValueType::kBool && filter->value.bool_value);
}

}  // namespace tempo::querier
