# Two entry points on a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint typecheck unit quick system-deps rules-doc bench bench-image clean

# Debian packages the real-image, registry and version-comparison tests use (debootstrap, umoci, skopeo, a
# registry, Go, rpm; Ruby, PHP and Maven as the reference implementations of their version orders; iproute2
# for the live runtime tests in network namespaces).
SYSTEM_PACKAGES = debootstrap umoci skopeo docker-registry golang-go rpm db-util zstd binutils openssl \
                  ruby php-cli php-composer-semver maven default-jre-headless iproute2
SYSTEM_TOOLS    = debootstrap umoci skopeo docker-registry go rpmbuild db_load objcopy openssl ruby php mvn java ip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/stockade: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# what a regular install does: byte-compile, so start-up does not recompile every module
	$(BIN)/python -m compileall -q src
	touch $@

## demo: install into .venv, scan the bundled example app (insecure, then hardened), write a SARIF file
demo: $(BIN)/stockade
	@echo "== stockade config examples/insecure"
	-$(BIN)/stockade config examples/insecure
	@echo "== stockade config examples/hardened"
	$(BIN)/stockade config examples/hardened
	$(BIN)/stockade config examples/insecure --format sarif --output stockade-demo.sarif
	@echo "SARIF report written to stockade-demo.sarif"
	@echo "== stockade fs examples/hardened --list-all-pkgs  (packages its lockfiles declare)"
	$(BIN)/stockade fs examples/hardened --list-all-pkgs --no-cache
	$(BIN)/stockade fs examples/hardened --format cyclonedx --output stockade-demo.cdx.json --no-cache
	@echo "CycloneDX SBOM written to stockade-demo.cdx.json"

## system-deps: install the Debian packages the image tests need (only those missing)
system-deps:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages for:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			--no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	fi

## test: install into .venv, then lint, type-check, check the layering and run the whole test suite
##       (including the tests that build a real Debian image and run a real registry)
test: $(BIN)/stockade system-deps lint typecheck unit

## quick: the unit tests without the real-image and registry tests
quick: $(BIN)/stockade
	$(BIN)/python -m pytest -q -m "not image"

lint: $(BIN)/stockade
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(BIN)/stockade
	$(BIN)/mypy

unit: $(BIN)/stockade
	$(BIN)/python -m pytest -q

## rules-doc: regenerate docs/rules.md from the check registry (secret rules: docs/secret-rules.md)
rules-doc: $(BIN)/stockade
	$(BIN)/stockade rules list --kind misconfig --format markdown > docs/rules.md

## bench: the headline benchmark (stockade vs checkov on >= 5,000 manifests)
bench: $(BIN)/stockade
	$(BIN)/python benchmarks/config_bench.py

## bench-image: image inventory against the floor of reading the image once (builds a real >= 300 MB image)
bench-image: $(BIN)/stockade system-deps
	$(BIN)/python benchmarks/image_bench.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache stockade-demo.sarif stockade-demo.cdx.json
