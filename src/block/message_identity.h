#pragma once

#include <cstdint>

namespace opentelemetry::proto::resource::v1 {
class Resource;
}
namespace opentelemetry::proto::common::v1 {
class InstrumentationScope;
}

namespace tempo::block {

// Content hashes and equality of resources and scopes, for storing each distinct one once per
// row group without serializing it. Equality covers every field the block stores (doubles by bit
// pattern, so -0.0 and NaNs are told apart); unknown fields are ignored, as the block drops them.
// Thread-safe (pure functions).
uint64_t HashResource(const opentelemetry::proto::resource::v1::Resource& r);
bool SameResource(const opentelemetry::proto::resource::v1::Resource& a,
                  const opentelemetry::proto::resource::v1::Resource& b);
uint64_t HashScope(const opentelemetry::proto::common::v1::InstrumentationScope& s);
bool SameScope(const opentelemetry::proto::common::v1::InstrumentationScope& a,
               const opentelemetry::proto::common::v1::InstrumentationScope& b);

}  // namespace tempo::block
