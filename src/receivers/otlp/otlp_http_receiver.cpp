#include <algorithm>
#include <cctype>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "receivers/otlp/status_mapping.h"
#include "tempo/common/compression.h"
#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"
#include "tempo/model/otlp_json.h"
#include "tempo/model/otlp_wire.h"
#include "tempo/receivers/otlp_receivers.h"

namespace tempo::receivers {
namespace {

namespace http = boost::beast::http;
using otlp_collector_request = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

enum class Encoding { kProtobuf, kJson, kOther };

// The media type of a Content-Type header: before ';', trimmed, lower-cased.
std::string MediaType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && std::isspace(static_cast<unsigned char>(media.front()))) {
    media.remove_prefix(1);
  }
  while (!media.empty() && std::isspace(static_cast<unsigned char>(media.back()))) {
    media.remove_suffix(1);
  }
  std::string out(media);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Encoding EncodingOf(const std::string& media) {
  if (media == "application/x-protobuf") return Encoding::kProtobuf;
  if (media == "application/json") return Encoding::kJson;
  return Encoding::kOther;
}

// An rpc.Status error answer in the request's encoding (spec/ingest-protocols.md §5.4).
net::HttpResponse ErrorResponse(const net::HttpRequest& request, Encoding encoding, int http_code,
                                grpc::StatusCode grpc_code, const Status& status) {
  int retry = status.retry_after_seconds();
  net::HttpResponse response;
  if (encoding == Encoding::kProtobuf) {
    response = net::MakeResponse(
        request, static_cast<http::status>(http_code),
        model::EncodeRpcStatusProto(static_cast<int>(grpc_code), status.message(), retry),
        "application/x-protobuf");
  } else {
    response = net::MakeResponse(
        request, static_cast<http::status>(http_code),
        model::EncodeRpcStatusJson(static_cast<int>(grpc_code), status.message(), retry),
        "application/json");
  }
  if (retry > 0 && (http_code == 429 || http_code == 503)) {
    response.set(http::field::retry_after, std::to_string(retry));
  }
  return response;
}

// Errors of the HTTP layer itself (body read, decompression): status code from the HTTP status.
net::HttpResponse HttpLayerError(const net::HttpRequest& request, const std::string& media,
                                 const Status& status) {
  Encoding encoding = media.empty() ? Encoding::kJson : EncodingOf(media);
  if (encoding == Encoding::kOther) {
    // The collector cannot marshal an error for an unknown content type and says so.
    return net::MakeResponse(request, http::status::internal_server_error,
                             R"({"code": 13, "message": "failed to marshal error message"})",
                             "application/json");
  }
  return ErrorResponse(request, encoding, 400, grpc::StatusCode::INVALID_ARGUMENT, status);
}

}  // namespace

OtlpHttpReceiver::OtlpHttpReceiver(boost::asio::io_context& io,
                                   boost::asio::thread_pool& cpu_pool,
                                   const ReceiversConfig& config,
                                   distributor::Distributor& distributor,
                                   metrics::Registry& registry)
    : io_(io), cpu_pool_(cpu_pool), config_(config), distributor_(distributor),
      registry_(registry) {}

OtlpHttpReceiver::~OtlpHttpReceiver() { Stop(); }

Status OtlpHttpReceiver::Start() {
  net::HttpServerOptions options;
  options.name = "otlp_http";
  if (!SplitHostPort(config_.otlp_http.endpoint, &options.address, &options.port)) {
    return InvalidArgumentError("OTLP HTTP endpoint '" + config_.otlp_http.endpoint +
                                "' is not host:port");
  }
  if (options.address.empty()) options.address = "0.0.0.0";
  options.max_body_bytes = config_.http_max_request_body_bytes;
  std::string path = config_.otlp_http_traces_url_path;
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');

  net::Router router;
  router.Handle(path, "v1_traces", [this](net::IncomingRequest&& request, net::Responder respond) {
    HandleTraces(std::move(request), std::move(respond));
  });
  server_ = std::make_unique<net::HttpServer>(io_, options, std::move(router), registry_);
  TEMPO_RETURN_IF_ERROR(server_->Start());
  LOG_INFO << "OTLP HTTP receiver listening on " << options.address << ":" << server_->port()
           << path;
  return Status::Ok();
}

