#pragma once

// Row-group reads shared by the block fetcher's files (block_fetcher.cpp, block_fetcher_rows.cpp).

#include <cstdint>
#include <string>
#include <vector>

#include "block/chunk_reader.h"
#include "block/footer.h"
#include "tempo/block/block_reader.h"
#include "tempo/common/result.h"

namespace tempo::block {

// `s` with "row group <index>: " before its message (ok stays ok).
Status InRowGroup(Status s, uint32_t index);

// The chunks of `columns` present in `rg` (`chunk_of`: catalog column -> chunk index or -1),
// read with neighbours in one request and handed to `reader`; `buffers` keeps their bytes, and
// `bytes_read` grows by what was read.
Status ReadChunks(const ReadAtFn& read, const RowGroupMeta& rg,
                  const std::vector<int32_t>& chunk_of, const std::vector<uint32_t>& columns,
                  ChunkReader* reader, std::vector<std::string>* buffers, uint64_t* bytes_read);

// Per catalog column, the index of its chunk in `rg`, or -1.
std::vector<int32_t> ChunkIndex(const Footer& footer, const RowGroupMeta& rg);

}  // namespace tempo::block
