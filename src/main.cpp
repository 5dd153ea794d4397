#include <sys/resource.h>

#include "tempo/cli/cli.h"
#include "tempo/common/malloc_tuning.h"

// jemalloc's compiled-in options (the binary links jemalloc; the MALLOC_CONF environment variable
// still overrides any of them). Background threads purge unused pages, so that no request thread
// pays for it; dirty pages go back after about a second instead of jemalloc's 10 s default, and
// are released at once rather than kept "muzzy": the server's transients (a cut's row groups, a
// compaction's columns, batches of fragments) would otherwise stay in RSS long after they are
// freed (bench/RESULTS.md, session 14).
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";

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
