#!/usr/bin/env bash
# Mutation testing with mutmut of tasks/extract/temporal.py, tasks/cluster.py,
# tasks/extract/linear.py, tasks/extract/visits.py and the status and date logic of
# tasks/extract/features.py and tasks/extract/rules.py (the functions named in MUTANTS).
#
#   benchmarks/mutation.sh            fresh run, then the score per module
#   benchmarks/mutation.sh --report   only the score of the last run (from mutants/)
#   benchmarks/mutation.sh --survivors   the score and the diff of every surviving mutant
#
# The configuration is the [tool.mutmut] section of pyproject.toml: mutmut copies the
# `tasks` package to ./mutants, mutates the six modules there and runs only the tests it
# lists (temporal, clustering, linear model, visit model, visit cases, visit features),
# without tests/conftest.py (no Prefect server) and without the two clustering tests that
# run the whole pipeline.  Only the mutants named by MUTANTS are run: all of the first four
# modules, the named functions of the other two.  One child process (the machine is shared).
# A fresh run took 23 minutes on the shared 2-core machine (2026-12-03).  The score of
# tasks/cluster.py is also given for its two parts: the full re-clustering, and the
# incremental code (the functions defined after its "incremental clustering" line).
#
# Exit status 1 when a module has fewer than MIN_SCORE percent (default 80) of its
# mutants killed.
set -euo pipefail
cd "$(dirname "$0")/.."

MIN_SCORE=${MIN_SCORE:-80}
MODE=${1:-run}
# mutmut's mutant names: <module>.x_<function>__mutmut_<n>
MUTANTS=(
  "tasks.extract.temporal.*" "tasks.cluster.*" "tasks.extract.linear.*" "tasks.extract.visits.*"
  "tasks.extract.features.x_with_date__*" "tasks.extract.features.x_clause_tense__*"
  "tasks.extract.features.x_status_features__*" "tasks.extract.features.x_relation__*"
  "tasks.extract.features.x_date_features__*"
  "tasks.extract.rules.x_merge__*" "tasks.extract.rules.x__compatible__*"
)

if [ "$MODE" = run ]; then
  # A fresh mutants/ every time: mutmut keeps earlier verdicts of unchanged functions,
  # which would hide what new tests kill.
  rm -rf mutants
  PREFECT_HOME=$(mktemp -d)
  export PREFECT_HOME
  trap 'rm -rf "$PREFECT_HOME"' EXIT
  start=$(date +%s)
  .venv/bin/mutmut run --max-children 1 "${MUTANTS[@]}" > mutants.log 2>&1 || { tail -n 40 mutants.log; exit 2; }
  echo "mutmut run: $(( $(date +%s) - start )) s (log: mutants/run.log)"
  mv mutants.log mutants/run.log
elif [ "$MODE" != --report ] && [ "$MODE" != --survivors ]; then
  echo "usage: benchmarks/mutation.sh [--report | --survivors]" >&2
  exit 64
fi

status=0
.venv/bin/python - "$MIN_SCORE" "${MUTANTS[@]}" <<'EOF' || status=$?
import fnmatch
import json
import re
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

minimum = float(sys.argv[1])
patterns = sys.argv[2:]
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
modules = ("tasks/extract/temporal.py", "tasks/cluster.py", "tasks/extract/linear.py", "tasks/extract/visits.py",
           "tasks/extract/features.py", "tasks/extract/rules.py")
for module in modules:
    meta = Path("mutants") / (module + ".meta")
    if not meta.exists():
        print(f"{module:<28} no results (run benchmarks/mutation.sh first)")
        failed = True
        continue
    codes = {name: code for name, code in json.loads(meta.read_text())["exit_code_by_key"].items()
             if any(fnmatch.fnmatchcase(name, p) for p in patterns)}
    failed |= row(module, list(codes.values())) < minimum
    # the function of each mutant: x_<function> (or xǁ<class>ǁ<method>) before __mutmut_<n>
    function = {name: name.rsplit(".", 1)[1].rsplit("__mutmut_", 1)[0].removeprefix("x_") for name in codes}
    if module == "tasks/cluster.py":
        source = Path(module).read_text()
        tail = source[source.index("# --- incremental clustering"):]
        incremental = set(re.findall(r"^def (\w+)", tail, re.M))
        row("  full re-clustering", [c for name, c in codes.items() if function[name] not in incremental])
        row("  incremental", [c for name, c in codes.items() if function[name] in incremental])
    elif module in ("tasks/extract/features.py", "tasks/extract/rules.py"):
        for f in sorted(set(function.values())):
            row(f"  {f}", [c for name, c in codes.items() if function[name] == f])
sys.exit(1 if failed else 0)
EOF

if [ "$MODE" = --survivors ]; then
  .venv/bin/mutmut results | while read -r name verdict; do
    .venv/bin/mutmut show "${name%:}"
  done
fi
exit $status
