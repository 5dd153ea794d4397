#include "receivers/zipkin/json_fields.h"

#include <cctype>
#include <cmath>
#include <limits>

namespace tempo::receivers::zipkin::json_fields {
namespace {

std::string GoTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::boolean:
      return "bool";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "number";
  }
}

}  // namespace

Status Parse(std::string_view text, Json* out) {
  // nlohmann reports syntax errors by throwing; they become a Status here, at the call site.
  try {
    *out = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    return InvalidArgumentError(e.what());
  }
  return Status::Ok();
}

std::string LowerKey(std::string_view key) {
  std::string out(key);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status TypeError(const Json& v, std::string_view where, std::string_view go_type) {
  return InvalidArgumentError("json: cannot unmarshal " + GoTypeName(v) + " into Go struct field " +
                              std::string(where) + " of type " + std::string(go_type));
}

Status ReadString(const Json& v, std::string_view where, std::string* out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_string()) return TypeError(v, where, "string");
  *out = v.get_ref<const std::string&>();
  return Status::Ok();
}

Status ReadBool(const Json& v, std::string_view where, bool* out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_boolean()) return TypeError(v, where, "bool");
  *out = v.get<bool>();
  return Status::Ok();
}

Status ReadUnsigned(const Json& v, std::string_view where, uint64_t max, uint64_t* out) {
  if (v.is_null()) return Status::Ok();
  uint64_t value = 0;
  if (v.is_number_unsigned()) {
    value = v.get<uint64_t>();
  } else if (v.is_number_float()) {
    double d = v.get<double>();
    if (!(d >= 0) || d != std::floor(d) || d >= 18446744073709551616.0) {
      return InvalidArgumentError("json: cannot unmarshal number " + v.dump() +
                                  " into Go struct field " + std::string(where) + " of type uint");
    }
    value = static_cast<uint64_t>(d);
  } else if (v.is_number_integer()) {
    return InvalidArgumentError("json: cannot unmarshal number " + v.dump() +
                                " into Go struct field " + std::string(where) + " of type uint");
  } else {
    return TypeError(v, where, "uint");
  }
  if (value > max) {
    return InvalidArgumentError("json: cannot unmarshal number " + v.dump() +
                                " into Go struct field " + std::string(where) + " of type uint");
  }
  *out = value;
  return Status::Ok();
}

Status ReadSigned(const Json& v, std::string_view where, int64_t* out) {
  if (v.is_null()) return Status::Ok();
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    *out = v.get<int64_t>();
    return Status::Ok();
  }
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgumentError("json: cannot unmarshal number " + v.dump() +
                                  " into Go struct field " + std::string(where) + " of type int64");
    }
    *out = static_cast<int64_t>(u);
    return Status::Ok();
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d != std::floor(d) || !(std::fabs(d) < 9.2e18)) {
      return InvalidArgumentError("json: cannot unmarshal number " + v.dump() +
                                  " into Go struct field " + std::string(where) + " of type int64");
    }
    *out = static_cast<int64_t>(d);
    return Status::Ok();
  }
  return TypeError(v, where, "int64");
}

}  // namespace tempo::receivers::zipkin::json_fields
