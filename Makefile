# The two commands of the README, each self-sufficient on a fresh Debian 12 machine:
#   make run    installs what is missing, builds, and starts the server with config/tempo.yaml
#   make test   installs what is missing, builds, and runs every test through ctest
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
# `make install`: PREFIX is where the binary runs from, DESTDIR an optional staging root.
PREFIX     ?= /usr/local
DESTDIR    ?=
UNITDIR    ?= /etc/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d

.PHONY: all deps configure build test unit-test run bench bench-full install clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Unit tests and integration tests (real clients against build/tempo), all through ctest.
test: build
	@tests/integration/setup.sh
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

unit-test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE integration

run: build
	@mkdir -p data
	@$(BUILD_DIR)/tempo -config.file=config/tempo.yaml

# `make bench`: the short run (microbenchmarks, ingest, query benchmark + DuckDB reference, one
# summary table); `make bench-full`: the long one (100 M spans, 30 min steady load, kill -9
# restart, memory limit). Both are described in bench/README.md; results go to
# $(BUILD_DIR)-bench/bench/results/.
define bench_build
	@scripts/install-deps.sh
	@cmake -S . -B $(BUILD_DIR)-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DTEMPO_BUILD_BENCH=ON \
	  -DTEMPO_BUILD_TESTS=OFF > /dev/null
	@cmake --build $(BUILD_DIR)-bench -j $(JOBS)
endef

bench:
	$(bench_build)
	@BENCH_COMMAND="make bench" bench/run.sh $(BUILD_DIR)-bench

bench-full:
	$(bench_build)
	@BENCH_COMMAND="make bench-full" bench/run_full.sh $(BUILD_DIR)-bench

# Binary, systemd unit, sysusers entry and (unless one exists) /etc/tempo/tempo.yaml; see
# docs/operations.md. The `tempo` user is created only on a real install (no DESTDIR).
install: build
	install -D -m 0755 $(BUILD_DIR)/tempo $(DESTDIR)$(PREFIX)/bin/tempo
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)/etc/tempo
	sed 's|^ExecStart=/usr/local/bin/tempo|ExecStart=$(PREFIX)/bin/tempo|' deploy/tempo.service > $(DESTDIR)$(UNITDIR)/tempo.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tempo.service
	install -m 0644 deploy/tempo.sysusers $(DESTDIR)$(SYSUSERSDIR)/tempo.conf
	@if [ -e $(DESTDIR)/etc/tempo/tempo.yaml ]; then \
	  echo "install: keeping the existing $(DESTDIR)/etc/tempo/tempo.yaml (new one: deploy/tempo.yaml)"; \
	else \
	  install -m 0644 deploy/tempo.yaml $(DESTDIR)/etc/tempo/tempo.yaml; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
	  if command -v systemd-sysusers >/dev/null 2>&1; then \
	    systemd-sysusers $(SYSUSERSDIR)/tempo.conf; \
	  elif ! id -u tempo >/dev/null 2>&1; then \
	    useradd --system --user-group --home-dir /var/lib/tempo --no-create-home \
	      --shell /usr/sbin/nologin tempo; \
	  fi; \
	  echo "install: done; start with: systemctl daemon-reload && systemctl enable --now tempo"; \
	fi

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-bench
