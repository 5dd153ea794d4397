#pragma once

#include <string>
#include <vector>

#include "tempo/api/server_config.h"
#include "tempo/compactor/compactor_config.h"
#include "tempo/distributor/distributor_config.h"
#include "tempo/ingester/ingester_config.h"
#include "tempo/overrides/overrides.h"
#include "tempo/receivers/receivers_config.h"
#include "tempo/store/store_config.h"
#include "tempo/wal/wal_config.h"

namespace tempo::config {

// `storage.trace.*` other than the WAL.
struct StorageConfig {
  std::string backend = "local";              // storage.trace.backend: local (s3 later)
  std::string local_path = "./data/blocks";   // storage.trace.local.path
  store::StoreConfig store;                   // storage.trace.blocklist_poll
};

// The whole configuration of the binary: every module's config struct, filled from defaults, then
// tempo.yaml, then command-line flags. A value type.
struct AppConfig {
  std::string target = "all";  // -target / target
  bool multitenancy_enabled = false;
  api::ServerConfig server;
  receivers::ReceiversConfig receivers;
  distributor::DistributorConfig distributor;
  ingester::IngesterConfig ingester;
  wal::WalConfig wal;
  StorageConfig storage;
  compactor::CompactorConfig compactor;  // compactor.compaction.*
  overrides::OverridesConfig overrides;
};

}  // namespace tempo::config
