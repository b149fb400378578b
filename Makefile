# Gallery: the two set-up commands are `make run` and `make test` (see README.md).
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
DATA_DIR ?= ./data
PORT ?= 8443
JOBS ?= $(shell nproc)

.PHONY: all deps build run test bench clean format

all: build

deps:
	@scripts/install-deps.sh build

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Builds only the two programs (the test binaries are make test's business).
run: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target galleryd gallery
	$(BUILD_DIR)/src/apps/galleryd --data-dir $(DATA_DIR) --port $(PORT)

test: build
	@scripts/install-deps.sh test
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target galleryd gallery https_baseline
	@scripts/install-deps.sh bench
	bench/run.sh $(BUILD_DIR)

format:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
