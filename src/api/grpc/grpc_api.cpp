#include "tempo/api/grpc_api.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "api/grpc/streaming_querier.h"
#include "tempo/common/log.h"

namespace tempo::api {
namespace {

// Upper bound of gRPC's sync-server threads (pollers and calls): queries block on these.
constexpr int kMaxGrpcThreads = 16;
constexpr auto kMaxShutdownWait = std::chrono::seconds(5);

}  // namespace

struct GrpcApi::Acceptor {
  std::mutex mu;
  grpc::Server* server = nullptr;  // guarded by mu; null unless running

  void Accept(int fd) {
    std::lock_guard<std::mutex> lock(mu);
    if (server == nullptr) {
      ::close(fd);
      return;
    }
    grpc::AddInsecureChannelFromFd(server, fd);
  }
};

GrpcApi::GrpcApi(const ServerConfig& config, bool multitenancy_enabled,
                 const querier::Querier& querier, const overrides::Overrides& overrides)
    : config_(config),
      multitenancy_enabled_(multitenancy_enabled),
      querier_(querier),
      overrides_(overrides),
      acceptor_(std::make_shared<Acceptor>()) {}

GrpcApi::~GrpcApi() { Stop(); }

Status GrpcApi::Start() {
  if (server_) return FailedPreconditionError("gRPC API already started");
  std::string host = config_.grpc_listen_address.empty() ? "0.0.0.0" : config_.grpc_listen_address;
  std::string address = host + ":" + std::to_string(config_.grpc_listen_port);
  service_ = std::make_unique<grpc_api::StreamingQuerierService>(querier_, overrides_,
                                                                 multitenancy_enabled_);
  grpc::ResourceQuota quota("tempo-grpc-api");
  quota.SetMaxThreads(kMaxGrpcThreads);
  grpc::ServerBuilder builder;
  builder.SetResourceQuota(quota);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
  // As Tempo's server: clients may ping every 10 s, also without an active call.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    port_ = 0;
    return UnavailableError("cannot listen for gRPC on " + address);
  }
  {
    std::lock_guard<std::mutex> lock(acceptor_->mu);
    acceptor_->server = server_.get();
  }
  LOG_INFO << "gRPC API listening on " << host << ":" << port_;
  return Status::Ok();
}

void GrpcApi::Stop() {
  if (!server_) return;
  {
    std::lock_guard<std::mutex> lock(acceptor_->mu);
    acceptor_->server = nullptr;  // later handovers close their fd
  }
  auto wait =
      std::min<std::chrono::milliseconds>(config_.graceful_shutdown_timeout, kMaxShutdownWait);
  server_->Shutdown(std::chrono::system_clock::now() + wait);
  server_->Wait();
  server_.reset();
}

void GrpcApi::AcceptConnection(int fd) { acceptor_->Accept(fd); }

std::function<void(int fd)> GrpcApi::ConnectionHandler() const {
  return [acceptor = acceptor_](int fd) { acceptor->Accept(fd); };
}

}  // namespace tempo::api
