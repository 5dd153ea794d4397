#pragma once

#include <cstdint>
#include <string>

#include "tempo/common/ids.h"
#include "tempo/ingester/ingester.h"
#include "tempo/store/trace_deleter.h"

namespace tempo::querier {

// The ingester as the store's trace deleter sees it (store::LiveTraces; the store may not depend
// on the ingester). Forwards every call; `ingester` must outlive it. Thread-safe as the ingester.
class IngesterLiveTraces : public store::LiveTraces {
 public:
  explicit IngesterLiveTraces(ingester::Ingester& ingester) : ingester_(ingester) {}

  bool Holds(const std::string& tenant, const TraceId& id) const override;
  uint32_t Refuse(const std::string& tenant, const TraceId& id) override;
  void Accept(const std::string& tenant, const TraceId& id) override;
  void Erase(const std::string& tenant, const TraceId& id) override;
  bool WalMayHold(const std::string& tenant, uint32_t minute) const override;

 private:
  ingester::Ingester& ingester_;
};

}  // namespace tempo::querier
