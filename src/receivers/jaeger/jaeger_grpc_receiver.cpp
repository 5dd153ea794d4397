#include <grpcpp/grpcpp.h>

#include <chrono>

#include "jaeger/collector.grpc.pb.h"
#include "receivers/jaeger/jaeger_decoder.h"
#include "receivers/otlp/status_mapping.h"
#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"
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

// Views the (decompressed) message: in place when it is a single slice (kept alive by
// `slices`), else copied into `storage`.
bool View(const grpc::ByteBuffer& buffer, std::vector<grpc::Slice>* slices, std::string* storage,
          std::string_view* out) {
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
    Status s = View(*request, &slices, &storage, &bytes)
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
    std::vector<std::string_view> org_ids;
    auto range = context->client_metadata().equal_range("x-scope-orgid");
    for (auto it = range.first; it != range.second; ++it) {
      org_ids.emplace_back(it->second.data(), it->second.size());
    }
    Result<std::string> tenant = distributor_.ResolveTenant(org_ids);
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
  std::string host;
  uint16_t port = 0;
  const std::string& endpoint = config_.jaeger_grpc.endpoint;
  if (!SplitHostPort(endpoint, &host, &port)) {
    return InvalidArgumentError("Jaeger gRPC endpoint '" + endpoint + "' is not host:port");
  }
  std::string address = (host.empty() ? "0.0.0.0" : host) + ":" + std::to_string(port);
  service_ = std::make_unique<Service>(distributor_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
  // grpc-go's default receive limit, which Tempo keeps for this receiver.
  builder.SetMaxReceiveMessageSize(4 << 20);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return UnavailableError("cannot listen for Jaeger gRPC on " + address);
  }
  LOG_INFO << "Jaeger gRPC receiver listening on " << host << ":" << port_;
  return Status::Ok();
}

void JaegerGrpcReceiver::Stop() {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  server_->Wait();
  server_.reset();
}

}  // namespace tempo::receivers
