#include "tempo/blockbuilder/block_builder.h"

#include <algorithm>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "tempo/block/block_meta.h"
#include "tempo/common/ids.h"
#include "tempo/common/crashpoint.h"
#include "tempo/common/log.h"
#include "tempo/common/malloc_tuning.h"
#include "tempo/common/thread_name.h"

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
      concurrent_flushes_(config.concurrent_flushes > 0
                              ? config.concurrent_flushes
                              : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4)),
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
  loop_ = std::thread([this] {
    SetThreadName("tempo-cut");
    Loop();
  });
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
  // A pass starts every flush_check_period counted from the start of the previous one, at once
  // when that pass took longer. Waiting a whole period after each pass left a cut that had
  // fallen behind idle for the period while the head grew: at 100k spans/s the cut thread ran
  // a fifth of the time and the head reached gigabytes.
  auto next = std::chrono::steady_clock::now() + config_.flush_check_period;
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!loop_cv_.wait_until(lock, next, [this] { return stopping_; })) {
    next = std::chrono::steady_clock::now() + config_.flush_check_period;
    lock.unlock();
    if (Status s = CutOnce(false); !s.ok()) {
      cut_errors_.Inc();
      LOG_ERROR << "block cut failed, will retry: " << s.message();
    }
    lock.lock();
  }
}

bool BlockBuilder::stopping() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  return stopping_;
}

Status BlockBuilder::CutOnce(bool force) {
  std::lock_guard<std::mutex> lock(cut_mu_);
  Status first;
  int blocks = 0;
  for (const std::string& tenant : ingester_.CollectDueHeads(force)) {
    Status s = WriteDueHead(tenant, force, &blocks);
    if (!s.ok() && first.ok()) first = s;
  }
  // WAL minutes that no live trace needs any more (a deleted trace's, a tenant gone quiet): only
  // here, under the cut lock, where no head snapshot is being written.
  if (Status s = ingester_.TrimWal(); !s.ok() && first.ok()) first = s;
  // The head's fragment strings were freed by CompleteCut, in many small and medium chunks spread
  // over glibc's arenas, which keep them; trimming returns the free pages to the system, so RSS
  // follows the live data instead of the largest head ever held. Measured (bench/RESULTS.md,
  // "Block builder: bounded, streamed cuts"): 127 MiB once 2 M spans were written, 2.1 GiB
  // without it.
  if (blocks > 0) ReleaseFreeMemory();
  return first;
}

Status BlockBuilder::WriteDueHead(const std::string& tenant, bool force, int* blocks) {
  // Each block takes at least one trace out of the head and none joins it meanwhile (only
  // CollectDueHeads adds to a head, under cut_mu_), so this ends; the bound keeps one pass short.
  for (int taken = 0; taken < kMaxBlocksPerPass && ingester_.HeadDue(tenant, force);) {
    if (taken > 0 && stopping()) break;  // the rest of the head is in the WAL and stays due
    const auto started = std::chrono::steady_clock::now();
    const size_t max_parts =
        std::min(concurrent_flushes_, static_cast<size_t>(kMaxBlocksPerPass - taken));
    std::vector<ingester::HeadSnapshot> parts =
        ingester_.SnapshotHeadParts(tenant, config_.max_block_bytes, max_parts, force);
    if (parts.empty()) break;
    taken += static_cast<int>(parts.size());
    std::vector<WrittenPart> written = WriteParts(parts);
    Status first;
    for (size_t i = 0; i < parts.size(); ++i) {
      Status s = FinishPart(parts[i], written[i], started);
      if (s.ok() && written[i].traces > 0) ++*blocks;
      if (!s.ok() && first.ok()) first = s;
    }
    TEMPO_RETURN_IF_ERROR(first);
  }
  return Status::Ok();
}

std::vector<BlockBuilder::WrittenPart> BlockBuilder::WriteParts(
    const std::vector<ingester::HeadSnapshot>& parts) {
  std::vector<WrittenPart> written(parts.size());
  std::vector<std::thread> helpers;
  helpers.reserve(parts.size() - 1);
  for (size_t i = 1; i < parts.size(); ++i) {
    helpers.emplace_back([this, &parts, &written, i] {
      SetThreadName("tempo-cut");
      written[i] = WritePart(parts[i]);
    });
  }
  written[0] = WritePart(parts[0]);
  for (std::thread& t : helpers) t.join();
  return written;
}

