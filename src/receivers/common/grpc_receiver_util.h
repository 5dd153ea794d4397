#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/result.h"

namespace tempo::receivers {

// Views the (decompressed) message of a raw gRPC call: in place when it is a single slice (kept
// alive by `slices`), else copied into `storage`. False when the buffer cannot be read.
bool ViewByteBuffer(const grpc::ByteBuffer& buffer, std::vector<grpc::Slice>* slices,
                    std::string* storage, std::string_view* out);

// The X-Scope-OrgID values of a call (as the distributor's ResolveTenant takes them); views into
// the context's metadata.
std::vector<std::string_view> OrgIdsOf(const grpc::CallbackServerContext& context);

// A receiver's own gRPC server: listens on `endpoint` (host:port; empty host = every address),
// accepts messages up to `max_receive_bytes` and serves `service`, which must outlive it.
// `what` names the receiver in errors and the log line. Sets `*bound_port` to the port listened
// on. Errors: kInvalidArgument for a bad endpoint, kUnavailable when it cannot listen.
Result<std::unique_ptr<grpc::Server>> StartReceiverServer(const std::string& what,
                                                          const std::string& endpoint,
                                                          int max_receive_bytes,
                                                          grpc::Service* service, int* bound_port);

// Shuts `server` down (in-flight calls get 10 s to finish) and resets it; no-op when null.
void StopReceiverServer(std::unique_ptr<grpc::Server>* server);

}  // namespace tempo::receivers
