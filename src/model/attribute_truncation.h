#pragma once

// Attribute truncation shared by the message path (batch.cpp) and the wire path
// (otlp_wire_split.cpp). Private to the model module.

#include <cstddef>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace tempo::model {

// Cuts keys and string values longer than `max_bytes` (> 0) to that many bytes; nested arrays and
// kvlists are left alone. Returns how many keys and values were cut.
size_t TruncateKeyValues(
    google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* attrs,
    size_t max_bytes);

}  // namespace tempo::model
