// LoadConfig: the startup sequence defaults -> file -> flags -> Validate.
#include "tempo/common/log.h"
#include "tempo/config/loader.h"

namespace tempo::config {

Result<AppConfig> LoadConfig(const CommandLine& command_line, LoadReport* report) {
  LoadReport local_report;
  if (report == nullptr) report = &local_report;
  AppConfig config;
  if (!command_line.config_file.empty()) {
    TEMPO_RETURN_IF_ERROR(
        LoadYamlFile(command_line.config_file, command_line.expand_env, &config, report));
  } else {
    // No file: the same receivers as a file without `distributor.receivers`.
    TEMPO_RETURN_IF_ERROR(LoadYamlText("", false, &config, report));
  }
  TEMPO_RETURN_IF_ERROR(ApplyFlags(command_line, &config));
  // AppConfig carries the flag twice (top level and the distributor's copy); the top level wins.
  config.distributor.multitenancy_enabled = config.multitenancy_enabled;
  TEMPO_RETURN_IF_ERROR(Validate(config));
  for (const std::string& key : report->ignored_keys) {
    LOG_INFO << "known Tempo setting, ignored: " << key;
  }
  return config;
}

}  // namespace tempo::config
