#pragma once

#include <string>

namespace tempo::api {

// What /api/status/buildinfo and -version report. `version` is the Tempo API version we implement
// (Grafana enables features by it; spec/query-api.md §8.3).
struct BuildInfo {
  std::string version;
  std::string revision;
  std::string branch;
  std::string build_user;
  std::string build_date;
  std::string compiler;
};

const BuildInfo& GetBuildInfo();

}  // namespace tempo::api
