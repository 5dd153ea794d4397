#include "receivers/jaeger/otlp_builder.h"

namespace tempo::receivers::otlp_builder {

common::AnyValue* Put(KeyValues* attrs, std::string_view key) {
  for (common::KeyValue& kv : *attrs) {
    if (kv.key() == key) {
      kv.mutable_value()->Clear();
      return kv.mutable_value();
    }
  }
  common::KeyValue* kv = attrs->Add();
  kv->set_key(key.data(), key.size());
  return kv->mutable_value();
}

const common::AnyValue* Find(const KeyValues& attrs, std::string_view key) {
  for (const common::KeyValue& kv : attrs) {
    if (kv.key() == key) return &kv.value();
  }
  return nullptr;
}

bool Remove(KeyValues* attrs, std::string_view key) {
  for (int i = 0; i < attrs->size(); ++i) {
    if (attrs->Get(i).key() == key) {
      attrs->DeleteSubrange(i, 1);
      return true;
    }
  }
  return false;
}

std::string_view Str(const common::AnyValue& value) {
  return value.value_case() == common::AnyValue::kStringValue
             ? std::string_view(value.string_value())
             : std::string_view();
}

namespace {

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0.
size_t SequenceLength(const unsigned char* s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (s[i] < 0x80 || s[i] > 0xbf) return 0;
  }
  return len;
}

void FixValue(common::AnyValue* value, int depth);

void FixAttributes(KeyValues* attrs, int depth) {
  for (common::KeyValue& kv : *attrs) {
    if (!IsValidUtf8(kv.key())) FixUtf8(kv.mutable_key());
    FixValue(kv.mutable_value(), depth);
  }
}

void FixValue(common::AnyValue* value, int depth) {
  if (depth > 64) return;
  switch (value->value_case()) {
    case common::AnyValue::kStringValue:
      if (!IsValidUtf8(value->string_value())) FixUtf8(value->mutable_string_value());
      return;
    case common::AnyValue::kArrayValue:
      for (common::AnyValue& v : *value->mutable_array_value()->mutable_values()) {
        FixValue(&v, depth + 1);
      }
      return;
    case common::AnyValue::kKvlistValue:
      FixAttributes(value->mutable_kvlist_value()->mutable_values(), depth + 1);
      return;
    default:
      return;
  }
}

void FixString(std::string* text) {
  if (!IsValidUtf8(*text)) FixUtf8(text);
}

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len = SequenceLength(s + i, n - i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

bool FixUtf8(std::string* text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text->data());
  size_t n = text->size();
  std::string out;
  bool changed = false;
  for (size_t i = 0; i < n;) {
    size_t len = SequenceLength(s + i, n - i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      changed = true;
      ++i;
    } else {
      out.append(reinterpret_cast<const char*>(s + i), len);
      i += len;
    }
  }
  if (changed) *text = std::move(out);
  return changed;
}

void SanitizeUtf8(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request) {
  for (trace::ResourceSpans& rs : *request->mutable_resource_spans()) {
    FixAttributes(rs.mutable_resource()->mutable_attributes(), 0);
    for (trace::ScopeSpans& ss : *rs.mutable_scope_spans()) {
      if (ss.has_scope()) {
        FixString(ss.mutable_scope()->mutable_name());
        FixString(ss.mutable_scope()->mutable_version());
      }
      for (trace::Span& span : *ss.mutable_spans()) {
        FixString(span.mutable_name());
        FixString(span.mutable_trace_state());
        FixAttributes(span.mutable_attributes(), 0);
        for (trace::Span::Event& event : *span.mutable_events()) {
          FixString(event.mutable_name());
          FixAttributes(event.mutable_attributes(), 0);
        }
        for (trace::Span::Link& link : *span.mutable_links()) {
          FixString(link.mutable_trace_state());
          FixAttributes(link.mutable_attributes(), 0);
        }
        if (span.has_status()) FixString(span.mutable_status()->mutable_message());
      }
    }
  }
}

std::string TraceIdBytes(uint64_t high, uint64_t low) {
  std::string out;
  if (high == 0 && low == 0) return out;
  out.reserve(16);
  AppendBigEndian(high, &out);
  AppendBigEndian(low, &out);
  return out;
}

std::string SpanIdBytes(uint64_t id) {
  std::string out;
  if (id == 0) return out;
  out.reserve(8);
  AppendBigEndian(id, &out);
  return out;
}

}  // namespace tempo::receivers::otlp_builder
