# Every target first brings .venv up to date (idempotent, seconds when it is).
PY := .venv/bin/python

.PHONY: setup test test-fast lint quickstart

setup:
	@bash tools/setup_env.sh

# ruff, then the import layers of pyproject.toml ([tool.importlinter])
lint: setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports

test: setup lint
	$(PY) -m pytest tests -q

# the unit tests only (no tool runs or training), a couple of minutes
test-fast: setup
	$(PY) -m pytest tests -q -m "not slow"

quickstart: setup
	@bash tools/quickstart.sh
