#include <sys/resource.h>

#include "tempo/cli/cli.h"
#include "tempo/common/malloc_tuning.h"

namespace {

// Cached block readers keep their files open (store.max_open_readers of them) next to client
// connections and WAL files: raise the soft limit of open files to the hard one, as servers
// usually do. Failure is harmless (the soft limit stays).
void RaiseOpenFileLimit() {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

int main(int argc, char** argv) {
  tempo::TuneMalloc();  // before any thread starts
  RaiseOpenFileLimit();
  return tempo::cli::Main(argc, argv);
}
