#!/usr/bin/env bash
# Runs the whole test suite headless: lint, the import contract, then pytest (offscreen Qt).
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
export PYTHONFAULTHANDLER=1
# A throwaway PostgreSQL for the tests that ask for one (idempotent; skipped if the server is not installed).
if [ -z "${CC_TEST_PG_URL:-}" ]; then
  if url=$(bash .ci/pg_test_server.sh 2>/dev/null); then export CC_TEST_PG_URL="$url"; fi
fi
.venv/bin/ruff check commandcenter widgets devices tests bench
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
