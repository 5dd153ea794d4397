#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tempo/common/result.h"
#include "tempo/common/status.h"
#include "tempo/config/app_config.h"

// Loading the configuration at startup: command-line flags, Tempo's tempo.yaml, validation. None
// of these functions throws or keeps state between calls; all are thread-safe (ExpandEnv reads
// the process environment, which must not be modified concurrently).
namespace tempo::config {

// The parsed command line of the `tempo` binary. A value type.
struct CommandLine {
  std::string config_file;     // -config.file
  bool expand_env = false;     // -config.expand-env
  bool print_version = false;  // -version
  bool print_help = false;     // -help, -h
  // Every other known flag, in the order given: name (without dashes) -> value. Bool flags carry
  // "true" or "false".
  std::vector<std::pair<std::string, std::string>> settings;
  // Words that are not flags (subcommands such as "blocks list"), in order.
  std::vector<std::string> positional;
};

// What loading a file noticed without failing.
struct LoadReport {
  // Dotted paths of known Tempo keys that this implementation does not use, each once, in the
  // order met. Only the top-most ignored key is listed (`metrics_generator`, not its children).
  std::vector<std::string> ignored_keys;
};

// Parses argv[1..] the way Go's flag package does: -name=value, -name value, --name=value,
// --name value; a bool flag alone means true (-flag=false turns it off); "--" ends the flags.
// Words that are not flags go to `positional`. Errors (kInvalidArgument): "unknown flag: -x", a
// value flag without a value, or a bad value (the message names the flag). Thread-safe.
Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args);

// The usage text: every flag with its default and meaning.
std::string HelpText();

// Replaces ${VAR} by the environment variable VAR and ${VAR:-default} by VAR, or by `default`
// when VAR is unset or empty. An unset VAR without default becomes "". A "${" without a closing
// "}", or with an empty or malformed name, is kInvalidArgument naming the line.
Result<std::string> ExpandEnv(std::string_view text);

// Applies the YAML document `text` (a Tempo configuration) on top of `*config`. Handled keys set
// fields (type-checked); known Tempo keys we do not use are added to `report->ignored_keys`
// (`report` may be null); any other key is kInvalidArgument `unknown configuration key "<path>"
// at line N`. A YAML syntax error is kInvalidArgument naming the line. An empty text is valid.
// When `distributor.receivers` is absent or empty, Tempo's default receivers are enabled
// (OTLP gRPC, Jaeger gRPC, Jaeger thrift_http). `*config` may be partly updated on error.
Status LoadYamlText(std::string_view text, bool expand_env, AppConfig* config, LoadReport* report);

// LoadYamlText on the contents of the file at `path`; a missing or unreadable file is an error
// naming the path (kNotFound / kIOError).
Status LoadYamlFile(const std::string& path, bool expand_env, AppConfig* config,
                    LoadReport* report);

// Applies `command_line.settings` to `*config` in order (later flags win).
Status ApplyFlags(const CommandLine& command_line, AppConfig* config);

// Checks a complete configuration: ports, endpoints, sizes, durations, paths, backend, target,
// log level. Returns the first problem found as kInvalidArgument naming the key.
Status Validate(const AppConfig& config);

// The whole startup sequence: defaults -> `command_line.config_file` (if any) -> flags ->
// Validate. Logs each ignored key once at info (`known Tempo setting, ignored: <key>`). `report`
// may be null.
Result<AppConfig> LoadConfig(const CommandLine& command_line, LoadReport* report);

// Parses a Go duration: a possibly signed sequence of decimal numbers, each with an optional
// fraction and a unit (ns, us, µs, ms, s, m, h), such as "300ms", "1.5h", "2h45m"; "0" alone is
// valid. Errors are kInvalidArgument. Thread-safe; used by other modules too.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

}  // namespace tempo::config
