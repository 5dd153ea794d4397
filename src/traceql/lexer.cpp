#include "tempo/traceql/lexer.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "traceql/parse_error.h"
#include "traceql/unicode_space.h"

namespace tempo::traceql {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// Non-ASCII bytes are taken as letters, so identifiers may hold any Unicode letter.
bool IsIdentStart(char c) { return IsAsciiLetter(c) || c == '_' || (c & 0x80) != 0; }
bool IsIdentPart(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that end an unquoted attribute name (traceql.md §2.6).
bool IsAttributeTerminator(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\v':
    case '\f':
    case '{':
    case '}':
    case '(':
    case ')':
    case '=':
    case '~':
    case '!':
    case '<':
    case '>':
    case '&':
    case '|':
    case '^':
    case ',':
      return true;
    default:
      return false;
  }
}

// Length of the maximal run after a number that may belong to a duration literal: digits, '.',
// the unit letters and µ/μ (traceql.md §2.4).
size_t DurationRunLength(std::string_view rest) {
  size_t i = 0;
  while (i < rest.size()) {
    char c = rest[i];
    if (IsDigit(c) || c == '.' || c == 'n' || c == 's' || c == 'u' || c == 'm' || c == 'h' ||
        c == 'd' || c == 'w' || c == 'y') {
      ++i;
    } else if (rest.substr(i, 2) == "\xC2\xB5" || rest.substr(i, 2) == "\xCE\xBC") {
      i += 2;
    } else {
      break;
    }
  }
  return i;
}

size_t Utf8Length(char lead) {
  auto b = static_cast<unsigned char>(lead);
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 1;
}

}  // namespace

void Lexer::Advance(size_t bytes) {
  for (size_t i = 0; i < bytes && pos_ < in_.size(); ++i, ++pos_) {
    char c = in_[pos_];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++col_;  // count characters at their first byte
    }
  }
}

Token Lexer::Make(TokenKind kind, size_t start, int line, int col) const {
  Token t;
  t.kind = kind;
  t.line = line;
  t.col = col;
  t.offset = start;
  t.length = pos_ - start;
  return t;
}

Token Lexer::Fail(std::string message, int line, int col) {
  Token t;
  t.kind = TokenKind::kError;
  t.line = line;
  t.col = col;
  t.offset = pos_;
  t.text = std::move(message);
  error_ = t;
  return t;
}

std::optional<Token> Lexer::SkipSpaceAndComments() {
  while (!AtEnd()) {
    char c = PeekChar();
    if (IsSpace(c)) {
      Advance();
    } else if (c == '/' && PeekChar(1) == '/') {
      while (!AtEnd() && PeekChar() != '\n') Advance();
    } else if (c == '/' && PeekChar(1) == '*') {
      int line = line_, col = col_;
      Advance(2);
      while (!AtEnd() && !(PeekChar() == '*' && PeekChar(1) == '/')) Advance();
      if (AtEnd()) return Fail("comment not terminated", line, col);
      Advance(2);
    } else {
      break;
    }
  }
  return std::nullopt;
}

Token Lexer::Next() {
  if (error_) return *error_;
  if (auto err = SkipSpaceAndComments()) return *err;
  size_t start = pos_;
  int line = line_, col = col_;
  if (AtEnd()) return Make(TokenKind::kEnd, start, line, col);
  char c = PeekChar();
  if (IsIdentStart(c)) return ScanWord(start, line, col);
  if (IsDigit(c) || (c == '.' && IsDigit(PeekChar(1)))) return ScanNumber(start, line, col);
  if (c == '.') {
    Advance();
    return ScanAttribute(start, line, col, AttributeScope::kNone, false);
  }
  if (c == '"') return ScanString(start, line, col);
  if (c == '`') return ScanRawString(start, line, col);
  return ScanOperator(start, line, col);
}

