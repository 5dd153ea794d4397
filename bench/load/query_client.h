#pragma once

// A small blocking HTTP/1.1 client for tempo_query: one keep-alive connection to a loopback
// server, a deadline per request, the wall time of each exchange. Not thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tempo::bench {

struct HttpResult {
  int status = 0;       // 0 = no answer (see `error`)
  std::string body;
  double seconds = 0;   // write of the request to the last byte of the answer
  std::string error;    // network error, empty when an answer arrived
};

class HttpClient {
 public:
  // `host` must be an IP address. `timeout_s` bounds each request (connect, write and read).
  HttpClient(const std::string& host, uint16_t port, double timeout_s);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET `target` (path and query, already encoded). A request on a reused connection that fails
  // before any answer is retried once on a new connection (the server may have closed it idle).
  HttpResult Get(const std::string& target,
                 const std::vector<std::pair<std::string, std::string>>& headers = {});
  // POST `body` to `target`; never retried.
  HttpResult Post(const std::string& target, const std::string& body,
                  const std::string& content_type);
  // Drops the connection (the next request opens a new one).
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes `s` for a query-string value (RFC 3986 unreserved characters stay).
std::string UrlEncode(const std::string& s);

}  // namespace tempo::bench
