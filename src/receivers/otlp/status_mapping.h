#pragma once

#include <grpcpp/support/status.h>

#include "tempo/common/status.h"

namespace tempo::receivers {

// gRPC status code for a distributor outcome, as the collector's OTLP receivers surface it
// (spec/ingest-protocols.md §2.1): InvalidArgument and ResourceExhausted pass through; every
// other error is a plain error to the collector, which answers UNAVAILABLE (retryable).
grpc::StatusCode OtlpGrpcCode(const Status& status);

// HTTP status for a gRPC code (the collector's GetHTTPStatusCodeFromStatus).
int HttpStatusForGrpcCode(grpc::StatusCode code);

// A grpc::Status carrying the message and, for a retry hint, a google.rpc.Status with RetryInfo
// in grpc-status-details-bin.
grpc::Status ToGrpcStatus(grpc::StatusCode code, const Status& status);

}  // namespace tempo::receivers
