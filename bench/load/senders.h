#pragma once

// The two OTLP transports of tempo_load. Each runs the whole replay on the calling thread (gRPC:
// one completion queue; HTTP: one io_context) and returns when every request it started has
// completed or timed out. Neither encodes anything: the corpus bytes go out as they are.

#include <map>
#include <string>

#include "load.h"

namespace tempo::bench {

// OTLP/gRPC: unary Export calls through a generic stub with the pre-serialized bytes as the
// message, `options.concurrency` in flight over `options.connections` channels.
// kUnavailable if the server cannot be reached before the run starts.
[[nodiscard]] Status RunGrpc(const LoadOptions& options, Dispatcher& dispatcher);

// OTLP/HTTP protobuf: POST with keep-alive over `options.concurrency` connections, one request
// in flight on each. kUnavailable if the first connection cannot be opened.
[[nodiscard]] Status RunHttp(const LoadOptions& options, Dispatcher& dispatcher);

// GETs http://host:port/metrics and sums every sample of each metric name (labels dropped).
[[nodiscard]] Result<std::map<std::string, double>> ScrapeMetrics(const std::string& host,
                                                                  uint16_t port);

}  // namespace tempo::bench
