#include <grpcpp/grpcpp.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "receivers/common/grpc_receiver_util.h"
#include "receivers/otlp/status_mapping.h"
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
    Result<std::string> tenant = distributor_.ResolveTenant(OrgIdsOf(*context));
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
    std::string_view bytes;
    return ViewByteBuffer(buffer, slices, flat, &bytes) && out->Parse(bytes).ok();
  }

  distributor::Distributor& distributor_;
};

OtlpGrpcReceiver::OtlpGrpcReceiver(const ReceiversConfig& config,
                                   distributor::Distributor& distributor)
    : config_(config), distributor_(distributor) {}

OtlpGrpcReceiver::~OtlpGrpcReceiver() { Stop(); }

Status OtlpGrpcReceiver::Start() {
  service_ = std::make_unique<Service>(distributor_);
  const int max_receive = static_cast<int>(config_.otlp_grpc_max_recv_msg_size_bytes);
  auto server = StartReceiverServer("OTLP gRPC", config_.otlp_grpc.endpoint, max_receive,
                                    service_.get(), &port_);
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  return Status::Ok();
}

// In-flight exports finish once their WAL group commit completes, well within the deadline.
void OtlpGrpcReceiver::Stop() { StopReceiverServer(&server_); }

}  // namespace tempo::receivers
