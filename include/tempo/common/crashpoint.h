#pragma once

namespace tempo {

// Test-only fault hook: when the environment variable TEMPO_CRASHPOINT equals `name`, the process
// dies on the spot (SIGKILL to itself: no destructors, no flushing), as a power cut would.
// Crash tests set it to check that every step of a multi-step commit is recoverable. Costs one
// string comparison when unset. Thread-safe.
void CrashPointForTest(const char* name);

}  // namespace tempo
