#include <string>
#include <string_view>

#include "google/rpc/status.pb.h"
#include "tempo/model/otlp_json.h"
#include "tempo/model/tempo_json.h"

// google.rpc.Status error bodies (spec/ingest-protocols.md §5.4) as JSON and as protobuf.

namespace tempo::model {

std::string EncodeRpcStatusJson(int code, std::string_view message, int retry_after_seconds) {
  std::string out;
  out.reserve(message.size() + 128);
  out.push_back('{');
  if (code != 0) {
    out.append("\"code\":");
    out.append(std::to_string(code));
  }
  if (!message.empty()) {
    if (out.size() > 1) out.push_back(',');
    out.append("\"message\":");
    AppendJsonString(out, message);
  }
  if (retry_after_seconds > 0) {
    if (out.size() > 1) out.push_back(',');
    out.append(
        "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"");
    out.append(std::to_string(retry_after_seconds));
    out.append("s\"}]");
  }
  out.push_back('}');
  return out;
}

std::string EncodeRpcStatusProto(int code, std::string_view message, int retry_after_seconds) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(ToValidUtf8(message));
  if (retry_after_seconds > 0) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(retry_after_seconds);
    status.add_details()->PackFrom(retry);
  }
  return status.SerializeAsString();
}

}  // namespace tempo::model
