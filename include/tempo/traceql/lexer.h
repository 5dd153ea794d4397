#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/result.h"
#include "tempo/traceql/token.h"

namespace tempo::traceql {

// Scans TraceQL text into tokens (traceql.md §2): keywords, scope prefixes, attribute names with
// quoted segments, Go-style strings, numbers and duration literals (`1h30m`, `1.5s`, `2d`).
// Lexical errors come back as a kError token holding the message, after which Next() keeps
// returning that error. `input` must outlive the lexer. Not thread-safe; cheap to construct.
class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  // The next token; kEnd at the end of the input.
  Token Next();

 private:
  bool AtEnd() const { return pos_ >= in_.size(); }
  char PeekChar(size_t ahead = 0) const {
    return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0';
  }
  void Advance(size_t bytes = 1);
  Token Make(TokenKind kind, size_t start, int line, int col) const;
  Token Fail(std::string message, int line, int col);
  // Returns a kError token if a block comment is not terminated.
  std::optional<Token> SkipSpaceAndComments();
  Token ScanWord(size_t start, int line, int col);
  Token ScanAttribute(size_t start, int line, int col, AttributeScope scope, bool parent);
  Token ScanNumber(size_t start, int line, int col);
  Token ScanString(size_t start, int line, int col);
  Token ScanRawString(size_t start, int line, int col);
  Token ScanOperator(size_t start, int line, int col);

  std::string_view in_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
  std::optional<Token> error_;  // sticky lexical error
};

// Scans all of `query`: every token up to and including the kEnd token. A lexical error is
// kInvalidArgument "parse error at line L, col C: <detail>".
Result<std::vector<Token>> Tokenize(std::string_view query);

// Parses a duration literal body such as "1h30m", "1.5s", "250ms", "2d", "1w", "1y" to nanoseconds
// (Go `time.ParseDuration` syntax or Prometheus `y w d h m s ms` components). nullopt if invalid
// or out of range.
std::optional<int64_t> ParseDurationLiteral(std::string_view text);

}  // namespace tempo::traceql
