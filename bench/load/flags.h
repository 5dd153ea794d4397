#pragma once

// A tiny `--name=value` command-line reader for the load tools. Not thread-safe; used in main().

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace tempo::bench {

class Flags {
 public:
  // Accepts `--name=value`, `-name=value` and bare `--name` (value "true").
  Flags(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      size_t start = arg.find_first_not_of('-');
      if (start == 0 || start == std::string::npos) {
        positional_.push_back(arg);
        continue;
      }
      size_t eq = arg.find('=');
      if (eq == std::string::npos) {
        values_[arg.substr(start)] = "true";
      } else {
        values_[arg.substr(start, eq - start)] = arg.substr(eq + 1);
      }
    }
  }

  std::string Str(const std::string& name, const std::string& fallback) {
    used_.push_back(name);
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  double Num(const std::string& name, double fallback) {
    std::string v = Str(name, "");
    return v.empty() ? fallback : std::strtod(v.c_str(), nullptr);
  }
  uint64_t U64(const std::string& name, uint64_t fallback) {
    std::string v = Str(name, "");
    return v.empty() ? fallback : std::strtoull(v.c_str(), nullptr, 10);
  }
  bool Bool(const std::string& name, bool fallback) {
    std::string v = Str(name, "");
    return v.empty() ? fallback : (v == "true" || v == "1" || v == "yes");
  }
  // Flags given but never asked for (typos); call after reading all flags.
  std::vector<std::string> Unknown() const {
    std::vector<std::string> out;
    for (const auto& [name, value] : values_) {
      bool known = false;
      for (const std::string& u : used_) known = known || u == name;
      if (!known) out.push_back(name);
    }
    return out;
  }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> used_;
  std::vector<std::string> positional_;
};

}  // namespace tempo::bench
