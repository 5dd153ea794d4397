#pragma once

namespace tempo::cli {

// The whole command line of the `tempo` binary: flags in Tempo's form (-config.file=…,
// -target=all, …), then running the server until SIGTERM/SIGINT. Returns the process exit code.
int Main(int argc, char** argv);

}  // namespace tempo::cli
