# epmcp — the two commands a newcomer needs: `make run` and `make test`.
# Everything else (setup, build, demo, bench) is what those two are made of.

CARGO    ?= cargo
PYTHON   ?= python3
GUESTS   := meps plenary committees procedures documents events speeches questions vocabularies feeds prompts stats analytics
# Test-only components: hostile ones, and the conformance suite's fixtures.
TEST_GUESTS := hostile hostile-fs hostile-net conformance-fixtures versioned versioned-2
TEST_COMPONENT_FILES := hostile hostile_fs hostile_net conformance_fixtures versioned versioned_2
WASM_DIR := target/wasm32-wasip2/guest
# Components written in JavaScript, built by componentize-js (npm, pinned by
# guest-js/package-lock.json). Its builds are not byte-reproducible (its snapshot of the
# engine differs run to run), so one is rebuilt only when its sources change.
JS_GUESTS := concepts
JS_TEST_GUESTS := hostile_js contract_0_2
JS_DIR   := target/guest-js
COMPONENTIZE_JS := guest-js/node_modules/.bin/componentize-js
BIN      := target/release/epmcp
COMPONENTS := target/release/components
TEST_COMPONENTS := target/test-components
# The development signing key `make build` generates (never committed): the project's
# components are signed with it, and the servers make starts trust its public half.
DEV_KEY  := target/keys/dev
VENV     := .venv
MCP_PY   := mcp[ws]==1.30.0
# The official MCP conformance suite (pinned) and the Node 22 it needs, from the npm registry;
# beside it, clients no one here wrote: the MCP Inspector CLI, the TypeScript SDK at an old,
# a middle and the current version, and Ajv (JSON Schema 2020-12, strict) with its formats.
CONFORMANCE := .conformance
CONFORMANCE_PKGS := node@22 @modelcontextprotocol/conformance@0.1.16 @modelcontextprotocol/inspector@2.12.0 \
	sdk-1.17@npm:@modelcontextprotocol/sdk@1.17.5 sdk-1.22@npm:@modelcontextprotocol/sdk@1.22.0 \
	sdk-1.32@npm:@modelcontextprotocol/sdk@1.32.2 ajv@8.20.0 ajv-formats@3.0.1

export EPMCP_BIN := $(CURDIR)/$(BIN)
export EPMCP_FAKE := $(CURDIR)/target/release/fake-ep-api
export EPMCP_COMPONENTS_DIR := $(CURDIR)/$(COMPONENTS)
export EPMCP_TEST_COMPONENTS := $(CURDIR)/$(TEST_COMPONENTS)
export EPMCP_PYTHON := $(CURDIR)/$(VENV)/bin/python
export EPMCP_FIXTURES := $(CURDIR)/tests/fixtures/ep-api
export EPMCP_CONFORMANCE_BIN := $(CURDIR)/$(CONFORMANCE)/node_modules/.bin
export EPMCP_TRUSTED_KEYS ?= $(CURDIR)/$(DEV_KEY).pub

.PHONY: all setup setup-python setup-test build build-test guests test-guests js-guests js-test-guests host test-bins template-component test-reproducible sbom audit run test test-unit test-e2e demo bench clean

all: build

## Install what a fresh machine lacks to build (the wasm32-wasip2 target, componentize-js).
setup:
	@rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
	@test -x $(COMPONENTIZE_JS) || ( cd guest-js && npm ci --no-audit --no-fund --loglevel=error >/dev/null )

## The official Python MCP SDK in a venv: the demo's and the tests' client (serving needs none).
setup-python:
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -c 'import mcp, websockets' 2>/dev/null || $(VENV)/bin/pip install -q '$(MCP_PY)'

