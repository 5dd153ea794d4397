// Command-line flags: ParseCommandLine, HelpText, ApplyFlags.
#include <charconv>
#include <sstream>

#include "targets.h"
#include "tempo/common/log.h"
#include "tempo/config/loader.h"

namespace tempo::config {
namespace {

enum class FlagType : uint8_t { kString, kBool, kPort, kTarget, kLogLevel };

// One known flag. `default_value` is filled from AppConfig{} by HelpText.
struct FlagSpec {
  std::string_view name;
  FlagType type;
  std::string_view help;
};

constexpr FlagSpec kFlags[] = {
    {"config.file", FlagType::kString, "Configuration file to load (Tempo's tempo.yaml)."},
    {"config.expand-env", FlagType::kBool,
     "Expand ${VAR} and ${VAR:-default} in the config file from the environment."},
    {"target", FlagType::kTarget, "Module to run (\"all\" runs every module in one process)."},
    {"server.http-listen-address", FlagType::kString, "HTTP server listen address."},
    {"server.http-listen-port", FlagType::kPort, "HTTP server listen port (API, Grafana)."},
    {"server.grpc-listen-address", FlagType::kString, "gRPC server listen address."},
    {"server.grpc-listen-port", FlagType::kPort, "gRPC server listen port."},
    {"storage.trace.backend", FlagType::kString, "Trace storage backend (only local for now)."},
    {"storage.trace.local.path", FlagType::kString, "Directory of the local block storage."},
    {"storage.trace.wal.path", FlagType::kString, "Directory of the write-ahead log."},
    {"multitenancy.enabled", FlagType::kBool,
     "Require the X-Scope-OrgID header (tenant) on every request."},
    {"log.level", FlagType::kLogLevel, "Only log messages at or above this level."},
    {"version", FlagType::kBool, "Print the version and exit."},
    {"help", FlagType::kBool, "Print this help and exit."},
    {"h", FlagType::kBool, "Same as -help."},
};

const FlagSpec* FindFlag(std::string_view name) {
  for (const FlagSpec& flag : kFlags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

// Go's strconv.ParseBool.
bool ParseGoBool(std::string_view text, bool* out) {
  for (std::string_view t : {"1", "t", "T", "true", "TRUE", "True"}) {
    if (text == t) {
      *out = true;
      return true;
    }
  }
  for (std::string_view f : {"0", "f", "F", "false", "FALSE", "False"}) {
    if (text == f) {
      *out = false;
      return true;
    }
  }
  return false;
}

// Parses a port already accepted by CheckValue.
uint16_t PortOf(const std::string& value) {
  unsigned port = 0;
  std::from_chars(value.data(), value.data() + value.size(), port);
  return static_cast<uint16_t>(port);
}

Status BadValue(std::string_view name, std::string_view value, std::string_view why) {
  return InvalidArgumentError("invalid value \"" + std::string(value) + "\" for flag -" +
                              std::string(name) + ": " + std::string(why));
}

// Checks `value` for `flag`; bools are normalized to "true"/"false".
Status CheckValue(const FlagSpec& flag, std::string* value) {
  switch (flag.type) {
    case FlagType::kString:
      return Status::Ok();
    case FlagType::kBool: {
      bool parsed = false;
      if (!ParseGoBool(*value, &parsed)) return BadValue(flag.name, *value, "not a bool");
      *value = parsed ? "true" : "false";
      return Status::Ok();
    }
    case FlagType::kPort: {
      unsigned port = 0;
      auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), port);
      if (value->empty() || ec != std::errc() || ptr != value->data() + value->size() ||
          port > 65535) {
        return BadValue(flag.name, *value, "not a port number (0-65535)");
      }
      return Status::Ok();
    }
    case FlagType::kTarget:
      if (!IsKnownTarget(*value)) {
        return BadValue(flag.name, *value, "unknown target (valid: " + KnownTargetList() + ")");
      }
      return Status::Ok();
    case FlagType::kLogLevel: {
      log::Level level;
      if (!log::ParseLevel(*value, &level)) {
        return BadValue(flag.name, *value, "unknown log level (debug, info, warn, error)");
      }
      return Status::Ok();
    }
  }
  return Status::Ok();
}

std::string DefaultOf(std::string_view name) {
  const AppConfig defaults;
  if (name == "config.file") return "";
  if (name == "target") return defaults.target;
  if (name == "server.http-listen-address") return defaults.server.http_listen_address;
  if (name == "server.http-listen-port") return std::to_string(defaults.server.http_listen_port);
  if (name == "server.grpc-listen-address") return defaults.server.grpc_listen_address;
  if (name == "server.grpc-listen-port") return std::to_string(defaults.server.grpc_listen_port);
  if (name == "storage.trace.backend") return defaults.storage.backend;
  if (name == "storage.trace.local.path") return defaults.storage.local_path;
  if (name == "storage.trace.wal.path") return defaults.wal.path;
  if (name == "multitenancy.enabled") return defaults.multitenancy_enabled ? "true" : "false";
  if (name == "log.level") return defaults.server.log_level;
  return "false";  // -config.expand-env, -version, -help, -h
}

}  // namespace

Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine command_line;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {  // everything after is positional
      command_line.positional.insert(command_line.positional.end(), args.begin() + i + 1,
                                     args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      command_line.positional.push_back(arg);
      continue;
    }
    std::string_view body(arg);
    body.remove_prefix(body.substr(0, 2) == "--" ? 2 : 1);
    if (body.empty() || body.front() == '-' || body.front() == '=') {
      return InvalidArgumentError("bad flag syntax: " + arg);
    }
    const size_t eq = body.find('=');
    const std::string name(body.substr(0, eq));
    const FlagSpec* flag = FindFlag(name);
    if (flag == nullptr) return InvalidArgumentError("unknown flag: -" + name);

    std::string value;
    if (eq != std::string_view::npos) {
      value = std::string(body.substr(eq + 1));
    } else if (flag->type == FlagType::kBool) {
      value = "true";  // as in Go, a bool flag never takes the next word as its value
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return InvalidArgumentError("flag needs an argument: -" + name);
    }
    TEMPO_RETURN_IF_ERROR(CheckValue(*flag, &value));

    if (name == "config.file") {
      command_line.config_file = value;
    } else if (name == "config.expand-env") {
      command_line.expand_env = value == "true";
    } else if (name == "version") {
      command_line.print_version = value == "true";
    } else if (name == "help" || name == "h") {
      command_line.print_help = value == "true";
    } else {
      command_line.settings.emplace_back(name, value);
    }
  }
  return command_line;
}