Token Lexer::ScanWord(size_t start, int line, int col) {
  while (!AtEnd() && IsIdentPart(PeekChar())) Advance();
  std::string_view word = in_.substr(start, pos_ - start);
  // Scope prefixes count only when the '.' or ':' follows without whitespace (§2.3).
  if (PeekChar() == '.') {
    std::optional<AttributeScope> scope;
    bool parent = false;
    if (word == "span") scope = AttributeScope::kSpan;
    if (word == "resource") scope = AttributeScope::kResource;
    if (word == "event") scope = AttributeScope::kEvent;
    if (word == "link") scope = AttributeScope::kLink;
    if (word == "instrumentation") scope = AttributeScope::kInstrumentation;
    if (word == "parent") {
      scope = AttributeScope::kNone;
      parent = true;
    }
    if (scope) {
      Advance();
      if (parent) {
        std::string_view rest = in_.substr(pos_);
        if (rest.substr(0, 5) == "span.") {
          scope = AttributeScope::kSpan;
          Advance(5);
        } else if (rest.substr(0, 9) == "resource.") {
          scope = AttributeScope::kResource;
          Advance(9);
        }
      }
      return ScanAttribute(start, line, col, *scope, parent);
    }
  }
  if (PeekChar() == ':') {
    std::optional<TokenKind> kind;
    if (word == "trace") kind = TokenKind::kTraceColon;
    if (word == "span") kind = TokenKind::kSpanColon;
    if (word == "event") kind = TokenKind::kEventColon;
    if (word == "link") kind = TokenKind::kLinkColon;
    if (word == "instrumentation") kind = TokenKind::kInstrumentationColon;
    if (kind) {
      Advance();
      return Make(*kind, start, line, col);
    }
  }
  Token t = Make(KeywordKind(word), start, line, col);
  if (t.kind == TokenKind::kIdentifier) t.text = std::string(word);
  return t;
}

Token Lexer::ScanAttribute(size_t start, int line, int col, AttributeScope scope, bool parent) {
  std::string name;
  bool any = false;
  while (!AtEnd()) {
    char c = PeekChar();
    if (c == '"') {
      // A quoted segment: any character, only \" and \\ as escapes (§2.6).
      int qline = line_, qcol = col_;
      Advance();
      any = true;
      for (;;) {
        if (AtEnd()) return Fail("unterminated quoted attribute name", qline, qcol);
        char q = PeekChar();
        if (q == '"') {
          Advance();
          break;
        }
        if (q == '\\') {
          char e = PeekChar(1);
          if (e != '"' && e != '\\') {
            return Fail("invalid escape sequence in quoted attribute name", line_, col_);
          }
          name += e;
          Advance(2);
          continue;
        }
        name += q;
        Advance();
      }
      continue;
    }
    if (IsAttributeTerminator(c) || UnicodeSpaceLength(in_.substr(pos_)) > 0) break;
    name += c;
    Advance();
    any = true;
  }
  if (!any)
    return Fail("syntax error: unexpected END_ATTRIBUTE, expecting IDENTIFIER", line_, col_);
  Token t = Make(TokenKind::kAttribute, start, line, col);
  t.text = std::move(name);
  t.scope = scope;
  t.parent = parent;
  return t;
}

Token Lexer::ScanNumber(size_t start, int line, int col) {
  bool is_float = false;
  while (IsDigit(PeekChar())) Advance();
  if (PeekChar() == '.') {
    is_float = true;
    Advance();
    while (IsDigit(PeekChar())) Advance();
  }
  if (PeekChar() == 'e' || PeekChar() == 'E') {
    size_t sign = (PeekChar(1) == '+' || PeekChar(1) == '-') ? 1 : 0;
    if (IsDigit(PeekChar(1 + sign))) {
      is_float = true;
      Advance(1 + sign);
      while (IsDigit(PeekChar())) Advance();
    }
  }
  size_t number_end = pos_;
  size_t run = DurationRunLength(in_.substr(pos_));
  if (run > 0) {
    if (auto nanos = ParseDurationLiteral(in_.substr(start, number_end - start + run))) {
      Advance(run);
      Token t = Make(TokenKind::kDuration, start, line, col);
      t.int_value = *nanos;
      t.text = std::string(in_.substr(start, pos_ - start));
      return t;
    }
  }
  std::string_view text = in_.substr(start, number_end - start);
  Token t = Make(is_float ? TokenKind::kFloat : TokenKind::kInteger, start, line, col);
  t.text = std::string(text);
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (is_float) {
    auto [ptr, ec] = std::from_chars(first, last, t.float_value);
    if (ec != std::errc() || ptr != last) {
      return Fail("invalid float literal " + std::string(text), line, col);
    }
  } else {
    auto [ptr, ec] = std::from_chars(first, last, t.int_value);
    if (ec == std::errc::result_out_of_range) {
      return Fail("integer literal " + std::string(text) + " out of range", line, col);
    }
    if (ec != std::errc() || ptr != last) {
      return Fail("invalid integer literal " + std::string(text), line, col);
    }
  }
  return t;
}

