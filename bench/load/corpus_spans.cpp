// Turns a simulated span into OTLP: name, kind, semantic-convention attributes (http.*, db.*,
// rpc.*, messaging.*), errors with exception events, log events and links.
#include <algorithm>
#include <cstdio>

#include "corpus_model.h"

namespace tempo::bench {
namespace {

using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;

// Share of error spans (kErrorSpanRate) carrying a stack trace: about 1.5% of all spans.
constexpr double kStackTraceShareOfErrors = 0.3;

class Attrs {
 public:
  explicit Attrs(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* f)
      : f_(f) {}
  void Str(const char* key, std::string value) {
    auto* kv = f_->Add();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(std::move(value));
  }
  void Int(const char* key, int64_t value) {
    auto* kv = f_->Add();
    kv->set_key(key);
    kv->mutable_value()->set_int_value(value);
  }
  void Dbl(const char* key, double value) {
    auto* kv = f_->Add();
    kv->set_key(key);
    kv->mutable_value()->set_double_value(value);
  }
  void Bool(const char* key, bool value) {
    auto* kv = f_->Add();
    kv->set_key(key);
    kv->mutable_value()->set_bool_value(value);
  }
  int size() const { return f_->size(); }

 private:
  google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* f_;
};

std::string UserId(Rng& rng) { return "user-" + std::to_string(rng.Between(1, 2'000'000)); }

std::string Ip(Rng& rng) {
  return "10." + std::to_string(rng.Between(0, 255)) + "." + std::to_string(rng.Between(0, 255)) +
         "." + std::to_string(rng.Between(1, 254));
}

std::string FillRoute(Rng& rng, const std::string& route) {
  size_t at = route.find("{id}");
  if (at == std::string::npos) return route;
  return route.substr(0, at) + std::to_string(rng.Between(1, 9'999'999)) + route.substr(at + 4);
}

std::string StackTrace(Rng& rng, const std::string& service, const std::string& type) {
  static const char* kClasses[] = {"Repository", "Service", "Controller", "Client",
                                   "Handler",    "Mapper",  "Validator",  "Cache"};
  static const char* kMethods[] = {"load",     "save",    "handle",           "apply",
                                   "validate", "call",    "lambda$process$3", "invoke",
                                   "execute",  "doFilter"};
  std::string out = type + ": operation failed for request " + rng.Uuid() + "\n";
  size_t target = static_cast<size_t>(rng.Between(2'000, 12'000));
  while (out.size() < target) {
    char line[200];
    std::snprintf(line, sizeof(line), "\tat com.example.%s.%s%s.%s(%s%s.java:%d)\n",
                  service.c_str(), service.c_str(), kClasses[rng.Below(std::size(kClasses))],
                  kMethods[rng.Below(std::size(kMethods))], service.c_str(),
                  kClasses[rng.Below(std::size(kClasses))], static_cast<int>(rng.Between(20, 900)));
    out += line;
  }
  return out;
}

void AddHttp(Rng& rng, const Service& callee, const Operation& op, bool server, bool error,
             Attrs& a) {
  int status = error ? static_cast<int>(rng.Pick(std::vector<int>{500, 502, 503, 504}))
                     : (rng.Chance(0.03) ? 404 : (op.method == "POST" ? 201 : 200));
  a.Str("http.request.method", op.method);
  a.Int("http.response.status_code", status);
  a.Str("server.address", callee.name);
  a.Int("server.port", 8080);
  a.Str("network.protocol.version", "1.1");
  if (server) {
    a.Str("http.route", op.route);
    a.Str("url.path", FillRoute(rng, op.route));
    a.Str("url.scheme", "http");
    a.Str("client.address", Ip(rng));
    a.Str("user_agent.original",
          rng.Chance(0.5) ? "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0" : "okhttp/4.12.0");
    if (rng.Chance(0.7)) a.Str("enduser.id", UserId(rng));
  } else {
    a.Str("url.full", "http://" + callee.name + ":8080" + FillRoute(rng, op.route));
    a.Str("network.peer.address", Ip(rng));
  }
  a.Int("http.response.body.size", rng.Between(0, 64'000));
  if (error) a.Str("error.type", std::to_string(status));
}

void AddRpc(Rng& rng, const Service& callee, const Operation& op, bool error, Attrs& a) {
  a.Str("rpc.system", "grpc");
  a.Str("rpc.service", op.route);
  a.Str("rpc.method", op.method);
  a.Int("rpc.grpc.status_code", error ? rng.Pick(std::vector<int64_t>{2, 4, 13, 14}) : 0);
  a.Str("server.address", callee.name);
  a.Int("server.port", 50051);
  a.Str("network.peer.address", Ip(rng));
  a.Str("network.transport", "tcp");
  if (rng.Chance(0.3)) a.Str("app.request.id", rng.Uuid());
}

void AddDb(Rng& rng, const Service& s, const std::string& table, const std::string& op, bool error,
           Attrs& a) {
  a.Str("db.system", s.db_system);
  a.Str("db.namespace", s.db_name);
  a.Str("server.address", s.db_system + "." + s.name + ".svc");
  a.Int("server.port", s.db_system == "redis" ? 6379 : s.db_system == "mysql" ? 3306 : 5432);
  if (s.db_system == "redis") {
    a.Str("db.operation.name", op == "SELECT" ? "GET" : "SET");
    a.Str("db.query.text", (op == "SELECT" ? "GET " : "SET ") + table + ":" + rng.Uuid());
    return;
  }
  a.Str("db.operation.name", op);
  a.Str("db.collection.name", table);
  std::string id = std::to_string(rng.Between(1, 50'000'000));
  if (op == "SELECT") {
    a.Str("db.query.text",
          "SELECT id, owner_id, status, total, created_at, updated_at FROM " + table +
              " WHERE owner_id = " + id +
              " AND status IN ('open', 'pending') ORDER BY created_at DESC LIMIT 50");
    a.Int("db.response.returned_rows", rng.Between(0, 50));
  } else if (op == "INSERT") {
    a.Str("db.query.text",
          "INSERT INTO " + table +
              " (id, owner_id, status, total, created_at) VALUES ($1, $2, $3, $4, now())");
  } else {
    a.Str("db.query.text",
          "UPDATE " + table + " SET status = $1, updated_at = now() WHERE id = " + id);
  }
  a.Str("db.user", s.name + "_rw");
  if (error) a.Str("error.type", "40001");
}

void AddMessaging(Rng& rng, const std::string& topic, const std::string& consumer, bool producer,
                  Attrs& a) {
  a.Str("messaging.system", "kafka");
  a.Str("messaging.destination.name", topic);
  a.Str("messaging.operation.type", producer ? "publish" : "process");
  a.Str("messaging.operation.name", producer ? "send" : "process");
  a.Str("messaging.message.id", rng.Uuid());
  a.Str("messaging.kafka.message.key", UserId(rng));
  a.Int("messaging.destination.partition.id", rng.Between(0, 11));
  a.Int("messaging.kafka.offset", rng.Between(1, 900'000'000));
  a.Int("messaging.message.body.size", rng.Between(200, 4000));
  a.Str("server.address", "kafka-" + std::to_string(rng.Between(0, 2)) + ".kafka.svc");
  if (!producer) a.Str("messaging.consumer.group.name", consumer);
}

// Generic attributes that pad a span to its drawn attribute count, all distinct keys.
void AddPadding(Rng& rng, const Service& s, int target, Attrs& a) {
  static const char* kFlags[] = {"new-checkout", "fast-cart", "reco-v2", "dark-mode"};
  int slot = static_cast<int>(rng.Below(10));
  for (int i = 0; i < 10 && a.size() < target; ++i, slot = (slot + 1) % 10) {
    switch (slot) {
      case 0:
        a.Int("thread.id", rng.Between(1, 400));
        break;
      case 1:
        a.Str("thread.name", "worker-" + std::to_string(rng.Between(1, 64)));
        break;
      case 2:
        a.Str("code.function.name", "com.example." + s.name + ".Handler.process");
        break;
      case 3:
        a.Int("code.line.number", rng.Between(10, 2000));
        break;
      case 4:
        a.Str("session.id", rng.Uuid());
        break;
      case 5:
        a.Bool("app.cache.hit", rng.Chance(0.8));
        break;
      case 6:
        a.Dbl("app.order.amount", static_cast<double>(rng.Between(100, 99'999)) / 100.0);
        break;
      case 7:
        a.Int("app.cart.items", rng.Between(0, 30));
        break;
      case 8:
        a.Str("feature_flag.key", kFlags[rng.Below(std::size(kFlags))]);
        break;
      case 9:
        a.Str("app.tenant.id", "tenant-" + std::to_string(rng.Between(1, 500)));
        break;
    }
  }
}

void AddEvents(Rng& rng, const Service& s, bool error, uint64_t start, uint64_t end, Span* span) {
  uint64_t dur = end > start ? end - start : 1;
  if (error) {
    auto* ev = span->add_events();
    ev->set_name("exception");
    ev->set_time_unix_nano(start + rng.Below(dur));
    Attrs a(ev->mutable_attributes());
    std::string type = rng.Chance(0.5) ? "java.lang.IllegalStateException" : "java.io.IOException";
    a.Str("exception.type", type);
    a.Str("exception.message", "operation failed: upstream returned an error");
    if (rng.Chance(kStackTraceShareOfErrors))
      a.Str("exception.stacktrace", StackTrace(rng, s.name, type));
  }
  if (rng.Chance(0.08)) {
    int n = static_cast<int>(rng.Between(1, 3));
    for (int i = 0; i < n; ++i) {
      auto* ev = span->add_events();
      ev->set_name(rng.Chance(0.5) ? "cache.miss" : "retry");
      ev->set_time_unix_nano(start + rng.Below(dur));
      Attrs a(ev->mutable_attributes());
      a.Str("message", "attempt " + std::to_string(i + 1));
      if (rng.Chance(0.5)) a.Int("retry.count", i);
    }
  }
}

}  // namespace

void DescribeSpan(Rng& rng, const std::vector<Service>& services, const std::vector<Node>& nodes,
                  int index, const std::string& trace_id,
                  const std::vector<std::pair<std::string, std::string>>& recent_links,
                  Span* span) {
  const Node& n = nodes[index];
  const Service& s = services[n.service];
  Attrs a(span->mutable_attributes());
  bool error = n.error;
  int target = static_cast<int>(rng.Between(8, 20));
  // Server spans have a remote parent (W3C sampled, "has is_remote", "is_remote").
  bool remote_parent = n.type == SpanType::kHttpServer || n.type == SpanType::kRpcServer ||
                       n.type == SpanType::kConsumer;
  span->set_flags(remote_parent ? 0x301 : 0x101);
  switch (n.type) {
    case SpanType::kHttpServer:
    case SpanType::kHttpClient: {
      bool server = n.type == SpanType::kHttpServer;
      const Service& callee = server ? s : services[n.peer];
      const Operation& op = callee.operations[n.operation];
      span->set_name(server ? op.method + " " + op.route : op.method);
      span->set_kind(server ? Span::SPAN_KIND_SERVER : Span::SPAN_KIND_CLIENT);
      AddHttp(rng, callee, op, server, error, a);
      break;
    }
    case SpanType::kRpcServer:
    case SpanType::kRpcClient: {
      bool server = n.type == SpanType::kRpcServer;
      const Service& callee = server ? s : services[n.peer];
      const Operation& op = callee.operations[n.operation];
      span->set_name(op.route + "/" + op.method);
      span->set_kind(server ? Span::SPAN_KIND_SERVER : Span::SPAN_KIND_CLIENT);
      AddRpc(rng, callee, op, error, a);
      break;
    }
    case SpanType::kDb: {
      static const std::vector<std::string> kOps = {"SELECT", "SELECT", "SELECT", "INSERT",
                                                    "UPDATE"};
      const std::string& op = rng.Pick(kOps);
      const std::string& table = rng.Pick(s.tables);
      span->set_name(s.db_system == "redis" ? (op == "SELECT" ? "GET" : "SET") : op + " " + table);
      span->set_kind(Span::SPAN_KIND_CLIENT);
      AddDb(rng, s, table, op, error, a);
      break;
    }
    case SpanType::kProducer:
      span->set_name("publish " + s.topic);
      span->set_kind(Span::SPAN_KIND_PRODUCER);
      AddMessaging(rng, s.topic, services[s.consumer].name, true, a);
      break;
    case SpanType::kConsumer: {
      const Service& producer = services[nodes[n.peer].service];
      span->set_name("process " + producer.topic);
      span->set_kind(Span::SPAN_KIND_CONSUMER);
      AddMessaging(rng, producer.topic, s.name, false, a);
      if (rng.Chance(0.5)) {
        auto* link = span->add_links();
        link->set_trace_id(trace_id);
        link->set_span_id(nodes[n.peer].span_id);
        link->set_flags(0x101);
        Attrs(link->mutable_attributes()).Str("messaging.operation.type", "publish");
      }
      break;
    }
    case SpanType::kInternal: {
      static const std::vector<std::string> kWork = {
          "compute", "render", "validate", "serialize", "authorize", "load-config", "batch"};
      const std::string& work = rng.Pick(kWork);
      span->set_name(s.name + "." + work);
      span->set_kind(Span::SPAN_KIND_INTERNAL);
      a.Str("code.namespace", "com.example." + s.name);
      if (work == "batch" && !recent_links.empty() && rng.Chance(0.5)) {
        int links = static_cast<int>(rng.Between(1, 3));
        for (int i = 0; i < links; ++i) {
          const auto& [tid, sid] = rng.Pick(recent_links);
          auto* link = span->add_links();
          link->set_trace_id(tid);
          link->set_span_id(sid);
          link->set_flags(0x101);
        }
      }
      break;
    }
  }
  AddPadding(rng, s, target, a);
  if (error) {
    span->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
    span->mutable_status()->set_message("upstream request failed");
  } else if (remote_parent && rng.Chance(0.2)) {
    span->mutable_status()->set_code(Status::STATUS_CODE_OK);
  }
  AddEvents(rng, s, error, n.start, n.end, span);
}

}  // namespace tempo::bench
