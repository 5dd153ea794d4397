#include "tempo/traceql/token.h"

#include <array>
#include <unordered_map>
#include <utility>

namespace tempo::traceql {
namespace {

struct Spelling {
  TokenKind kind;
  std::string_view text;
};

// Keywords (traceql.md §2.2). Case-sensitive.
constexpr std::array kKeywords = {
    Spelling{TokenKind::kTrue, "true"},
    Spelling{TokenKind::kFalse, "false"},
    Spelling{TokenKind::kNil, "nil"},
    Spelling{TokenKind::kStatusOk, "ok"},
    Spelling{TokenKind::kStatusError, "error"},
    Spelling{TokenKind::kStatusUnset, "unset"},
    Spelling{TokenKind::kKindUnspecified, "unspecified"},
    Spelling{TokenKind::kKindInternal, "internal"},
    Spelling{TokenKind::kKindServer, "server"},
    Spelling{TokenKind::kKindClient, "client"},
    Spelling{TokenKind::kKindProducer, "producer"},
    Spelling{TokenKind::kKindConsumer, "consumer"},
    Spelling{TokenKind::kIntrinsicDuration, "duration"},
    Spelling{TokenKind::kIntrinsicName, "name"},
    Spelling{TokenKind::kIntrinsicStatus, "status"},
    Spelling{TokenKind::kIntrinsicStatusMessage, "statusMessage"},
    Spelling{TokenKind::kIntrinsicKind, "kind"},
    Spelling{TokenKind::kIntrinsicParent, "parent"},
    Spelling{TokenKind::kIntrinsicRootName, "rootName"},
    Spelling{TokenKind::kIntrinsicRootServiceName, "rootServiceName"},
    Spelling{TokenKind::kIntrinsicTraceDuration, "traceDuration"},
    Spelling{TokenKind::kIntrinsicNestedSetLeft, "nestedSetLeft"},
    Spelling{TokenKind::kIntrinsicNestedSetRight, "nestedSetRight"},
    Spelling{TokenKind::kIntrinsicNestedSetParent, "nestedSetParent"},
    Spelling{TokenKind::kIntrinsicChildCount, "childCount"},
    Spelling{TokenKind::kIntrinsicRootService, "rootService"},
    Spelling{TokenKind::kIntrinsicId, "id"},
    Spelling{TokenKind::kIntrinsicTraceId, "traceID"},
    Spelling{TokenKind::kIntrinsicSpanId, "spanID"},
    Spelling{TokenKind::kIntrinsicParentId, "parentID"},
    Spelling{TokenKind::kIntrinsicTimeSinceStart, "timeSinceStart"},
    Spelling{TokenKind::kIntrinsicVersion, "version"},
    Spelling{TokenKind::kCount, "count"},
    Spelling{TokenKind::kAvg, "avg"},
    Spelling{TokenKind::kMax, "max"},
    Spelling{TokenKind::kMin, "min"},
    Spelling{TokenKind::kSum, "sum"},
    Spelling{TokenKind::kBy, "by"},
    Spelling{TokenKind::kCoalesce, "coalesce"},
    Spelling{TokenKind::kSelect, "select"},
    Spelling{TokenKind::kRate, "rate"},
    Spelling{TokenKind::kCountOverTime, "count_over_time"},
    Spelling{TokenKind::kMinOverTime, "min_over_time"},
    Spelling{TokenKind::kMaxOverTime, "max_over_time"},
    Spelling{TokenKind::kAvgOverTime, "avg_over_time"},
    Spelling{TokenKind::kSumOverTime, "sum_over_time"},
    Spelling{TokenKind::kQuantileOverTime, "quantile_over_time"},
    Spelling{TokenKind::kHistogramOverTime, "histogram_over_time"},
    Spelling{TokenKind::kCompare, "compare"},
    Spelling{TokenKind::kTopK, "topk"},
    Spelling{TokenKind::kBottomK, "bottomk"},
    Spelling{TokenKind::kWith, "with"},
};

constexpr std::array kPunctuation = {
    Spelling{TokenKind::kTraceColon, "trace:"},
    Spelling{TokenKind::kSpanColon, "span:"},
    Spelling{TokenKind::kEventColon, "event:"},
    Spelling{TokenKind::kLinkColon, "link:"},
    Spelling{TokenKind::kInstrumentationColon, "instrumentation:"},
    Spelling{TokenKind::kComma, ","},
    Spelling{TokenKind::kOpenBrace, "{"},
    Spelling{TokenKind::kCloseBrace, "}"},
    Spelling{TokenKind::kOpenParen, "("},
    Spelling{TokenKind::kCloseParen, ")"},
    Spelling{TokenKind::kEq, "="},
    Spelling{TokenKind::kNeq, "!="},
    Spelling{TokenKind::kRegex, "=~"},
    Spelling{TokenKind::kNotRegex, "!~"},
    Spelling{TokenKind::kGt, ">"},
    Spelling{TokenKind::kGte, ">="},
    Spelling{TokenKind::kLt, "<"},
    Spelling{TokenKind::kLte, "<="},
    Spelling{TokenKind::kAdd, "+"},
    Spelling{TokenKind::kSub, "-"},
    Spelling{TokenKind::kMul, "*"},
    Spelling{TokenKind::kDiv, "/"},
    Spelling{TokenKind::kMod, "%"},
    Spelling{TokenKind::kPow, "^"},
    Spelling{TokenKind::kAnd, "&&"},
    Spelling{TokenKind::kOr, "||"},
    Spelling{TokenKind::kNot, "!"},
    Spelling{TokenKind::kPipe, "|"},
    Spelling{TokenKind::kDesc, ">>"},
    Spelling{TokenKind::kAnce, "<<"},
    Spelling{TokenKind::kTilde, "~"},
    Spelling{TokenKind::kNotChild, "!>"},
    Spelling{TokenKind::kNotParent, "!<"},
    Spelling{TokenKind::kNotDesc, "!>>"},
    Spelling{TokenKind::kNotAnce, "!<<"},
    Spelling{TokenKind::kUnionChild, "&>"},
    Spelling{TokenKind::kUnionParent, "&<"},
    Spelling{TokenKind::kUnionDesc, "&>>"},
    Spelling{TokenKind::kUnionAnce, "&<<"},
    Spelling{TokenKind::kUnionSibling, "&~"},
};

}  // namespace

TokenKind KeywordKind(std::string_view word) {
  static const std::unordered_map<std::string_view, TokenKind> kByText = [] {
    std::unordered_map<std::string_view, TokenKind> map;
    for (const Spelling& k : kKeywords) map.emplace(k.text, k.kind);
    return map;
  }();
  auto it = kByText.find(word);
  return it == kByText.end() ? TokenKind::kIdentifier : it->second;
}

std::string TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kError:
      return "invalid token";
    case TokenKind::kInvalid:
      return "invalid character";
    case TokenKind::kIdentifier:
      return "IDENTIFIER";
    case TokenKind::kString:
      return "STRING";
    case TokenKind::kInteger:
      return "INTEGER";
    case TokenKind::kFloat:
      return "FLOAT";
    case TokenKind::kDuration:
      return "DURATION";
    case TokenKind::kAttribute:
      return "attribute";
    default:
      break;
  }
  for (const Spelling& p : kPunctuation) {
    if (p.kind == kind) {
      return std::string("'") + std::string(p.text) + "'";
    }
  }
  for (const Spelling& k : kKeywords) {
    if (k.kind == kind) {
      return std::string("'") + std::string(k.text) + "'";
    }
  }
  return "token";
}

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kInvalid) {
    return token.text == "'" ? "\"'\"" : std::string("'") + token.text + "'";
  }
  if (token.kind == TokenKind::kIdentifier) {
    return std::string("IDENTIFIER ") + token.text;
  }
  return TokenKindName(token.kind);
}

}  // namespace tempo::traceql
