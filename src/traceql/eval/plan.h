#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tempo/common/result.h"
#include "tempo/traceql/ast.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/fetcher.h"
#include "traceql/eval/program.h"

// The evaluation plan of a search query: the pipeline with every field expression compiled, plus
// what the response needs. Built once by SearchQuery::Compile, immutable afterwards.
namespace tempo::traceql::internal {

struct CompiledPipeline;

struct CompiledSpansetExpr {
  SpansetExprKind kind = SpansetExprKind::kFilter;
  // kFilter
  bool match_all = false;   // `{ }` or `{ true }`
  bool match_none = false;  // folded to false
  eval::FieldProgram filter;
  // kBinary
  SpansetOp op = SpansetOp::kAnd;
  std::unique_ptr<CompiledSpansetExpr> lhs;
  std::unique_ptr<CompiledSpansetExpr> rhs;
  // kPipeline
  std::unique_ptr<CompiledPipeline> pipeline;
};

struct CompiledAggregate {
  AggregateOp op = AggregateOp::kCount;
  eval::FieldProgram arg;  // empty for count()
  std::string key;         // "count()", "avg(duration)": the spanset attribute name
};

struct CompiledStage {
  StageKind kind = StageKind::kSpanset;
  std::unique_ptr<CompiledSpansetExpr> spanset;  // kSpanset
  CompiledAggregate aggregate;                   // kScalarFilter: `aggregate op threshold`
  BinaryOp op = BinaryOp::kEq;
  Static threshold;
  eval::FieldProgram group_by;  // kGroupBy
  std::string group_key;        // "by(resource.service.name)"
};

struct CompiledPipeline {
  std::vector<CompiledStage> stages;
};

// A field returned on each span of a search result (query-api.md §8.8).
struct OutputField {
  std::string key;  // the name without scope: `http.status_code`, `status`, `nestedSetLeft`
  eval::FieldProgram program;
};

struct CompiledQuery {
  std::unique_ptr<RootExpr> ast;
  CompiledPipeline pipeline;
  FetchRequest fetch;
  std::vector<OutputField> outputs;
  bool output_name = false;  // the query reads the span name
  bool most_recent = false;
  bool never_matches = false;
};

// `!>`, `!<`, `!>>`, `!<<`, `!~`: the left side may be empty.
inline bool IsNegatedStructural(SpansetOp op) {
  return op == SpansetOp::kNotChild || op == SpansetOp::kNotParent ||
         op == SpansetOp::kNotDescendant || op == SpansetOp::kNotAncestor ||
         op == SpansetOp::kNotSibling;
}

// The comparison with its operands swapped: `3 < x` is `x > 3`.
inline BinaryOp MirrorComparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::kLt:
      return BinaryOp::kGt;
    case BinaryOp::kLte:
      return BinaryOp::kGte;
    case BinaryOp::kGt:
      return BinaryOp::kLt;
    case BinaryOp::kGte:
      return BinaryOp::kLte;
    default:
      return op;
  }
}

// Plan building (compile_query.cpp).
Result<CompiledPipeline> CompilePipeline(const Pipeline& pipeline);
// Fetch request and output fields (fetch_request.cpp).
FetchRequest BuildFetchRequest(const RootExpr& root);
void BuildOutputs(const RootExpr& root, CompiledQuery* query);
// False when no trace can match: every way through the query meets a filter folded to false.
bool CanMatch(const Pipeline& pipeline);

// Evaluation (eval_pipeline.cpp, eval_spanset.cpp, eval_structural.cpp). `state` is bound to the
// trace being evaluated. Errors are the query's run-time errors.
Result<std::vector<Spanset>> RunPipeline(const CompiledPipeline& pipeline,
                                         std::vector<Spanset> input, eval::EvalState& state);
Result<std::vector<Spanset>> RunSpansetExpr(const CompiledSpansetExpr& expr, const Spanset& input,
                                            eval::EvalState& state);
// A structural operator (§14) on the spans `lhs` and `rhs` (both in trace order); the result is
// in trace order.
std::vector<uint32_t> RunStructural(SpansetOp op, const std::vector<uint32_t>& lhs,
                                    const std::vector<uint32_t>& rhs, const TraceView& trace);

// Response building (search_output.cpp).
void FillMetadata(const CompiledQuery& query, const TraceView& trace,
                  const std::vector<Spanset>& spansets, const SearchOptions& options,
                  eval::EvalState& state, tempopb::TraceSearchMetadata* out);

}  // namespace tempo::traceql::internal

namespace tempo::traceql {
const internal::CompiledQuery& CompiledOf(const SearchQuery& query);
}  // namespace tempo::traceql
