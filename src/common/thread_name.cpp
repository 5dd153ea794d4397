#include "tempo/common/thread_name.h"

#include <pthread.h>

#include <cstring>

namespace tempo {

void SetThreadName(const char* name) {
#if defined(__linux__)
  char truncated[16];
  std::strncpy(truncated, name, sizeof(truncated) - 1);
  truncated[sizeof(truncated) - 1] = '\0';
  (void)pthread_setname_np(pthread_self(), truncated);
#else
  (void)name;
#endif
}

}  // namespace tempo
