#pragma once

#include <yaml-cpp/yaml.h>

#include <span>
#include <string>
#include <string_view>

#include "tempo/common/status.h"
#include "tempo/config/app_config.h"
#include "tempo/config/loader.h"

namespace tempo::config {

// Mutable state of one LoadYamlText call, shared by the key setters. Not thread-safe; lives on
// the loader's stack.
struct LoadState {
  AppConfig* config = nullptr;
  // 1-based line of the key whose setter runs (a null value has no useful position of its own).
  int key_line = 0;
  // Receivers seen under distributor.receivers (any one disables Tempo's default set).
  bool any_receiver = false;
  bool otlp_present = false;
  bool jaeger_present = false;
  // Which overrides form the file uses; mixing them is an error.
  bool overrides_legacy = false;  // a handled legacy flat key (overrides.max_bytes_per_trace)
  std::string overrides_legacy_key;
  bool overrides_modern = false;  // overrides.defaults
};

// Applies the value of one key. `path` is its dotted path (for messages); `value` may be null.
using KeySetter = Status (*)(const YAML::Node& value, const std::string& path, LoadState* state);

enum class KeyKind : uint8_t {
  kSection,  // a mapping (or null) whose children are looked up in the table too
  kLeaf,     // a value applied by `setter`
  kIgnored,  // a Tempo key we know but do not use: reported, not descended into
};

// One row of the key table. `path` is a dotted path; a path ending in '*' matches every key that
// starts with the part before the '*' (used for Tempo's families such as
// `storage.trace.blocklist_poll*`). A kSection may have a `setter`, run when the key is present
// (before its children), e.g. to enable a receiver.
struct KeySpec {
  std::string_view path;
  KeyKind kind;
  KeySetter setter = nullptr;
};

// The rows by concern. Each returns a static table.
std::span<const KeySpec> CoreKeys();       // core_keys.cpp: top level, server, ingester, storage
std::span<const KeySpec> ReceiverKeys();   // receiver_keys.cpp: distributor.*
std::span<const KeySpec> OverridesKeys();  // overrides_keys.cpp: overrides.*

// The row for `path` (exact match first, then the longest matching '*' pattern), or null for an
// unknown key. Thread-safe (the index is built once).
const KeySpec* FindKey(std::string_view path);

// After the walk: enables Tempo's default receivers when none was configured, and checks that a
// configured otlp/jaeger receiver has at least one protocol.
Status FinishReceivers(const LoadState& state, receivers::ReceiversConfig* receivers);

// After the walk: refuses a file that mixes legacy flat and modern `overrides.defaults` keys.
Status FinishOverrides(const LoadState& state);

// Enables OTLP gRPC, Jaeger gRPC and Jaeger thrift_http: Tempo's receivers when none is set.
void EnableDefaultReceivers(receivers::ReceiversConfig* receivers);

}  // namespace tempo::config
