#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tempo {

// Splits "host:port" (also "[v6]:port", and ":port" meaning all interfaces, host ""). Returns false
// on a malformed endpoint or a port that is not a number in 0..65535.
bool SplitHostPort(std::string_view endpoint, std::string* host, uint16_t* port);

}  // namespace tempo
