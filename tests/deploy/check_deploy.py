#!/usr/bin/env python3
"""Checks the deployment files without a Docker engine and without installing anything.

What it checks (each check prints ok / FAIL / skip with the reason):
  * docker-compose.yaml and every YAML file under docker/ and deploy/ parse;
  * every path docker-compose.yaml refers to exists (build context, Dockerfile, bind mounts), named
    volumes are declared, and the files the Dockerfile COPYs exist and pass .dockerignore;
  * the ports the compose file publishes for the server are ports the server's container config
    listens on (same protocol, not bound to loopback), and the collector, Prometheus, Grafana and
    health checks reach the server on the ports that config sets;
  * the Dockerfile runs exactly the package script and the CMake configure/build commands of the
    Makefile (read from the Makefile), on Debian 12, and runs the binary as a non-root user;
  * deploy/tempo.service has the required keys, writes only where deploy/tempo.yaml keeps its
    data, and passes `systemd-analyze verify` (when that tool works here); the sysusers entry
    creates the user (systemd-sysusers --root, when available);
  * `make install` into a DESTDIR installs binary, unit, sysusers entry and config, keeps an
    existing config, honours PREFIX, and creates no user;
  * every shipped tempo config loads with the real binary's config loader;
  * docs/operations.md lists every metric registered in src/ and every port; README points to it.

Usage: check_deploy.py <repo root> <path of the built tempo binary>

The checks live in checks_compose.py, checks_docker.py, checks_systemd.py and
checks_config_docs.py (run in that order), on deploy_lib.py (reporting) and deploy_files.py
(readers of the Makefile, Dockerfile, compose file and tempo configs).
"""
import os
import sys

try:
    import yaml  # noqa: F401  (the check modules need it)
except ImportError:
    # python3-yaml (scripts/install-deps.sh) belongs to Debian's interpreter; ctest may have found
    # another python3 first on PATH.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL: python3-yaml is not installed (scripts/install-deps.sh installs it)")
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # keep the source tree clean

# Each check runs when its module is imported, in this order.
import checks_compose  # noqa: E402,F401
import checks_docker  # noqa: E402,F401
import checks_systemd  # noqa: E402,F401
import checks_config_docs  # noqa: E402,F401
from deploy_lib import FAILURES  # noqa: E402

if FAILURES:
    print(f"\n{len(FAILURES)} check(s) failed")
    sys.exit(1)
print("\nall deployment checks passed")
