#pragma once

#include <string>
#include <string_view>

namespace tempo::traceql {

// "parse error at line L, col C: <detail>", the message of every kInvalidArgument from Parse().
std::string FormatParseError(int line, int col, std::string_view detail);

}  // namespace tempo::traceql
