#include "block/trace_assembler.h"

#include <limits>
#include <unordered_map>

#include "block/coding.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

size_t Idx(Table t) { return static_cast<size_t>(t); }

// The trace-table column holding each child table's first row per trace.
constexpr std::array<std::pair<Table, Col>, 5> kBeginColumns = {{
    {Table::kResourceSpans, Col::kTraceRsBegin},
    {Table::kScopeSpans, Col::kTraceSsBegin},
    {Table::kSpan, Col::kTraceSpanBegin},
    {Table::kEvent, Col::kTraceEventBegin},
    {Table::kLink, Col::kTraceLinkBegin},
}};

bool IsBeginColumn(Col c) {
  for (const auto& bc : kBeginColumns) {
    if (bc.second == c) return true;
  }
  return false;
}

// Fixed columns the traces are not built from: derived ones (the writer computes them again from
// the spans' structure, scans read them), and the attribute shapes, which DecodeAttributes reads.
bool Assembled(Col c) {
  switch (c) {
    case Col::kTraceDuration:
    case Col::kTraceRootServiceName:
    case Col::kTraceRootSpanName:
    case Col::kResourceAttrShape:
    case Col::kScopeAttrShape:
    case Col::kSpanAttrShape:
    case Col::kEventAttrShape:
    case Col::kLinkAttrShape:
    case Col::kSpanSubtreeEnd:
    case Col::kSpanNestedSetLeft:
    case Col::kSpanNestedSetRight:
    case Col::kSpanNestedSetParent:
    case Col::kSpanDisconnected:
      return false;
    default:
      return !IsBeginColumn(c);
  }
}

}  // namespace

std::vector<uint8_t> SearchIntrinsics(const traceql::FetchRequest& request) {
  std::vector<uint8_t> keep(kIntrinsicCount, 1);
  auto drop = [&keep](Col c) { keep[static_cast<size_t>(c)] = 0; };
  for (Col c : {Col::kSpanTraceState, Col::kSpanFlags, Col::kSpanDroppedAttrs,
                Col::kSpanDroppedEvents, Col::kSpanDroppedLinks, Col::kEventDroppedAttrs,
                Col::kLinkTraceState, Col::kLinkFlags, Col::kLinkDroppedAttrs}) {
    drop(c);
  }
  auto named = [&request](traceql::Intrinsic i) {
    for (const traceql::Condition& c : request.conditions) {
      if (c.attribute.intrinsic == i) return true;
    }
    return false;
  };
  const std::pair<traceql::Intrinsic, Col> optional[] = {
      {traceql::Intrinsic::kStatusMessage, Col::kSpanStatusMessage},
      {traceql::Intrinsic::kEventName, Col::kEventName},
      {traceql::Intrinsic::kEventTimeSinceStart, Col::kEventTimeSinceStart},
      {traceql::Intrinsic::kLinkSpanId, Col::kLinkSpanId},
  };
  for (const auto& [intrinsic, col] : optional) {
    if (!named(intrinsic)) drop(col);
  }
  return keep;
}

TraceAssembler::TraceAssembler(const Footer& footer, const RowGroupMeta& row_group,
                               std::string_view bytes)
    : footer_(footer),
      row_group_(row_group),
      reader_(footer, row_group, bytes),
      attr_values_(footer.columns.size()),
      attr_next_(footer.columns.size(), 0),
      range_before_(footer.columns.size(), 0),
      range_within_(footer.columns.size(), 0),
      range_used_(footer.columns.size(), 0) {}

TraceAssembler::TraceAssembler(const Footer& footer, const RowGroupMeta& row_group,
                               const ReadAtFn& fetch)
    : footer_(footer),
      row_group_(row_group),
      reader_(footer, row_group, fetch),
      attr_values_(footer.columns.size()),
      attr_next_(footer.columns.size(), 0),
      range_before_(footer.columns.size(), 0),
      range_within_(footer.columns.size(), 0),
      range_used_(footer.columns.size(), 0) {}

TraceAssembler::~TraceAssembler() = default;

int64_t TraceAssembler::Int(Col c, uint64_t row) const {
  const ColumnValues& v = Values(c);
  if (v.defaulted) return 0;
  return v.ints[static_cast<size_t>(row - bounds_[Idx(Intrinsic(c).table)].front())];
}

