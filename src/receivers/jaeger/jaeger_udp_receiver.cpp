#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "receivers/jaeger/jaeger_decoder.h"
#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"
#include "tempo/receivers/jaeger_receivers.h"

namespace tempo::receivers {
namespace {

// How often the receive thread looks at the stop flag while idle.
constexpr int kPollIntervalMs = 200;
// Bigger than any UDP datagram, so the real size of an oversized one is seen (MSG_TRUNC).
constexpr size_t kReceiveBufferBytes = 65536;

const char* ProtocolName(JaegerUdpReceiver::Protocol protocol) {
  return protocol == JaegerUdpReceiver::Protocol::kCompact ? "thrift_compact" : "thrift_binary";
}

// Binds a UDP socket to host:port, preferring IPv4 when the host resolves to both (Go does the
// same for "localhost"). Returns the fd or -1 with `error` set.
int BindUdp(const std::string& host, uint16_t port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    *error = gai_strerror(rc);
    return -1;
  }
  std::vector<addrinfo*> candidates;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) candidates.push_back(ai);
  }
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET) candidates.push_back(ai);
  }
  int fd = -1;
  for (addrinfo* ai : candidates) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      *error = std::strerror(errno);
      continue;
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    *error = std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  return fd;
}

uint16_t BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

}  // namespace

// State that push callbacks may still touch after the receiver is gone.
struct JaegerUdpReceiver::Shared {
  std::string name;
  log::RateLimiter log_limiter{1000};
};

JaegerUdpReceiver::JaegerUdpReceiver(Protocol protocol, const ProtocolConfig& config,
                                     boost::asio::thread_pool& cpu_pool,
                                     distributor::Distributor& distributor)
    : protocol_(protocol),
      config_(config),
      cpu_pool_(cpu_pool),
      distributor_(distributor),
      shared_(std::make_shared<Shared>()) {
  shared_->name = std::string("Jaeger ") + ProtocolName(protocol);
}

JaegerUdpReceiver::~JaegerUdpReceiver() { Stop(); }

Status JaegerUdpReceiver::Start() {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(config_.endpoint, &host, &port)) {
    return InvalidArgumentError(shared_->name + " endpoint '" + config_.endpoint +
                                "' is not host:port");
  }
  std::string error;
  fd_ = BindUdp(host, port, &error);
  if (fd_ < 0) {
    return UnavailableError("cannot listen for " + shared_->name + " on " + config_.endpoint +
                            ": " + error);
  }
  port_ = BoundPort(fd_);
  stopping_ = false;
  thread_ = std::thread([this] { ReceiveLoop(); });
  LOG_INFO << shared_->name << " receiver listening on UDP " << (host.empty() ? "0.0.0.0" : host)
           << ":" << port_;
  return Status::Ok();
}

void JaegerUdpReceiver::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
  close(fd_);
  fd_ = -1;
  std::unique_lock<std::mutex> lock(mu_);
  // What was received is still processed; the pool is running while receivers stop.
  if (!cv_.wait_for(lock, std::chrono::seconds(10),
                    [this] { return queue_.empty() && active_workers_ == 0; })) {
    LOG_ERROR << shared_->name << ": dropping " << queue_.size() << " queued packets at shutdown";
    queue_.clear();
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return active_workers_ == 0; })) {
      LOG_ERROR << shared_->name << ": workers still busy at shutdown";
    }
  }
}

bool JaegerUdpReceiver::WaitHandledForTest(uint64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return handled_.load() >= n; });
}

void JaegerUdpReceiver::ReceiveLoop() {
  std::string buffer(kReceiveBufferBytes, '\0');
  while (!stopping_.load()) {
    pollfd pfd{fd_, POLLIN, 0};
    int ready = poll(&pfd, 1, kPollIntervalMs);
    if (ready <= 0) continue;  // timeout or EINTR: look at the stop flag again
    // Take every datagram that is waiting before polling again.
    for (;;) {
      ssize_t n = recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
      if (n < 0) break;  // EAGAIN (drained) or a transient error
      if (static_cast<size_t>(n) > kMaxPacketBytes) {
        Discard("udp_packet_too_large", 1,
                "datagram of " + std::to_string(n) + " bytes exceeds " +
                    std::to_string(kMaxPacketBytes));
        std::lock_guard<std::mutex> lock(mu_);
        ++handled_;
        cv_.notify_all();
        continue;
      }
      bool queued = false;
      bool start_worker = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (queue_.size() < kQueueCapacity) {
          queue_.emplace_back(buffer.data(), static_cast<size_t>(n));
          queued = true;
          if (active_workers_ < kMaxWorkers &&
              static_cast<size_t>(active_workers_) < queue_.size()) {
            ++active_workers_;
            start_worker = true;
          }
        }
      }
      if (!queued) {
        Discard("udp_queue_full", 1,
                "queue of " + std::to_string(kQueueCapacity) + " packets is full");
        std::lock_guard<std::mutex> lock(mu_);
        ++handled_;
        cv_.notify_all();
        continue;
      }
      if (start_worker) boost::asio::post(cpu_pool_, [this] { Drain(); });
    }
  }
}

void JaegerUdpReceiver::Drain() {
  for (;;) {
    std::string packet;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.empty()) {
        --active_workers_;
        cv_.notify_all();
        return;
      }
      packet = std::move(queue_.front());
      queue_.pop_front();
    }
    Handle(packet);
    std::lock_guard<std::mutex> lock(mu_);
    ++handled_;
    cv_.notify_all();
  }
}

void JaegerUdpReceiver::Handle(const std::string& packet) {
  model::OtlpRequest request;
  jaeger::ThriftProtocol protocol = protocol_ == Protocol::kCompact
                                        ? jaeger::ThriftProtocol::kCompact
                                        : jaeger::ThriftProtocol::kBinary;
  if (Status s = jaeger::AgentMessageToOtlp(packet, protocol, &request); !s.ok()) {
    // The span count of an undecodable packet is unknown: count one.
    Discard(
        s.code() == StatusCode::kUnimplemented ? "unsupported_udp_method" : "malformed_udp_packet",
        1, s.message());
    return;
  }
  const size_t spans = model::CountSpans(request);
  if (spans == 0) return;
  if (distributor_.multitenancy_enabled()) {
    Discard("no_tenant", spans, "UDP carries no tenant and multitenancy is enabled");
    return;
  }
  Result<std::string> tenant = distributor_.ResolveTenant({});
  if (!tenant.ok()) {
    Discard("no_tenant", spans, tenant.status().message());
    return;
  }
  RequestContext ctx;
  ctx.tenant = std::move(tenant).value();
  distributor_.Push(ctx, std::move(request), [shared = shared_, spans](Status s) {
    if (!s.ok() && shared->log_limiter.Allow()) {
      LOG_WARN << shared->name << ": dropped a batch of " << spans << " spans: " << s.message();
    }
  });
}

void JaegerUdpReceiver::Discard(std::string_view reason, uint64_t spans,
                                const std::string& detail) {
  const std::string tenant =
      distributor_.multitenancy_enabled() ? std::string("unknown") : std::string("single-tenant");
  distributor_.RecordDiscarded(tenant, reason, spans);
  if (shared_->log_limiter.Allow()) {
    LOG_WARN << shared_->name << ": dropped a packet (" << reason << "): " << detail;
  }
}

}  // namespace tempo::receivers
