#include <catch2/catch.hpp>

#include <filesystem>

#include "support/temp_dir.h"
#include "tempo/backend/backend.h"

using tempo::StatusCode;
using tempo::testing::TempDir;

TEST_CASE("The local backend stores objects in Tempo's layout", "[backend]") {
  TempDir dir;
  auto backend = tempo::backend::OpenLocalBackend(dir.Sub("blocks")).value();
  REQUIRE(backend->Write("tenant-a", "block-1", "data.tcb", "0123456789").ok());
  REQUIRE(backend->Write("tenant-a", "block-1", "meta.json", "{}").ok());
  REQUIRE(backend->Write("tenant-b", "block-2", "meta.json", "{}").ok());

  CHECK(std::filesystem::exists(dir.path() / "blocks/tenant-a/block-1/data.tcb"));
  CHECK(backend->ListTenants().value() == std::vector<std::string>{"tenant-a", "tenant-b"});
  CHECK(backend->ListBlocks("tenant-a").value() == std::vector<std::string>{"block-1"});
  CHECK(backend->ListObjects("tenant-a", "block-1").value() ==
        std::vector<std::string>{"data.tcb", "meta.json"});
  CHECK(backend->Read("tenant-a", "block-1", "data.tcb").value() == "0123456789");
  CHECK(backend->ReadRange("tenant-a", "block-1", "data.tcb", 2, 3).value() == "234");
  CHECK(backend->Size("tenant-a", "block-1", "data.tcb").value() == 10);

  SECTION("overwriting is atomic and leaves no temporary files") {
    REQUIRE(backend->Write("tenant-a", "block-1", "meta.json", "{\"v\":2}").ok());
    CHECK(backend->Read("tenant-a", "block-1", "meta.json").value() == "{\"v\":2}");
    CHECK(backend->ListObjects("tenant-a", "block-1").value().size() == 2);
  }
  SECTION("a range reader keeps the object open for positioned reads") {
    auto reader = backend->OpenRangeReader("tenant-a", "block-1", "data.tcb");
    REQUIRE(reader.ok());
    CHECK((*reader)->small_reads_cheap());
    CHECK((*reader)->ReadAt(2, 3).value() == "234");
    CHECK((*reader)->ReadAt(0, 10).value() == "0123456789");
    CHECK((*reader)->ReadAt(8, 5).status().code() == StatusCode::kCorruption);
    // Blocks are immutable; a deleted one stays readable through a reader opened before.
    REQUIRE(backend->DeleteBlock("tenant-a", "block-1").ok());
    CHECK((*reader)->ReadAt(4, 2).value() == "45");
    CHECK(backend->OpenRangeReader("tenant-a", "block-1", "data.tcb").status().code() ==
          StatusCode::kNotFound);
  }
  SECTION("missing objects and ranges past the end are errors") {
    CHECK(backend->Read("tenant-a", "block-1", "nope").status().code() == StatusCode::kNotFound);
    CHECK(backend->ReadRange("tenant-a", "block-1", "data.tcb", 8, 5).status().code() ==
          StatusCode::kCorruption);
    CHECK(backend->ListBlocks("nobody").value().empty());
  }
  SECTION("deletes") {
    REQUIRE(backend->Delete("tenant-a", "block-1", "meta.json").ok());
    REQUIRE(backend->Delete("tenant-a", "block-1", "meta.json").ok());  // absent is fine
    REQUIRE(backend->DeleteBlock("tenant-a", "block-1").ok());
    CHECK(backend->ListBlocks("tenant-a").value().empty());
  }
  SECTION("names that would escape the root are refused") {
    CHECK(backend->Write("..", "b", "x", "").code() == StatusCode::kInvalidArgument);
    CHECK(backend->Write("t", "a/b", "x", "").code() == StatusCode::kInvalidArgument);
    CHECK(backend->Read("t", "b", "").status().code() == StatusCode::kInvalidArgument);
  }
}
