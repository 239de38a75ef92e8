# make demo  - start the local Glance with demo images, list them (playbooks/demo.yml),
#              share them with the image_share role (playbooks/share.yml: --check, real,
#              rerun), stop Glance
# make test  - everything from nothing: unit, integration (local Glance), molecule,
#              ansible-test sanity, ansible-lint, docs-test, release-check, ee, versions,
#              and a smoke run of the benchmarks
# make bench - the benchmarks (bench/run.py) into docs/performance.md
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
PYVER := 3.11
TOOLS := $(CURDIR)/.venvs/tools
BIN := $(TOOLS)/bin
BUILD := $(CURDIR)/.build
COLL := $(BUILD)/ansible_collections/nhncloud/compute
PEER := $(PYTHON) $(CURDIR)/tests/peer/peerctl.py
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
export ANSIBLE_COLLECTIONS_PATH := $(BUILD)
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0

.PHONY: setup stage demo test units integration molecule sanity lint peer-start peer-stop clean
.PHONY: docs docs-test release-check ee versions

setup: $(TOOLS)/.installed ~/.ansible/test/cache/.standin
	@$(PEER) install

$(TOOLS)/.installed: requirements-dev.txt requirements.txt
	$(PYTHON) -m venv $(TOOLS)
	$(PIP) --upgrade pip
	$(PIP) -r requirements-dev.txt -r requirements.txt
	touch $@

