#!/usr/bin/env bash
# The one test command: lint, types, then the whole test suite (README: 运行全部测试).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff" && ruff check .
echo "== mypy --strict" && mypy
echo "== pytest" && python -m pytest -n "${PYTEST_WORKERS:-auto}" "$@"
