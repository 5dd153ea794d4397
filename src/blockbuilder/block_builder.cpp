#include "tempo/blockbuilder/block_builder.h"

#include <random>

#include "tempo/block/block_meta.h"
#include "tempo/common/ids.h"
#include "tempo/common/crashpoint.h"
#include "tempo/common/log.h"
#include "tempo/model/combine.h"
#include "tempopb/tempo.pb.h"

namespace tempo::blockbuilder {

BlockBuilder::BlockBuilder(const ingester::IngesterConfig& config, ingester::Ingester& ingester,
                           wal::Wal& wal, backend::Backend& backend, store::Store& store,
                           metrics::Registry& registry, Clock& clock)
    : config_(config),
      ingester_(ingester),
      wal_(wal),
      backend_(backend),
      store_(store),
      clock_(clock),
      blocks_written_(registry.AddCounter("tempo_ingester_blocks_flushed_total",
                                          "Blocks written by the block builder.")
                          .WithLabels({})),
      bytes_written_(registry.AddCounter("tempo_ingester_block_bytes_written_total",
                                         "Bytes of block data written.")
                         .WithLabels({})),
      spans_written_(registry.AddCounter("tempo_ingester_block_spans_written_total",
                                         "Spans written into blocks.")
                         .WithLabels({})),
      cut_errors_(registry.AddCounter("tempo_ingester_failed_flushes_total",
                                      "Block cuts that failed and will be retried.")
                      .WithLabels({})),
      cut_seconds_(registry
                       .AddHistogram("tempo_ingester_flush_duration_seconds",
                                     "Time to write one block.", {},
                                     metrics::DefaultLatencyBuckets())
                       .WithLabels({})) {}

BlockBuilder::~BlockBuilder() { Stop(); }

Status BlockBuilder::Recover() {
  TEMPO_ASSIGN_OR_RETURN(std::vector<wal::CutJournal> journals, wal_.ReadCutJournals());
  for (const wal::CutJournal& journal : journals) {
    // Committed (marked after its meta.json): keep, whatever became of the block since. A
    // compaction may have replaced it and the cleanup deleted it while another live trace kept
    // the journal's WAL minutes; its records are in the compaction output, and replaying them
    // would duplicate their spans.
    if (journal.committed) continue;
    if (store_.HasBlock(journal.tenant, journal.block_id)) {
      // meta.json written but the process died before the mark (or a journal of an older
      // version, which had no marks): the block is committed, so mark it now.
      TEMPO_RETURN_IF_ERROR(wal_.MarkCutCommitted(journal.tenant, journal.block_id));
      continue;
    }
    // Interrupted before meta.json: the block never existed for readers and its records are all
    // still in the WAL, so they will be cut again.
    LOG_WARN << "removing block " << journal.tenant << "/" << journal.block_id
             << " left incomplete by a crash during a cut";
    TEMPO_RETURN_IF_ERROR(backend_.DeleteBlock(journal.tenant, journal.block_id));
    TEMPO_RETURN_IF_ERROR(wal_.DeleteCutJournal(journal.tenant, journal.block_id));
  }
  return Status::Ok();
}

Status BlockBuilder::Start() {
  loop_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void BlockBuilder::Stop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
}

void BlockBuilder::Loop() {
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!loop_cv_.wait_for(lock, config_.flush_check_period, [this] { return stopping_; })) {
    lock.unlock();
    if (Status s = CutOnce(false); !s.ok()) {
      cut_errors_.Inc();
      LOG_ERROR << "block cut failed, will retry: " << s.message();
    }
    lock.lock();
  }
}

Status BlockBuilder::CutOnce(bool force) {
  std::lock_guard<std::mutex> lock(cut_mu_);
  Status first;
  for (const std::string& tenant : ingester_.CollectDueHeads(force)) {
    Status s = WriteHead(tenant);
    if (!s.ok() && first.ok()) first = s;
  }
  // WAL minutes that no live trace needs any more (a deleted trace's, a tenant gone quiet): only
  // here, under the cut lock, where no head snapshot is being written.
  if (Status s = ingester_.TrimWal(); !s.ok() && first.ok()) first = s;
  return first;
}

Status BlockBuilder::WriteHead(const std::string& tenant) {
  auto started = std::chrono::steady_clock::now();
  ingester::HeadSnapshot head = ingester_.SnapshotHead(tenant);
  if (head.traces.empty()) return Status::Ok();

  block::BlockMeta meta;
  meta.block_id = NewBlockId();
  meta.tenant_id = tenant;

  wal::CutJournal journal{tenant, meta.block_id, head.max_epoch_minute, {}};
  journal.traces.reserve(head.traces.size());
  for (const auto& t : head.traces) journal.traces.emplace_back(t.id, t.max_seq);
  TEMPO_RETURN_IF_ERROR(wal_.WriteCutJournal(journal));
  CrashPointForTest("cut:after_journal");

  block::BlockWriter writer(writer_options_);
  uint64_t spans = 0;
  for (const auto& t : head.traces) {
    tempopb::Trace trace;
    model::CombineStats stats;
    TEMPO_RETURN_IF_ERROR(model::CombineFragments({t.data}, &trace, &stats));
    spans += stats.spans;
    TEMPO_RETURN_IF_ERROR(writer.Append(t.id, trace));
  }
  TEMPO_ASSIGN_OR_RETURN(std::string data, writer.Finish(&meta));
  meta.block_id = journal.block_id;
  meta.tenant_id = tenant;
  meta.created_at_unix = clock_.NowUnixNanos() / 1'000'000'000;

  TEMPO_RETURN_IF_ERROR(backend_.Write(tenant, meta.block_id, backend::kDataName, data));
  CrashPointForTest("cut:after_data");
  TEMPO_RETURN_IF_ERROR(
      backend_.Write(tenant, meta.block_id, backend::kMetaName, block::MetaToJson(meta)));
  CrashPointForTest("cut:after_meta");
  // Before the block is visible (and so before a compaction can replace and later delete it).
  // A failure must not fail the cut: the block is committed, and cutting the head again would
  // duplicate it. An unmarked journal is marked by the next Recover while the block still exists.
  if (Status s = wal_.MarkCutCommitted(tenant, meta.block_id); !s.ok()) {
    LOG_WARN << "cannot mark the cut journal of block " << tenant << "/" << meta.block_id
             << " committed: " << s.message();
  }

  store_.AddBlock(meta);
  TEMPO_RETURN_IF_ERROR(ingester_.CompleteCut(head));
  CrashPointForTest("cut:after_wal_drop");

  blocks_written_.Inc();
  bytes_written_.Inc(static_cast<double>(data.size()));
  spans_written_.Inc(static_cast<double>(spans));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  cut_seconds_.Observe(seconds);
  LOG_INFO << "block written: " << tenant << "/" << meta.block_id << " traces=" << head.traces.size()
           << " spans=" << spans << " bytes=" << data.size() << " seconds=" << seconds;
  return Status::Ok();
}

}  // namespace tempo::blockbuilder