void OtlpHttpReceiver::Stop() {
  if (server_) server_->Stop();
}

bool OtlpHttpReceiver::Drain(std::chrono::milliseconds timeout) {
  return server_ ? server_->Drain(timeout) : true;
}

uint16_t OtlpHttpReceiver::port() const { return server_ ? server_->port() : 0; }

void OtlpHttpReceiver::HandleTraces(net::IncomingRequest&& incoming, net::Responder respond) {
  const net::HttpRequest& request = incoming.message;
  if (request.method() != http::verb::post) {
    auto response = net::MakeResponse(request, http::status::method_not_allowed,
                                      "405 method not allowed, supported: [POST]");
    respond(std::move(response));
    return;
  }
  std::string media = MediaType(request[http::field::content_type]);
  if (!incoming.body_status.ok()) {
    respond(HttpLayerError(request, media, incoming.body_status));
    return;
  }
  // Decoding and pushing are CPU work: off the io thread.
  boost::asio::post(cpu_pool_, [this, incoming = std::move(incoming), media = std::move(media),
                                respond = std::move(respond)]() mutable {
    const net::HttpRequest& request = incoming.message;
    // Without a Content-Encoding the body is used where it is: no copy.
    std::string_view body = request.body();
    std::string decompressed;
    std::string_view content_encoding = request[http::field::content_encoding];
    if (!content_encoding.empty() || body.size() > config_.http_max_request_body_bytes) {
      Result<std::string> decoded_body = DecodeContentEncoding(
          content_encoding, request.body(), config_.http_max_request_body_bytes);
      if (!decoded_body.ok()) {
        respond(HttpLayerError(request, media, decoded_body.status()));
        return;
      }
      decompressed = std::move(decoded_body).value();
      body = decompressed;
    }
    Encoding encoding = EncodingOf(media);
    if (encoding == Encoding::kOther) {
      respond(net::MakeResponse(
          request, http::status::unsupported_media_type,
          "415 unsupported media type, supported: [application/json, application/x-protobuf]"));
      return;
    }

    // Protobuf bodies take the wire path (no message objects); `incoming` and `decompressed`
    // outlive the Push call, which is all it needs. JSON is decoded into a message.
    model::OtlpWireRequest wire;
    otlp_collector_request decoded;
    if (encoding == Encoding::kProtobuf) {
      if (Status s = wire.Parse(body); !s.ok()) {
        respond(ErrorResponse(request, encoding, 400, grpc::StatusCode::INVALID_ARGUMENT, s));
        return;
      }
    } else if (Status s = model::DecodeOtlpJson(body, &decoded); !s.ok()) {
      respond(ErrorResponse(request, encoding, 400, grpc::StatusCode::INVALID_ARGUMENT, s));
      return;
    }

    std::vector<std::string_view> org_ids;
    auto org_range = request.equal_range("X-Scope-OrgID");
    for (auto it = org_range.first; it != org_range.second; ++it) {
      org_ids.emplace_back(it->value().data(), it->value().size());
    }
    Result<std::string> tenant = distributor_.ResolveTenant(org_ids);
    auto answer = [request_header = net::HttpRequest(request.base()), encoding,
                   respond](const Status& s) {
      if (s.ok()) {
        if (encoding == Encoding::kProtobuf) {
          respond(net::MakeResponse(request_header, http::status::ok, std::string("\x0a\x00", 2),
                                    "application/x-protobuf"));
        } else {
          respond(net::MakeResponse(request_header, http::status::ok, R"({"partialSuccess":{}})",
                                    "application/json"));
        }
        return;
      }
      grpc::StatusCode code = OtlpGrpcCode(s);
      respond(ErrorResponse(request_header, encoding, HttpStatusForGrpcCode(code), code, s));
    };
    if (!tenant.ok()) {
      answer(tenant.status());
      return;
    }
    RequestContext ctx;
    ctx.tenant = std::move(tenant).value();
    if (encoding == Encoding::kProtobuf) {
      distributor_.Push(ctx, std::move(wire), std::move(answer));
    } else {
      distributor_.Push(ctx, std::move(decoded), std::move(answer));
    }
  });
}

}  // namespace tempo::receivers
