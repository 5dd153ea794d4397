#include <grpcpp/grpcpp.h>

#include "jaeger/collector.grpc.pb.h"
#include "receivers/common/grpc_receiver_util.h"
#include "receivers/jaeger/jaeger_decoder.h"
#include "receivers/otlp/status_mapping.h"
#include "tempo/receivers/jaeger_receivers.h"

namespace tempo::receivers {
namespace {

namespace jaeger_pb = ::jaeger::api_v2;

// Distributor outcome → gRPC code as the collector's Jaeger receiver surfaces it (§2.1): gRPC
// statuses (InvalidArgument, ResourceExhausted) pass through; plain errors become UNKNOWN.
grpc::StatusCode JaegerGrpcCode(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return grpc::StatusCode::OK;
    case StatusCode::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kResourceExhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    default:
      return grpc::StatusCode::UNKNOWN;
  }
}

}  // namespace

// The CollectorService implementation: one reactor per call, finished from the distributor's
// completion (any thread). PostSpans is registered raw (ByteBuffer in and out) so that a message
// that does not decode is answered INTERNAL, like grpc-go's codec, instead of the C++ library's
// own answer. Stateless apart from the distributor reference; thread-safe.
class JaegerGrpcReceiver::Service final
    : public jaeger_pb::CollectorService::WithRawCallbackMethod_PostSpans<
          jaeger_pb::CollectorService::Service> {
 public:
  explicit Service(distributor::Distributor& distributor) : distributor_(distributor) {}

  grpc::ServerUnaryReactor* PostSpans(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    std::vector<grpc::Slice> slices;
    std::string storage;
    std::string_view bytes;
    model::OtlpRequest decoded;
    Status s = ViewByteBuffer(*request, &slices, &storage, &bytes)
                   ? jaeger::PostSpansToOtlp(bytes, &decoded)
                   : InvalidArgumentError("cannot read the message");
    if (!s.ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                                   "grpc: error unmarshalling request: " + s.message()));
      return reactor;
    }
    if (model::CountSpans(decoded) == 0) {
      Succeed(reactor, response);
      return reactor;
    }
    Result<std::string> tenant = distributor_.ResolveTenant(OrgIdsOf(*context));
    if (!tenant.ok()) {
      reactor->Finish(ToGrpcStatus(JaegerGrpcCode(tenant.status()), tenant.status()));
      return reactor;
    }
    RequestContext ctx;
    ctx.tenant = std::move(tenant).value();
    distributor_.Push(ctx, std::move(decoded), [reactor, response](Status result) {
      if (result.ok()) {
        Succeed(reactor, response);
        return;
      }
      reactor->Finish(ToGrpcStatus(JaegerGrpcCode(result), result));
    });
    return reactor;
  }

 private:
  // An empty PostSpansResponse.
  static void Succeed(grpc::ServerUnaryReactor* reactor, grpc::ByteBuffer* response) {
    grpc::Slice empty;
    *response = grpc::ByteBuffer(&empty, 1);
    reactor->Finish(grpc::Status::OK);
  }

  distributor::Distributor& distributor_;
};

JaegerGrpcReceiver::JaegerGrpcReceiver(const ReceiversConfig& config,
                                       distributor::Distributor& distributor)
    : config_(config), distributor_(distributor) {}

JaegerGrpcReceiver::~JaegerGrpcReceiver() { Stop(); }

Status JaegerGrpcReceiver::Start() {
  service_ = std::make_unique<Service>(distributor_);
  // grpc-go's default receive limit, which Tempo keeps for this receiver.
  auto server = StartReceiverServer("Jaeger gRPC", config_.jaeger_grpc.endpoint, 4 << 20,
                                    service_.get(), &port_);
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  return Status::Ok();
}

void JaegerGrpcReceiver::Stop() { StopReceiverServer(&server_); }

}  // namespace tempo::receivers
