#include <cstdlib>
#include <string>

#include "tempo/config/loader.h"

namespace tempo::config {
namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

size_t LineAt(std::string_view text, size_t pos) {
  size_t line = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
  }
  return line;
}

Status Malformed(std::string_view text, size_t pos, std::string_view why) {
  return InvalidArgumentError("config.expand-env: " + std::string(why) + " at line " +
                              std::to_string(LineAt(text, pos)));
}

}  // namespace

Result<std::string> ExpandEnv(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out.push_back(text[i++]);
      continue;
    }
    const size_t start = i;
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return Malformed(text, start, "\"${\" without \"}\"");
    std::string_view body = text.substr(i + 2, close - (i + 2));
    if (body.find('\n') != std::string_view::npos) {
      return Malformed(text, start, "\"${\" without \"}\" on the same line");
    }
    size_t name_len = 0;
    while (name_len < body.size() && IsNameChar(body[name_len])) ++name_len;
    std::string name(body.substr(0, name_len));
    if (name.empty() || !IsNameStart(name.front())) {
      return Malformed(text, start, "bad variable name in \"${" + std::string(body) + "}\"");
    }
    std::string_view rest = body.substr(name_len);
    const bool has_default = rest.substr(0, 2) == ":-";
    if (!rest.empty() && !has_default) {
      return Malformed(
          text, start,
          "malformed \"${" + std::string(body) + "}\" (use ${VAR} or ${VAR:-default})");
    }
    const char* value = std::getenv(name.c_str());
    if (value != nullptr && *value != '\0') {
      out += value;
    } else if (has_default) {
      out += rest.substr(2);
    }
    i = close + 1;
  }
  return out;
}

}  // namespace tempo::config
