#!/usr/bin/env bash
# Set up (idempotent: a virtualenv in .venv from the lock file) and run one job.
#   ./dev.sh sample   set up, run the pipeline on the bundled sample, show visit counts
#   ./dev.sh test     set up, run the test suite
#   ./dev.sh setup    set up only
set -euo pipefail
cd "$(dirname "$0")"
# Keep Python's bytecode cache even where the environment turns it off: without it every
# process compiles Prefect and its dependencies again (about 1.7 s per process on a 2-core
# machine, and the tests start many).
unset PYTHONDONTWRITEBYTECODE

PYTHON=${PYTHON:-python3}
UV_VERSION=0.13.9

setup() {
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsevents needs Python 3.11 or newer (set PYTHON=...)")'
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  .venv/bin/uv pip install --quiet --python .venv/bin/python -r requirements.lock
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
}

case "${1:-}" in
  setup) setup ;;
  sample)
    setup
    .venv/bin/newsevents run sample/ --data-dir "${DATA_DIR:-data}"
    .venv/bin/newsevents sql "select * from visit_counts order by month, visitor_country, host_country" --data-dir "${DATA_DIR:-data}"
    ;;
  test)
    setup
    shift
    .venv/bin/python -m pytest "$@"
    ;;
  *) echo "usage: ./dev.sh sample | test [pytest args] | setup" >&2; exit 64 ;;
esac
