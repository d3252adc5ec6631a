# Two commands on a fresh machine (Python 3.11+ and make): `make demo`, `make test`.
# uv is used from PATH when present, otherwise installed once into .tools/.
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: demo dev test lint format bench clean sync

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

sync: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --quiet

demo: sync
	$(UV) run --frozen q2c demo $(DEMO_ARGS)

dev: sync
	$(UV) run --frozen q2c dev

# pytest exits 5 when it collected nothing (a mistyped -k, a wrong path): that is a
# failure unless asked for with ALLOW_NO_TESTS=1.
test: sync
	$(UV) run --frozen pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then \
	  echo "pytest collected no tests (PYTEST_ARGS='$(PYTEST_ARGS)'); set ALLOW_NO_TESTS=1 if that is meant"; \
	  [ "$(ALLOW_NO_TESTS)" = 1 ] && exit 0; \
	fi; exit $$rc

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy .

format: sync
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: sync
	$(UV) run --frozen python -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
