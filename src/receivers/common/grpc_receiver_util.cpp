#include "receivers/common/grpc_receiver_util.h"

#include <chrono>

#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"

namespace tempo::receivers {

bool ViewByteBuffer(const grpc::ByteBuffer& buffer, std::vector<grpc::Slice>* slices,
                    std::string* storage, std::string_view* out) {
  if (!buffer.Dump(slices).ok()) return false;
  if (slices->size() == 1) {
    *out =
        std::string_view(reinterpret_cast<const char*>((*slices)[0].begin()), (*slices)[0].size());
    return true;
  }
  storage->reserve(buffer.Length());
  for (const grpc::Slice& slice : *slices) {
    storage->append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  *out = *storage;
  return true;
}

std::vector<std::string_view> OrgIdsOf(const grpc::CallbackServerContext& context) {
  std::vector<std::string_view> org_ids;
  auto range = context.client_metadata().equal_range("x-scope-orgid");
  for (auto it = range.first; it != range.second; ++it) {
    org_ids.emplace_back(it->second.data(), it->second.size());
  }
  return org_ids;
}

Result<std::unique_ptr<grpc::Server>> StartReceiverServer(const std::string& what,
                                                          const std::string& endpoint,
                                                          int max_receive_bytes,
                                                          grpc::Service* service, int* bound_port) {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(endpoint, &host, &port)) {
    return InvalidArgumentError(what + " endpoint '" + endpoint + "' is not host:port");
  }
  std::string address = (host.empty() ? "0.0.0.0" : host) + ":" + std::to_string(port);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), bound_port);
  builder.SetMaxReceiveMessageSize(max_receive_bytes);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || *bound_port == 0)
    return UnavailableError("cannot listen for " + what + " on " + address);
  LOG_INFO << what << " receiver listening on " << host << ":" << *bound_port;
  return server;
}

void StopReceiverServer(std::unique_ptr<grpc::Server>* server) {
  if (!*server) return;
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  (*server)->Wait();
  server->reset();
}

}  // namespace tempo::receivers
