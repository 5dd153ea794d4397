#include "tempo/store/tombstones.h"

#include <algorithm>
#include <charconv>

#include "tempo/common/log.h"

namespace tempo::store {
namespace {

constexpr std::string_view kHeader = "tempo-tombstones 1";

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ById(const Tombstone& a, const Tombstone& b) { return a.id < b.id; }

}  // namespace

std::string EncodeTombstones(const TombstoneList& list) {
  std::string out(kHeader);
  out += '\n';
  for (const Tombstone& t : list) {
    out += t.id.ToHex();
    out += ' ';
    out += std::to_string(t.deleted_unix_nano);
    out += ' ';
    out += std::to_string(t.wal_minute);
    out += '\n';
  }
  return out;
}

Result<TombstoneList> DecodeTombstones(std::string_view text) {
  TombstoneList list;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      return CorruptionError("tombstones: line " + std::to_string(line_no) +
                             " has no line end (truncated object)");
    }
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line_no == 1) {
      if (line != kHeader) {
        return CorruptionError("tombstones: the first line is not '" + std::string(kHeader) +
                               "' (unknown format or version)");
      }
      continue;
    }
    const std::string where = "tombstones: line " + std::to_string(line_no) + ": ";
    const size_t a = line.find(' ');
    const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos || line.find(' ', b + 1) != std::string_view::npos) {
      return CorruptionError(where + "want 3 fields separated by one space");
    }
    std::string raw;
    if (a != 32 || !HexDecode(line.substr(0, a), &raw)) {
      return CorruptionError(where + "the trace ID is not 32 hex characters");
    }
    Tombstone t;
    t.id = TraceId::FromBytes(raw);
    if (!ParseNumber(line.substr(a + 1, b - a - 1), &t.deleted_unix_nano)) {
      return CorruptionError(where + "the delete time is not an integer");
    }
    if (!ParseNumber(line.substr(b + 1), &t.wal_minute)) {
      return CorruptionError(where + "the WAL minute is not an unsigned 32-bit integer");
    }
    if (!list.empty() && !(list.back().id < t.id)) {
      return CorruptionError(where + "trace IDs are not in ascending order");
    }
    list.push_back(t);
  }
  if (line_no == 0) return CorruptionError("tombstones: the object is empty");
  return list;
}

Tombstones::Tombstones(backend::Backend& backend, metrics::Registry& registry)
    : backend_(backend),
      gauge_(registry.AddGauge("tempo_trace_tombstones",
                               "Deleted traces whose data may still be stored (their tombstones "
                               "hide them from queries and refuse their spans).",
                               {"tenant"})) {}

Status Tombstones::Load() {
  TEMPO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, backend_.ListTenants());
  std::map<std::string, std::shared_ptr<const TombstoneList>> loaded;
  for (const std::string& tenant : tenants) {
    Result<std::string> text = backend_.Read(tenant, kTombstoneDir, kTombstoneObject);
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kNotFound) continue;
      return text.status();
    }
    Result<TombstoneList> list = DecodeTombstones(*text);
    if (!list.ok()) {
      // Refuse to start rather than resurrect deleted traces.
      return CorruptionError("tenant " + tenant + ": " + list.status().message());
    }
    if (list->empty()) continue;
    LOG_INFO << "tenant " << tenant << ": " << list->size() << " deleted traces pending purge";
    gauge_.WithLabels({tenant}).Set(static_cast<double>(list->size()));
    loaded[tenant] = std::make_shared<const TombstoneList>(std::move(list).value());
  }
  std::lock_guard<std::mutex> lock(mu_);
  tenants_ = std::move(loaded);
  return Status::Ok();
}

Status Tombstones::Publish(const std::string& tenant, TombstoneList list) {
  TEMPO_RETURN_IF_ERROR(
      backend_.Write(tenant, kTombstoneDir, kTombstoneObject, EncodeTombstones(list)));
  gauge_.WithLabels({tenant}).Set(static_cast<double>(list.size()));
  std::lock_guard<std::mutex> lock(mu_);
  if (list.empty()) {
    tenants_.erase(tenant);
  } else {
    tenants_[tenant] = std::make_shared<const TombstoneList>(std::move(list));
  }
  return Status::Ok();
}

Status Tombstones::Add(const std::string& tenant, const Tombstone& tombstone) {
  std::lock_guard<std::mutex> write(write_mu_);
  std::shared_ptr<const TombstoneList> current = ForTenant(tenant);
  if (ListContains(*current, tombstone.id)) return Status::Ok();
  TombstoneList list = *current;
  list.insert(std::upper_bound(list.begin(), list.end(), tombstone, ById), tombstone);
  return Publish(tenant, std::move(list));
}

Status Tombstones::Remove(const std::string& tenant, const std::vector<TraceId>& ids) {
  std::lock_guard<std::mutex> write(write_mu_);
  std::shared_ptr<const TombstoneList> current = ForTenant(tenant);
  TombstoneList list;
  list.reserve(current->size());
  for (const Tombstone& t : *current) {
    if (std::find(ids.begin(), ids.end(), t.id) == ids.end()) list.push_back(t);
  }
  if (list.size() == current->size()) return Status::Ok();
  // An empty list is written too (not deleted): the removal must be durable before the trace ID
  // is accepted again, or a crash could bring the tombstone back over new spans.
  return Publish(tenant, std::move(list));
}

bool Tombstones::ListContains(const TombstoneList& list, const TraceId& id) {
  auto it = std::lower_bound(list.begin(), list.end(), id,
                             [](const Tombstone& t, const TraceId& v) { return t.id < v; });
  return it != list.end() && it->id == id;
}

bool Tombstones::Contains(const std::string& tenant, const TraceId& id) const {
  std::shared_ptr<const TombstoneList> list;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) return false;
    list = it->second;
  }
  return ListContains(*list, id);
}

std::shared_ptr<const TombstoneList> Tombstones::ForTenant(const std::string& tenant) const {
  static const auto kEmpty = std::make_shared<const TombstoneList>();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? kEmpty : it->second;
}

std::vector<std::string> Tombstones::Tenants() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [tenant, list] : tenants_) out.push_back(tenant);
  return out;
}

}  // namespace tempo::store
