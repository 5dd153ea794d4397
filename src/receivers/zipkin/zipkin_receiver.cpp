#include "tempo/receivers/zipkin_receiver.h"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "receivers/jaeger/http_util.h"
#include "receivers/zipkin/zipkin_decoder.h"
#include "tempo/common/compression.h"
#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"

namespace tempo::receivers {
namespace {

namespace http = boost::beast::http;

// The collector's fixed body for every consumer error (a JSON string).
constexpr std::string_view kInternalErrorBody = "\"Internal Server Error\"";

}  // namespace

ZipkinReceiver::ZipkinReceiver(boost::asio::io_context& io, boost::asio::thread_pool& cpu_pool,
                               const ReceiversConfig& config, distributor::Distributor& distributor,
                               metrics::Registry& registry, Clock& clock)
    : io_(io),
      cpu_pool_(cpu_pool),
      config_(config),
      distributor_(distributor),
      registry_(registry),
      clock_(clock) {}

ZipkinReceiver::~ZipkinReceiver() { Stop(); }

Status ZipkinReceiver::Start() {
  net::HttpServerOptions options;
  options.name = "zipkin";
  if (!SplitHostPort(config_.zipkin.endpoint, &options.address, &options.port)) {
    return InvalidArgumentError("Zipkin endpoint '" + config_.zipkin.endpoint +
                                "' is not host:port");
  }
  if (options.address.empty()) options.address = "0.0.0.0";
  options.max_body_bytes = config_.http_max_request_body_bytes;

  // No routes: every path is an upload.
  net::Router router;
  router.SetFallback("zipkin_spans",
                     [this](net::IncomingRequest&& request, net::Responder respond) {
                       HandleSpans(std::move(request), std::move(respond));
                     });
  server_ = std::make_unique<net::HttpServer>(io_, options, std::move(router), registry_);
  TEMPO_RETURN_IF_ERROR(server_->Start());
  LOG_INFO << "Zipkin receiver listening on " << options.address << ":" << server_->port();
  return Status::Ok();
}

void ZipkinReceiver::Stop() {
  if (server_) server_->Stop();
}

bool ZipkinReceiver::Drain(std::chrono::milliseconds timeout) {
  return server_ ? server_->Drain(timeout) : true;
}

uint16_t ZipkinReceiver::port() const { return server_ ? server_->port() : 0; }

void ZipkinReceiver::HandleSpans(net::IncomingRequest&& incoming, net::Responder respond) {
  if (!incoming.body_status.ok()) {
    respond(http_util::TextError(incoming.message, http::status::bad_request,
                                 incoming.body_status.message()));
    return;
  }
  // Decoding and pushing are CPU work: off the io thread.
  boost::asio::post(cpu_pool_, [this, incoming = std::move(incoming),
                                respond = std::move(respond)]() mutable {
    const net::HttpRequest& request = incoming.message;
    Result<std::string> body =
        DecodeContentEncoding(request[http::field::content_encoding], request.body(),
                              config_.http_max_request_body_bytes);
    if (!body.ok()) {
      respond(http_util::TextError(request, http::status::bad_request, body.status().message()));
      return;
    }
    // The content type is compared exactly, parameters and case included, as the collector does.
    std::string_view content_type(request[http::field::content_type].data(),
                                  request[http::field::content_type].size());
    const bool v1 = incoming.path.find("api/v1/spans") != std::string::npos;
    const uint64_t now = static_cast<uint64_t>(clock_.NowUnixNanos());
    model::OtlpRequest decoded;
    Status s;
    if (v1) {
      s = content_type == "application/x-thrift" ? zipkin::V1ThriftToOtlp(*body, now, &decoded)
                                                 : zipkin::V1JsonToOtlp(*body, now, &decoded);
    } else {
      s = content_type == "application/x-protobuf" ? zipkin::V2ProtoToOtlp(*body, &decoded)
                                                   : zipkin::V2JsonToOtlp(*body, &decoded);
    }
    if (!s.ok()) {
      respond(http_util::TextError(request, http::status::bad_request, s.message()));
      return;
    }
    auto answer = [request_header = net::HttpRequest(request.base()), respond](const Status& s) {
      if (s.ok()) {
        respond(net::MakeResponse(request_header, http::status::accepted, "", ""));
        return;
      }
      respond(net::MakeResponse(request_header, http::status::internal_server_error,
                                std::string(kInternalErrorBody), "text/plain; charset=utf-8"));
    };
    http_util::PushDecoded(distributor_, request, std::move(decoded), std::move(answer));
  });
}

}  // namespace tempo::receivers
