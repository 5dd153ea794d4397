#include <chrono>

#include <grpcpp/grpcpp.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "receivers/otlp/status_mapping.h"
#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"
#include "tempo/model/otlp_wire.h"
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
    // The request is checked and split on its wire bytes, without message objects. The slices
    // (and `flat`, if the message came in several) stay alive until Push returns, which is all
    // the distributor needs.
    std::vector<grpc::Slice> slices;
    std::string flat;
    model::OtlpWireRequest decoded;
    if (!RequestBytes(*request, &slices, &flat, &decoded)) {
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
  // Parses the (already decompressed) message in place when it is one slice; several slices are
  // copied into `flat` first.
  static bool RequestBytes(const grpc::ByteBuffer& buffer, std::vector<grpc::Slice>* slices,
                           std::string* flat, model::OtlpWireRequest* out) {
    if (!buffer.Dump(slices).ok()) return false;
    std::string_view bytes;
    if (slices->size() == 1) {
      bytes = std::string_view(reinterpret_cast<const char*>((*slices)[0].begin()),
                               (*slices)[0].size());
    } else {
      flat->reserve(buffer.Length());
      for (const grpc::Slice& slice : *slices) {
        flat->append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
      bytes = *flat;
    }
    return out->Parse(bytes).ok();
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