# ansible-test downloads a get-pip script into every venv it makes; offline, it
# takes a cached one instead, so put our stand-in where it looks.
~/.ansible/test/cache/.standin: tests/utils/get_pip_standin.py $(TOOLS)/.installed
	mkdir -p $(@D)
	version=$$(grep -oP "pip='\K[0-9.]+" $$($(BIN)/python -c \
	  'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py); \
	cp $< $(@D)/get_pip_$${version//./_}.py
	touch $@

# ansible-test wants the collection at ansible_collections/<ns>/<name>: copy the
# files git knows (tracked, or new and not ignored) there. The copy gets a git
# folder of its own, or ansible-test would ask the enclosing repository, which
# ignores .build/.
stage:
	rm -rf $(COLL) && mkdir -p $(COLL)
	git ls-files -z -co --exclude-standard | \
	  tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C $(COLL)
	git -C $(COLL) init -q

demo: setup stage
	trap '$(PEER) stop' EXIT; \
	$(PEER) start; $(PEER) seed-demo; \
	$(PEER) integration-config $(BUILD)/peer-vars.yml; \
	export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false; \
	play="$(BIN)/ansible-playbook -e @$(BUILD)/peer-vars.yml"; \
	echo "== 1. list and inspect the demo images"; $$play playbooks/demo.yml; \
	echo "== 2. drift report: what sharing would change (--check --diff)"; \
	$$play playbooks/share.yml --check --diff; \
	echo "== 3. share for real"; $$play playbooks/share.yml; \
	echo "== 4. again: nothing left to change"; $$play playbooks/share.yml

test: setup stage units integration molecule sanity lint docs-test release-check ee versions \
	bench-smoke
	@echo "make test: all passed"

units: stage
	cd $(COLL) && PYTHONPATH=$(BUILD) $(BIN)/python -m pytest -q \
	  -p no:cacheprovider tests/unit

integration: stage
	trap '$(PEER) stop' EXIT; \
	$(PEER) start; \
	$(PEER) integration-config $(COLL)/tests/integration/integration_config.yml; \
	cd $(COLL) && $(BIN)/ansible-test integration --python $(PYVER) --color no $(TARGETS)

# The image_share role's scenario (extensions/molecule/default) on localhost.
molecule: stage
	trap '$(PEER) stop' EXIT; \
	$(PEER) start; \
	$(PEER) integration-config $(BUILD)/peer-vars.yml; \
	cd $(COLL) && NHNCLOUD_PEER_VARS=$(BUILD)/peer-vars.yml $(BIN)/molecule test

sanity: stage
	cd $(COLL) && $(BIN)/ansible-test sanity --python $(PYVER) --color no

lint: stage
	cd $(COLL) && $(BIN)/ansible-lint --offline --profile production

# Documentation site in .build/docs/html: module and role pages from the
# collection's own docs (antsibull-docs), guides from every docs/*.md. Any
# Sphinx warning, broken link or plugin-doc lint finding fails it.
DOCS := $(BUILD)/docs
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

docs: $(TOOLS)/.installed stage
	$(BIN)/python tests/docs/build_site.py $(COLL) $(DOCS)
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs \
	  --validate-collection-refs all --disallow-unknown-collection-refs $(COLL)

# The built site in headless Chromium: index, module, role and guide pages.
docs-test: docs $(CHROMIUM)
	DOCS_HTML=$(DOCS)/html $(BIN)/python -m pytest -q -p no:cacheprovider tests/docs

# Debian's chromium for the browser test, installed when missing (only the
# docs test needs it, so make demo does not).
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# ---- release: changelog, the tarball installed from nothing, the execution
# environment, and the newest ansible-core (tests/release/).
RELEASE := $(BUILD)/release

release-check: setup stage
	trap '$(PEER) stop' EXIT; $(PEER) start; \
	$(BIN)/python tests/release/release.py check $(COLL) $(RELEASE)/check

ee: setup stage
	$(BIN)/python tests/release/release.py ee $(COLL) $(RELEASE)/ee

# Unit and sanity tests again on the newest ansible-core, with the newest Python
# 3.12+ found (a line says so when there is none).
versions: setup stage
	$(PYTHON) tests/release/versions.py $(COLL) $(CURDIR)/.venvs/tools-newest

peer-start: setup
	$(PEER) start

peer-stop:
	$(PEER) stop

clean:
	-$(PEER) stop
	rm -rf $(BUILD) .peer tests/output

# ---- benchmarks: bench/run.py against a Glance of their own (.build/bench-peer) ----
# make bench writes docs/performance.md and docs/performance-share.png; every
# BENCH_* setting of bench/run.py can be given, e.g. make bench BENCH_RUNS=5.
# bench-smoke runs it all at tiny sizes into .build/bench-smoke; request-count
# targets are checked there too. Each tool has its own environment in .venvs/.
BENCH_PY := $(CURDIR)/.venvs/bench/bin/python
BENCH_VENVS := $(foreach v,bench osc oscloud,$(CURDIR)/.venvs/$(v)/.installed)
BENCH_SMOKE := BENCH_RUNS=1 BENCH_TENANTS=3 BENCH_SIZES=3 BENCH_PARALLEL=2 \
  BENCH_IMAGES=20 BENCH_DRIFT_IMAGES=3 BENCH_DRIFT_MEMBERS=3 BENCH_CLI_RUNS= \
  BENCH_PLOT_RUNS= BENCH_CLI_PLOT_RUNS=1 BENCH_CLI=1 BENCH_OSCLOUD=1
.PHONY: bench bench-smoke bench-setup

bench-setup: setup $(BENCH_VENVS)

$(CURDIR)/.venvs/%/.installed: bench/requirements-%.txt
	$(PYTHON) -m venv --clear $(@D)
	$(@D)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

# Each run gets its own copy of the collection, so that tests staging theirs
# meanwhile do not pull it away from under a long benchmark.
define bench_stage
rm -rf $(1) && mkdir -p $(1)/ansible_collections/nhncloud/compute
git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - \
  2>/dev/null | tar -xf - -C $(1)/ansible_collections/nhncloud/compute
endef

bench: bench-setup
	$(call bench_stage,$(BUILD)/bench-collections)
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/bench-collections $(BENCH_PY) bench/run.py \
	  --doc docs/performance.md --plot docs/performance-share.png --json $(BUILD)/bench.json

bench-smoke: bench-setup
	$(call bench_stage,$(BUILD)/bench-smoke/collections)
	env $(BENCH_SMOKE) ANSIBLE_COLLECTIONS_PATH=$(BUILD)/bench-smoke/collections \
	  $(BENCH_PY) bench/run.py --state $(BUILD)/bench-smoke-peer \
	  --doc $(BUILD)/bench-smoke/performance.md --template docs/performance.md \
	  --plot $(BUILD)/bench-smoke/performance-share.png --json $(BUILD)/bench-smoke/bench.json
