#include "tempo/api/build_info.h"

#ifndef TEMPO_GIT_REVISION
#define TEMPO_GIT_REVISION ""
#endif
#ifndef TEMPO_GIT_BRANCH
#define TEMPO_GIT_BRANCH ""
#endif
#ifndef TEMPO_BUILD_DATE
#define TEMPO_BUILD_DATE ""
#endif

namespace tempo::api {

const BuildInfo& GetBuildInfo() {
  // 2.10.0: the Tempo HTTP/gRPC API this server implements (Grafana gates features on it).
  static const BuildInfo info{"2.10.0", TEMPO_GIT_REVISION, TEMPO_GIT_BRANCH, "",
                              TEMPO_BUILD_DATE, "gcc " __VERSION__};
  return info;
}

}  // namespace tempo::api
