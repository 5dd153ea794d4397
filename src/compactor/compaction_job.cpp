#include "compactor/compaction_job.h"

#include <cstdio>
#include <queue>
#include <random>

#include "tempo/common/crashpoint.h"
#include "tempo/common/log.h"
#include "tempopb/tempo.pb.h"

namespace tempo::compactor {

Status MergeCursors(const std::vector<block::TraceCursor*>& inputs, block::BlockWriter* writer,
                    const std::function<bool()>& cancelled, MergeStats* stats,
                    const DropFn& drop) {
  // Min-heap of (current trace ID, input index); ties keep input order, so fragments combine in
  // the order the inputs were given.
  using Entry = std::pair<TraceId, size_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  for (size_t i = 0; i < inputs.size(); ++i) {
    TEMPO_ASSIGN_OR_RETURN(bool has, inputs[i]->Next());
    if (has) heap.emplace(inputs[i]->id(), i);
  }
  std::vector<size_t> same;
  std::string fragments;
  while (!heap.empty()) {
    if (cancelled && cancelled()) return CancelledError("compaction cancelled");
    const TraceId id = heap.top().first;
    same.clear();
    while (!heap.empty() && heap.top().first == id) {
      same.push_back(heap.top().second);
      heap.pop();
    }
    stats->traces_read += same.size();
    const bool dropped = drop && drop(id);
    if (dropped) {
      ++stats->traces_dropped;
    } else if (same.size() == 1) {
      TEMPO_RETURN_IF_ERROR(writer->Append(id, inputs[same[0]]->rows()));
    } else {
      // The inputs' fragments back to back are one serialized trace, combined as a cut combines
      // a live trace's fragments (read off the bytes: no parse, and strings that are not UTF-8,
      // which other receivers may have stored, do not fail the merge).
      fragments.clear();
      for (size_t i : same) TEMPO_RETURN_IF_ERROR(inputs[i]->AppendSerialized(&fragments));
      TEMPO_RETURN_IF_ERROR(writer->AppendFragments(id, fragments, &stats->duplicate_spans));
      ++stats->traces_combined;
    }
    if (!dropped) ++stats->traces_written;
    for (size_t i : same) {
      TEMPO_ASSIGN_OR_RETURN(bool has, inputs[i]->Next());
      if (has) heap.emplace(inputs[i]->id(), i);
    }
  }
  return Status::Ok();
}

CompactionJob::CompactionJob(backend::Backend& backend, block::WriterOptions options,
                             std::vector<block::BlockMeta> inputs, DropFn drop, bool keep_level)
    : backend_(backend),
      options_(options),
      inputs_(std::move(inputs)),
      drop_(std::move(drop)),
      keep_level_(keep_level) {}

Result<block::BlockMeta> CompactionJob::Run(const std::string& output_id,
                                            int64_t created_at_unix,
                                            const std::function<bool()>& cancelled) {
  if (inputs_.empty()) return InvalidArgumentError("compaction job without inputs");
  Result<block::BlockMeta> out = Write(output_id, created_at_unix, cancelled);
  if (!out.ok()) {
    // Nothing refers to an uncommitted output; remove it now rather than at the next start.
    if (Status s = backend_.DeleteBlock(inputs_[0].tenant_id, output_id); !s.ok()) {
      LOG_WARN << "compactor: cannot remove unfinished output " << output_id << ": "
               << s.message();
    }
  }
  return out;
}

Result<block::BlockMeta> CompactionJob::Write(const std::string& output_id,
                                              int64_t created_at_unix,
                                              const std::function<bool()>& cancelled) {
  const std::string& tenant = inputs_[0].tenant_id;
  std::vector<std::unique_ptr<block::TraceCursor>> cursors;
  std::vector<block::TraceCursor*> raw;
  uint32_t level = 0;
  for (const block::BlockMeta& in : inputs_) {
    if (in.tenant_id != tenant) {
      return InvalidArgumentError("compaction inputs of different tenants");
    }
    level = std::max(level, in.compaction_level);
    backend::RawReader& reader = backend_;
    std::string id = in.block_id;
    block::ReadAtFn read = [&reader, tenant, id](uint64_t offset, uint64_t length) {
      return reader.ReadRange(tenant, id, backend::kDataName, offset, length);
    };
    Result<std::unique_ptr<block::TraceCursor>> cursor =
        block::TraceCursor::Open(std::move(read), in.size_bytes);
    if (!cursor.ok()) {
      return Status(cursor.status().code(),
                    "block " + tenant + "/" + id + ": " + cursor.status().message());
    }
    raw.push_back(cursor->get());
    cursors.push_back(std::move(cursor).value());
  }

  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<backend::ObjectWriter> object,
                         backend_.OpenObjectWriter(tenant, output_id, backend::kDataName));
  block::BlockWriter writer(options_,
                            [&object](std::string_view bytes) { return object->Append(bytes); });
  TEMPO_RETURN_IF_ERROR(MergeCursors(raw, &writer, cancelled, &stats_, drop_));
  for (const auto& c : cursors) stats_.bytes_read += c->bytes_read();
  if (writer.traces() == 0) {
    // Only deleted traces: no output (the object writer is discarded uncommitted).
    all_dropped_ = true;
    return NotFoundError("every trace of the inputs is deleted");
  }

  block::BlockMeta meta;
  TEMPO_ASSIGN_OR_RETURN(std::string rest, writer.Finish(&meta));
  if (!rest.empty()) return InternalError("block writer kept bytes in streaming mode");
  TEMPO_RETURN_IF_ERROR(object->Commit());
  CrashPointForTest("compaction:after_data");

  meta.block_id = output_id;
  meta.tenant_id = tenant;
  meta.compaction_level = keep_level_ ? level : level + 1;
  meta.created_at_unix = created_at_unix;
  meta.replaces.clear();
  for (const block::BlockMeta& in : inputs_) meta.replaces.push_back(in.block_id);
  TEMPO_RETURN_IF_ERROR(
      backend_.Write(tenant, output_id, backend::kMetaName, block::MetaToJson(meta)));
  CrashPointForTest("compaction:after_meta");
  return meta;
}

}  // namespace tempo::compactor
