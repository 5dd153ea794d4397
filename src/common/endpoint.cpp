#include "tempo/common/endpoint.h"

#include <charconv>

namespace tempo {

bool SplitHostPort(std::string_view endpoint, std::string* host, uint16_t* port) {
  size_t colon;
  if (!endpoint.empty() && endpoint.front() == '[') {
    size_t close = endpoint.find(']');
    if (close == std::string_view::npos || close + 1 >= endpoint.size() ||
        endpoint[close + 1] != ':') {
      return false;
    }
    *host = std::string(endpoint.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return false;
    *host = std::string(endpoint.substr(0, colon));
    if (host->find(':') != std::string::npos) return false;  // bare IPv6 needs brackets
  }
  std::string_view digits = endpoint.substr(colon + 1);
  if (digits.empty() || digits.size() > 5) return false;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace tempo
