#include "receivers/otlp/status_mapping.h"

#include "tempo/model/otlp_json.h"

namespace tempo::receivers {

grpc::StatusCode OtlpGrpcCode(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return grpc::StatusCode::OK;
    case StatusCode::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kResourceExhausted: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    default: return grpc::StatusCode::UNAVAILABLE;
  }
}

int HttpStatusForGrpcCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS: return 503;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::UNIMPLEMENTED: return 404;
    default: return 500;
  }
}

grpc::Status ToGrpcStatus(grpc::StatusCode code, const Status& status) {
  if (code == grpc::StatusCode::OK) return grpc::Status::OK;
  if (status.retry_after_seconds() > 0) {
    return grpc::Status(code, status.message(),
                        model::EncodeRpcStatusProto(static_cast<int>(code), status.message(),
                                                    status.retry_after_seconds()));
  }
  return grpc::Status(code, status.message());
}

}  // namespace tempo::receivers
