"""The lake on disk (or object storage): dataset folders, atomic writes, the write journal.

Layout under ``DATA_DIR``::

    lake/<dataset>/year=YYYY/month=MM/part-<shard>.parquet   partitioned datasets
    lake/_ledger/part-<shard>.parquet                        what has been ingested
    lake/_ledger_index.npz                                   the ledger's lookup keys (derived, see warehouse/ledger.py)
    lake/_journal/<shard>.json                               shard writes in progress
    lake/_staging/                                           temporary files (never read)
    warehouse.duckdb                                         views over the lake

Write semantics: a shard's files are named after the shard's content hash, so writing
the same shard twice yields the same files. A shard is written as: journal entry (the
list of files it will write) -> data files (each by write-to-temp-then-rename) -> its
ledger file (the commit point) -> journal entry removed. :meth:`Lake.recover` undoes
shards that died before their commit point, so a killed run is repaired by the next.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import signal
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from newsevents.config import Settings
from schemas import Contract

UNDATED = (0, 0)  # year=0/month=0 holds rows whose partition date is unknown
_CRASH_AFTER = int(os.environ.get("NEWSEVENTS_CRASH_AFTER", "0") or 0)
_steps = 0


def crash_point() -> None:
    """Fault injection for the crash-safety tests: with ``NEWSEVENTS_CRASH_AFTER=N`` the
    process kills itself (SIGKILL, no clean-up) at its N-th write step. Off by default."""
    global _steps
    if _CRASH_AFTER:
        _steps += 1
        if _steps >= _CRASH_AFTER:
            os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Lake:
    """A lake rooted at ``root`` on ``fs`` (a pyarrow filesystem)."""

    fs: pafs.FileSystem
    root: str  # path of DATA_DIR/lake on ``fs``
    data_dir: str  # DATA_DIR as given (local path or URI)
    row_group_size: int = 122_880
    compression: str = "zstd"
    journal_grace_seconds: int = 900  # object stores: a younger journal entry may be a run in progress

    @classmethod
    def open(cls, data_dir: str, *, row_group_size: int = 122_880, compression: str = "zstd", journal_grace_seconds: int = 900) -> "Lake":
        """Open (and create) the lake under ``data_dir``: a local folder or an ``s3://bucket/prefix`` URI."""
        if "://" in data_dir:
            fs, path = _object_store(data_dir)
            root = f"{path.rstrip('/')}/lake"
        else:
            fs = pafs.LocalFileSystem()
            data_dir = os.path.abspath(data_dir)
            root = os.path.join(data_dir, "lake")
        lake = cls(fs=fs, root=root, data_dir=data_dir, row_group_size=row_group_size, compression=compression,
                   journal_grace_seconds=journal_grace_seconds)
        for sub in ("_staging", "_journal", "_ledger"):
            fs.create_dir(lake.path(sub), recursive=True)
        return lake

    @classmethod
    def from_settings(cls, settings: "Settings") -> "Lake":
        """The lake of ``settings.data_dir``, writing Parquet as the settings say."""
        return cls.open(settings.data_dir, row_group_size=settings.row_group_size, compression=settings.compression,
                        journal_grace_seconds=settings.journal_grace_seconds)

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, pafs.LocalFileSystem)

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    # --- files -----------------------------------------------------------------------
    def files(self, dataset: str) -> list[str]:
        """All Parquet files of a dataset, sorted."""
        selector = pafs.FileSelector(self.path(dataset), recursive=True, allow_not_found=True)
        return sorted(
            info.path
            for info in self.fs.get_file_info(selector)
            if info.type == pafs.FileType.File and info.path.endswith(".parquet")
        )

    def exists(self, path: str) -> bool:
        return self.fs.get_file_info(path).type != pafs.FileType.NotFound

    def write_parquet(self, path: str, table: pa.Table) -> None:
        """Write ``table`` to ``path`` so that no reader ever sees a partial file."""
        parent = path.rsplit("/", 1)[0]
        self.fs.create_dir(parent, recursive=True)
        if not self.is_local:  # an object-store PUT is atomic by itself
            pq.write_table(table, path, filesystem=self.fs, row_group_size=self.row_group_size, compression=self.compression)
            return
        tmp = self.path("_staging", f"{uuid.uuid4().hex}.tmp")
        pq.write_table(table, tmp, filesystem=self.fs, row_group_size=self.row_group_size, compression=self.compression)
        crash_point()
        self.fs.move(tmp, path)  # rename(2): atomic on one filesystem
        crash_point()

    def read(self, dataset: str, columns: list[str] | None = None) -> pa.Table | None:
        """Read every file of a dataset (or None when it has none)."""
        files = self.files(dataset)
        return self.read_files(files, columns) if files else None

    def read_files(self, files: list[str], columns: list[str] | None = None) -> pa.Table:
        """Read files into one table; files of older schema versions get nulls for newer columns."""
        tables = [pq.read_table(f, filesystem=self.fs, columns=columns, partitioning=None) for f in files]
        return pa.concat_tables(tables, promote_options="default")

    def delete(self, path: str) -> None:
        if self.exists(path):
            self.fs.delete_file(path)

    # --- partitioned datasets --------------------------------------------------------
    def partition_path(self, contract: Contract, year: int, month: int, shard_id: str) -> str:
        return self.path(contract.name, f"year={year:04d}", f"month={month:02d}", f"part-{shard_id}.parquet")

    def plan_partitioned(self, contract: Contract, table: pa.Table, shard_id: str) -> dict[str, pa.Table]:
        """Split ``table`` by its partition date into {file path: rows}."""
        if table.num_rows == 0:
            return {}
        column = contract.partition_by
        assert column is not None, f"{contract.name} is not partitioned"
        keys = [(d.year, d.month) if d is not None else UNDATED for d in table.column(column).to_pylist()]
        out: dict[str, pa.Table] = {}
        for key in sorted(set(keys)):
            mask = pa.array([k == key for k in keys])
            out[self.partition_path(contract, key[0], key[1], shard_id)] = table.filter(mask)
        return out

    # --- journal: crash safety -------------------------------------------------------
    def journal_path(self, shard_id: str) -> str:
        return self.path("_journal", f"{shard_id}.json")

    def ledger_path(self, shard_id: str) -> str:
        return self.path("_ledger", f"part-{shard_id}.parquet")

    def begin(self, shard_id: str, files: list[str]) -> None:
        """Record the files a shard is about to write, before writing any of them."""
        self._journal(shard_id, {"shard": shard_id, "files": files})

    def begin_compaction(self, compaction_id: str, new: str | None, old: list[str]) -> None:
        """Record that ``old`` files are about to be replaced by the merged file ``new`` (None: by nothing)."""
        self._journal(compaction_id, {"kind": "compact", "new": new, "old": old})

    def end(self, entry_id: str) -> None:
        self.delete(self.journal_path(entry_id))

    def _journal(self, entry_id: str, entry: dict) -> None:
        payload = json.dumps({**entry, "at": dt.datetime.now(dt.UTC).isoformat()})
        path = self.journal_path(entry_id)
        if self.is_local:
            tmp = self.path("_staging", f"{uuid.uuid4().hex}.tmp")
            with self.fs.open_output_stream(tmp) as out:
                out.write(payload.encode())
            self.fs.move(tmp, path)
        else:
            with self.fs.open_output_stream(path) as out:
                out.write(payload.encode())
        crash_point()

    def commit(self, shard_id: str, ledger: pa.Table) -> None:
        """Write the shard's ledger file (the commit point), then forget its journal entry."""
        self.write_parquet(self.ledger_path(shard_id), ledger)
        self.delete(self.journal_path(shard_id))
        crash_point()

    def recover(self) -> list[str]:
        """Undo shards that were interrupted before their commit point; return their ids.

        A shard whose ledger file exists was committed: only its journal entry is left to
        remove. Otherwise every file it may have written is deleted, and since its inputs
        are not in the ledger, the next run processes them again. On an object store, where
        no lock keeps a second run out, an entry younger than ``journal_grace_seconds`` may
        belong to a run still writing: it is left alone (its inputs are processed again
        anyway, into the same content-named files) until it is old enough to be stale.
        """
        undone = []
        selector = pafs.FileSelector(self.path("_journal"), allow_not_found=True)
        now = dt.datetime.now(dt.timezone.utc)
        for info in self.fs.get_file_info(selector):
            if not info.path.endswith(".json"):
                continue
            if not self.is_local and info.mtime is not None and (now - _utc(info.mtime)).total_seconds() < self.journal_grace_seconds:
                continue
            with self.fs.open_input_stream(info.path) as f:
                try:
                    entry = json.loads(f.read())
                except json.JSONDecodeError:  # the journal write itself was cut short
                    entry = None
            if entry is not None and entry.get("kind") == "compact":
                if entry["new"] is None or self.exists(entry["new"]):  # the rewrite is complete: finish the swap
                    for path in entry["old"]:
                        self.delete(path)
            elif entry is not None and not self.exists(self.ledger_path(entry["shard"])):
                for path in entry["files"]:
                    self.delete(path)
                undone.append(entry["shard"])
            self.fs.delete_file(info.path)
        self._clear_staging()
        return undone

    def _clear_staging(self) -> None:
        selector = pafs.FileSelector(self.path("_staging"), allow_not_found=True)
        for info in self.fs.get_file_info(selector):
            if info.type == pafs.FileType.File:
                self.fs.delete_file(info.path)


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)


