# The two commands of the README, each self-sufficient on a fresh Debian 12 machine:
#   make run    installs what is missing, builds, and starts the server with config/tempo.yaml
#   make test   installs what is missing, builds, and runs every test through ctest
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test unit-test run bench install clean

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

bench:
	@scripts/install-deps.sh
	@cmake -S . -B $(BUILD_DIR)-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DTEMPO_BUILD_BENCH=ON \
	  -DTEMPO_BUILD_TESTS=OFF > /dev/null
	@cmake --build $(BUILD_DIR)-bench -j $(JOBS)
	@bench/run.sh $(BUILD_DIR)-bench

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-bench