std::string_view TraceAssembler::Str(Col c, uint64_t row) const {
  const ColumnValues& v = Values(c);
  if (v.defaulted) return {};
  return v.strs[static_cast<size_t>(row - bounds_[Idx(Intrinsic(c).table)].front())];
}

Status TraceAssembler::DecodeTables(uint64_t first, uint64_t last) {
  const uint64_t traces = row_group_.rows[Idx(Table::kTrace)];
  const size_t count = static_cast<size_t>(last - first);
  first_trace_ = first;
  bounds_[Idx(Table::kTrace)] = {first, last};
  // Resources and scopes belong to the whole row group.
  bounds_[Idx(Table::kResource)] = {0, row_group_.rows[Idx(Table::kResource)]};
  bounds_[Idx(Table::kScope)] = {0, row_group_.rows[Idx(Table::kScope)]};
  // Row bounds of the other tables come from the trace table's "begin" columns; the bound after
  // the last trace of the row group is the table's row count.
  const uint64_t begin_hi = std::min(last + 1, traces);
  for (const auto& [table, col] : kBeginColumns) {
    ColumnValues& v = cols_[static_cast<size_t>(col)];
    TEMPO_RETURN_IF_ERROR(reader_.Read(static_cast<uint32_t>(col), first, begin_hi, &v));
    std::vector<uint64_t>& b = bounds_[Idx(table)];
    if (v.defaulted) {
      b.assign(static_cast<size_t>(begin_hi - first), 0);
    } else {
      b.assign(v.ints.begin(), v.ints.end());
    }
    if (last == traces) b.push_back(row_group_.rows[Idx(table)]);
    if (b.size() != count + 1) return BadBlockData("trace row bounds");
    for (size_t i = 0; i < b.size(); ++i) {
      if (b[i] > row_group_.rows[Idx(table)] || (i > 0 && b[i] < b[i - 1])) {
        return BadBlockData(std::string(TableName(table)) +
                            " row bounds out of order or out of range");
      }
    }
  }
  // Resources and scopes are decoded and built once per assembler.
  const bool shared_done = owners_built_;
  auto shared_table = [](Table t) { return t == Table::kResource || t == Table::kScope; };
  for (const IntrinsicInfo& info : AllIntrinsics()) {
    if (!Assembled(info.col) || (shared_done && shared_table(info.table))) continue;
    if (!keep_intrinsics_.empty() && !keep_intrinsics_[static_cast<size_t>(info.col)]) {
      ColumnValues& v = cols_[static_cast<size_t>(info.col)];
      v = ColumnValues();
      v.defaulted = true;
      continue;
    }
    const std::vector<uint64_t>& b = bounds_[Idx(info.table)];
    TEMPO_RETURN_IF_ERROR(reader_.Read(static_cast<uint32_t>(info.col), b.front(), b.back(),
                                       &cols_[static_cast<size_t>(info.col)]));
  }
  for (Table t : {Table::kResource, Table::kScope, Table::kSpan, Table::kEvent, Table::kLink}) {
    if (shared_done && shared_table(t)) continue;
    TEMPO_RETURN_IF_ERROR(DecodeAttributes(t));
  }
  if (shared_done) return Status::Ok();
  TEMPO_RETURN_IF_ERROR(BuildOwners());
  owners_built_ = true;
  return Status::Ok();
}

