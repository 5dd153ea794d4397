// SearchQuery::Compile: parse, validate, and build the evaluation plan.
#include <string>

#include "tempo/traceql/engine.h"
#include "tempo/traceql/parser.h"
#include "traceql/eval/plan.h"

namespace tempo::traceql {
namespace internal {
namespace {

constexpr std::string_view kInvalidQuery = "invalid TraceQL query: ";

Result<std::unique_ptr<CompiledSpansetExpr>> CompileSpansetExpr(const SpansetExpr& e) {
  auto out = std::make_unique<CompiledSpansetExpr>();
  out->kind = e.kind;
  switch (e.kind) {
    case SpansetExprKind::kFilter: {
      if (e.filter == nullptr) {
        out->match_all = true;
      } else if (e.filter->kind == FieldExprKind::kStatic) {
        // Validation only lets booleans through; anything else can never be true.
        bool value = e.filter->value.type == ValueType::kBool && e.filter->value.bool_value;
        out->match_all = value;
        out->match_none = !value;
      } else {
        TEMPO_ASSIGN_OR_RETURN(out->filter, eval::CompilePredicate(*e.filter));
      }
      break;
    }
    case SpansetExprKind::kBinary: {
      out->op = e.op;
      TEMPO_ASSIGN_OR_RETURN(out->lhs, CompileSpansetExpr(*e.lhs));
      TEMPO_ASSIGN_OR_RETURN(out->rhs, CompileSpansetExpr(*e.rhs));
      break;
    }
    case SpansetExprKind::kPipeline: {
      TEMPO_ASSIGN_OR_RETURN(CompiledPipeline pipeline, CompilePipeline(*e.pipeline));
      out->pipeline = std::make_unique<CompiledPipeline>(std::move(pipeline));
      break;
    }
  }
  return out;
}

// `aggregate op literal` (and the mirrored `literal op aggregate`); validation rejects the rest
// as unsupported, so anything else here is reported the same way.
Status CompileScalarFilter(const ScalarFilter& f, CompiledStage* stage) {
  const ScalarExpr* aggregate = f.lhs.get();
  const ScalarExpr* literal = f.rhs.get();
  stage->op = f.op;
  if (aggregate->kind == ScalarExprKind::kStatic) {
    std::swap(aggregate, literal);
    stage->op = MirrorComparison(f.op);
  }
  if (aggregate->kind != ScalarExprKind::kAggregate || literal->kind != ScalarExprKind::kStatic) {
    return UnimplementedError("scalar filters other than `aggregate op literal` not yet supported");
  }
  stage->threshold = literal->value;
  const Aggregate& agg = aggregate->aggregate;
  stage->aggregate.op = agg.op;
  stage->aggregate.key = std::string(AggregateOpName(agg.op)) + "(";
  if (agg.arg != nullptr) {
    TEMPO_ASSIGN_OR_RETURN(stage->aggregate.arg, eval::CompileValue(*agg.arg));
    stage->aggregate.key += ToString(*agg.arg);
  }
  stage->aggregate.key += ")";
  return Status::Ok();
}

}  // namespace

Result<CompiledPipeline> CompilePipeline(const Pipeline& pipeline) {
  CompiledPipeline out;
  for (const Stage& stage : pipeline.stages) {
    CompiledStage compiled;
    compiled.kind = stage.kind;
    switch (stage.kind) {
      case StageKind::kSpanset: {
        TEMPO_ASSIGN_OR_RETURN(compiled.spanset, CompileSpansetExpr(*stage.spanset));
        break;
      }
      case StageKind::kScalarFilter:
        TEMPO_RETURN_IF_ERROR(CompileScalarFilter(*stage.scalar_filter, &compiled));
        break;
      case StageKind::kGroupBy: {
        TEMPO_ASSIGN_OR_RETURN(compiled.group_by, eval::CompileValue(*stage.group_by));
        compiled.group_key = "by(" + ToString(*stage.group_by) + ")";
        break;
      }
      case StageKind::kCoalesce:
      case StageKind::kSelect:
        break;
    }
    out.stages.push_back(std::move(compiled));
  }
  return out;
}

}  // namespace internal

const internal::CompiledQuery& CompiledOf(const SearchQuery& query) { return *query.compiled_; }

Result<SearchQuery> SearchQuery::Compile(std::string_view text) {
  auto parsed = ParseAndValidate(text);
  if (!parsed.ok()) {
    std::string message = std::string(internal::kInvalidQuery) + parsed.status().message();
    if (parsed.status().code() == StatusCode::kUnimplemented) {
      return UnimplementedError(std::move(message));
    }
    return InvalidArgumentError(std::move(message));
  }
  auto compiled = std::make_shared<internal::CompiledQuery>();
  compiled->ast = std::move(parsed).value();
  const RootExpr& root = *compiled->ast;
  if (root.is_metrics()) {
    return InvalidArgumentError(std::string(internal::kInvalidQuery) +
                                "metrics functions cannot be used in search: not a search query");
  }
  auto pipeline = internal::CompilePipeline(root.pipeline);
  if (!pipeline.ok()) {
    std::string message = std::string(internal::kInvalidQuery) + pipeline.status().message();
    return Status(pipeline.status().code(), std::move(message));
  }
  compiled->pipeline = std::move(pipeline).value();
  compiled->fetch = internal::BuildFetchRequest(root);
  internal::BuildOutputs(root, compiled.get());
  compiled->never_matches = !internal::CanMatch(root.pipeline);
  for (const Hint& hint : root.hints) {
    // Unknown hints and hints of the wrong type are ignored (traceql.md §16).
    if (hint.name == "most_recent" && hint.value.type == ValueType::kBool) {
      compiled->most_recent = hint.value.bool_value;
    }
  }
  return SearchQuery(std::move(compiled));
}

const FetchRequest& SearchQuery::fetch_request() const { return compiled_->fetch; }
const RootExpr& SearchQuery::ast() const { return *compiled_->ast; }
bool SearchQuery::most_recent() const { return compiled_->most_recent; }
bool SearchQuery::never_matches() const { return compiled_->never_matches; }

}  // namespace tempo::traceql
