#include "support/realistic_traces.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tempopb/tempo.pb.h"

namespace tempo::bench {
namespace {

namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;

struct Service {
  std::string name, language, version, scope, scope_version;
  std::vector<std::vector<std::pair<std::string, std::string>>> pods;  // resource attrs per pod
  std::vector<std::string> routes;                                     // server endpoints
  std::string db_system;                                               // "" if it has no database
};

}  // namespace

class RealisticTraceGenerator::Impl {
 public:
  explicit Impl(const RealisticTraceOptions& options)
      : options_(options), rng_(options.seed) {
    MakeServices();
  }

  // Trace number `n` (content depends only on n and the seed), with trace ID `id`.
  tempopb::Trace Make(uint64_t n, const std::string& id, uint64_t* spans) {
    rng_.seed(options_.seed * 1'000'003 + n);
    trace_id_ = id;
    user_ = "user-" + std::to_string(Uniform(2'000'000));
    session_ = Uuid();
    client_ip_ = std::to_string(10 + Uniform(200)) + "." + std::to_string(Uniform(256)) + "." +
                 std::to_string(Uniform(256)) + "." + std::to_string(Uniform(256));
    budget_ = 3 + static_cast<int>(Uniform(15));  // 3..17 spans, ~10 on average
    batches_.clear();
    uint64_t start = options_.base_time_unix_nano + Uniform(options_.window_nanos);
    uint64_t duration = LogNormal(4e7);
    ServerSpan(0, services_[0].routes[Uniform(services_[0].routes.size())], "", start, duration);
    tempopb::Trace trace;
    *spans = 0;
    for (auto& [key, spans_of] : batches_) {
      auto* rs = trace.add_resourcespans();
      const Service& svc = services_[key.first];
      auto* res = rs->mutable_resource();
      Attr(res->mutable_attributes(), "service.name", svc.name);
      for (const auto& [k, v] : svc.pods[key.second]) Attr(res->mutable_attributes(), k, v);
      rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name(svc.scope);
      ss->mutable_scope()->set_version(svc.scope_version);
      for (auto& s : spans_of) *ss->add_spans() = std::move(s);
      *spans += static_cast<uint64_t>(ss->spans_size());
    }
    return trace;
  }

  const std::vector<Service>& services() const { return services_; }