// The shape column gives every row's attribute columns in order. The values of attribute column
// c for rows [lo, hi) start after its values in rows [0, lo): those before the shape page holding
// row `lo` come from the chunk's shape_page_starts, the rest are counted in that page.
Status TraceAssembler::DecodeAttributes(Table table) {
  const uint64_t lo = bounds_[Idx(table)].front(), hi = bounds_[Idx(table)].back();
  const uint32_t shape_col = static_cast<uint32_t>(ShapeColumn(table));
  const ChunkMeta* shape_chunk = reader_.Chunk(shape_col);
  uint64_t from = 0;  // first row of the shape page holding `lo`
  size_t page = 0;
  if (shape_chunk != nullptr) {
    for (; page + 1 < shape_chunk->pages.size(); ++page) {
      if (from + shape_chunk->pages[page].num_values > lo) break;
      from += shape_chunk->pages[page].num_values;
    }
  }
  ColumnValues raw;
  TEMPO_RETURN_IF_ERROR(reader_.Read(shape_col, from, hi, &raw, /*codes_only=*/true));
  Shapes& shapes = shapes_[Idx(table)];
  shapes.of_row.clear();
  auto parse = [&](std::string_view s, std::vector<uint32_t>* columns) {
    return ParseAttributeShape(footer_, table, s, columns);
  };
  // Shape index of every row in [from, hi): dictionary codes when the column has a dictionary
  // (the entries are parsed when a row first uses them, once per assembler), else distinct
  // strings found by hashing.
  std::vector<uint32_t> shape_of(static_cast<size_t>(hi - from));
  if (raw.defaulted) {
    shapes.dict = nullptr;
    shapes.distinct.assign(1, {});  // every row has the empty shape (index 0)
  } else if (raw.dict != nullptr) {
    if (shapes.dict != raw.dict) {
      shapes.dict = raw.dict;
      shapes.distinct.assign(static_cast<size_t>(raw.dict->size()), {});
      shapes.parsed.assign(shapes.distinct.size(), 0);
    }
    for (uint32_t code : raw.codes) {
      if (shapes.parsed[code]) continue;
      TEMPO_RETURN_IF_ERROR(parse(raw.dict->at(code), &shapes.distinct[code]));
      shapes.parsed[code] = 1;
    }
    std::copy(raw.codes.begin(), raw.codes.end(), shape_of.begin());
  } else {
    shapes.dict = nullptr;
    shapes.distinct.clear();
    std::unordered_map<std::string_view, uint32_t> ids;
    for (size_t r = 0; r < shape_of.size(); ++r) {
      auto [it, inserted] =
          ids.try_emplace(raw.strs[r], static_cast<uint32_t>(shapes.distinct.size()));
      if (inserted) TEMPO_RETURN_IF_ERROR(parse(raw.strs[r], &shapes.distinct.emplace_back()));
      shape_of[r] = it->second;
    }
  }
  const size_t split = static_cast<size_t>(lo - from);
  shapes.of_row.assign(shape_of.begin() + static_cast<ptrdiff_t>(split), shape_of.end());
  // Rows before `lo` (in its page) and from `lo` on, per shape the rows use.
  if (shape_before_.size() < shapes.distinct.size()) {
    shape_before_.resize(shapes.distinct.size(), 0);
    shape_within_.resize(shapes.distinct.size(), 0);
  }
  std::vector<uint32_t> touched;
  for (size_t r = 0; r < shape_of.size(); ++r) {
    const uint32_t id = shape_of[r];
    if (shape_before_[id] == 0 && shape_within_[id] == 0) touched.push_back(id);
    ++(r < split ? shape_before_ : shape_within_)[id];
  }
  std::vector<uint32_t> used;
  for (uint32_t id : touched) {
    for (uint32_t c : shapes.distinct[id]) {
      if (!range_used_[c]) {
        range_used_[c] = 1;
        used.push_back(c);
      }
      range_before_[c] += shape_before_[id];
      range_within_[c] += shape_within_[id];
    }
    shape_before_[id] = shape_within_[id] = 0;  // leave the scratch arrays zeroed
  }
  Status status;
  for (uint32_t c : used) {
    uint64_t before = range_before_[c];
    const uint64_t within = range_within_[c];
    range_before_[c] = range_within_[c] = 0;  // leave the scratch arrays zeroed
    range_used_[c] = 0;
    PhysicalType unused;
    if (!status.ok() || !kept(c) || !AttrValueType(footer_.columns[c].attr_type, &unused)) {
      continue;
    }
    const ChunkMeta* chunk = reader_.Chunk(c);
    const uint64_t stored = chunk ? chunk->num_values : 0;
    // Validated against the shape chunk's page count when the footer was decoded.
    if (chunk != nullptr && page > 0) before += chunk->shape_page_starts[page - 1];
    if (before + within > stored ||
        (hi == row_group_.rows[Idx(table)] && before + within != stored)) {
      status = BadBlockData("attribute column '" + footer_.columns[c].DisplayName() +
                            "' does not match the attribute shapes");
      continue;
    }
    status = reader_.Read(c, before, before + within, &attr_values_[c]);
    attr_next_[c] = 0;
  }
  return status;
}

