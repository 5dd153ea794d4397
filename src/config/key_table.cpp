#include "key_table.h"

#include <map>
#include <vector>

namespace tempo::config {
namespace {

// Exact paths in a map, '*' patterns in a list; built once from the three tables.
struct KeyIndex {
  std::map<std::string_view, const KeySpec*, std::less<>> exact;
  std::vector<const KeySpec*> patterns;

  KeyIndex() {
    for (std::span<const KeySpec> table : {CoreKeys(), ReceiverKeys(), OverridesKeys()}) {
      for (const KeySpec& spec : table) {
        if (!spec.path.empty() && spec.path.back() == '*') {
          patterns.push_back(&spec);
        } else {
          exact.emplace(spec.path, &spec);
        }
      }
    }
  }
};

}  // namespace

const KeySpec* FindKey(std::string_view path) {
  static const KeyIndex index;
  if (auto it = index.exact.find(path); it != index.exact.end()) return it->second;
  const KeySpec* best = nullptr;
  for (const KeySpec* spec : index.patterns) {
    std::string_view prefix = spec->path.substr(0, spec->path.size() - 1);
    if (path.substr(0, prefix.size()) == prefix &&
        (best == nullptr || spec->path.size() > best->path.size())) {
      best = spec;
    }
  }
  return best;
}

}  // namespace tempo::config
