#include <chrono>

#include <grpcpp/grpcpp.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "receivers/otlp/status_mapping.h"
#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"
#include "tempo/receivers/otlp_receivers.h"

namespace tempo::receivers {

namespace otlp_collector = opentelemetry::proto::collector::trace::v1;

// The TraceService implementation: one reactor per call, finished from the distributor's
// completion (any thread). Stateless apart from the distributor reference; thread-safe.
class OtlpGrpcReceiver::Service final : public otlp_collector::TraceService::CallbackService {
 public:
  explicit Service(distributor::Distributor& distributor) : distributor_(distributor) {}

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                   const otlp_collector::ExportTraceServiceRequest* request,
                                   otlp_collector::ExportTraceServiceResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    std::vector<std::string_view> org_ids;
    auto range = context->client_metadata().equal_range("x-scope-orgid");
    for (auto it = range.first; it != range.second; ++it) {
      org_ids.emplace_back(it->second.data(), it->second.size());
    }
    Result<std::string> tenant = distributor_.ResolveTenant(org_ids);
    if (!tenant.ok()) {
      reactor->Finish(ToGrpcStatus(OtlpGrpcCode(tenant.status()), tenant.status()));
      return reactor;
    }
    RequestContext ctx;
    ctx.tenant = std::move(tenant).value();
    // The request belongs to gRPC; the distributor needs its own copy to regroup.
    otlp_collector::ExportTraceServiceRequest owned(*request);
    distributor_.Push(ctx, std::move(owned), [reactor, response](Status s) {
      if (s.ok()) {
        // Tempo's answer: partial_success present but empty (bytes 0a 00).
        response->mutable_partial_success();
        reactor->Finish(grpc::Status::OK);
        return;
      }
      reactor->Finish(ToGrpcStatus(OtlpGrpcCode(s), s));
    });
    return reactor;
  }

 private:
  distributor::Distributor& distributor_;
};

OtlpGrpcReceiver::OtlpGrpcReceiver(const ReceiversConfig& config,
                                   distributor::Distributor& distributor)
    : config_(config), distributor_(distributor) {}

OtlpGrpcReceiver::~OtlpGrpcReceiver() { Stop(); }

Status OtlpGrpcReceiver::Start() {
  std::string host;
  uint16_t port = 0;
  const std::string& endpoint = config_.otlp_grpc.endpoint;
  if (!SplitHostPort(endpoint, &host, &port)) {
    return InvalidArgumentError("OTLP gRPC endpoint '" + endpoint + "' is not host:port");
  }
  std::string address = (host.empty() ? "0.0.0.0" : host) + ":" + std::to_string(port);
  service_ = std::make_unique<Service>(distributor_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config_.otlp_grpc_max_recv_msg_size_bytes));
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return UnavailableError("cannot listen for OTLP gRPC on " + address);
  }
  LOG_INFO << "OTLP gRPC receiver listening on " << host << ":" << port_;
  return Status::Ok();
}

void OtlpGrpcReceiver::Stop() {
  if (!server_) return;
  // In-flight exports finish once their WAL group commit completes, well within the deadline.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  server_->Wait();
  server_.reset();
}

}  // namespace tempo::receivers
