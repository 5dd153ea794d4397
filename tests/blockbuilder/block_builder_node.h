#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "support/temp_dir.h"
#include "support/trace_builder.h"
#include "tempo/backend/backend.h"
#include "tempo/blockbuilder/block_builder.h"
#include "tempo/model/batch.h"
#include "tempo/querier/querier.h"
#include "tempopb/tempo.pb.h"

namespace tempo::testing {

// An object writer whose Commit fails (a full disk at fsync); what was appended is discarded
// with `inner`. Not thread-safe.
class FailingObjectWriter : public backend::ObjectWriter {
 public:
  explicit FailingObjectWriter(std::unique_ptr<backend::ObjectWriter> inner)
      : inner_(std::move(inner)) {}
  Status Append(std::string_view data) override { return inner_->Append(data); }
  Status Commit() override { return IOError("injected: no space left on device"); }
  uint64_t size() const override { return inner_->size(); }

 private:
  std::unique_ptr<backend::ObjectWriter> inner_;
};

// Makes the first `count` object writers opened wait in Commit until all `count` are open: it
// proves that many blocks were being written at the same time. A writer that waited 30 s in
// vain commits anyway and leaves met() false. Thread-safe.
class WriterRendezvous {
 public:
  explicit WriterRendezvous(int count) : count_(count) {}
  // Called when a writer opens; returns whether that writer takes part.
  bool Join() {
    std::lock_guard<std::mutex> lock(mu_);
    if (opened_ >= count_) return false;
    if (++opened_ == count_) cv_.notify_all();
    return true;
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(30), [this] { return opened_ >= count_; })) {
      missed_ = true;
    }
  }
  bool met() const {
    std::lock_guard<std::mutex> lock(mu_);
    return opened_ >= count_ && !missed_;
  }

 private:
  const int count_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int opened_ = 0;       // guarded by mu_
  bool missed_ = false;  // guarded by mu_
};

// An object writer that waits at a WriterRendezvous before committing. Not thread-safe.
class RendezvousObjectWriter : public backend::ObjectWriter {
 public:
  RendezvousObjectWriter(std::unique_ptr<backend::ObjectWriter> inner, WriterRendezvous& meet)
      : inner_(std::move(inner)), meet_(meet) {}
  Status Append(std::string_view data) override { return inner_->Append(data); }
  Status Commit() override {
    meet_.Wait();
    return inner_->Commit();
  }
  uint64_t size() const override { return inner_->size(); }

 private:
  std::unique_ptr<backend::ObjectWriter> inner_;
  WriterRendezvous& meet_;
};

// A backend forwarding to another one, whose streamed objects (data.tcb) can be made to fail:
// a stand-in for a full disk or a crash in the middle of a multi-block cut; or to meet at a
// rendezvous. Owns `inner`; the counter and the rendezvous live in the test's BlockBuilderNode.
// Thread-safe as far as `inner` is.
class FaultyBackend : public backend::Backend {
 public:
  // The first `*fail_after` object writers work, later ones fail to commit (negative: never).
  // Counts `*fail_after` down; it must outlive this object, and so must `*rendezvous` (null:
  // none).
  FaultyBackend(std::unique_ptr<backend::Backend> inner, int* fail_after,
                WriterRendezvous* rendezvous)
      : inner_(std::move(inner)), fail_after_(*fail_after), rendezvous_(rendezvous) {}

  Result<std::vector<std::string>> ListTenants() const override { return inner_->ListTenants(); }
  Result<std::vector<std::string>> ListBlocks(const std::string& tenant) const override {
    return inner_->ListBlocks(tenant);
  }
  Result<std::vector<std::string>> ListObjects(const std::string& tenant,
                                               const std::string& block) const override {
    return inner_->ListObjects(tenant, block);
  }
  Result<std::string> Read(const std::string& tenant, const std::string& block,
                           const std::string& name) const override {
    return inner_->Read(tenant, block, name);
  }
  Result<std::string> ReadRange(const std::string& tenant, const std::string& block,
                                const std::string& name, uint64_t offset,
                                uint64_t length) const override {
    return inner_->ReadRange(tenant, block, name, offset, length);
  }
  Result<uint64_t> Size(const std::string& tenant, const std::string& block,
                        const std::string& name) const override {
    return inner_->Size(tenant, block, name);
  }
  Result<std::unique_ptr<backend::RangeReader>> OpenRangeReader(
      const std::string& tenant, const std::string& block,
      const std::string& name) const override {
    return inner_->OpenRangeReader(tenant, block, name);
  }
  Status Write(const std::string& tenant, const std::string& block, const std::string& name,
               std::string_view data) override {
    return inner_->Write(tenant, block, name, data);
  }
  Result<std::unique_ptr<backend::ObjectWriter>> OpenObjectWriter(
      const std::string& tenant, const std::string& block, const std::string& name) override {
    Result<std::unique_ptr<backend::ObjectWriter>> writer =
        inner_->OpenObjectWriter(tenant, block, name);
    if (!writer.ok()) return writer;
    if (rendezvous_ && rendezvous_->Join()) {
      return std::unique_ptr<backend::ObjectWriter>(
          std::make_unique<RendezvousObjectWriter>(std::move(writer).value(), *rendezvous_));
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_after_ < 0) return writer;
    if (fail_after_ > 0) {
      --fail_after_;
      return writer;
    }
    return std::unique_ptr<backend::ObjectWriter>(
        std::make_unique<FailingObjectWriter>(std::move(writer).value()));
  }
  Status Delete(const std::string& tenant, const std::string& block,
                const std::string& name) override {
    return inner_->Delete(tenant, block, name);
  }
  Status DeleteBlock(const std::string& tenant, const std::string& block) override {
    return inner_->DeleteBlock(tenant, block);
  }

