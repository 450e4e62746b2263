"""All settings in one typed place, with defaults that work on a laptop.

Every field can be overridden by an environment variable ``NEWSEVENTS_<FIELD>`` (for
example ``NEWSEVENTS_DATA_DIR=/srv/lake``); command-line flags override both.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Any

# Prefect's embedded server needs ~22 s to create its database on a fresh machine, more
# than Prefect's default 20 s start-up limit; analytics calls cannot leave this machine.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def apply_prefect_defaults() -> None:
    """Set Prefect's environment defaults unless the user set them; call before importing prefect."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    """Pipeline settings; see the README's configuration table."""

    data_dir: str = "data"
    shard_max_bytes: int = 8 * 1024 * 1024  # input bytes per shard (one Prefect task run per stage); the flow holds workers + 1 of them
    row_group_size: int = 122_880  # Parquet rows per row group: small groups make DuckDB slow
    compression: str = "zstd"
    event_gap_days: int = 3  # mentions of one event further apart than this are separate events
    journal_grace_seconds: int = 900  # object-store lakes: interrupted shards younger than this are not undone yet
    min_confidence: float | None = None  # visits below this confidence are not kept; None: the model's own (cross-validated)
    visit_model: str | None = None  # path of a visit model file; None: the shipped tasks/extract/model/visits.json
    workers: int = 0  # shards prepared at once, each in its own process; 0: one per core
    dask_address: str | None = None  # a Dask scheduler (tcp://host:8786): shards run on that cluster instead
    task_retries: int = 3  # retries of a task that touches the network or object storage
    retry_delay_seconds: float = 2.0  # first retry delay; each next one doubles (exponential backoff)
    task_timeout_seconds: float = 3600.0  # a task running longer than this fails (and is retried where retries apply)
    server_port: int = 4200  # port of the local Prefect server (`newsevents server start`), on 127.0.0.1
    server_home: str | None = None  # its Prefect home (database, log, pid file); None: ~/.cache/newsevents/prefect-server
    near_duplicate_threshold: float = 0.8  # estimated Jaccard similarity of word 5-shingles from which an article is a near-duplicate
    minhash_permutations: int = 128  # MinHash size; articles stored with another size are not compared
    max_input_bytes: int = 64 * 1024 * 1024  # a single-article file (text, HTML) or WARC record larger than this is quarantined
    max_decompressed_bytes: int = 512 * 1024 * 1024  # a compressed JSONL file is read up to this many decompressed bytes
    max_line_bytes: int = 8 * 1024 * 1024  # a longer JSONL line is quarantined without being held in memory
    fetch_timeout_seconds: float = 20.0  # connect and read timeout of a request (a whole response: ten times this)
    fetch_retries: int = 2  # retries of a request that timed out, failed to connect, or got 429 or 5xx
    fetch_backoff_seconds: float = 1.0  # first retry delay; each next one doubles
    fetch_max_bytes: int = 16 * 1024 * 1024  # a larger response is quarantined
    fetch_rate_per_host: float = 1.0  # requests per second to one host, at most
    fetch_user_agent: str = "newsevents/1.0 (news event pipeline; +https://github.com/newsevents/newsevents)"
    fetch_linked_pages: bool = True  # a fetched feed item with only a summary: fetch the page it links to
    allow_private_addresses: bool = False  # fetch from private, loopback and link-local addresses too

    @classmethod
    def from_env(cls, **overrides: Any) -> "Settings":
        """Defaults, then ``NEWSEVENTS_*`` environment variables, then ``overrides`` (if not None)."""
        settings = cls()
        for f in fields(cls):
            raw = os.environ.get(f"NEWSEVENTS_{f.name.upper()}")
            if raw is not None:
                convert = _bool if "bool" in str(f.type) else float if "float" in str(f.type) else int if "int" in str(f.type) else str
                try:
                    settings = replace(settings, **{f.name: convert(raw)})
                except ValueError as exc:
                    raise ValueError(f"NEWSEVENTS_{f.name.upper()}={raw!r} is not a valid {f.type}: {exc}") from exc
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def _bool(raw: str) -> bool:
    """An environment variable's true/false value (1/0, true/false, yes/no, on/off)."""
    value = raw.strip().lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError("expected one of 1/0, true/false, yes/no, on/off")
    return value in ("1", "true", "yes", "on")
