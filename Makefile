# Two commands do all the set-up (see README): `make demo` and `make test`. Both are idempotent.
SHELL := /bin/bash
VENV := .venv/bin

.PHONY: setup demo hall test bench lint typecheck clean

setup:
	@bash .ci/setup.sh

demo: setup
	@bash .ci/demo.sh $(ARGS)

# The command hall on this machine: PostgreSQL + Mosquitto on loopback, a server, two seats (Ctrl-C stops all).
hall: setup
	@$(VENV)/python -m commandcenter demo --hall $(ARGS)

test: setup
	@bash .ci/test.sh $(ARGS)

bench: setup
	@$(VENV)/python -m bench $(ARGS)

lint: setup
	@$(VENV)/ruff check commandcenter widgets devices tests bench
	@$(VENV)/lint-imports

typecheck: setup
	@$(VENV)/mypy

clean:
	rm -rf .venv out .pytest_cache .mypy_cache .ruff_cache resources/translations/*.qm