std::string HelpText() {
  std::ostringstream out;
  out << "Usage: tempo [flags] [command]\n\n"
         "A Grafana Tempo compatible tracing backend. Settings come from the defaults, then the\n"
         "file given by -config.file (Tempo's tempo.yaml keys), then these flags.\n"
         "Flags take one or two dashes: -name=value, -name value, --name=value.\n\n"
         "Flags:\n";
  for (const FlagSpec& flag : kFlags) {
    out << "  -" << flag.name;
    if (flag.type != FlagType::kBool) out << " value";
    out << "\n      " << flag.help;
    std::string default_value = DefaultOf(flag.name);
    out << " (default " << (default_value.empty() ? "\"\"" : default_value) << ")\n";
    if (flag.type == FlagType::kTarget) out << "      One of: " << KnownTargetList() << ".\n";
    if (flag.type == FlagType::kLogLevel) out << "      One of: debug, info, warn, error.\n";
  }
  return out.str();
}

Status ApplyFlags(const CommandLine& command_line, AppConfig* config) {
  for (const auto& [name, raw_value] : command_line.settings) {
    const FlagSpec* flag = FindFlag(name);
    if (flag == nullptr) return InvalidArgumentError("unknown flag: -" + name);
    std::string value = raw_value;
    TEMPO_RETURN_IF_ERROR(CheckValue(*flag, &value));
    if (name == "target") {
      config->target = value;
    } else if (name == "server.http-listen-address") {
      config->server.http_listen_address = value;
    } else if (name == "server.http-listen-port") {
      config->server.http_listen_port = PortOf(value);
    } else if (name == "server.grpc-listen-address") {
      config->server.grpc_listen_address = value;
    } else if (name == "server.grpc-listen-port") {
      config->server.grpc_listen_port = PortOf(value);
    } else if (name == "storage.trace.backend") {
      config->storage.backend = value;
    } else if (name == "storage.trace.local.path") {
      config->storage.local_path = value;
    } else if (name == "storage.trace.wal.path") {
      config->wal.path = value;
    } else if (name == "multitenancy.enabled") {
      config->multitenancy_enabled = value == "true";
      config->distributor.multitenancy_enabled = config->multitenancy_enabled;
    } else if (name == "log.level") {
      config->server.log_level = value;
    } else {
      // -config.file, -config.expand-env, -version and -help have their own CommandLine fields.
      return InvalidArgumentError("flag -" + name + " cannot be applied to the configuration");
    }
  }
  return Status::Ok();
}

}  // namespace tempo::config
