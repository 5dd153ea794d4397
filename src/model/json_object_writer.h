#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "tempo/model/tempo_json.h"

namespace tempo::model {

// Writes the members of one JSON object in Tempo's JSON style (tempo_json.h): adds commas
// between members and leaves out zero values. Appends to the string it is given, which must
// outlive it. Not thread-safe; one per object being written.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }

  // Starts a member; the caller then appends the value.
  void Key(std::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(key);
    out_.append("\":", 2);
  }

  void String(std::string_view key, std::string_view value) {
    if (value.empty()) return;
    Key(key);
    AppendJsonString(out_, value);
  }

  void Bytes(std::string_view key, std::string_view value) {
    if (value.empty()) return;
    Key(key);
    out_.push_back('"');
    AppendBase64(out_, value);
    out_.push_back('"');
  }

  void Uint32(std::string_view key, uint32_t value) {
    if (value == 0) return;
    Key(key);
    AppendNumber(value);
  }

  // 64-bit integers are JSON strings.
  void Uint64(std::string_view key, uint64_t value) {
    if (value == 0) return;
    Key(key);
    out_.push_back('"');
    AppendNumber(value);
    out_.push_back('"');
  }

  // Enum as its name; the zero value is omitted and a value without a name is written as a number.
  void Enum(std::string_view key, int value, std::string_view name) {
    if (value == 0) return;
    Key(key);
    if (name.empty()) {
      AppendNumber(value);
    } else {
      out_.push_back('"');
      out_.append(name);
      out_.push_back('"');
    }
  }

  void Finish() { out_.push_back('}'); }

 private:
  template <typename T>
  void AppendNumber(T value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    out_.append(buf, end);
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace tempo::model