Status TraceAssembler::AddAttributes(Table table, uint64_t row, std::vector<TraceRows::Attr>* out,
                                     TraceRows::Range* range) {
  const Shapes& shapes = shapes_[Idx(table)];
  const std::vector<uint32_t>& shape =
      shapes.distinct[shapes.of_row[static_cast<size_t>(row - bounds_[Idx(table)].front())]];
  range->begin = static_cast<uint32_t>(out->size());
  for (uint32_t c : shape) {
    if (!kept(c)) continue;
    const ColumnDesc& desc = footer_.columns[c];
    TraceRows::Attr& a = out->emplace_back();
    a.key = desc.name;
    a.type = desc.attr_type;
    if (desc.attr_type == AttrType::kUnset || desc.attr_type == AttrType::kEmpty) continue;
    const ColumnValues& values = attr_values_[c];
    const size_t i = static_cast<size_t>(attr_next_[c]++);
    // The value ranges were sized from the same shapes; this only guards against misuse.
    if (i >= values.ints.size() + values.doubles.size() + values.strs.size()) {
      return BadBlockData("attribute values exhausted for '" + desc.name + "'");
    }
    switch (desc.attr_type) {
      case AttrType::kString:
      case AttrType::kBytes:
        a.bytes = values.strs[i];
        break;
      case AttrType::kComplex:
        a.bytes = values.strs[i];
        a.block_encoded = true;
        break;
      case AttrType::kBool:
        a.int_value = values.ints[i] != 0 ? 1 : 0;
        break;
      case AttrType::kInt:
        a.int_value = values.ints[i];
        break;
      case AttrType::kDouble:
        a.double_value = values.doubles[i];
        break;
      default:
        break;
    }
  }
  range->end = static_cast<uint32_t>(out->size());
  return Status::Ok();
}

Status TraceAssembler::Assemble(size_t i, std::string_view trace_id, tempopb::Trace* trace) {
  TEMPO_RETURN_IF_ERROR(Rows(i, trace_id, &rows_));
  return rows_.ToMessage(trace);
}

// Selected rows are decoded in clusters: rows closer than kClusterGap share one decode (the rows
// between them are stepped over), farther ones get their own, so a sparse selection decodes
// its traces' rows rather than everything between the first and the last. With several
// clusters, pages are cached decoded across them; one cluster (a trace by ID) decodes only the
// values it needs.
Status TraceAssembler::ForSelected(uint64_t first, uint64_t last, std::string_view ids,
                                   const std::vector<uint8_t>& selected,
                                   const std::function<Status(size_t i, size_t k)>& each) {
  TEMPO_RETURN_IF_ERROR(CheckRows(first, last, ids));
  if (selected.size() != last - first) return InvalidArgumentError("trace rows out of range");
  constexpr size_t kClusterGap = 16;
  const size_t n = static_cast<size_t>(last - first);
  std::vector<std::pair<size_t, size_t>> clusters;  // [first selected row, one past the last)
  for (size_t i = 0; i < n;) {
    if (!selected[i]) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    for (size_t j = end; j < n && j - end < kClusterGap; ++j) {
      if (selected[j]) end = j + 1;
    }
    clusters.emplace_back(i, end);
    i = end;
  }
  if (clusters.size() > 1) reader_.CachePages();
  for (const auto& [i, end] : clusters) {
    TEMPO_RETURN_IF_ERROR(DecodeTables(first + i, first + end));
    for (size_t k = i; k < end; ++k) {
      if (!selected[k]) {
        Skip(k - i);
        continue;
      }
      TEMPO_RETURN_IF_ERROR(each(k - i, k));
    }
  }
  return Status::Ok();
}

Status TraceAssembler::RunOwned(
    uint64_t first, uint64_t last, std::string_view ids, const std::vector<uint8_t>& selected,
    const std::function<Status(uint64_t, std::shared_ptr<const tempopb::Trace>)>& fn) {
  return ForSelected(first, last, ids, selected, [&](size_t i, size_t k) {
    google::protobuf::ArenaOptions options;
    options.start_block_size = 4096;
    options.max_block_size = 1 << 20;
    auto arena = std::make_shared<google::protobuf::Arena>(options);
    auto* trace = google::protobuf::Arena::CreateMessage<tempopb::Trace>(arena.get());
    TEMPO_RETURN_IF_ERROR(Assemble(i, ids.substr(k * 16, 16), trace));
    return fn(first + k, std::shared_ptr<const tempopb::Trace>(arena, trace));
  });
}

Status TraceAssembler::RunInto(uint64_t first, uint64_t last, std::string_view ids,
                               const std::vector<uint8_t>& selected,
                               const std::function<tempopb::Trace*(uint64_t)>& target) {
  return ForSelected(first, last, ids, selected, [&](size_t i, size_t k) {
    tempopb::Trace* trace = target(first + k);
    trace->Clear();
    return Assemble(i, ids.substr(k * 16, 16), trace);
  });
}

