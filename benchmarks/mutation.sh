#!/usr/bin/env bash
# Mutation testing of tasks/extract/temporal.py, tasks/cluster.py and
# tasks/extract/linear.py with mutmut.
#
#   benchmarks/mutation.sh            fresh run, then the score per module
#   benchmarks/mutation.sh --report   only the score of the last run (from mutants/)
#   benchmarks/mutation.sh --survivors   the score and the diff of every surviving mutant
#
# The configuration is the [tool.mutmut] section of pyproject.toml: mutmut copies the
# `tasks` package to ./mutants, mutates the three modules there and runs only
# tests/test_temporal.py, tests/test_cluster.py, tests/test_cluster_incremental.py and
# tests/test_linear.py, without tests/conftest.py (no Prefect server) and without the two
# clustering tests that run the whole pipeline.  One child process (the machine is shared).
# A fresh run took 19 minutes on the shared 2-core machine (2026-12-03).  The score of
# tasks/cluster.py is also given for its two parts: the full re-clustering, and the
# incremental code (the functions defined after its "incremental clustering" line).
#
# Exit status 1 when a module has fewer than MIN_SCORE percent (default 80) of its
# mutants killed.
set -euo pipefail
cd "$(dirname "$0")/.."

MIN_SCORE=${MIN_SCORE:-80}
MODE=${1:-run}

if [ "$MODE" = run ]; then
  # A fresh mutants/ every time: mutmut keeps earlier verdicts of unchanged functions,
  # which would hide what new tests kill.
  rm -rf mutants
  PREFECT_HOME=$(mktemp -d)
  export PREFECT_HOME
  trap 'rm -rf "$PREFECT_HOME"' EXIT
  start=$(date +%s)
  .venv/bin/mutmut run --max-children 1 > mutants.log 2>&1 || { tail -n 40 mutants.log; exit 2; }
  echo "mutmut run: $(( $(date +%s) - start )) s (log: mutants/run.log)"
  mv mutants.log mutants/run.log
elif [ "$MODE" != --report ] && [ "$MODE" != --survivors ]; then
  echo "usage: benchmarks/mutation.sh [--report | --survivors]" >&2
  exit 64
fi

status=0
.venv/bin/python - "$MIN_SCORE" <<'EOF' || status=$?
import json
import re
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

minimum = float(sys.argv[1])
failed = False


def row(name: str, codes: list[int]) -> float:
    counts = Counter(status_by_exit_code[code] for code in codes)
    total = sum(counts.values())
    killed = counts["killed"]
    other = total - killed - counts["survived"] - counts["timeout"] - counts["no tests"]
    score = 100 * killed / total if total else 0.0
    print(f"{name:<28} {killed:>7} {total:>6} {score:>6.1f}% {counts['survived']:>9} "
          f"{counts['timeout']:>8} {counts['no tests']:>9} {other:>6}")
    return score


print(f"{'module':<28} {'killed':>7} {'total':>6} {'score':>7} {'survived':>9} {'timeout':>8} {'no tests':>9} {'other':>6}")
for module in ("tasks/extract/temporal.py", "tasks/cluster.py", "tasks/extract/linear.py"):
    meta = Path("mutants") / (module + ".meta")
    if not meta.exists():
        print(f"{module:<28} no results (run benchmarks/mutation.sh first)")
        failed = True
        continue
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    failed |= row(module, list(codes.values())) < minimum
    if module == "tasks/cluster.py":
        # mutants are named tasks.cluster.x_<function>__mutmut_<n>
        source = Path(module).read_text()
        tail = source[source.index("# --- incremental clustering"):]
        incremental = set(re.findall(r"^def (\w+)", tail, re.M))
        function = {name: re.match(r"tasks\.cluster\.x_(\w+?)__mutmut_\d+$", name).group(1) for name in codes}
        row("  full re-clustering", [c for name, c in codes.items() if function[name] not in incremental])
        row("  incremental", [c for name, c in codes.items() if function[name] in incremental])
sys.exit(1 if failed else 0)
EOF

if [ "$MODE" = --survivors ]; then
  .venv/bin/mutmut results | while read -r name verdict; do
    .venv/bin/mutmut show "${name%:}"
  done
fi
exit $status
