#include "traceql/regex_syntax.h"

#include <array>
#include <cstdint>
#include <set>
#include <string>

namespace tempo::traceql {
namespace {

constexpr int kMaxRepeat = 1000;
constexpr int kMaxDepth = 1000;
constexpr int32_t kClassEscape = -2;  // \d, \pL, [:alpha:]: not usable as a range endpoint

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one UTF-8 character at `s[i]`; returns -1 if invalid. `len` receives its length.
int32_t DecodeRune(std::string_view s, size_t i, size_t& len) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    len = 1;
    return b;
  }
  int extra = (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
  if (extra < 0 || i + static_cast<size_t>(extra) >= s.size()) return -1;
  int32_t cp = b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((c & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return -1;
  len = static_cast<size_t>(extra) + 1;
  return cp;
}

// A recursive-descent walk over the pattern that only reports the first syntax error.
class Checker {
 public:
  explicit Checker(std::string_view p) : p_(p) {}

  Status Run() {
    for (size_t i = 0, len = 0; i < p_.size(); i += len) {
      if (DecodeRune(p_, i, len) < 0) return Fail("invalid UTF-8");
    }
    TEMPO_RETURN_IF_ERROR(Alternation());
    if (i_ < p_.size()) return Fail("unexpected )");  // only a ')' stops the top level early
    return Status::Ok();
  }

 private:
  Status Fail(std::string_view what) const {
    return InvalidArgumentError("error parsing regexp: " + std::string(what) + ": `" +
                                std::string(p_) + "`");
  }
  bool More() const { return i_ < p_.size(); }
  char Cur() const { return p_[i_]; }

  Status Alternation() {
    for (;;) {
      TEMPO_RETURN_IF_ERROR(Concat());
      if (!More() || Cur() != '|') return Status::Ok();
      ++i_;
    }
  }

  Status Concat() {
    bool have_atom = false, last_repeat = false;
    while (More() && Cur() != '|' && Cur() != ')') {
      char c = Cur();
      size_t saved = i_;
      bool is_repeat = c == '*' || c == '+' || c == '?';
      if (c == '{') {
        int min = 0, max = 0;
        is_repeat = RepeatBraces(min, max);
        if (is_repeat && (min > kMaxRepeat || max > kMaxRepeat || (max >= 0 && min > max))) {
          return Fail("invalid repeat count");
        }
        i_ = saved;
      }
      if (is_repeat) {
        if (!have_atom) return Fail("missing argument to repetition operator");
        if (last_repeat) return Fail("invalid nested repetition operator");
        if (c == '{') {
          int min = 0, max = 0;
          RepeatBraces(min, max);
        } else {
          ++i_;
        }
        if (More() && Cur() == '?') ++i_;  // non-greedy
        last_repeat = true;
        continue;
      }
      last_repeat = false;
      have_atom = true;
      if (c == '(') {
        bool flags_only = false;
        TEMPO_RETURN_IF_ERROR(Group(flags_only));
        if (flags_only) have_atom = false;
      } else if (c == '[') {
        TEMPO_RETURN_IF_ERROR(Class());
      } else if (c == '\\') {
        TEMPO_RETURN_IF_ERROR(Escape());
      } else {
        size_t len = 1;
        DecodeRune(p_, i_, len);
        i_ += len;
      }
    }
    return Status::Ok();
  }

  // `{n}`, `{n,}`, `{n,m}` at i_: consumes it and returns true, or returns false (a literal `{`).
  // `max` is -1 for `{n,}`; counts beyond int range become kMaxRepeat + 1.
  bool RepeatBraces(int& min, int& max) {
    size_t j = i_ + 1;
    auto number = [&](int& out) {
      size_t begin = j;
      long v = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        v = v > kMaxRepeat ? v : v * 10 + (p_[j] - '0');
        ++j;
      }
      out = static_cast<int>(v);
      return j > begin;
    };
    if (!number(min)) return false;
    max = min;
    if (j < p_.size() && p_[j] == ',') {
      ++j;
      max = -1;
      if (j < p_.size() && p_[j] != '}' && !number(max)) return false;
    }
    if (j >= p_.size() || p_[j] != '}') return false;
    i_ = j + 1;
    return true;
  }

  Status Group(bool& flags_only) {
    if (++depth_ > kMaxDepth) return Fail("expression nests too deeply");
    ++i_;  // (
    std::string_view rest = p_.substr(i_);
    if (rest.substr(0, 1) == "?") {
      if (rest.substr(0, 3) == "?P<" ||
          (rest.substr(0, 2) == "?<" && rest.substr(0, 3) != "?<=" && rest.substr(0, 3) != "?<!")) {
        i_ += rest[1] == 'P' ? 3 : 2;
        size_t end = p_.find('>', i_);
        if (end == std::string_view::npos) return Fail("invalid named capture");
        std::string_view name = p_.substr(i_, end - i_);
        if (name.empty()) return Fail("invalid named capture");
        for (char c : name) {
          if (!IsWord(c)) return Fail("invalid named capture");
        }
        if (!names_.insert(std::string(name)).second) return Fail("duplicate capture group name");
        i_ = end + 1;
      } else {
        ++i_;  // ?
        bool negated = false, any_flag = false, flag_after_minus = false;
        for (;;) {
          if (!More()) return Fail("missing closing )");
          char c = Cur();
          if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
            any_flag = true;
            flag_after_minus = negated;
            ++i_;
          } else if (c == '-' && !negated) {
            negated = true;
            ++i_;
          } else if ((c == ':' || c == ')') && (!negated || flag_after_minus) &&
                     (any_flag || c == ':')) {
            ++i_;
            if (c == ')') {
              flags_only = true;
              --depth_;
              return Status::Ok();
            }
            break;
          } else {
            return Fail("invalid or unsupported Perl syntax");
          }
        }
      }
    }
    TEMPO_RETURN_IF_ERROR(Alternation());
    if (!More() || Cur() != ')') return Fail("missing closing )");
    ++i_;
    --depth_;
    return Status::Ok();
  }

  Status Class() {
    ++i_;  // [
    if (More() && Cur() == '^') ++i_;
    bool first = true;
    for (;;) {
      if (!More()) return Fail("missing closing ]");
      if (Cur() == ']' && !first) {
        ++i_;
        return Status::Ok();
      }
      first = false;
      int32_t lo = 0;
      TEMPO_RETURN_IF_ERROR(ClassChar(lo));
      if (More() && Cur() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        int32_t hi = 0;
        TEMPO_RETURN_IF_ERROR(ClassChar(hi));
        if (lo == kClassEscape || hi == kClassEscape || hi < lo) {
          return Fail("invalid character class range");
        }
      }
    }
  }

  // One class element: a character (its code point in `out`) or a class (kClassEscape).
  Status ClassChar(int32_t& out) {
    if (p_.substr(i_, 2) == "[:") {
      size_t end = p_.find(":]", i_ + 2);
      if (end != std::string_view::npos) {
        std::string_view name = p_.substr(i_ + 2, end - i_ - 2);
        if (!name.empty() && name[0] == '^') name.remove_prefix(1);
        static constexpr std::array<std::string_view, 14> kPosix = {
            "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
            "lower", "print", "punct", "space", "upper", "word",  "xdigit"};
        bool known = false;
        for (std::string_view k : kPosix) known = known || k == name;
        if (!known) return Fail("invalid character class range");
        i_ = end + 2;
        out = kClassEscape;
        return Status::Ok();
      }
    }
    if (Cur() == '\\') {
      if (i_ + 1 >= p_.size()) return Fail("trailing backslash at end of expression");
      char e = p_[i_ + 1];
      if (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W') {
        i_ += 2;
        out = kClassEscape;
        return Status::Ok();
      }
      if (e == 'p' || e == 'P') {
        out = kClassEscape;
        return UnicodeClass();
      }
      return EscapeChar(out);
    }
    size_t len = 1;
    out = DecodeRune(p_, i_, len);
    i_ += len;
    return Status::Ok();
  }

  // `\pL`, `\p{Greek}`, `\P{^Lu}`; names are not checked against the Unicode tables.
  Status UnicodeClass() {
    i_ += 2;
    if (!More()) return Fail("invalid character class range");
    if (Cur() != '{') {
      if (!IsAlnum(Cur())) return Fail("invalid character class range");
      ++i_;
      return Status::Ok();
    }
    size_t end = p_.find('}', i_);
    if (end == std::string_view::npos) return Fail("invalid character class range");
    std::string_view name = p_.substr(i_ + 1, end - i_ - 1);
    if (!name.empty() && name[0] == '^') name.remove_prefix(1);
    if (name.empty()) return Fail("invalid character class range");
    for (char c : name) {
      if (!IsWord(c)) return Fail("invalid character class range");
    }
    i_ = end + 1;
    return Status::Ok();
  }

  Status Escape() {
    if (i_ + 1 >= p_.size()) return Fail("trailing backslash at end of expression");
    char e = p_[i_ + 1];
    switch (e) {
      case 'A':
      case 'z':
      case 'b':
      case 'B':
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        i_ += 2;
        return Status::Ok();
      case 'p':
      case 'P':
        return UnicodeClass();
      case 'Q': {
        size_t end = p_.find("\\E", i_ + 2);
        i_ = end == std::string_view::npos ? p_.size() : end + 2;
        return Status::Ok();
      }
      default: {
        int32_t ignored = 0;
        return EscapeChar(ignored);
      }
    }
  }

  // A single-character escape at i_ (which points at the backslash).
  Status EscapeChar(int32_t& out) {
    char e = p_[i_ + 1];
    i_ += 2;
    if (e >= '1' && e <= '7' && !(More() && Cur() >= '0' && Cur() <= '7')) {
      return Fail("invalid escape sequence");  // a backreference
    }
    if (e >= '0' && e <= '7') {
      out = e - '0';
      for (int k = 0; k < 2 && More() && Cur() >= '0' && Cur() <= '7'; ++k, ++i_) {
        out = out * 8 + (Cur() - '0');
      }
      return Status::Ok();
    }
    if (e == 'x') {
      if (More() && Cur() == '{') {
        size_t end = p_.find('}', i_);
        if (end == std::string_view::npos || end == i_ + 1) return Fail("invalid escape sequence");
        int64_t v = 0;
        for (size_t k = i_ + 1; k < end; ++k) {
          int d = HexValue(p_[k]);
          if (d < 0) return Fail("invalid escape sequence");
          v = v * 16 + d;
          if (v > 0x10FFFF) return Fail("invalid escape sequence");
        }
        i_ = end + 1;
        out = static_cast<int32_t>(v);
        return Status::Ok();
      }
      if (i_ + 1 >= p_.size() || HexValue(p_[i_]) < 0 || HexValue(p_[i_ + 1]) < 0) {
        return Fail("invalid escape sequence");
      }
      out = HexValue(p_[i_]) * 16 + HexValue(p_[i_ + 1]);
      i_ += 2;
      return Status::Ok();
    }
    switch (e) {
      case 'a':
        out = '\a';
        return Status::Ok();
      case 'f':
        out = '\f';
        return Status::Ok();
      case 't':
        out = '\t';
        return Status::Ok();
      case 'n':
        out = '\n';
        return Status::Ok();
      case 'r':
        out = '\r';
        return Status::Ok();
      case 'v':
        out = '\v';
        return Status::Ok();
      default:
        break;
    }
    if (static_cast<unsigned char>(e) < 0x80 && !IsAlnum(e)) {
      out = e;  // escaped punctuation
      return Status::Ok();
    }
    return Fail("invalid escape sequence");
  }

  std::string_view p_;
  size_t i_ = 0;
  int depth_ = 0;
  std::set<std::string> names_;
};

}  // namespace

Status CheckRegexSyntax(std::string_view pattern) { return Checker(pattern).Run(); }

}  // namespace tempo::traceql
