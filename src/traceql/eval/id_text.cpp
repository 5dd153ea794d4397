#include "traceql/eval/id_text.h"

namespace tempo::traceql::eval {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void HexWithoutLeadingZeros(std::string_view bytes, std::string* out) {
  out->clear();
  for (unsigned char c : bytes) {
    if (out->empty()) {
      if (c == 0) continue;
      if (c < 0x10) {
        out->push_back(kHexDigits[c & 0xf]);
        continue;
      }
    }
    out->push_back(kHexDigits[c >> 4]);
    out->push_back(kHexDigits[c & 0xf]);
  }
}

std::string_view StripZeros(std::string_view text) {
  size_t first = text.find_first_not_of('0');
  return first == std::string_view::npos ? std::string_view() : text.substr(first);
}

}  // namespace

void TraceIdText(std::string_view bytes, std::string* out) { HexWithoutLeadingZeros(bytes, out); }

void SpanIdText(std::string_view bytes, std::string* out) {
  HexWithoutLeadingZeros(bytes, out);
  if (out->size() < 16) out->insert(0, 16 - out->size(), '0');
}

std::string NormalizeTraceIdLiteral(std::string_view text) { return std::string(StripZeros(text)); }

std::string NormalizeSpanIdLiteral(std::string_view text) {
  std::string out(StripZeros(text));
  if (out.size() < 16) out.insert(0, 16 - out.size(), '0');
  return out;
}

Static NormalizeIdLiteral(Intrinsic intrinsic, const Static& literal) {
  if (literal.type != ValueType::kString) return literal;
  switch (intrinsic) {
    case Intrinsic::kTraceId:
    case Intrinsic::kLinkTraceId:
      return Static::String(NormalizeTraceIdLiteral(literal.string_value));
    case Intrinsic::kSpanId:
    case Intrinsic::kParentId:
    case Intrinsic::kLinkSpanId:
      return Static::String(NormalizeSpanIdLiteral(literal.string_value));
    default:
      return literal;
  }
}

}  // namespace tempo::traceql::eval
