"""The run summary: what came in, what went where."""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field

from prefect import task

from tasks.publish import Published


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
    mentions: int = 0
    events: int = 0
    recovered_shards: list[str] = field(default_factory=list)
    warehouse: str = ""
    started: float = field(default_factory=time.monotonic, repr=False)

    def add(self, p: Published, shard_number: int, shards: int) -> None:
        """Count a published shard and say so on stderr: long runs show their progress."""
        self.shards += 1
        self.articles += p.articles
        self.duplicates += p.duplicates
        self.unchanged += p.unchanged
        self.quarantined += p.quarantined
        self.mentions += p.mentions
        elapsed = time.monotonic() - self.started
        print(
            f"shard {shard_number}/{shards}: {p.articles} new article(s), {p.duplicates} duplicate(s), "
            f"{p.unchanged} unchanged, {p.quarantined} quarantined, {p.mentions} mention(s); {elapsed:.1f} s so far",
            file=sys.stderr,
            flush=True,
        )

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("started")
        return out

    def text(self) -> str:
        lines = [
            f"run {self.run_id}: {self.inputs} input file(s) in {self.shards} shard(s)",
            f"  articles: {self.articles} new, {self.duplicates} known duplicate(s), {self.unchanged} unchanged (already in the lake)",
            f"  quarantined: {self.quarantined}" + ("  (see: newsevents sql \"select * from quarantine\")" if self.quarantined else ""),
            f"  event mentions: {self.mentions} new; events in the lake: {self.events}",
            f"  warehouse: {self.warehouse}",
        ]
        if self.recovered_shards:
            lines.append(f"  repaired {len(self.recovered_shards)} interrupted shard(s) from an earlier run")
        return "\n".join(lines)


def report(summary: RunSummary) -> dict:
    print(summary.text())
    return summary.as_dict()


report_task = task(report, name="report")
