#pragma once

namespace tempo {

// Names the calling thread, so that `top -H`, perf and gdb tell the server's threads apart
// (Linux keeps the first 15 characters). Best effort: a failure is ignored. Thread-safe.
void SetThreadName(const char* name);

}  // namespace tempo
