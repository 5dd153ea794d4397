#pragma once

// Server-side resource accounting for tempo_load, from /proc: CPU time, RSS and disk writes of
// the server process, the busy time of the whole machine (to see what else ran), and the size of
// the server's data directory. Linux only.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "tempo/common/result.h"

namespace tempo::bench {

// One reading of a process and of the machine.
struct ProcSnapshot {
  double cpu_s = 0;          // utime + stime of the process
  uint64_t rss_bytes = 0;    // VmRSS
  uint64_t hwm_bytes = 0;    // VmHWM (peak RSS since the process started)
  uint64_t write_bytes = 0;  // /proc/<pid>/io write_bytes (what reached the block layer)
  uint64_t read_bytes = 0;
  double machine_busy_s = 0;    // /proc/stat: non-idle time summed over all CPUs
  double self_cpu_s = 0;        // this process (the load generator)
  uint64_t data_dir_bytes = 0;  // allocated size of the data directory (like du)
};

// Samples `pid` now and every `period` on a background thread for the peak RSS. Start and Stop
// are called from one thread; the object is not otherwise thread-safe.
class ProcSampler {
 public:
  // `data_dir` may be empty (no du).
  ProcSampler(pid_t pid, std::string data_dir);
  ~ProcSampler();

  // Reads the start snapshot and starts the RSS sampling thread.
  [[nodiscard]] Result<ProcSnapshot> Start();
  // Stops sampling and reads the end snapshot (kNotFound if the process is gone).
  [[nodiscard]] Result<ProcSnapshot> Stop();
  uint64_t peak_rss_bytes() const { return peak_rss_.load(); }

  // Reads the current state of `pid` (and of the machine).
  [[nodiscard]] Result<ProcSnapshot> Read() const;

 private:
  pid_t pid_;
  std::string data_dir_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> peak_rss_{0};
  std::thread thread_;
};

// The pid of the process listening on TCP `port` on this machine (from /proc/net/tcp{,6} and the
// fd tables), kNotFound if none is visible.
[[nodiscard]] Result<pid_t> FindPidListeningOn(uint16_t port);

// Allocated bytes of every file under `dir` (st_blocks * 512), 0 if it does not exist.
uint64_t DiskUsage(const std::string& dir);

}  // namespace tempo::bench
