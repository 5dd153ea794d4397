#include "tempo/backend/backend.h"

namespace tempo::backend {
namespace {

// RawReader's default RangeReader: every read is one ReadRange call on the backend, which must
// outlive it.
class ForwardingRangeReader : public RangeReader {
 public:
  ForwardingRangeReader(const RawReader& backend, std::string tenant, std::string block,
                        std::string name)
      : backend_(backend),
        tenant_(std::move(tenant)),
        block_(std::move(block)),
        name_(std::move(name)) {}

  Result<std::string> ReadAt(uint64_t offset, uint64_t length) const override {
    return backend_.ReadRange(tenant_, block_, name_, offset, length);
  }
  bool small_reads_cheap() const override { return false; }

 private:
  const RawReader& backend_;
  std::string tenant_, block_, name_;
};

}  // namespace

Result<std::unique_ptr<RangeReader>> RawReader::OpenRangeReader(const std::string& tenant,
                                                                const std::string& block,
                                                                const std::string& name) const {
  // Surfaces kNotFound now rather than at the first read.
  TEMPO_RETURN_IF_ERROR(Size(tenant, block, name).status());
  return std::unique_ptr<RangeReader>(
      std::make_unique<ForwardingRangeReader>(*this, tenant, block, name));
}

}  // namespace tempo::backend
