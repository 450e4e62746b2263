"""The run summary: what came in, what went where; progress while a run goes; the run's artifacts.

Every run publishes two Prefect artifacts under fixed keys, so the UI shows their history:
``newsevents-run-report`` (markdown) and ``newsevents-run-table`` (one row per figure).
The command line prints the same summary (:func:`summary_text`).
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from prefect import task

from tasks.ingest import Rejected
from tasks.publish import Published

REPORT_KEY = "newsevents-run-report"
TABLE_KEY = "newsevents-run-table"
BAR_WIDTH = 30


@dataclass
class RunSummary:
    run_id: str
    data_dir: str
    inputs: int = 0
    shards: int = 0
    articles: int = 0
    duplicates: int = 0
    unchanged: int = 0
    quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    mentions: int = 0
    events: int = 0
    visits: int = 0
    recovered_shards: list[str] = field(default_factory=list)
    warehouse: str = ""
    duration_seconds: float = 0.0
    articles_per_second: float = 0.0
    started: float = field(default_factory=time.monotonic, repr=False)

    def add(self, p: Published, rejected: list[Rejected]) -> None:
        """Count a published shard."""
        self.shards += 1
        self.articles += p.articles
        self.duplicates += p.duplicates
        self.unchanged += p.unchanged
        self.quarantined += p.quarantined
        self.mentions += p.mentions
        reasons = Counter(self.quarantined_by_reason)
        reasons.update(r.reason for r in rejected)
        self.quarantined_by_reason = dict(sorted(reasons.items()))

    @property
    def processed(self) -> int:
        """Articles accounted for so far (the rate's count): new, duplicate, unchanged and quarantined."""
        return self.articles + self.duplicates + self.unchanged + self.quarantined

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("started")
        return out


class Progress:
    """Progress of a run on stderr: a bar redrawn in place on a terminal, a plain line per
    shard otherwise (logs, CI), both with articles done, rate and quarantined so far; each
    line also goes to the run's log through Prefect's logger (shown at ``PREFECT_LOGGING_LEVEL=INFO``)."""

    def __init__(self, summary: RunSummary, total_shards: int, out: TextIO | None = None):
        from prefect.logging import get_run_logger

        self.summary = summary
        self.total = total_shards
        self.out = out or sys.stderr
        self.bar = self.out.isatty()
        self.logger = get_run_logger()

    def add(self, p: Published, rejected: list[Rejected]) -> None:
        """Count a published shard into the summary and show where the run stands."""
        self.summary.add(p, rejected)
        s = self.summary
        elapsed = s.elapsed()
        rate = s.processed / elapsed if elapsed > 0 else 0.0
        figures = (
            f"{s.articles:,} new article(s), {s.duplicates:,} duplicate(s), {s.unchanged:,} unchanged, "
            f"{s.quarantined:,} quarantined; {rate:,.0f} articles/s, {elapsed:.1f} s"
        )
        line = f"shard {s.shards}/{self.total}: {figures}"
        self.logger.info(line)
        if self.bar:
            filled = round(BAR_WIDTH * s.shards / max(self.total, 1))
            self.out.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {line}\x1b[K")
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.bar and self.summary.shards:
            self.out.write("\n")
            self.out.flush()


def summary_text(s: dict[str, Any]) -> str:
    """The run summary as the command line prints it."""
    reasons = ", ".join(f"{n} {reason}" for reason, n in s["quarantined_by_reason"].items())
    lines = [
        f"run {s['run_id']}: {s['inputs']} input file(s) in {s['shards']} shard(s), {s['duration_seconds']:.1f} s "
        f"({s['articles_per_second']:,.0f} articles/s)",
        f"  articles: {s['articles']} new, {s['duplicates']} known duplicate(s), {s['unchanged']} unchanged (already in the lake)",
        f"  quarantined: {s['quarantined']}" + (f" ({reasons}; see: newsevents sql \"select * from quarantine\")" if s["quarantined"] else ""),
        f"  event mentions: {s['mentions']} new; events in the lake: {s['events']}; occurred visits counted: {s['visits']}",
        f"  warehouse: {s['warehouse']}",
    ]
    if s["recovered_shards"]:
        lines.append(f"  repaired {len(s['recovered_shards'])} interrupted shard(s) from an earlier run")
    return "\n".join(lines)


def summary_markdown(s: dict[str, Any]) -> str:
    """The run summary as the markdown artifact shows it."""
    rows = [(name, f"{value:,}" if isinstance(value, int) else value) for name, value in summary_rows(s)]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    reasons = "\n".join(f"| {reason} | {n:,} |" for reason, n in s["quarantined_by_reason"].items()) or "| (none) | 0 |"
    return (
        f"# newsevents run\n\nData dir: `{s['data_dir']}`; warehouse: `{s['warehouse']}`\n\n"
        f"| figure | value |\n|---|---|\n{table}\n\n## Quarantined by reason\n\n| reason | inputs |\n|---|---|\n{reasons}\n"
    )


def summary_rows(s: dict[str, Any]) -> list[tuple[str, Any]]:
    """The figures of a run, in the order the report and the table show them."""
    return [
        ("input files", s["inputs"]),
        ("shards", s["shards"]),
        ("articles new", s["articles"]),
        ("articles duplicate", s["duplicates"]),
        ("articles unchanged", s["unchanged"]),
        ("quarantined", s["quarantined"]),
        ("event mentions", s["mentions"]),
        ("events", s["events"]),
        ("occurred visits", s["visits"]),
        ("interrupted shards repaired", len(s["recovered_shards"])),
        ("duration (s)", round(s["duration_seconds"], 2)),
        ("articles/s", round(s["articles_per_second"], 1)),
    ]


def report(summary: RunSummary) -> dict:
    """Finish the summary, log it through Prefect's logger and publish it as the run's artifacts."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact
    from prefect.logging import get_run_logger

    from warehouse.build import connect

    with connect(summary.data_dir) as con:
        summary.visits = int(con.execute("select coalesce(sum(visits), 0) from visit_counts").fetchone()[0])
    summary.duration_seconds = summary.elapsed()
    summary.articles_per_second = summary.processed / summary.duration_seconds if summary.duration_seconds else 0.0
    out = summary.as_dict()
    get_run_logger().info(summary_text(out))
    create_markdown_artifact(markdown=summary_markdown(out), key=REPORT_KEY, description="newsevents run summary")
    create_table_artifact(
        table=[{"figure": name, "value": value} for name, value in summary_rows(out)]
        + [{"figure": f"quarantined: {reason}", "value": n} for reason, n in out["quarantined_by_reason"].items()],
        key=TABLE_KEY,
        description="newsevents run figures",
    )
    return out


report_task = task(report, name="report")