BlockBuilder::WrittenPart BlockBuilder::WritePart(const ingester::HeadSnapshot& head) {
  WrittenPart out;
  const std::string& tenant = head.tenant;
  const std::string block_id = NewBlockId();
  out.meta.block_id = block_id;
  out.meta.tenant_id = tenant;

  wal::CutJournal journal{tenant, block_id, head.max_epoch_minute, {}};
  journal.traces.reserve(head.traces.size());
  for (const auto& t : head.traces) journal.traces.emplace_back(t.id, t.max_seq);
  out.status = wal_.WriteCutJournal(journal);
  if (!out.status.ok()) return out;
  journal.traces = {};
  CrashPointForTest("cut:after_journal");

  if (Status s = WriteData(head, &out.meta, &out.traces); !s.ok() || out.traces == 0) {
    // Nothing was committed (an uncommitted data object is discarded): without its journal the
    // records are replayed after a crash, as they must be. If the journal cannot be deleted,
    // Recover() deletes it.
    Status cleanup = backend_.DeleteBlock(tenant, block_id);
    if (cleanup.ok()) cleanup = wal_.DeleteCutJournal(tenant, block_id);
    if (!cleanup.ok()) {
      LOG_WARN << "cannot remove the abandoned cut " << tenant << "/" << block_id << ": "
               << cleanup.message();
    }
    out.status = s;  // ok with no traces: every trace of the snapshot was deleted since
    return out;
  }
  CrashPointForTest("cut:after_data");
  out.meta.block_id = block_id;  // Finish fills in the totals only
  out.meta.tenant_id = tenant;
  out.meta.created_at_unix = clock_.NowUnixNanos() / 1'000'000'000;
  out.status = backend_.Write(tenant, block_id, backend::kMetaName, block::MetaToJson(out.meta));
  if (!out.status.ok()) return out;
  CrashPointForTest("cut:after_meta");
  // Before the block is visible (and so before a compaction can replace and later delete it).
  // A failure must not fail the cut: the block is committed, and cutting the head again would
  // duplicate it. An unmarked journal is marked by the next Recover while the block still exists.
  if (Status s = wal_.MarkCutCommitted(tenant, block_id); !s.ok()) {
    LOG_WARN << "cannot mark the cut journal of block " << tenant << "/" << block_id
             << " committed: " << s.message();
  }
  return out;
}

Status BlockBuilder::FinishPart(const ingester::HeadSnapshot& head, const WrittenPart& written,
                                std::chrono::steady_clock::time_point started) {
  TEMPO_RETURN_IF_ERROR(written.status);
  // No traces: every trace of the snapshot was deleted since; forget the snapshot.
  if (written.traces == 0) return ingester_.CompleteCut(head);
  const block::BlockMeta& meta = written.meta;
  store_.AddBlock(meta);
  TEMPO_RETURN_IF_ERROR(ingester_.CompleteCut(head));
  CrashPointForTest("cut:after_wal_drop");

  blocks_written_.Inc();
  bytes_written_.Inc(static_cast<double>(meta.size_bytes));
  spans_written_.Inc(static_cast<double>(meta.total_spans));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  cut_seconds_.Observe(seconds);
  LOG_INFO << "block written: " << head.tenant << "/" << meta.block_id
           << " traces=" << written.traces << " spans=" << meta.total_spans
           << " head_bytes=" << head.bytes << " bytes=" << meta.size_bytes
           << " seconds=" << seconds;
  return Status::Ok();
}

Status BlockBuilder::WriteData(const ingester::HeadSnapshot& head, block::BlockMeta* meta,
                               uint64_t* traces) {
  *traces = 0;
  const std::string& tenant = head.tenant;
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<backend::ObjectWriter> object, backend_.OpenObjectWriter(tenant, meta->block_id, backend::kDataName));
  block::BlockWriter writer(writer_options_,
                            [&object](std::string_view bytes) { return object->Append(bytes); });
  for (const ingester::HeadSnapshot::Trace& t : head.traces) {
    // One trace's fragments at a time: the head itself stays in the ingester (and queryable).
    std::optional<std::string> data = ingester_.ReadHeadTrace(tenant, t);
    if (!data) continue;  // erased by a deletion since the snapshot
    // Combined and shredded straight from the fragments' bytes: parsing them into messages
    // first was over half of a cut's CPU time.
    TEMPO_RETURN_IF_ERROR(writer.AppendFragments(t.id, *data));
  }
  *traces = writer.traces();
  if (*traces == 0) return Status::Ok();  // the object writer is discarded uncommitted
  TEMPO_ASSIGN_OR_RETURN(std::string rest, writer.Finish(meta));
  if (!rest.empty()) return InternalError("block writer kept bytes in streaming mode");
  return object->Commit();
}

}  // namespace tempo::blockbuilder
