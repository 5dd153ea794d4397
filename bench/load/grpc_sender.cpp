// OTLP/gRPC replay on one completion queue: every slot is one request in flight; a finished slot
// takes the next batch at once (or, in rate mode, after an alarm fires at its due time).
#include <grpcpp/alarm.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>

#include "senders.h"

namespace tempo::bench {
namespace {

constexpr char kExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "OTHER";
  }
}

struct Slot;

// A completion-queue tag: which slot, and whether its alarm or its call completed.
struct Tag {
  Slot* slot;
  bool alarm;
};

struct Slot {
  grpc::GenericStub* stub = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> call;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::Alarm alarm;
  Work work;
  std::string scratch;
  Clock::time_point sent;
  Tag finish_tag{this, false};
  Tag alarm_tag{this, true};
};

class GrpcRunner {
 public:
  GrpcRunner(const LoadOptions& options, Dispatcher& dispatcher)
      : options_(options), dispatcher_(dispatcher) {}

  Status Run() {
    std::string target = options_.host + ":" + std::to_string(options_.port);
    int channels = std::max(1, options_.connections);
    for (int i = 0; i < channels; ++i) {
      grpc::ChannelArguments args;
      // Distinct arguments and a local pool give every channel its own TCP connection.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("tempo.bench.channel", i);
      args.SetMaxSendMessageSize(-1);
      auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
      if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
        return UnavailableError("cannot connect to OTLP gRPC at " + target);
      }
      stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
      channels_.push_back(std::move(channel));
    }
    int slots = std::max(1, options_.concurrency);
    for (int i = 0; i < slots; ++i) {
      auto slot = std::make_unique<Slot>();
      slot->stub = stubs_[i % stubs_.size()].get();
      slots_.push_back(std::move(slot));
    }
    dispatcher_.Start();
    for (auto& slot : slots_) Issue(*slot);
    while (active_ > 0) {
      void* raw = nullptr;
      bool ok = false;
      if (!cq_.Next(&raw, &ok)) break;
      Tag* tag = static_cast<Tag*>(raw);
      if (tag->alarm) {
        Send(*tag->slot);
      } else {
        Complete(*tag->slot);
      }
    }
    cq_.Shutdown();
    void* raw = nullptr;
    bool ok = false;
    while (cq_.Next(&raw, &ok)) {
    }
    return Status::Ok();
  }

 private:
  // Takes the next batch for `slot`, sends it now or arms the alarm for its due time.
  void Issue(Slot& slot) {
    std::optional<Work> work = dispatcher_.Next(&slot.scratch);
    if (!work) return;
    ++active_;
    slot.work = *work;
    if (options_.rate > 0 && work->scheduled > Clock::now()) {
      auto delay = work->scheduled - Clock::now();
      slot.alarm.Set(&cq_, std::chrono::system_clock::now() + delay, &slot.alarm_tag);
      return;
    }
    Send(slot);
  }

  void Send(Slot& slot) {
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::milliseconds(static_cast<int64_t>(options_.timeout_s * 1000)));
    if (!options_.tenant.empty()) slot.context->AddMetadata("x-scope-orgid", options_.tenant);
    // A static slice: gRPC reads the corpus bytes in place, no copy.
    grpc::Slice slice(slot.work.payload->data(), slot.work.payload->size(),
                      grpc::Slice::STATIC_SLICE);
    slot.request = grpc::ByteBuffer(&slice, 1);
    slot.response.Clear();
    slot.sent = Clock::now();
    slot.call = slot.stub->PrepareUnaryCall(slot.context.get(), kExportMethod, slot.request, &cq_);
    slot.call->StartCall();
    slot.call->Finish(&slot.response, &slot.status, &slot.finish_tag);
  }

  void Complete(Slot& slot) {
    --active_;
    std::string error;
    if (!slot.status.ok()) error = std::string("grpc ") + CodeName(slot.status.error_code());
    dispatcher_.Done(slot.work, slot.sent, error, slot.status.error_message());
    slot.call.reset();
    Issue(slot);
  }

  const LoadOptions& options_;
  Dispatcher& dispatcher_;
  grpc::CompletionQueue cq_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::vector<std::unique_ptr<Slot>> slots_;
  int active_ = 0;
};

}  // namespace

Status RunGrpc(const LoadOptions& options, Dispatcher& dispatcher) {
  GrpcRunner runner(options, dispatcher);
  return runner.Run();
}

}  // namespace tempo::bench
