# make demo  - start the local Glance with demo images, list them (playbooks/demo.yml),
#              share them with the image_share role (playbooks/share.yml: --check, real,
#              rerun), stop Glance
# make test  - everything from nothing: unit, integration (local Glance), molecule,
#              ansible-test sanity, ansible-lint, docs-test, release-check, ee, versions
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

test: setup stage units integration molecule sanity lint docs-test release-check ee versions
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
