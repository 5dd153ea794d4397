// Protocol detection on a listener that also serves prior-knowledge h2c (spec/query-api.md §1.3):
// the first bytes of a connection are peeked at, never consumed, and never waited for on a
// blocked io thread.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>

#include "net/http_connection.h"
#include "tempo/common/log.h"
#include "tempo/net/http_server.h"

namespace tempo::net {

ConnectionOpening ClassifyOpening(std::string_view first_bytes) {
  size_t n = std::min(first_bytes.size(), kHttp2Preface.size());
  if (first_bytes.substr(0, n) != kHttp2Preface.substr(0, n)) return ConnectionOpening::kHttp1;
  return n == kHttp2Preface.size() ? ConnectionOpening::kHttp2 : ConnectionOpening::kUndecided;
}

namespace internal {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kUseAwaitable = asio::as_tuple(asio::use_awaitable);
// Pauses between peeks while only a strict prefix of the preface has arrived.
constexpr auto kFirstRetry = 1ms;
constexpr auto kMaxRetry = 50ms;

// True when the peer has shut down its sending side (or the socket failed); consumes nothing.
bool PeerHungUp(int fd) {
  pollfd entry{fd, POLLRDHUP, 0};
  return ::poll(&entry, 1, 0) > 0 && (entry.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

}  // namespace

asio::awaitable<std::optional<ConnectionOpening>> Connection::DetectOpening() {
  tcp::socket& socket = stream_.socket();
  const auto deadline = std::chrono::steady_clock::now() + state_->options.idle_timeout;
  // Waiting for readiness has no timeout of its own: this timer cancels the wait when idle.
  asio::steady_timer idle(strand_, deadline);
  idle.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: detection finished first
    boost::system::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });

  std::optional<ConnectionOpening> result;
  auto retry = std::chrono::milliseconds(kFirstRetry);
  waiting_for_request_ = true;  // Stop() may close the socket while we wait
  for (;;) {
    auto [wait_ec] = co_await socket.async_wait(tcp::socket::wait_read, kUseAwaitable);
    if (wait_ec || state_->stopping.load() || !socket.is_open()) break;
    std::array<char, kHttp2Preface.size()> bytes;
    ssize_t n = ::recv(socket.native_handle(), bytes.data(), bytes.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (n <= 0) break;  // closed before sending anything, or a socket error
    ConnectionOpening opening = ClassifyOpening(std::string_view(bytes.data(), size_t(n)));
    if (opening != ConnectionOpening::kUndecided) {
      result = opening;
      break;
    }
    // A strict prefix of the preface: the rest is in flight, or the peer stopped sending. The
    // peeked bytes stay unread, so the socket remains readable and a new wait would return at
    // once: pause briefly instead of spinning.
    if (PeerHungUp(socket.native_handle()) || std::chrono::steady_clock::now() >= deadline) break;
    asio::steady_timer pause(strand_, retry);
    auto [pause_ec] = co_await pause.async_wait(kUseAwaitable);
    (void)pause_ec;  // only expiry is possible: nothing cancels this local timer
    retry = std::min(retry * 2, std::chrono::milliseconds(kMaxRetry));
  }
  waiting_for_request_ = false;
  idle.cancel();
  co_return result;
}

void Connection::HandOverToHttp2() {
  // Counted as in flight so that Drain() waits until the handler has taken the fd.
  state_->BeginRequest();
  boost::system::error_code ec;
  int fd = state_->stopping.load() || state_->detached() ? -1 : stream_.socket().release(ec);
  if (fd < 0 || ec) {
    stream_.close();
    state_->EndRequest();
    return;
  }
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    LOG_WARN << state_->options.name << ": cannot hand over an HTTP/2 connection: fcntl failed";
    ::close(fd);
  } else {
    state_->options.h2c_handler(fd);
  }
  state_->EndRequest();
}

}  // namespace internal
}  // namespace tempo::net
