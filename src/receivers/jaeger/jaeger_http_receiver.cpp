#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "receivers/jaeger/http_util.h"
#include "receivers/jaeger/jaeger_decoder.h"
#include "tempo/common/compression.h"
#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"
#include "tempo/receivers/jaeger_receivers.h"

namespace tempo::receivers {
namespace {

namespace http = boost::beast::http;

bool AcceptedThriftFormat(const std::string& media) {
  return media == "application/x-thrift" || media == "application/vnd.apache.thrift.binary";
}

}  // namespace

JaegerThriftHttpReceiver::JaegerThriftHttpReceiver(boost::asio::io_context& io,
                                                   boost::asio::thread_pool& cpu_pool,
                                                   const ReceiversConfig& config,
                                                   distributor::Distributor& distributor,
                                                   metrics::Registry& registry)
    : io_(io),
      cpu_pool_(cpu_pool),
      config_(config),
      distributor_(distributor),
      registry_(registry) {}

JaegerThriftHttpReceiver::~JaegerThriftHttpReceiver() { Stop(); }

Status JaegerThriftHttpReceiver::Start() {
  net::HttpServerOptions options;
  options.name = "jaeger_thrift_http";
  if (!SplitHostPort(config_.jaeger_thrift_http.endpoint, &options.address, &options.port)) {
    return InvalidArgumentError("Jaeger thrift_http endpoint '" +
                                config_.jaeger_thrift_http.endpoint + "' is not host:port");
  }
  if (options.address.empty()) options.address = "0.0.0.0";
  options.max_body_bytes = config_.http_max_request_body_bytes;

  net::Router router;
  router.Handle("/api/traces", "api_traces",
                [this](net::IncomingRequest&& request, net::Responder respond) {
                  HandleTraces(std::move(request), std::move(respond));
                });
  server_ = std::make_unique<net::HttpServer>(io_, options, std::move(router), registry_);
  TEMPO_RETURN_IF_ERROR(server_->Start());
  LOG_INFO << "Jaeger thrift_http receiver listening on " << options.address << ":"
           << server_->port() << "/api/traces";
  return Status::Ok();
}

void JaegerThriftHttpReceiver::Stop() {
  if (server_) server_->Stop();
}

bool JaegerThriftHttpReceiver::Drain(std::chrono::milliseconds timeout) {
  return server_ ? server_->Drain(timeout) : true;
}

uint16_t JaegerThriftHttpReceiver::port() const { return server_ ? server_->port() : 0; }

void JaegerThriftHttpReceiver::HandleTraces(net::IncomingRequest&& incoming,
                                            net::Responder respond) {
  const net::HttpRequest& request = incoming.message;
  if (request.method() != http::verb::post) {
    // gorilla/mux answers a method mismatch with an empty 405.
    respond(net::MakeResponse(request, http::status::method_not_allowed, "", ""));
    return;
  }
  if (!incoming.body_status.ok()) {
    respond(http_util::TextError(request, http::status::bad_request,
                                 http_util::HtmlEscape("Unable to process request body: " +
                                                       incoming.body_status.message())));
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
      respond(http_util::TextError(request, http::status::bad_request,
                                   http_util::HtmlEscape(body.status().message())));
      return;
    }
    Result<std::string> media = http_util::ParseMediaType(request[http::field::content_type]);
    if (!media.ok()) {
      respond(http_util::TextError(
          request, http::status::bad_request,
          http_util::HtmlEscape("Cannot parse content type: " + media.status().message())));
      return;
    }
    if (!AcceptedThriftFormat(*media)) {
      respond(http_util::TextError(request, http::status::bad_request,
                                   http_util::HtmlEscape("Unsupported content type: " + *media)));
      return;
    }
    model::OtlpRequest decoded;
    if (Status s = jaeger::ThriftHttpBodyToOtlp(*body, &decoded); !s.ok()) {
      respond(http_util::TextError(
          request, http::status::bad_request,
          http_util::HtmlEscape("Unable to process request body: " + s.message())));
      return;
    }
    auto answer = [request_header = net::HttpRequest(request.base()), respond](const Status& s) {
      if (s.ok()) {
        respond(net::MakeResponse(request_header, http::status::accepted, "", ""));
        return;
      }
      respond(http_util::TextError(request_header, http::status::internal_server_error,
                                   "Cannot submit Jaeger batch: " + s.message()));
    };
    http_util::PushDecoded(distributor_, request, std::move(decoded), std::move(answer));
  });
}

}  // namespace tempo::receivers
