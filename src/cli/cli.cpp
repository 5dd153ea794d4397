#include "tempo/cli/cli.h"

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "tempo/api/build_info.h"
#include "tempo/app/app.h"
#include "tempo/common/log.h"
#include "tempo/config/loader.h"

namespace tempo::cli {
namespace {

void PrintVersion() {
  const api::BuildInfo& b = api::GetBuildInfo();
  std::cout << "tempo, version " << b.version << " (branch: " << b.branch
            << ", revision: " << b.revision << ")\n"
            << "  build date: " << b.build_date << "\n"
            << "  compiler: " << b.compiler << "\n";
}

}  // namespace

int Main(int argc, char** argv) {
  // Block SIGTERM/SIGINT in every thread; App::WaitAndStop receives them with sigwait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  Result<config::CommandLine> command_line = config::ParseCommandLine(args);
  if (!command_line.ok()) {
    std::cerr << "tempo: " << command_line.status().message() << "\n"
              << "Run 'tempo -help' for the list of flags.\n";
    return 2;
  }
  if (command_line->print_help) {
    std::cout << config::HelpText();
    return 0;
  }
  if (command_line->print_version) {
    PrintVersion();
    return 0;
  }
  config::LoadReport report;
  Result<config::AppConfig> config = config::LoadConfig(*command_line, &report);
  if (!config.ok()) {
    LOG_ERROR << "invalid configuration: " << config.status().message();
    return 1;
  }
  if (!command_line->positional.empty()) return RunCommand(command_line->positional, *config);
  log::Level level;
  if (log::ParseLevel(config->server.log_level, &level)) log::SetLevel(level);

  app::App app(std::move(config).value());
  if (Status s = app.Start(); !s.ok()) {
    LOG_ERROR << "failed to start: " << s.message();
    return 1;
  }
  return app.WaitAndStop();
}

}  // namespace tempo::cli
