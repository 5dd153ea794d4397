#pragma once

namespace tempo::internal {
// Logs "CHECK failed" with the location and reason, then aborts. Never returns.
[[noreturn]] void CheckFailed(const char* file, int line, const char* expr, const char* reason);
}  // namespace tempo::internal

// Guards states the process cannot continue from (e.g. a failed WAL fsync: acknowledged data could
// be lost). Active in every build. `reason` is a one-line C string.
#define TEMPO_CHECK(cond, reason)                                          \
  do {                                                                     \
    if (!(cond)) {                                                         \
      ::tempo::internal::CheckFailed(__FILE__, __LINE__, #cond, (reason)); \
    }                                                                      \
  } while (0)

// Guards invariants in debug builds only.
#ifdef NDEBUG
#define TEMPO_DCHECK(cond, reason) \
  do {                             \
  } while (0)
#else
#define TEMPO_DCHECK(cond, reason) TEMPO_CHECK(cond, reason)
#endif