Status TraceAssembler::RunSerialized(uint64_t first, uint64_t last, std::string_view ids,
                                     const std::vector<uint8_t>& selected,
                                     const std::function<Status(uint64_t, std::string_view)>& fn) {
  std::string bytes;
  return RunRows(first, last, ids, selected, [&](uint64_t row, const TraceRows& rows) {
    bytes.clear();
    TEMPO_RETURN_IF_ERROR(rows.AppendSerialized(&bytes));
    return fn(row, bytes);
  });
}

Status TraceAssembler::RunRows(uint64_t first, uint64_t last, std::string_view ids,
                               const std::vector<uint8_t>& selected,
                               const std::function<Status(uint64_t, const TraceRows&)>& fn) {
  return ForSelected(first, last, ids, selected, [&](size_t i, size_t k) {
    TEMPO_RETURN_IF_ERROR(Rows(i, ids.substr(k * 16, 16), &rows_));
    return fn(first + k, rows_);
  });
}

void TraceAssembler::Skip(size_t i) {
  for (Table t : {Table::kSpan, Table::kEvent, Table::kLink}) {
    const std::vector<uint64_t>& b = bounds_[Idx(t)];
    const Shapes& shapes = shapes_[Idx(t)];
    for (uint64_t r = b[i]; r < b[i + 1]; ++r) {
      for (uint32_t c : shapes.distinct[shapes.of_row[static_cast<size_t>(r - b.front())]]) {
        ++attr_next_[c];
      }
    }
  }
}

Status TraceAssembler::CheckRows(uint64_t first, uint64_t last, std::string_view ids) const {
  if (first > last || last > row_group_.rows[Idx(Table::kTrace)] ||
      ids.size() != (last - first) * 16) {
    return InvalidArgumentError("trace rows out of range");
  }
  return Status::Ok();
}

Status TraceAssembler::Decode(uint64_t first, uint64_t last) {
  if (first > last || last > row_group_.rows[Idx(Table::kTrace)]) {
    return InvalidArgumentError("trace rows out of range");
  }
  if (first == last) return Status::Ok();
  return DecodeTables(first, last);
}

Status TraceAssembler::Run(uint64_t first, uint64_t last, std::string_view ids,
                           const std::function<Status(uint64_t, tempopb::Trace&&)>& fn,
                           bool use_arena, const std::vector<uint8_t>* selected) {
  TEMPO_RETURN_IF_ERROR(CheckRows(first, last, ids));
  if (selected != nullptr && selected->size() != last - first) {
    return InvalidArgumentError("trace rows out of range");
  }
  if (first == last) return Status::Ok();
  if (selected != nullptr) {
    return ForSelected(first, last, ids, *selected, [&](size_t i, size_t k) {
      tempopb::Trace trace;
      TEMPO_RETURN_IF_ERROR(Assemble(i, ids.substr(k * 16, 16), &trace));
      return fn(first + k, std::move(trace));
    });
  }
  TEMPO_RETURN_IF_ERROR(DecodeTables(first, last));
  if (!use_arena) {
    for (size_t i = 0; i < last - first; ++i) {
      tempopb::Trace trace;
      TEMPO_RETURN_IF_ERROR(Assemble(i, ids.substr(i * 16, 16), &trace));
      TEMPO_RETURN_IF_ERROR(fn(first + i, std::move(trace)));
    }
    return Status::Ok();
  }
  // Building each trace in an arena whose first block is reused saves most of the allocations
  // of materializing it; a callee that moves the trace out gets a copy (protobuf copies between
  // arenas), one that only reads it pays nothing extra.
  std::vector<char> block(256 * 1024);
  google::protobuf::ArenaOptions options;
  options.initial_block = block.data();
  options.initial_block_size = block.size();
  google::protobuf::Arena arena(options);
  for (size_t i = 0; i < last - first; ++i) {
    auto* trace = google::protobuf::Arena::CreateMessage<tempopb::Trace>(&arena);
    Status s = Assemble(i, ids.substr(i * 16, 16), trace);
    if (s.ok()) s = fn(first + i, std::move(*trace));
    arena.Reset();
    TEMPO_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

}  // namespace tempo::block
