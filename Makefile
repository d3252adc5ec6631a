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

test: sync
	$(UV) run --frozen pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && echo "pytest collected no tests" && exit 0; exit $$rc

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
