#pragma once

#include <string>
#include <vector>

#include "tempo/config/app_config.h"

namespace tempo::cli {

// Operator commands that read the backend directly, without a running server (like tempo-cli):
//   list blocks <tenant>                  one line per block: id, time range, traces, spans, size
//   list tenants                          tenants with blocks
//   view block <tenant> <block-id>        the block's meta.json and its column sizes
//   query blocks <trace-id> <tenant>      the trace, combined from every block, as JSON
// `words` are the positional words of the command line. Output goes to stdout, errors to stderr.
// Returns the process exit code (2 for a usage error).
int RunCommand(const std::vector<std::string>& words, const config::AppConfig& config);

}  // namespace tempo::cli
