#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tempo::block {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI, ext4 and RocksDB:
// initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. Crc32c("123456789") == 0xE3069283.
// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table-driven (slicing-by-8)
// fallback. Thread-safe.
uint32_t Crc32c(const void* data, size_t n);
inline uint32_t Crc32c(std::string_view s) { return Crc32c(s.data(), s.size()); }

// Continues a CRC: Crc32cExtend(Crc32c(a), b) == Crc32c(a + b).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

// The portable implementation, exposed so tests can compare it with the hardware one.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);

}  // namespace tempo::block
