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
    shard_max_bytes: int = 32 * 1024 * 1024  # input bytes per shard (one Prefect task run per stage)
    row_group_size: int = 122_880  # Parquet rows per row group: small groups make DuckDB slow
    compression: str = "zstd"
    event_gap_days: int = 3  # mentions of one event further apart than this are separate events
    journal_grace_seconds: int = 900  # object-store lakes: interrupted shards younger than this are not undone yet
    min_confidence: float | None = None  # visits below this confidence are not kept; None: the model's own (cross-validated)
    visit_model: str | None = None  # path of a visit model file; None: the shipped tasks/extract/model/visits.json

    @classmethod
    def from_env(cls, **overrides: Any) -> "Settings":
        """Defaults, then ``NEWSEVENTS_*`` environment variables, then ``overrides`` (if not None)."""
        settings = cls()
        for f in fields(cls):
            raw = os.environ.get(f"NEWSEVENTS_{f.name.upper()}")
            if raw is not None:
                convert = float if "float" in str(f.type) else int if "int" in str(f.type) else str
                try:
                    settings = replace(settings, **{f.name: convert(raw)})
                except ValueError as exc:
                    raise ValueError(f"NEWSEVENTS_{f.name.upper()}={raw!r} is not a valid {f.type}: {exc}") from exc
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})
