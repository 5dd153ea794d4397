// TraceAssembler's layout of decoded rows: the row group's resources and scopes, and each
// trace's rows as block::TraceRows (views into the decoded columns).
#include <atomic>
#include <limits>

#include "block/coding.h"
#include "block/trace_assembler.h"

namespace tempo::block {
namespace {

size_t Idx(Table t) { return static_cast<size_t>(t); }

template <typename T>
bool Fits(int64_t v) {
  return v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
         v <= static_cast<int64_t>(std::numeric_limits<T>::max());
}

}  // namespace

Status TraceAssembler::BuildOwners() {
  owner_attrs_.clear();
  const uint64_t n_resources = row_group_.rows[Idx(Table::kResource)];
  const uint64_t n_scopes = row_group_.rows[Idx(Table::kScope)];
  // Origins unique in the process: a writer that meets a row again knows it without comparing.
  static std::atomic<uint64_t> next_origin{1};
  const uint64_t origin = next_origin.fetch_add(n_resources + n_scopes);
  resources_.assign(static_cast<size_t>(n_resources), {});
  for (uint64_t r = 0; r < n_resources; ++r) {
    TraceRows::Owner& res = resources_[static_cast<size_t>(r)];
    res.present = true;
    res.origin = origin + r;
    int64_t dropped = Int(Col::kResourceDroppedAttrs, r);
    if (!Fits<uint32_t>(dropped)) return BadBlockData("resource dropped count out of range");
    res.dropped_attributes = static_cast<uint32_t>(dropped);
    TEMPO_RETURN_IF_ERROR(AddAttributes(Table::kResource, r, &owner_attrs_, &res.attrs));
  }
  scopes_.assign(static_cast<size_t>(n_scopes), {});
  for (uint64_t r = 0; r < n_scopes; ++r) {
    TraceRows::Owner& scope = scopes_[static_cast<size_t>(r)];
    scope.present = true;
    scope.origin = origin + n_resources + r;
    scope.name = Str(Col::kScopeName, r);
    scope.version = Str(Col::kScopeVersion, r);
    int64_t dropped = Int(Col::kScopeDroppedAttrs, r);
    if (!Fits<uint32_t>(dropped)) return BadBlockData("scope dropped count out of range");
    scope.dropped_attributes = static_cast<uint32_t>(dropped);
    TEMPO_RETURN_IF_ERROR(AddAttributes(Table::kScope, r, &owner_attrs_, &scope.attrs));
  }
  return Status::Ok();
}

void TraceAssembler::CopyOwner(const TraceRows::Owner& from, TraceRows* out,
                               TraceRows::Owner* to) const {
  *to = from;
  to->attrs.begin = static_cast<uint32_t>(out->attrs.size());
  out->attrs.insert(out->attrs.end(), owner_attrs_.begin() + from.attrs.begin,
                    owner_attrs_.begin() + from.attrs.end);
  to->attrs.end = static_cast<uint32_t>(out->attrs.size());
}

Status TraceAssembler::Rows(size_t i, std::string_view trace_id, TraceRows* out) {
  out->Clear();
  auto range = [&](Table t) {
    const std::vector<uint64_t>& b = bounds_[Idx(t)];
    return std::pair<uint64_t, uint64_t>(b[i], b[i + 1]);
  };
  if (i + 1 >= bounds_[Idx(Table::kSpan)].size()) {
    return InvalidArgumentError("trace row not decoded");
  }
  const uint64_t row = first_trace_ + i;
  const uint64_t trace_start = static_cast<uint64_t>(Int(Col::kTraceStart, row));

  auto [rs_lo, rs_hi] = range(Table::kResourceSpans);
  auto [ss_lo, ss_hi] = range(Table::kScopeSpans);
  uint64_t ss_row = ss_lo;
  for (uint64_t r = rs_lo; r < rs_hi; ++r) {
    TraceRows::ResourceSpans& rs = out->resource_spans.emplace_back();
    int64_t res = Int(Col::kRsResource, r);
    if (res < -1 || res >= static_cast<int64_t>(resources_.size())) {
      return BadBlockData("resource index out of range");
    }
    if (res >= 0) CopyOwner(resources_[static_cast<size_t>(res)], out, &rs.resource);
    rs.schema_url = Str(Col::kRsSchemaUrl, r);
    int64_t ss_count = Int(Col::kRsSsCount, r);
    if (ss_count < 0 || static_cast<uint64_t>(ss_count) > ss_hi - ss_row) {
      return BadBlockData("scope spans count out of range");
    }
    rs.scope_spans.begin = static_cast<uint32_t>(out->scope_spans.size());
    for (int64_t k = 0; k < ss_count; ++k, ++ss_row) {
      TraceRows::ScopeSpans& ss = out->scope_spans.emplace_back();
      int64_t scope = Int(Col::kSsScope, ss_row);
      if (scope < -1 || scope >= static_cast<int64_t>(scopes_.size())) {
        return BadBlockData("scope index out of range");
      }
      if (scope >= 0) CopyOwner(scopes_[static_cast<size_t>(scope)], out, &ss.scope);
      ss.schema_url = Str(Col::kSsSchemaUrl, ss_row);
    }
    rs.scope_spans.end = static_cast<uint32_t>(out->scope_spans.size());
  }
  if (ss_row != ss_hi) return BadBlockData("scope spans rows do not add up");
  const size_t n_scope_spans = out->scope_spans.size();

  auto [span_lo, span_hi] = range(Table::kSpan);
  auto [event_row, event_hi] = range(Table::kEvent);
  auto [link_row, link_hi] = range(Table::kLink);
  // Sized once: a trace of 50,000 spans holds about a million attribute values, which growing
  // by doubling would copy (and fault in) again and again. The shapes bound the count.
  size_t attrs = out->attrs.size();
  for (Table t : {Table::kSpan, Table::kEvent, Table::kLink}) {
    const Shapes& shapes = shapes_[Idx(t)];
    const std::vector<uint64_t>& b = bounds_[Idx(t)];
    for (uint64_t r = b[i]; r < b[i + 1]; ++r) {
      attrs += shapes.distinct[shapes.of_row[static_cast<size_t>(r - b.front())]].size();
    }
  }
  out->attrs.reserve(attrs);
  out->spans.reserve(static_cast<size_t>(span_hi - span_lo));
  out->events.reserve(static_cast<size_t>(event_hi - event_row));
  out->links.reserve(static_cast<size_t>(link_hi - link_row));
  span_scope_spans_.clear();
  scope_spans_fill_.assign(n_scope_spans, 0);
  for (uint64_t r = span_lo; r < span_hi; ++r) {
    const int64_t pos = static_cast<int64_t>(r - span_lo);
    int64_t ss = Int(Col::kSpanScopeSpans, r);
    if (ss < 0 || ss >= static_cast<int64_t>(n_scope_spans)) {
      return BadBlockData("span's scope spans index out of range");
    }
    span_scope_spans_.push_back(static_cast<uint32_t>(ss));
    ++scope_spans_fill_[static_cast<size_t>(ss)];
    TraceRows::Span& s = out->spans.emplace_back();
    std::string_view tid = Str(Col::kSpanTraceId, r);
    if (tid.empty()) {
      s.trace_id = trace_id;
    } else if (tid[0] == '\0') {
      s.trace_id = tid.substr(1);
    } else {
      return BadBlockData("bad span trace ID tag");
    }
    s.span_id = Str(Col::kSpanId, r);
    int64_t parent_pos = Int(Col::kSpanParentPos, r);
    if (parent_pos < -1 || parent_pos >= pos) return BadBlockData("span parent position out of range");
    s.parent_span_id = Str(Col::kSpanParentSpanId, r);
    if (s.parent_span_id.empty() && parent_pos >= 0) {
      s.parent_span_id = Str(Col::kSpanId, span_lo + static_cast<uint64_t>(parent_pos));
    }
    s.trace_state = Str(Col::kSpanTraceState, r);
    s.name = Str(Col::kSpanName, r);
    int64_t kind = Int(Col::kSpanKind, r), flags = Int(Col::kSpanFlags, r);
    int64_t code = Int(Col::kSpanStatusCode, r);
    int64_t dropped[3] = {Int(Col::kSpanDroppedAttrs, r), Int(Col::kSpanDroppedEvents, r),
                          Int(Col::kSpanDroppedLinks, r)};
    int64_t events = Int(Col::kSpanEventCount, r), links = Int(Col::kSpanLinkCount, r);
    if (!Fits<int32_t>(kind) || !Fits<uint32_t>(flags) || !Fits<int32_t>(code) ||
        !Fits<uint32_t>(dropped[0]) || !Fits<uint32_t>(dropped[1]) || !Fits<uint32_t>(dropped[2])) {
      return BadBlockData("span field out of range");
    }
    if (events < 0 || static_cast<uint64_t>(events) > event_hi - event_row || links < 0 ||
        static_cast<uint64_t>(links) > link_hi - link_row) {
      return BadBlockData("span event or link count out of range");
    }
    s.kind = static_cast<int32_t>(kind);
    s.start = trace_start + static_cast<uint64_t>(Int(Col::kSpanStart, r));
    s.end = s.start + static_cast<uint64_t>(Int(Col::kSpanDuration, r));
    s.flags = static_cast<uint32_t>(flags);
    s.status_present = Int(Col::kSpanStatusPresent, r) != 0;
    if (s.status_present) {
      s.status_code = static_cast<int32_t>(code);
      s.status_message = Str(Col::kSpanStatusMessage, r);
    }
    s.dropped_attributes = static_cast<uint32_t>(dropped[0]);
    s.dropped_events = static_cast<uint32_t>(dropped[1]);
    s.dropped_links = static_cast<uint32_t>(dropped[2]);
    TEMPO_RETURN_IF_ERROR(AddAttributes(Table::kSpan, r, &out->attrs, &s.attrs));
    s.events.begin = static_cast<uint32_t>(out->events.size());
    for (int64_t e = 0; e < events; ++e, ++event_row) {
      TraceRows::Event& ev = out->events.emplace_back();
      ev.time = s.start + static_cast<uint64_t>(Int(Col::kEventTimeSinceStart, event_row));
      ev.name = Str(Col::kEventName, event_row);
      int64_t d = Int(Col::kEventDroppedAttrs, event_row);
      if (!Fits<uint32_t>(d)) return BadBlockData("event dropped count out of range");
      ev.dropped_attributes = static_cast<uint32_t>(d);
      TEMPO_RETURN_IF_ERROR(AddAttributes(Table::kEvent, event_row, &out->attrs, &ev.attrs));
    }
    s.events.end = static_cast<uint32_t>(out->events.size());
    s.links.begin = static_cast<uint32_t>(out->links.size());
    for (int64_t l = 0; l < links; ++l, ++link_row) {
      TraceRows::Link& ln = out->links.emplace_back();
      ln.trace_id = Str(Col::kLinkTraceId, link_row);
      ln.span_id = Str(Col::kLinkSpanId, link_row);
      ln.trace_state = Str(Col::kLinkTraceState, link_row);
      int64_t f = Int(Col::kLinkFlags, link_row), d = Int(Col::kLinkDroppedAttrs, link_row);
      if (!Fits<uint32_t>(f) || !Fits<uint32_t>(d)) return BadBlockData("link field out of range");
      ln.flags = static_cast<uint32_t>(f);
      ln.dropped_attributes = static_cast<uint32_t>(d);
      TEMPO_RETURN_IF_ERROR(AddAttributes(Table::kLink, link_row, &out->attrs, &ln.attrs));
    }
    s.links.end = static_cast<uint32_t>(out->links.size());
  }
  if (event_row != event_hi || link_row != link_hi) return BadBlockData("event or link rows do not add up");
  // Spans container by container, in row order within each (a counting sort).
  uint32_t next = 0;
  for (size_t k = 0; k < n_scope_spans; ++k) {
    TraceRows::ScopeSpans& ss = out->scope_spans[k];
    ss.spans.begin = next;
    next += scope_spans_fill_[k];
    ss.spans.end = next;
    scope_spans_fill_[k] = ss.spans.begin;
  }
  out->span_order.resize(out->spans.size());
  for (uint32_t p = 0; p < span_scope_spans_.size(); ++p) {
    out->span_order[scope_spans_fill_[span_scope_spans_[p]]++] = p;
  }
  return Status::Ok();
}

}  // namespace tempo::block
