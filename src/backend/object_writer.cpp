#include "tempo/backend/backend.h"

namespace tempo::backend {
namespace {

// RawWriter's default ObjectWriter: collects the pieces and writes them with one Write at Commit.
// Memory is the whole object, which is why streaming backends override OpenObjectWriter.
class BufferedObjectWriter : public ObjectWriter {
 public:
  BufferedObjectWriter(RawWriter& backend, std::string tenant, std::string block,
                       std::string name)
      : backend_(backend),
        tenant_(std::move(tenant)),
        block_(std::move(block)),
        name_(std::move(name)) {}

  Status Append(std::string_view data) override {
    if (committed_) return InvalidArgumentError("object writer: Append after Commit");
    data_.append(data);
    size_ += data.size();
    return Status::Ok();
  }

  Status Commit() override {
    if (committed_) return InvalidArgumentError("object writer: Commit called twice");
    committed_ = true;
    Status s = backend_.Write(tenant_, block_, name_, data_);
    std::string().swap(data_);
    return s;
  }

  uint64_t size() const override { return size_; }

 private:
  RawWriter& backend_;
  std::string tenant_, block_, name_;
  std::string data_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> RawWriter::OpenObjectWriter(const std::string& tenant,
                                                                  const std::string& block,
                                                                  const std::string& name) {
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<BufferedObjectWriter>(*this, tenant, block, name));
}

}  // namespace tempo::backend
