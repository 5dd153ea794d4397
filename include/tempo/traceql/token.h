#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tempo::traceql {

// Where an attribute reference looks for its value (`span.x`, `resource.x`, ...). `kNone` is the
// unscoped `.x` form (and the bare intrinsics such as `name`); `kTrace` only exists for intrinsics
// (`trace:id`).
enum class AttributeScope : uint8_t {
  kNone,
  kSpan,
  kResource,
  kEvent,
  kLink,
  kInstrumentation,
  kTrace,
};

// Every token of the language. Keyword tokens are spelled like the keyword; `kInvalid` is a
// character that starts no token (`[`, `'`, a lone `&`), reported by the parser as unexpected;
// `kError` is a lexical error whose message is in `Token::text`.
enum class TokenKind : uint8_t {
  kEnd,
  kError,
  kInvalid,
  // Literals and names.
  kIdentifier,
  kString,
  kInteger,
  kFloat,
  kDuration,
  kAttribute,  // `.x`, `span.x`, `parent.resource.x`, ...: scope and name are in the token
  // Intrinsic scopes: `trace:` `span:` `event:` `link:` `instrumentation:`.
  kTraceColon,
  kSpanColon,
  kEventColon,
  kLinkColon,
  kInstrumentationColon,
  // Punctuation and operators.
  kComma,
  kOpenBrace,
  kCloseBrace,
  kOpenParen,
  kCloseParen,
  kEq,
  kNeq,
  kRegex,
  kNotRegex,  // `!~`: regex non-match inside braces, "not sibling" between spansets
  kGt,
  kGte,
  kLt,
  kLte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAnd,
  kOr,
  kNot,
  kPipe,
  kDesc,          // >>
  kAnce,          // <<
  kTilde,         // ~
  kNotChild,      // !>
  kNotParent,     // !<
  kNotDesc,       // !>>
  kNotAnce,       // !<<
  kUnionChild,    // &>
  kUnionParent,   // &<
  kUnionDesc,     // &>>
  kUnionAnce,     // &<<
  kUnionSibling,  // &~
  // Literal keywords.
  kTrue,
  kFalse,
  kNil,
  kStatusOk,
  kStatusError,
  kStatusUnset,
  kKindUnspecified,
  kKindInternal,
  kKindServer,
  kKindClient,
  kKindProducer,
  kKindConsumer,
  // Intrinsic keywords (unscoped ones first).
  kIntrinsicDuration,
  kIntrinsicName,
  kIntrinsicStatus,
  kIntrinsicStatusMessage,
  kIntrinsicKind,
  kIntrinsicParent,
  kIntrinsicRootName,
  kIntrinsicRootServiceName,
  kIntrinsicTraceDuration,
  kIntrinsicNestedSetLeft,
  kIntrinsicNestedSetRight,
  kIntrinsicNestedSetParent,
  // Intrinsic names usable only after a `scope:`.
  kIntrinsicChildCount,
  kIntrinsicRootService,
  kIntrinsicId,
  kIntrinsicTraceId,
  kIntrinsicSpanId,
  kIntrinsicParentId,
  kIntrinsicTimeSinceStart,
  kIntrinsicVersion,
  // Aggregates and pipeline operations.
  kCount,
  kAvg,
  kMax,
  kMin,
  kSum,
  kBy,
  kCoalesce,
  kSelect,
  // Metrics functions and second stages.
  kRate,
  kCountOverTime,
  kMinOverTime,
  kMaxOverTime,
  kAvgOverTime,
  kSumOverTime,
  kQuantileOverTime,
  kHistogramOverTime,
  kCompare,
  kTopK,
  kBottomK,
  // Hints.
  kWith,
};

// One scanned token. Positions are 1-based; `col` counts characters (not bytes) of its line.
struct Token {
  TokenKind kind = TokenKind::kEnd;
  int line = 1;
  int col = 1;
  size_t offset = 0;  // byte offset of the first character
  size_t length = 0;  // bytes of source text covered
  // kString: the unescaped value; kIdentifier: the name; kAttribute: the (unquoted) attribute name;
  // kInvalid: the character; kError: the error detail; kInteger/kFloat/kDuration: source text.
  std::string text;
  int64_t int_value = 0;  // kInteger, and kDuration in nanoseconds
  double float_value = 0;
  // kAttribute only.
  AttributeScope scope = AttributeScope::kNone;
  bool parent = false;  // `parent.` prefix
};

// The keyword token spelled `word`, or kIdentifier when `word` is not a keyword.
TokenKind KeywordKind(std::string_view word);

// Human name of a token kind for error messages: quoted source text for punctuation and keywords
// ("'}'", "'rate'"), a class name otherwise ("IDENTIFIER", "STRING", "end of input").
std::string TokenKindName(TokenKind kind);

// Name of a token for "unexpected X" messages: like TokenKindName, but an invalid character shows
// itself.
std::string DescribeToken(const Token& token);

}  // namespace tempo::traceql
