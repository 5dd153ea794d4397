// LoadYamlText / LoadYamlFile: walks the yaml-cpp tree against the key table.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "key_table.h"
#include "tempo/config/loader.h"
#include "yaml_values.h"

namespace tempo::config {
namespace {

void ReportIgnored(const std::string& path, LoadReport* report) {
  if (report == nullptr) return;
  auto& keys = report->ignored_keys;
  if (std::find(keys.begin(), keys.end(), path) == keys.end()) keys.push_back(path);
}

// A section's value may be a mapping, or null / "" (present but empty, which still counts as
// present: that is how a receiver protocol is enabled with its default endpoint).
bool IsEmptySection(const YAML::Node& value) {
  return value.IsNull() || (value.IsScalar() && value.Scalar().empty());
}

Status WalkMapping(const YAML::Node& mapping, const std::string& prefix, LoadState* state,
                   LoadReport* report) {
  for (const auto& entry : mapping) {  // `entry` owns the key and value nodes
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    if (!key.IsScalar()) {
      return ValueError(prefix.empty() ? "(top level)" : prefix, key,
                        "a key must be a plain string");
    }
    const std::string path = prefix.empty() ? key.Scalar() : prefix + "." + key.Scalar();
    const KeySpec* spec = FindKey(path);
    if (spec == nullptr) {
      return InvalidArgumentError("unknown configuration key \"" + path + "\" at line " +
                                  std::to_string(LineOf(key)));
    }
    state->key_line = LineOf(key);
    switch (spec->kind) {
      case KeyKind::kIgnored:
        ReportIgnored(path, report);
        break;
      case KeyKind::kLeaf:
        TEMPO_RETURN_IF_ERROR(spec->setter(value, path, state));
        break;
      case KeyKind::kSection:
        if (!IsEmptySection(value) && !value.IsMap()) {
          return ValueError(path, value, "expected a mapping");
        }
        if (spec->setter != nullptr) TEMPO_RETURN_IF_ERROR(spec->setter(value, path, state));
        if (value.IsMap()) TEMPO_RETURN_IF_ERROR(WalkMapping(value, path, state, report));
        break;
    }
  }
  return Status::Ok();
}

Status LoadDocument(const std::string& text, AppConfig* config, LoadReport* report) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("YAML syntax error at line " + std::to_string(e.mark.line + 1) +
                                ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  LoadState state;
  state.config = config;
  if (!root.IsNull()) {
    if (!root.IsMap()) return ValueError("(top level)", root, "expected a mapping of keys");
    TEMPO_RETURN_IF_ERROR(WalkMapping(root, "", &state, report));
  }
  TEMPO_RETURN_IF_ERROR(FinishReceivers(state, &config->receivers));
  return FinishOverrides(state);
}

}  // namespace

Status LoadYamlText(std::string_view text, bool expand_env, AppConfig* config, LoadReport* report) {
  std::string document(text);
  if (expand_env) {
    TEMPO_ASSIGN_OR_RETURN(document, ExpandEnv(text));
  }
  // The setters never throw, but yaml-cpp's node accessors may on a malformed tree; keep every
  // exception inside this module.
  try {
    return LoadDocument(document, config, report);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("YAML error at line " + std::to_string(e.mark.line + 1) + ": " +
                                e.msg);
  }
}

Status LoadYamlFile(const std::string& path, bool expand_env, AppConfig* config,
                    LoadReport* report) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return NotFoundError("config file " + path + " does not exist");
  }
  if (std::filesystem::is_directory(path, ec)) {
    return IOError("config file " + path + " is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return IOError("cannot read config file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return IOError("cannot read config file " + path);
  Status status = LoadYamlText(contents.str(), expand_env, config, report);
  if (!status.ok()) return Status(status.code(), path + ": " + status.message());
  return Status::Ok();
}

}  // namespace tempo::config