 private:
  uint64_t Uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  uint64_t LogNormal(double median) {
    return static_cast<uint64_t>(std::lognormal_distribution<double>(std::log(median), 1.0)(rng_));
  }
  std::string Hex(size_t n) {
    static const char* kDigits = "0123456789abcdef";
    std::string s(n, '0');
    for (char& c : s) c = kDigits[Uniform(16)];
    return s;
  }
  std::string Uuid() {
    return Hex(8) + "-" + Hex(4) + "-4" + Hex(3) + "-a" + Hex(3) + "-" + Hex(12);
  }
  std::string SpanId() {
    std::string s(8, '\0');
    for (char& c : s) c = static_cast<char>(Uniform(256));
    return s;
  }
  static void Attr(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* a,
                   const std::string& k, const std::string& v) {
    auto* kv = a->Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
  static void Attr(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* a,
                   const std::string& k, int64_t v) {
    auto* kv = a->Add();
    kv->set_key(k);
    kv->mutable_value()->set_int_value(v);
  }

  void MakeServices() {
    const char* names[] = {"frontend",        "checkout", "cart",     "payment",
                           "shipping",        "email",    "currency", "recommendation",
                           "product-catalog", "ad",       "auth",     "inventory"};
    const char* langs[] = {"go", "java", "python", "nodejs", "dotnet"};
    const char* dbs[] = {"", "postgresql", "redis",      "", "mysql",      "",
                         "", "redis",      "postgresql", "", "postgresql", "mongodb"};
    for (int i = 0; i < 12; ++i) {
      Service s;
      s.name = names[i];
      s.language = langs[i % 5];
      s.version = "1." + std::to_string(i % 4) + "." + std::to_string(i * 7 % 10);
      s.scope = "io.opentelemetry." + s.language + ".instrumentation.http";
      s.scope_version = "0." + std::to_string(40 + i % 5) + ".0";
      s.db_system = dbs[i];
      std::string instance_base = Hex(10);
      for (int p = 0; p < 4; ++p) {
        std::string pod = s.name + "-" + Hex(9) + "-" + Hex(5);
        s.pods.push_back({{"service.namespace", "shop"},
                          {"service.version", s.version},
                          {"service.instance.id", Uuid()},
                          {"deployment.environment", "production"},
                          {"host.name", "ip-10-0-" + std::to_string(Uniform(256)) + "-" +
                                            std::to_string(Uniform(256)) + ".ec2.internal"},
                          {"k8s.namespace.name", "shop"},
                          {"k8s.pod.name", pod},
                          {"k8s.deployment.name", s.name},
                          {"k8s.node.name", "node-" + std::to_string(Uniform(8))},
                          {"container.id", Hex(64)},
                          {"cloud.region", "eu-west-1"},
                          {"telemetry.sdk.name", "opentelemetry"},
                          {"telemetry.sdk.language", s.language},
                          {"telemetry.sdk.version", "1.2" + std::to_string(i % 6) + ".0"}});
      }
      const char* verbs[] = {"GET", "POST", "PUT", "DELETE"};
      for (int r = 0; r < 6; ++r) {
        s.routes.push_back(std::string(verbs[r % 4]) + " /api/" + s.name + "/" +
                           (r % 2 ? "{id}" : "items") + (r > 3 ? "/details" : ""));
      }
      services_.push_back(std::move(s));
    }
  }

  otlp_trace::Span& NewSpan(int service, const std::string& parent, const std::string& name,
                            otlp_trace::Span_SpanKind kind, uint64_t start, uint64_t duration) {
    int pod = static_cast<int>(Uniform(services_[service].pods.size()));
    auto& list = batches_[{service, pod}];
    otlp_trace::Span& s = list.emplace_back();
    s.set_trace_id(trace_id_);
    s.set_span_id(SpanId());
    s.set_parent_span_id(parent);
    s.set_name(name);
    s.set_kind(kind);
    s.set_start_time_unix_nano(start);
    s.set_end_time_unix_nano(start + duration);
    s.set_flags(0x100);
    --budget_;
    return s;
  }

  void Common(otlp_trace::Span& s) {
    Attr(s.mutable_attributes(), "thread.id", static_cast<int64_t>(1 + Uniform(200)));
    Attr(s.mutable_attributes(), "thread.name", "worker-" + std::to_string(Uniform(16)));
    Attr(s.mutable_attributes(), "session.id", session_);
  }

  void Error(otlp_trace::Span& s, const std::string& type) {
    s.mutable_status()->set_code(otlp_trace::Status::STATUS_CODE_ERROR);
    s.mutable_status()->set_message(type + ": request failed");
    auto* ev = s.add_events();
    ev->set_time_unix_nano(s.end_time_unix_nano() - Uniform(1000));
    ev->set_name("exception");
    Attr(ev->mutable_attributes(), "exception.type", type);
    Attr(ev->mutable_attributes(), "exception.message",
         "deadline exceeded after " + std::to_string(Uniform(5000)) + "ms");
    Attr(ev->mutable_attributes(), "exception.stacktrace",
         type + "\n\tat com.shop.Handler.handle(Handler.java:" + std::to_string(Uniform(400)) +
             ")\n\tat io.grpc.ServerImpl.run(ServerImpl.java:812)\n\tat java.lang.Thread.run");
  }

  void ServerSpan(int service, const std::string& route, const std::string& parent, uint64_t start,
                  uint64_t duration) {
    const Service& svc = services_[service];
    bool error = Chance(0.02);
    otlp_trace::Span& s =
        NewSpan(service, parent, route, otlp_trace::Span::SPAN_KIND_SERVER, start, duration);
    std::string method = route.substr(0, route.find(' '));
    std::string path = route.substr(route.find(' ') + 1);
    std::string target = path;
    if (auto p = target.find("{id}"); p != std::string::npos) {
      target.replace(p, 4, Hex(10));
    }
    if (Chance(0.3)) target += "?currency=" + std::string(Chance(0.5) ? "USD" : "EUR");
    auto* a = s.mutable_attributes();
    Attr(a, "http.method", method);
    Attr(a, "http.route", path);
    Attr(a, "http.target", target);
    Attr(a, "http.scheme", "http");
    Attr(a, "http.status_code", static_cast<int64_t>(error ? 500 : (Chance(0.05) ? 404 : 200)));
    Attr(a, "net.host.name", svc.name);
    Attr(a, "net.host.port", static_cast<int64_t>(8080));
    Attr(a, "net.sock.peer.addr",
         service == 0 ? client_ip_
                      : "10.1." + std::to_string(Uniform(4)) + "." + std::to_string(Uniform(256)));
    Attr(a, "net.sock.peer.port", static_cast<int64_t>(30000 + Uniform(35000)));
    if (service == 0) {
      Attr(a, "http.user_agent",
           "Mozilla/5.0 (X11; Linux x86_64) Chrome/12" + std::to_string(Uniform(4)) +
               ".0.0.0 Safari/537.36");
      Attr(a, "http.client_ip", client_ip_);
      Attr(a, "enduser.id", user_);
    }
    Attr(a, "http.request_content_length",
         static_cast<int64_t>(method == "GET" ? 0 : Uniform(4000)));
    Attr(a, "http.response_content_length", static_cast<int64_t>(Uniform(20000)));
    Common(s);
    if (Chance(0.5)) Attr(a, "app.user.id", user_);
    if (error) Error(s, "java.util.concurrent.TimeoutException");
    std::string self = s.span_id();

    // Downstream work: database calls, then calls to other services, sequentially in time.
    uint64_t t = start + duration / 20;
    uint64_t slot = duration / 4;
    int calls = 0;
    while (budget_ > 0 && calls < 4 && Chance(calls == 0 ? 0.9 : 0.55)) {
      ++calls;
      uint64_t d = std::max<uint64_t>(slot / 2 + Uniform(slot / 2 + 1), 1000);
      if (!svc.db_system.empty() && Chance(0.4)) {
        DbSpan(service, self, t, d / 3 + 1);
      } else {
        int callee = 1 + static_cast<int>(Uniform(services_.size() - 1));
        if (callee == service) callee = (callee % 11) + 1;
        ClientCall(service, callee, self, t, d);
      }
      t += d + Uniform(200'000);
    }
  }

  void ClientCall(int caller, int callee, const std::string& parent, uint64_t start,
                  uint64_t duration) {
    const Service& dst = services_[callee];
    const std::string& route = dst.routes[Uniform(dst.routes.size())];
    bool grpc = callee % 3 == 1;
    std::string name = grpc ? "shop." + dst.name + ".Service/" + route.substr(route.rfind('/') + 1)
                            : route.substr(0, route.find(' '));
    otlp_trace::Span& s =
        NewSpan(caller, parent, name, otlp_trace::Span::SPAN_KIND_CLIENT, start, duration);
    auto* a = s.mutable_attributes();
    if (grpc) {
      Attr(a, "rpc.system", "grpc");
      Attr(a, "rpc.service", "shop." + dst.name + ".Service");
      Attr(a, "rpc.method", route.substr(route.rfind('/') + 1));
      Attr(a, "rpc.grpc.status_code", static_cast<int64_t>(Chance(0.02) ? 14 : 0));
    } else {
      std::string path = route.substr(route.find(' ') + 1);
      if (auto p = path.find("{id}"); p != std::string::npos) path.replace(p, 4, Hex(10));
      Attr(a, "http.method", route.substr(0, route.find(' ')));
      Attr(a, "http.url", "http://" + dst.name + ":8080" + path);
      Attr(a, "http.status_code", static_cast<int64_t>(200));
    }
    Attr(a, "net.peer.name", dst.name);
    Attr(a, "net.peer.port", static_cast<int64_t>(grpc ? 50051 : 8080));
    Common(s);
    if (Chance(0.3)) Attr(a, "app.product.id", "PRD-" + std::to_string(Uniform(1000)));
    if (Chance(0.2)) Attr(a, "app.order.id", Uuid());
    if (Chance(0.3)) Attr(a, "app.quantity", static_cast<int64_t>(1 + Uniform(10)));
    std::string self = s.span_id();
    uint64_t net = duration / 10 + 1;
    if (budget_ > 0) ServerSpan(callee, route, self, start + net / 2, duration - net);
  }

  void DbSpan(int service, const std::string& parent, uint64_t start, uint64_t duration) {
    const Service& svc = services_[service];
    static const char* kTables[] = {"orders",   "users",     "products",  "carts",
                                    "payments", "shipments", "inventory", "sessions"};
    std::string table = kTables[Uniform(8)];
    std::string op, stmt;
    if (svc.db_system == "redis") {
      op = Chance(0.7) ? "GET" : "SET";
      stmt = op + " " + table + ":" + std::to_string(Uniform(100000));
    } else {
      int kind = static_cast<int>(Uniform(4));
      op = kind == 0 ? "INSERT" : kind == 1 ? "UPDATE" : "SELECT";
      stmt = kind == 0   ? "INSERT INTO " + table + " (id, data, created_at) VALUES (?, ?, ?)"
             : kind == 1 ? "UPDATE " + table + " SET data = ?, updated_at = ? WHERE id = ?"
             : kind == 2 ? "SELECT * FROM " + table + " WHERE id = ?"
                         : "SELECT id, data FROM " + table +
                               " WHERE user_id = ? ORDER BY created_at DESC LIMIT 50";
    }
    otlp_trace::Span& s = NewSpan(service, parent, op + " " + table,
                                  otlp_trace::Span::SPAN_KIND_CLIENT, start, duration);
    auto* a = s.mutable_attributes();
    Attr(a, "db.system", svc.db_system);
    Attr(a, "db.name", "shop");
    Attr(a, "db.user", svc.name);
    Attr(a, "db.statement", stmt);
    Attr(a, "db.operation", op);
    Attr(a, "db.sql.table", table);
    Attr(a, "net.peer.name", svc.db_system + "." + svc.name + ".svc.cluster.local");
    Attr(a, "net.peer.port", static_cast<int64_t>(svc.db_system == "redis" ? 6379 : 5432));
    Common(s);
  }

  RealisticTraceOptions options_;
  std::mt19937_64 rng_;
  std::vector<Service> services_;
  std::string trace_id_, user_, session_, client_ip_;
  int budget_ = 0;
  std::map<std::pair<int, int>, std::vector<otlp_trace::Span>> batches_;
};

RealisticTraceGenerator::RealisticTraceGenerator(RealisticTraceOptions options)
    : impl_(std::make_unique<Impl>(options)) {}

RealisticTraceGenerator::~RealisticTraceGenerator() = default;

tempopb::Trace RealisticTraceGenerator::Make(uint64_t n, const std::string& id, uint64_t* spans) {
  return impl_->Make(n, id, spans);
}

std::vector<std::string> RealisticTraceGenerator::ServiceNames() const {
  std::vector<std::string> names;
  for (const auto& s : impl_->services()) names.push_back(s.name);
  return names;
}

std::vector<std::string> SortedRandomTraceIds(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> ids(count);
  for (auto& id : ids) {
    id.resize(16);
    for (char& c : id) c = static_cast<char>(rng());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace tempo::bench
