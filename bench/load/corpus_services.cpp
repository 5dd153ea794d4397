// The random source and the simulated microservice landscape of the corpus generator.
#include <algorithm>
#include <cstdio>

#include "corpus_model.h"

namespace tempo::bench {
namespace {

using opentelemetry::proto::resource::v1::Resource;

uint64_t SplitMix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void AddStr(Resource* r, const std::string& key, const std::string& value) {
  auto* kv = r->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

void AddInt(Resource* r, const std::string& key, int64_t value) {
  auto* kv = r->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}

struct Blueprint {
  const char* name;
  const char* language;
  Inbound inbound;
  const char* db_system;  // "" = none
  const char* db_name;
  const char* topic;  // "" = none
};

// The pool services are drawn from; the first two are always present (the edge of the system).
const Blueprint kBlueprints[] = {
    {"frontend", "nodejs", Inbound::kHttp, "", "", ""},
    {"api-gateway", "go", Inbound::kHttp, "redis", "0", ""},
    {"checkout", "go", Inbound::kGrpc, "postgresql", "orders", "orders"},
    {"cart", "dotnet", Inbound::kGrpc, "redis", "0", ""},
    {"payment", "java", Inbound::kGrpc, "postgresql", "payments", "payments"},
    {"shipping", "java", Inbound::kHttp, "mysql", "shipping", ""},
    {"inventory", "java", Inbound::kGrpc, "postgresql", "inventory", "stock-events"},
    {"user", "go", Inbound::kGrpc, "postgresql", "users", ""},
    {"recommendation", "python", Inbound::kGrpc, "mongodb", "reco", ""},
    {"email", "python", Inbound::kHttp, "", "", ""},
    {"currency", "java", Inbound::kGrpc, "", "", ""},
    {"fraud-detection", "java", Inbound::kGrpc, "cassandra", "fraud", ""},
};

const char* kNouns[] = {"Order",   "Cart",    "Item",    "User",    "Payment", "Quote",
                        "Product", "Session", "Address", "Invoice", "Review",  "Coupon"};
const char* kVerbs[] = {"Get", "List", "Create", "Update", "Delete", "Check", "Reserve", "Apply"};
const char* kHttpMethods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string CamelService(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::vector<Operation> MakeOperations(Rng& rng, const Blueprint& bp) {
  std::vector<Operation> ops;
  int count = static_cast<int>(rng.Between(4, 10));
  for (int i = 0; i < count; ++i) {
    std::string noun = kNouns[rng.Below(std::size(kNouns))];
    if (bp.inbound == Inbound::kGrpc) {
      ops.push_back({std::string(kVerbs[rng.Below(std::size(kVerbs))]) + noun,
                     "oteldemo." + CamelService(bp.name) + "Service"});
    } else {
      std::string base = std::string("/api/") + bp.name + "/" + Lower(noun) + "s";
      const char* method = kHttpMethods[rng.Below(std::size(kHttpMethods))];
      ops.push_back({method, rng.Chance(0.6) ? base + "/{id}" : base});
    }
  }
  return ops;
}

Resource MakeInstance(Rng& rng, const Blueprint& bp, int index) {
  Resource r;
  std::string pod = std::string(bp.name) + "-" + rng.Hex(5) + "-" + rng.Hex(3);
  AddStr(&r, "service.name", bp.name);
  AddStr(&r, "service.namespace", "shop");
  AddStr(&r, "service.version",
         "1." + std::to_string(rng.Between(0, 9)) + "." + std::to_string(rng.Between(0, 30)));
  AddStr(&r, "service.instance.id", rng.Uuid());
  AddStr(&r, "deployment.environment.name", "production");
  AddStr(&r, "telemetry.sdk.name", "opentelemetry");
  AddStr(&r, "telemetry.sdk.language", bp.language);
  AddStr(&r, "telemetry.sdk.version", "1." + std::to_string(rng.Between(20, 40)) + ".0");
  AddStr(&r, "host.name",
         "ip-10-0-" + std::to_string(rng.Between(0, 255)) + "-" +
             std::to_string(rng.Between(1, 254)) + ".ec2.internal");
  AddStr(&r, "host.arch", rng.Chance(0.8) ? "amd64" : "arm64");
  AddStr(&r, "os.type", "linux");
  AddInt(&r, "process.pid", rng.Between(1, 32768));
  AddStr(&r, "process.runtime.name", bp.language);
  AddStr(&r, "k8s.namespace.name", "shop-prod");
  AddStr(&r, "k8s.deployment.name", bp.name);
  AddStr(&r, "k8s.pod.name", pod);
  AddStr(&r, "k8s.node.name", "node-" + std::to_string(index % 3 + 1));
  AddStr(&r, "cloud.provider", "aws");
  AddStr(&r, "cloud.region", "eu-west-1");
  return r;
}

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& s : s_) s = SplitMix(x);
}

uint64_t Rng::Next() {
  uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

std::string Rng::Bytes(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = Next();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>(v >> (8 * j));
  }
  return out;
}

std::string Rng::Hex(size_t bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string raw = Bytes(bytes), out;
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Rng::Uuid() {
  std::string h = Hex(16);
  h[12] = '4';
  h[16] = "89ab"[Below(4)];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

ScopeKind ScopeOf(SpanType type) {
  switch (type) {
    case SpanType::kHttpServer:
    case SpanType::kHttpClient:
      return ScopeKind::kHttp;
    case SpanType::kRpcServer:
    case SpanType::kRpcClient:
      return ScopeKind::kGrpc;
    case SpanType::kDb:
      return ScopeKind::kDb;
    case SpanType::kProducer:
    case SpanType::kConsumer:
      return ScopeKind::kMessaging;
    case SpanType::kInternal:
      break;
  }
  return ScopeKind::kApp;
}

std::vector<Service> MakeServices(Rng& rng) {
  const int total = static_cast<int>(std::size(kBlueprints));
  int count = static_cast<int>(rng.Between(8, 12));
  // Keep the edge (0, 1) and a random subset of the rest, in blueprint order.
  std::vector<int> chosen = {0, 1};
  std::vector<int> rest;
  for (int i = 2; i < total; ++i) rest.push_back(i);
  while (static_cast<int>(chosen.size()) < count) {
    size_t k = rng.Below(rest.size());
    chosen.push_back(rest[k]);
    rest.erase(rest.begin() + static_cast<long>(k));
  }
  std::sort(chosen.begin(), chosen.end());

  std::vector<Service> services;
  int next_instance = 0;
  for (int i = 0; i < count; ++i) {
    const Blueprint& bp = kBlueprints[chosen[i]];
    Service s;
    s.name = bp.name;
    s.language = bp.language;
    s.inbound = bp.inbound;
    s.operations = MakeOperations(rng, bp);
    s.db_system = bp.db_system;
    s.db_name = bp.db_name;
    if (!s.db_system.empty()) {
      for (int t = 0; t < 3; ++t)
        s.tables.push_back(Lower(kNouns[rng.Below(std::size(kNouns))]) + "s");
    }
    s.topic = bp.topic;
    int instances = static_cast<int>(rng.Between(2, 4));
    for (int k = 0; k < instances; ++k) {
      s.instances.push_back(MakeInstance(rng, bp, k));
      s.export_phase_ns.push_back(rng.Below(kExportPeriodNs));
    }
    s.first_instance_id = next_instance;
    next_instance += instances;
    services.push_back(std::move(s));
  }
  // Calls flow downward (a DAG). Every service has a caller among the few before it, so all are
  // reachable from the edge; then each calls up to 2 more later ones.
  for (int i = 1; i < count; ++i) {
    services[rng.Between(std::max(0, i - 3), i - 1)].downstream.push_back(i);
  }
  for (int i = 0; i + 1 < count; ++i) {
    int calls = static_cast<int>(rng.Between(0, std::min(2, count - 1 - i)));
    for (int c = 0; c < calls; ++c) {
      int target = static_cast<int>(rng.Between(i + 1, count - 1));
      if (std::find(services[i].downstream.begin(), services[i].downstream.end(), target) ==
          services[i].downstream.end()) {
        services[i].downstream.push_back(target);
      }
    }
  }
  // A topic is consumed by some other service that is not its producer.
  for (int i = 0; i < count; ++i) {
    if (services[i].topic.empty()) continue;
    int consumer = static_cast<int>(rng.Between(1, count - 1));
    if (consumer == i) consumer = (i + 1) % count == 0 ? 1 : (i + 1) % count;
    services[i].consumer = consumer;
  }
  return services;
}

}  // namespace tempo::bench