def _object_store(uri: str) -> tuple[pafs.FileSystem, str]:
    """A pyarrow filesystem for an object-store URI; S3 settings come from the usual AWS_* variables."""
    scheme, _, rest = uri.partition("://")
    if scheme != "s3":
        raise ValueError(f"unsupported data dir {uri!r}: use a local path or s3://bucket/prefix")
    endpoint, region = _s3_settings()
    kwargs = {}
    if endpoint:
        scheme_part, _, host = endpoint.partition("://")
        kwargs = {"endpoint_override": host or scheme_part, "scheme": scheme_part if host else "https"}
    fs = pafs.S3FileSystem(region=region, **kwargs)
    bucket = rest.split("/", 1)[0]
    if not bucket or fs.get_file_info(bucket).type == pafs.FileType.NotFound:
        where = f" at {endpoint}" if endpoint else ""
        raise FileNotFoundError(
            f"S3 bucket {bucket!r} not found{where}: create it first (e.g. `aws s3 mb s3://{bucket}`), "
            "or check AWS_ENDPOINT_URL and AWS_DEFAULT_REGION"
        )
    return fs, rest


def _s3_settings() -> tuple[str | None, str]:
    """The S3 endpoint (None: AWS) and region, from the usual AWS_* variables."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    return endpoint, region


def fsspec_filesystem(data_dir: str) -> "fsspec.AbstractFileSystem":
    """An fsspec filesystem for an object-store data dir (DuckDB reads the lake through it)."""
    import s3fs  # imported here: local lakes never need it

    if not data_dir.startswith("s3://"):
        raise ValueError(f"unsupported data dir {data_dir!r}: use a local path or s3://bucket/prefix")
    endpoint, region = _s3_settings()
    return s3fs.S3FileSystem(
        endpoint_url=endpoint,
        client_kwargs={"region_name": region},
        skip_instance_cache=True,  # fresh listings: the lake changes between warehouse builds
        use_listings_cache=False,
    )


class LakeBusy(RuntimeError):
    """Another run holds the lake's write lock."""


@contextmanager
def write_lock(lake: Lake) -> Iterator[None]:
    """Hold the lake's write lock for a run; a second run fails fast with a clear message.

    Local lakes use an advisory ``flock`` on ``DATA_DIR/.lock``, which the OS releases when
    the holder dies, so a killed run never leaves a stale lock behind.
    """
    if not lake.is_local:
        yield  # object stores: one writer per prefix is the operator's contract (see README)
        return
    path = os.path.join(lake.data_dir, ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise LakeBusy(
                f"another newsevents run is writing to {lake.data_dir} ({holder}); "
                "wait for it to finish, or use another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock
