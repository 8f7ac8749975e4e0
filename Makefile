# Every target first brings .venv up to date (idempotent, seconds when it is).
PY := .venv/bin/python

.PHONY: setup test lint quickstart

setup:
	@bash tools/setup_env.sh

lint: setup
	.venv/bin/ruff check .

test: setup lint
	$(PY) -m pytest tests -q

quickstart: setup
	@bash tools/quickstart.sh
