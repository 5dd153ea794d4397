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
// completion (any thread). Export is registered raw (ByteBuffer in, ByteBuffer out) so that a
// message which does not parse is answered INTERNAL, as grpc-go's codec does for Tempo, rather
// than the UNIMPLEMENTED that the C++ library gives for undecodable requests. Stateless apart from
// the distributor reference; thread-safe.
class OtlpGrpcReceiver::Service final
    : public otlp_collector::TraceService::WithRawCallbackMethod_Export<
          otlp_collector::TraceService::Service> {
 public:
  explicit Service(distributor::Distributor& distributor) : distributor_(distributor) {}

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    otlp_collector::ExportTraceServiceRequest decoded;
    if (!ParseRequest(*request, &decoded)) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::INTERNAL,
          "grpc: error unmarshalling request: proto: cannot parse invalid wire-format data"));
      return reactor;
    }
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
    distributor_.Push(ctx, std::move(decoded), [reactor, response](Status s) {
      if (s.ok()) {
        // Tempo's answer: partial_success present but empty (bytes 0a 00).
        static const std::string kEmptyPartialSuccess("\x0a\x00", 2);
        grpc::Slice slice(kEmptyPartialSuccess);
        *response = grpc::ByteBuffer(&slice, 1);
        reactor->Finish(grpc::Status::OK);
        return;
      }
      reactor->Finish(ToGrpcStatus(OtlpGrpcCode(s), s));
    });
    return reactor;
  }

 private:
  // Parses the (already decompressed) message without flattening it into one string first.
  static bool ParseRequest(const grpc::ByteBuffer& buffer,
                           otlp_collector::ExportTraceServiceRequest* out) {
    std::vector<grpc::Slice> slices;
    if (!buffer.Dump(&slices).ok()) return false;
    if (slices.size() == 1) {
      return out->ParseFromArray(slices[0].begin(), static_cast<int>(slices[0].size()));
    }
    std::string flat;
    flat.reserve(buffer.Length());
    for (const grpc::Slice& slice : slices) {
      flat.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    return out->ParseFromString(flat);
  }

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
