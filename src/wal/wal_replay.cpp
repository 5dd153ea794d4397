// Wal::Replay: reads every stored entry back (formats 1 to 4) with the dictionaries packed
// fragments refer to, and learns which dictionaries the entries still use.
#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "tempo/common/value_codec.h"
#include "tempo/wal/wal.h"
#include "wal/rocks_status.h"
#include "wal/wal_key.h"

namespace tempo::wal {
namespace {

using Dictionaries = std::map<uint64_t, std::shared_ptr<const PackDictionary>>;

// One record of an entry, decoded and checked, not yet handed out.
struct Decoded {
  TraceId trace_id;
  uint64_t seq = 0;
  BytesPiece data;
};

// The records of a format-4 value, each packed fragment checked to unpack. Notes in `*used` the
// dictionaries they refer to.
Status DecodePacked(std::string_view value, const Dictionaries& dicts, std::vector<Decoded>* out,
                    std::vector<uint64_t>* used) {
  Status fault = Status::Ok();
  std::string scratch;
  const bool well_formed = DecodePackedGroupValue(value, [&](const PackedRecord& r) {
    if (!fault.ok()) return;
    BytesPiece piece{std::make_shared<const std::string>(r.stored), r.stored.size(), false,
                     nullptr};
    if (r.form != PieceForm::kRaw) {
      piece.packed = true;
      piece.raw_size = static_cast<size_t>(r.raw_size);
      if (r.form == PieceForm::kLz4Dict) {
        auto dict = dicts.find(r.dict_id);
        if (dict == dicts.end()) {
          fault = CorruptionError("WAL entry refers to dictionary " + std::to_string(r.dict_id) +
                                  ", which is not stored");
          return;
        }
        piece.dict = dict->second;
        used->push_back(r.dict_id);
      }
      scratch.clear();
      if (!UnpackPieceTo(piece, &scratch)) {
        fault = CorruptionError("WAL entry holds a packed fragment of trace " +
                                r.trace_id.ToHex() + " that does not unpack");
        return;
      }
    }
    out->push_back(Decoded{r.trace_id, r.seq, std::move(piece)});
  });
  if (!fault.ok()) return fault;
  if (!well_formed) {
    return CorruptionError("WAL entry of format 4 (" + std::to_string(value.size()) +
                           " bytes) is malformed");
  }
  return Status::Ok();
}

// The records of a format-2 or format-3 value (unpacked fragments).
Status DecodeUnpacked(std::string_view value, std::string* scratch, std::vector<Decoded>* out) {
  const auto version = static_cast<uint8_t>(value[0]);
  std::string_view body;
  if (version == kCompressedGroupFormatVersion) {
    uint8_t codec = 0;
    uint64_t body_size = 0;
    std::string_view compressed;
    if (!DecodeCompressedGroupHeader(value, &codec, &body_size, &compressed)) {
      return CorruptionError("WAL entry of format 3 (" + std::to_string(value.size()) +
                             " bytes) has a malformed header");
    }
    if (!IsValueCodec(codec)) {
      return CorruptionError("WAL entry names unknown codec " + std::to_string(codec));
    }
    Status restored = DecompressValue(static_cast<ValueCodec>(codec), compressed,
                                      static_cast<size_t>(body_size), scratch);
    if (!restored.ok()) return CorruptionError("WAL entry: " + restored.message());
    body = *scratch;
  } else {
    body = value.substr(1);
  }
  const size_t first = out->size();
  if (!DecodeGroupBody(body, [&](const GroupedRecord& r) {
        out->push_back(Decoded{r.trace_id, r.seq, RawPiece(std::string(r.data))});
      })) {
    out->resize(first);
    return CorruptionError("WAL entry of format " + std::to_string(version) + " (" +
                           std::to_string(value.size()) + " bytes) is malformed");
  }
  return Status::Ok();
}

}  // namespace

Status Wal::Replay(const std::function<void(ReplayedRecord&&)>& fn) {
  std::map<uint32_t, std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu_);
    names = tenant_names_;
  }
  rocksdb::ReadOptions options;
  options.fill_cache = false;

  Dictionaries dicts;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, default_cf_));
    const std::string prefix(kDictPrefix);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().size() != kDictPrefix.size() + 8 || it->value().empty() ||
          it->value().size() > PackDictionary::kMaxBytes) {
        return CorruptionError("WAL dictionary entry (key of " +
                               std::to_string(it->key().size()) + " bytes, " +
                               std::to_string(it->value().size()) + " bytes) is malformed");
      }
      const uint64_t id = DecodeU64(it->key().data() + kDictPrefix.size());
      dicts[id] = std::make_shared<const PackDictionary>(it->value().ToStringView(), id);
    }
    TEMPO_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read WAL dictionaries"));
  }
  // Per dictionary: per tenant id, the newest minute of an entry using it.
  std::map<uint64_t, std::map<uint32_t, uint32_t>> uses;

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, ingest_cf_));
  std::string scratch;  // a format-3 entry's body, decompressed
  std::vector<Decoded> decoded;
  std::vector<uint64_t> used;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view raw_key = it->key().ToStringView();
    if (raw_key.size() == kGroupKeySize) {
      // Formats 2 to 4: the records of one push.
      const uint32_t tenant_id = DecodeU32(raw_key.data());
      const uint32_t epoch_minute = DecodeU32(raw_key.data() + 4);
      auto name = names.find(tenant_id);
      if (name == names.end()) {
        return CorruptionError("WAL record refers to unknown tenant id " +
                               std::to_string(tenant_id));
      }
      const std::string_view value = it->value().ToStringView();
      const uint8_t version = value.empty() ? 0 : static_cast<uint8_t>(value[0]);
      decoded.clear();
      used.clear();
      // Checked whole before any record is handed out.
      if (version == kPackedGroupFormatVersion) {
        TEMPO_RETURN_IF_ERROR(DecodePacked(value, dicts, &decoded, &used));
      } else if (version == kGroupFormatVersion || version == kCompressedGroupFormatVersion) {
        TEMPO_RETURN_IF_ERROR(DecodeUnpacked(value, &scratch, &decoded));
      } else {
        return CorruptionError("WAL entry has unknown value format version " +
                               std::to_string(version) + " (this build reads 1 to 4)");
      }
      for (uint64_t id : used) {
        uint32_t& newest = uses[id][tenant_id];
        newest = std::max(newest, epoch_minute);
      }
      for (Decoded& d : decoded) {
        fn(ReplayedRecord{name->second, epoch_minute, d.trace_id, d.seq, std::move(d.data)});
      }
      continue;
    }
    // Format 1: one record per entry.
    WalKey key;
    if (!DecodeKey(raw_key, &key)) {
      return CorruptionError("WAL key of " + std::to_string(it->key().size()) +
                             " bytes is malformed");
    }
    auto name = names.find(key.tenant_id);
    if (name == names.end()) {
      return CorruptionError("WAL record refers to unknown tenant id " +
                             std::to_string(key.tenant_id));
    }
    fn(ReplayedRecord{name->second, key.epoch_minute, key.trace_id, key.seq,
                      RawPiece(it->value().ToString())});
  }
  TEMPO_RETURN_IF_ERROR(FromRocks(it->status(), "cannot replay WAL"));
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, dict] : dicts) {
    auto use = uses.find(id);
    if (use == uses.end()) {
      dicts_to_delete_.push_back(id);
    } else {
      stored_dicts_[id] = std::move(use->second);
    }
  }
  dictionaries_.Set(static_cast<double>(stored_dicts_.size()));
  return Status::Ok();
}

}  // namespace tempo::wal
