#include "tempo/querier/ingester_live_traces.h"

namespace tempo::querier {

bool IngesterLiveTraces::Holds(const std::string& tenant, const TraceId& id) const {
  return ingester_.FindTraceByID(tenant, id).has_value();
}

uint32_t IngesterLiveTraces::Refuse(const std::string& tenant, const TraceId& id) {
  return ingester_.RefuseTrace(tenant, id);
}

void IngesterLiveTraces::Accept(const std::string& tenant, const TraceId& id) {
  ingester_.AcceptTrace(tenant, id);
}

void IngesterLiveTraces::Erase(const std::string& tenant, const TraceId& id) {
  ingester_.EraseTrace(tenant, id);
}

bool IngesterLiveTraces::WalMayHold(const std::string& tenant, uint32_t minute) const {
  return ingester_.WalMayHold(tenant, minute);
}

}  // namespace tempo::querier
