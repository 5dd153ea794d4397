#include "config/key_table.h"

#include <catch2/catch.hpp>
#include <set>

using tempo::config::FindKey;
using tempo::config::KeyKind;
using tempo::config::KeySpec;

namespace {

std::vector<const KeySpec*> AllSpecs() {
  std::vector<const KeySpec*> all;
  for (auto table :
       {tempo::config::CoreKeys(), tempo::config::ReceiverKeys(), tempo::config::OverridesKeys()}) {
    for (const KeySpec& spec : table) all.push_back(&spec);
  }
  return all;
}

}  // namespace

TEST_CASE("Every key table path is unique and sits under sections", "[config]") {
  std::set<std::string_view> seen;
  for (const KeySpec* spec : AllSpecs()) {
    INFO(spec->path);
    CHECK(seen.insert(spec->path).second);
    CHECK((spec->kind != KeyKind::kLeaf || spec->setter != nullptr));
    // Each parent path must be a section, else the walker could never reach this key.
    std::string_view path = spec->path;
    for (size_t dot = path.rfind('.'); dot != std::string_view::npos;
         dot = path.rfind('.', dot - 1)) {
      const KeySpec* parent = FindKey(path.substr(0, dot));
      REQUIRE(parent != nullptr);
      CHECK(parent->kind == KeyKind::kSection);
      if (dot == 0) break;
    }
  }
}

TEST_CASE("Key lookup prefers exact paths and matches patterns by prefix", "[config]") {
  REQUIRE(FindKey("storage.trace.blocklist_poll_jitter_ms") != nullptr);
  CHECK(FindKey("storage.trace.blocklist_poll_jitter_ms")->kind == KeyKind::kIgnored);
  CHECK(FindKey("server.grpc_server_keepalive_time") != nullptr);
  CHECK(FindKey("server.grpc_listen_port")->kind == KeyKind::kLeaf);
  CHECK(FindKey("server.grpc") == nullptr);
  CHECK(FindKey("nope") == nullptr);
  CHECK(FindKey("") == nullptr);
}
