#include "proc_sampler.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace tempo::bench {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// The number after "<key>" on its line (e.g. "VmRSS:\t 1234 kB" or "write_bytes: 99").
uint64_t FieldAfter(const std::string& text, const std::string& key) {
  size_t at = text.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + key.size(), nullptr, 10);
}

double MachineBusySeconds() {
  std::string stat;
  if (!ReadFile("/proc/stat", &stat)) return 0;
  // "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks.
  std::istringstream line(stat.substr(0, stat.find('\n')));
  std::string cpu;
  uint64_t v[8] = {};
  line >> cpu;
  for (uint64_t& x : v) line >> x;
  uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

uint64_t Inode(const std::string& line, uint16_t port, bool* match) {
  // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout
  // inode"
  std::istringstream in(line);
  std::string sl, local, remote, state, queues, timer, retr, uid, timeout;
  uint64_t inode = 0;
  in >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
  size_t colon = local.rfind(':');
  *match = colon != std::string::npos && state == "0A" &&
           std::strtoul(local.c_str() + colon + 1, nullptr, 16) == port;
  return inode;
}

}  // namespace

ProcSampler::ProcSampler(pid_t pid, std::string data_dir)
    : pid_(pid), data_dir_(std::move(data_dir)) {}

ProcSampler::~ProcSampler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Result<ProcSnapshot> ProcSampler::Read() const {
  std::string base = "/proc/" + std::to_string(pid_);
  std::string stat, status, io;
  if (!ReadFile(base + "/stat", &stat) || !ReadFile(base + "/status", &status)) {
    return NotFoundError("process " + std::to_string(pid_) + " is gone");
  }
  ProcSnapshot s;
  // Fields after the ")" of the command name: state is field 3; utime, stime are 14 and 15.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::strtoull(f.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(f.c_str(), nullptr, 10);
  }
  s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  s.rss_bytes = FieldAfter(status, "VmRSS:") * 1024;
  s.hwm_bytes = FieldAfter(status, "VmHWM:") * 1024;
  if (ReadFile(base + "/io", &io)) {
    s.write_bytes = FieldAfter(io, "\nwrite_bytes:");
    s.read_bytes = FieldAfter(io, "\nread_bytes:");
  }
  s.machine_busy_s = MachineBusySeconds();
  s.self_cpu_s = SelfCpuSeconds();
  if (!data_dir_.empty()) s.data_dir_bytes = DiskUsage(data_dir_);
  return s;
}

Result<ProcSnapshot> ProcSampler::Start() {
  TEMPO_ASSIGN_OR_RETURN(ProcSnapshot s, Read());
  peak_rss_ = s.rss_bytes;
  thread_ = std::thread([this] {
    std::string path = "/proc/" + std::to_string(pid_) + "/status";
    while (!stop_) {
      std::string status;
      if (ReadFile(path, &status)) {
        uint64_t rss = FieldAfter(status, "VmRSS:") * 1024;
        if (rss > peak_rss_) peak_rss_ = rss;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  return s;
}

Result<ProcSnapshot> ProcSampler::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  TEMPO_ASSIGN_OR_RETURN(ProcSnapshot s, Read());
  if (s.rss_bytes > peak_rss_) peak_rss_ = s.rss_bytes;
  return s;
}

Result<pid_t> FindPidListeningOn(uint16_t port) {
  std::vector<uint64_t> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      bool match = false;
      uint64_t inode = Inode(line, port, &match);
      if (match && inode != 0) inodes.push_back(inode);
    }
  }
  if (inodes.empty()) return NotFoundError("nothing listens on port " + std::to_string(port));
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = proc.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      std::string target = std::filesystem::read_symlink(fd.path(), link_ec);
      if (link_ec || target.rfind("socket:[", 0) != 0) continue;
      uint64_t inode = std::strtoull(target.c_str() + 8, nullptr, 10);
      for (uint64_t want : inodes) {
        if (inode == want) return static_cast<pid_t>(std::stol(name));
      }
    }
  }
  return NotFoundError("the process listening on port " + std::to_string(port) + " is not visible");
}

uint64_t DiskUsage(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      total += static_cast<uint64_t>(st.st_blocks) * 512;
    }
  }
  return total;
}

}  // namespace tempo::bench