## What only the tests need: the MCP conformance suite and Node 22 (npm), and from Debian's
## packages redis-server (the scale-out tests) and docker-registry (the OCI distribution tests).
setup-test:
	@for p in redis-server docker-registry; do command -v $$p >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -q $$p >/dev/null 2>&1 || { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q $$p >/dev/null; }; }; done
	@test -x $(CONFORMANCE)/node_modules/.bin/mcp-inspector -a -d $(CONFORMANCE)/node_modules/sdk-1.17 || ( mkdir -p $(CONFORMANCE) && cd $(CONFORMANCE) \
		&& echo '{"name": "epmcp-conformance", "private": true}' > package.json && npm install --no-audit --no-fund --loglevel=error $(CONFORMANCE_PKGS) >/dev/null )
	@cp tests/node/*.mjs $(CONFORMANCE)/

## Guest components (wasm32-wasip2), the host, signed manifests, and the precompiled cache:
## what `make run` serves, and nothing else.
## A component whose code did not change is left alone, so a running server sees no swap.
build: setup guests js-guests host
	@test -f $(DEV_KEY).key || $(BIN) components keygen $(DEV_KEY) >/dev/null
	@mkdir -p $(COMPONENTS)
	$(call install_components,$(GUESTS),$(WASM_DIR))
	$(call install_components,$(JS_GUESTS),$(JS_DIR),--empty-filesystem)
	@EPMCP_LOG=warn $(BIN) --components $(COMPONENTS) components precompile >/dev/null

# Copies the components $(1) whose code changed from $(2) into $(COMPONENTS) and signs
# them (sign flags $(3): a JavaScript engine's libc imports wasi:filesystem, granted empty).
define install_components
	@changed=; for g in $(1); do cmp -s $(2)/$$g.wasm $(COMPONENTS)/$$g.wasm && test -f $(COMPONENTS)/$$g.manifest.sig \
		|| { cp $(2)/$$g.wasm $(COMPONENTS)/ && rm -f $(COMPONENTS)/$$g.manifest.* && changed="$$changed $(COMPONENTS)/$$g.wasm"; }; done; \
		test -z "$$changed" || EPMCP_LOG=error $(BIN) components sign $(3) --key $(DEV_KEY).key $$changed >/dev/null
endef

## What only the tests use, on top of `build`: the test-only components (hostile ones,
## conformance fixtures, versions for hot swap), signed, and the fake EP API and bench binaries.
build-test: build test-guests js-test-guests test-bins template-component
	@mkdir -p $(TEST_COMPONENTS)
	@for t in $(TEST_COMPONENT_FILES); do cp $(WASM_DIR)/$$t.wasm $(TEST_COMPONENTS)/ && rm -f $(TEST_COMPONENTS)/$$t.manifest.*; done
	@cp tests/components/*/*.manifest.toml $(TEST_COMPONENTS)/
	@EPMCP_LOG=error $(BIN) --cache-dir target/test-cwasm components sign --key $(DEV_KEY).key $(addprefix $(TEST_COMPONENTS)/,$(addsuffix .wasm,$(TEST_COMPONENT_FILES))) >/dev/null
	@for t in $(JS_TEST_GUESTS); do cmp -s $(JS_DIR)/$$t.wasm $(TEST_COMPONENTS)/$$t.wasm || cp $(JS_DIR)/$$t.wasm $(TEST_COMPONENTS)/; \
		ls tests/components/*/$$t.manifest.toml >/dev/null 2>&1 || rm -f $(TEST_COMPONENTS)/$$t.manifest.toml; done
	@EPMCP_LOG=error $(BIN) --cache-dir target/test-cwasm components sign --empty-filesystem --key $(DEV_KEY).key $(addprefix $(TEST_COMPONENTS)/,$(addsuffix .wasm,$(JS_TEST_GUESTS))) >/dev/null 2>&1
	@# The tests' servers share this cache: compiled once here, not by the first servers of a
	@# parallel run (the JavaScript engine takes seconds, which a test's read timeout may not wait).
	@EPMCP_LOG=warn $(BIN) --components $(COMPONENTS) --cache-dir target/test-cwasm components precompile >/dev/null

# A crate as `epmcp components new` makes it for an outside team: made afresh, its own
# test run natively, then built for wasm32-wasip2 (tests/e2e/lifecycle.rs signs and serves it).
TEMPLATE := target/template/demo-tool
TEMPLATE_TARGET := target/template-component

template-component:
	@rm -rf target/template && $(BIN) components new demo-tool --into target/template --guest-client guest-client >/dev/null
	cd $(TEMPLATE) && CARGO_TARGET_DIR=$(CURDIR)/$(TEMPLATE_TARGET) $(CARGO) test --quiet
	cd $(TEMPLATE) && CARGO_TARGET_DIR=$(CURDIR)/$(TEMPLATE_TARGET) $(CARGO) build --quiet --release --target wasm32-wasip2

# Components name no path of the machine that built them (panic messages carry source paths):
# the cargo home becomes /cargo, so a build elsewhere gives the same bytes and digest.
GUEST_RUSTFLAGS := CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="--remap-path-prefix=$(or $(CARGO_HOME),$(HOME)/.cargo)=/cargo"

guests:
	$(GUEST_RUSTFLAGS) $(CARGO) build --profile guest --target wasm32-wasip2 $(addprefix -p ,$(GUESTS))

test-guests:
	$(GUEST_RUSTFLAGS) $(CARGO) build --profile guest --target wasm32-wasip2 $(addprefix -p ,$(TEST_GUESTS))

# Rebuilt only when their sources (or the contract) change: see JS_GUESTS.
js-guests: $(addprefix $(JS_DIR)/,$(addsuffix .wasm,$(JS_GUESTS)))
js-test-guests: $(addprefix $(JS_DIR)/,$(addsuffix .wasm,$(JS_TEST_GUESTS)))

# The engine without the WASI features the tools do not use (only fetch, i.e. wasi:http),
# against the contract in $(JS_WIT): the repository's own, unless a rule sets another.
JS_WIT := wit
COMPONENTIZE = @mkdir -p $(JS_DIR) && cd guest-js && ./node_modules/.bin/componentize-js ../$< -w ../$(JS_WIT) -n tool-provider \
	-d stdio random clocks fetch-event -o ../$@ >/dev/null && echo "componentize-js $< ($(JS_WIT)) -> $@"

$(JS_DIR)/concepts.wasm: guest-js/concepts/src/component.js $(wildcard guest-js/concepts/src/*.js) $(wildcard wit/*.wit) guest-js/package-lock.json
	$(COMPONENTIZE)

$(JS_DIR)/hostile_js.wasm: tests/components/hostile-js/component.js $(wildcard wit/*.wit) guest-js/package-lock.json
	$(COMPONENTIZE)

# A component of the next version of the contract: the WIT with only its version changed.
$(JS_DIR)/contract_0_2.wasm: JS_WIT := target/wit-0.2
$(JS_DIR)/contract_0_2.wasm: tests/components/hostile-js/component.js $(wildcard wit/*.wit) guest-js/package-lock.json
	@rm -rf target/wit-0.2 && mkdir -p target/wit-0.2 && cp -r wit/deps target/wit-0.2/
	@sed 's/epmcp:tool@0.1.0/epmcp:tool@0.2.0/' wit/tool.wit > target/wit-0.2/tool.wit
	$(COMPONENTIZE)

host:
	$(CARGO) build --release -p epmcp

test-bins:
	$(CARGO) build --release -p epmcp-tests --bins

## Serve MCP on stdio against the real EP API.
run: build
	$(BIN)

## Unit tests (host, guest client, tool families natively) and the end-to-end suite.
test: build-test setup-python setup-test test-unit test-reproducible test-e2e

## The components `make build` made come out byte for byte the same from a clean build elsewhere.
test-reproducible: build
	GUESTS="$(GUESTS)" bash tests/reproducible.sh

test-unit: setup
	$(CARGO) test --release -p epmcp -p guest-client $(addprefix -p ,$(GUESTS))
	cd guest-js && npm test --silent

# `make test-e2e T=tools::plenary` runs only the tests whose paths contain T.
test-e2e:
	$(CARGO) test --release -p epmcp-tests --test e2e -- --test-threads=2 $(T)

## A loopback fake of the EP API with the bundled samples, and a scripted client session.
demo: build-test setup-python
	$(VENV)/bin/python tests/python/demo.py

## Cold start, tools/list and tools/call latency, host overhead, peak RSS.
bench: build-test
	target/release/epmcp-bench

## CycloneDX SBOMs (JSON, spec 1.5) of the host and of each component (npm's for the
## JavaScript one), in target/sbom/;
## installs cargo-cyclonedx once. Not part of `make test`.
sbom:
	@command -v cargo-cyclonedx >/dev/null || $(CARGO) install --locked cargo-cyclonedx
	@mkdir -p target/sbom
	$(CARGO) cyclonedx --quiet --format json --spec-version 1.5 --no-build-deps --override-filename epmcp-sbom
	@mv host/epmcp-sbom.json target/sbom/epmcp.cdx.json
	$(CARGO) cyclonedx --quiet --format json --spec-version 1.5 --no-build-deps --override-filename epmcp-sbom --target wasm32-wasip2
	@for g in $(GUESTS); do mv guest-tools/$$g/epmcp-sbom.json target/sbom/$$g.cdx.json; done
	@find . -name epmcp-sbom.json -not -path './target/*' -delete
	@# The JavaScript component: its build toolchain (componentize-js, whose engine it embeds), from the lock file.
	cd guest-js && npm sbom --sbom-format cyclonedx > ../target/sbom/concepts.cdx.json
	@ls target/sbom

## Dependency checks with cargo-deny (installed once; deny.toml says what is allowed):
## licences, banned and duplicate crates, and sources, all offline; then known advisories,
## when the RustSec database can be fetched (offline, that step is skipped and says so).
## Not part of `make test`.
audit:
	@command -v cargo-deny >/dev/null || $(CARGO) install --locked cargo-deny
	$(CARGO) deny --log-level error check licenses bans sources
	@out=$$($(CARGO) deny --log-level error check advisories 2>&1); status=$$?; \
		if [ $$status -ne 0 ] && echo "$$out" | grep -qi "fetch\|network\|resolve"; then \
			echo "advisories: skipped, the RustSec database could not be fetched (offline)"; \
		else echo "$$out"; exit $$status; fi

clean:
	$(CARGO) clean
	rm -rf $(VENV)