Token Lexer::ScanRawString(size_t start, int line, int col) {
  Advance();
  std::string value;
  for (;;) {
    if (AtEnd()) return Fail("raw string literal not terminated", line, col);
    char c = PeekChar();
    Advance();
    if (c == '`') break;
    if (c != '\r') value += c;  // like Go, carriage returns are dropped from raw strings
  }
  Token t = Make(TokenKind::kString, start, line, col);
  t.text = std::move(value);
  return t;
}

Token Lexer::ScanOperator(size_t start, int line, int col) {
  // Longest match among the operator spellings of traceql.md §2.3.
  char c = PeekChar(), n = PeekChar(1), n2 = PeekChar(2);
  TokenKind kind = TokenKind::kInvalid;
  size_t len = 1;
  auto two = [&](TokenKind k) {
    kind = k;
    len = 2;
  };
  auto three = [&](TokenKind k) {
    kind = k;
    len = 3;
  };
  switch (c) {
    case ',':
      kind = TokenKind::kComma;
      break;
    case '{':
      kind = TokenKind::kOpenBrace;
      break;
    case '}':
      kind = TokenKind::kCloseBrace;
      break;
    case '(':
      kind = TokenKind::kOpenParen;
      break;
    case ')':
      kind = TokenKind::kCloseParen;
      break;
    case '+':
      kind = TokenKind::kAdd;
      break;
    case '-':
      kind = TokenKind::kSub;
      break;
    case '*':
      kind = TokenKind::kMul;
      break;
    case '/':
      kind = TokenKind::kDiv;
      break;
    case '%':
      kind = TokenKind::kMod;
      break;
    case '^':
      kind = TokenKind::kPow;
      break;
    case '~':
      kind = TokenKind::kTilde;
      break;
    case '=':
      if (n == '~')
        two(TokenKind::kRegex);
      else
        kind = TokenKind::kEq;
      break;
    case '|':
      if (n == '|')
        two(TokenKind::kOr);
      else
        kind = TokenKind::kPipe;
      break;
    case '>':
      if (n == '=')
        two(TokenKind::kGte);
      else if (n == '>')
        two(TokenKind::kDesc);
      else
        kind = TokenKind::kGt;
      break;
    case '<':
      if (n == '=')
        two(TokenKind::kLte);
      else if (n == '<')
        two(TokenKind::kAnce);
      else
        kind = TokenKind::kLt;
      break;
    case '!':
      if (n == '=')
        two(TokenKind::kNeq);
      else if (n == '~')
        two(TokenKind::kNotRegex);
      else if (n == '>')
        n2 == '>' ? three(TokenKind::kNotDesc) : two(TokenKind::kNotChild);
      else if (n == '<')
        n2 == '<' ? three(TokenKind::kNotAnce) : two(TokenKind::kNotParent);
      else
        kind = TokenKind::kNot;
      break;
    case '&':
      if (n == '&')
        two(TokenKind::kAnd);
      else if (n == '~')
        two(TokenKind::kUnionSibling);
      else if (n == '>')
        n2 == '>' ? three(TokenKind::kUnionDesc) : two(TokenKind::kUnionChild);
      else if (n == '<')
        n2 == '<' ? three(TokenKind::kUnionAnce) : two(TokenKind::kUnionParent);
      break;
    default:
      break;
  }
  if (kind == TokenKind::kInvalid) len = std::min(Utf8Length(c), in_.size() - pos_);
  std::string_view text = in_.substr(pos_, len);
  Advance(len);
  Token t = Make(kind, start, line, col);
  if (kind == TokenKind::kInvalid) t.text = std::string(text);
  return t;
}

Result<std::vector<Token>> Tokenize(std::string_view query) {
  Lexer lexer(query);
  std::vector<Token> tokens;
  for (;;) {
    Token t = lexer.Next();
    if (t.kind == TokenKind::kError) {
      return InvalidArgumentError(FormatParseError(t.line, t.col, t.text));
    }
    bool end = t.kind == TokenKind::kEnd;
    tokens.push_back(std::move(t));
    if (end) return tokens;
  }
}

}  // namespace tempo::traceql