 private:
  std::unique_ptr<backend::Backend> inner_;
  std::mutex mu_;
  int& fail_after_;  // guarded by mu_
  WriterRendezvous* rendezvous_;
};

// Every module of the write and read path on a temp dir, tenant "t"; Restart() simulates a
// process restart (the WAL and the blocks stay). Not thread-safe.
struct BlockBuilderNode {
  BlockBuilderNode() {
    wal_config.path = dir.Sub("wal");
    config.trace_idle_period = std::chrono::seconds(10);
    config.max_block_duration = std::chrono::minutes(1);
    config.max_block_bytes = 1ull << 30;
    config.concurrent_flushes = 2;  // whatever the machine's cores
    Restart();
  }

  void Restart() {
    querier.reset();
    builder.reset();
    ingester.reset();
    wal.reset();
    store.reset();
    backend.reset();
    registry = std::make_unique<metrics::Registry>();
    backend = std::make_unique<FaultyBackend>(backend::OpenLocalBackend(dir.Sub("blocks")).value(),
                                              &fail_object_writers_after, rendezvous.get());
    store = std::make_unique<store::Store>(store::StoreConfig{}, *backend, *registry);
    REQUIRE(store->Poll().ok());
    wal = wal::Wal::Open(wal_config, *registry).value();
    ingester = std::make_unique<ingester::Ingester>(config, *wal, overrides, *registry, clock);
    builder = std::make_unique<blockbuilder::BlockBuilder>(config, *ingester, *wal, *backend,
                                                           *store, *registry, clock);
    REQUIRE(builder->Recover().ok());
    REQUIRE(ingester->Start().ok());
    querier = std::make_unique<querier::Querier>(*ingester, *store);
  }

  void Push(const OtlpRequest& request) {
    std::promise<Status> done;
    RequestContext ctx;
    ctx.tenant = "t";
    ingester->Push(ctx, model::SplitByTrace(request),
                   [&done](Status s) { done.set_value(std::move(s)); });
    REQUIRE(done.get_future().get().ok());
  }

  // Spans of trace `n` as the querier returns them (0 if not found).
  int Spans(uint64_t n) {
    RequestContext ctx;
    ctx.tenant = "t";
    tempopb::Trace trace;
    querier::TraceByIdStats stats;
    Status s = querier->FindTraceByID(ctx, TraceId::FromBytes(TraceIdBytes(n)), {}, &trace, &stats);
    if (s.code() == StatusCode::kNotFound) return 0;
    REQUIRE(s.ok());
    return static_cast<int>(stats.spans);
  }

  uint64_t WalRecords() {
    uint64_t n = 0;
    REQUIRE(wal->Replay([&](wal::ReplayedRecord&&) { ++n; }).ok());
    return n;
  }

  uint64_t BlockSpans() {
    uint64_t n = 0;
    for (const auto& m : store->Blocks("t")) n += m.total_spans;
    return n;
  }

  TempDir dir;
  wal::WalConfig wal_config;
  ingester::IngesterConfig config;
  FakeClock clock;
  overrides::Overrides overrides{overrides::OverridesConfig{}};
  int fail_object_writers_after = -1;  // see FaultyBackend
  std::unique_ptr<WriterRendezvous> rendezvous;  // see FaultyBackend; applies from Restart()
  std::unique_ptr<metrics::Registry> registry;
  std::unique_ptr<backend::Backend> backend;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<wal::Wal> wal;
  std::unique_ptr<ingester::Ingester> ingester;
  std::unique_ptr<blockbuilder::BlockBuilder> builder;
  std::unique_ptr<querier::Querier> querier;
};

// `count` spans of trace `trace` with span IDs first.., children of `parent` (0: roots).
inline OtlpRequest Spans(uint64_t trace, int first, int count, uint64_t parent = 0) {
  TraceBuilder b;
  for (int i = 0; i < count; ++i) b.AddSpan("svc", trace, first + i, parent);
  return b.Build();
}

}  // namespace tempo::testing
