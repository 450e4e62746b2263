"""The ledger: what has been ingested, so re-runs add nothing and only new input is processed.

Each committed shard writes ``lake/_ledger/part-<shard>.parquet`` with one row per input
unit (a file, or a JSONL line) and its outcome: ``article`` (a new article version),
``duplicate`` (same text as an article already in the lake) or ``quarantined``.

A run looks every input up in the whole ledger, so the index holds it compactly: each
lookup key (an input, an article version, a text) is 16 bytes of the SHA-256 of its
parts, kept in sorted NumPy arrays (about 60 bytes per ledger row instead of ~1.8 KB
of Python strings and tuples: 1M rows take some 60 MB). What a run adds goes to small
Python sets first and is merged into the arrays in batches.

Computing the keys of a million rows takes seconds, so a local lake keeps them in
``lake/_ledger_index.npz``, with the name, size and modification time of each ledger file
they reflect: the next run reads that and only the ledger files written since. The file
is derived data: when a file it lists has changed or gone, the whole ledger is read again.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.build import capped_connection, duckdb_paths, sql_list
from warehouse.lake import Lake

LOAD_MEMORY_LIMIT = "256MB"  # DuckDB's own memory while it reads the ledger; it spills to disk beyond
MERGE_MIN = 65_536  # keys added before they are merged into the sorted arrays (at least; a quarter of them beyond)
_COLUMNS = ["source_key", "raw_hash", "outcome", "article_id", "content_hash"]
_SQL_KEY = "unhex(left(sha256({}), 32))"  # :func:`key` in SQL: the first 16 bytes of the SHA-256 of the parts
SNAPSHOT = "_ledger_index.npz"  # under the lake's root: the keys of the ledger files it lists


def key(*parts: str) -> bytes:
    """The 16-byte lookup key of ``parts`` (NumPy's fixed-width bytes drop trailing NULs: so does this)."""
    return hashlib.sha256("\t".join(parts).encode()).digest()[:16].rstrip(b"\0")


def _keys(con: duckdb.DuckDBPyConnection, query: str) -> np.ndarray:
    return _fixed(con.sql(query).to_arrow_table().column(0))


def _fixed(column: pa.ChunkedArray) -> np.ndarray:
    """A column of 16-byte keys as a NumPy array of fixed-width bytes (no Python object per key)."""
    array = column.combine_chunks().cast(pa.binary(16))
    if len(array) == 0:
        return np.empty(0, dtype="S16")
    return np.frombuffer(array.buffers()[1], dtype="S16", count=len(array), offset=array.offset * 16)


def _position(keys: np.ndarray, k: bytes) -> int | None:
    if not len(keys):
        return None
    i = int(keys.searchsorted(k))
    return i if i < len(keys) and keys[i] == k else None


class KeySet:
    """A set of :func:`key` values: a sorted array, and the keys added since it was last merged."""

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype="S16")
        self._added: set[bytes] = set()

    @classmethod
    def of(cls, keys: np.ndarray) -> "KeySet":
        """The set of ``keys`` (distinct)."""
        out = cls()
        out._sorted = np.sort(keys)
        return out

    def __len__(self) -> int:
        return len(self._sorted) + len(self._added)

    def __contains__(self, k: bytes) -> bool:
        return k in self._added or _position(self._sorted, k) is not None

    def add(self, k: bytes) -> None:
        if k not in self:
            self._added.add(k)
            if len(self._added) >= max(MERGE_MIN, len(self._sorted) // 4):
                self._merge()

    def _merge(self) -> None:
        added = np.array(list(self._added), dtype="S16")
        self._sorted = np.sort(np.concatenate([self._sorted, added]))
        self._added = set()


class KeyMap:
    """A mapping of :func:`key` values to strings (article ids), stored like :class:`KeySet`."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype="S16")
        self._values = np.empty(0, dtype="S1")
        self._added: dict[bytes, str] = {}

    @classmethod
    def of(cls, keys: np.ndarray, values: np.ndarray) -> "KeyMap":
        """The mapping of ``keys`` (distinct) to ``values``."""
        out = cls()
        order = np.argsort(keys, kind="stable")
        out._keys, out._values = keys[order], values[order]
        return out

    def get(self, k: bytes) -> str | None:
        if k in self._added:
            return self._added[k]
        i = _position(self._keys, k)
        return None if i is None else self._values[i].decode()

    def setdefault(self, k: bytes, value: str) -> None:
        if self.get(k) is None:
            self[k] = value

    def __setitem__(self, k: bytes, value: str) -> None:
        self._added[k] = value
        if len(self._added) >= max(MERGE_MIN, len(self._keys) // 4):
            self._merge()

    def _merge(self) -> None:
        # the added entries come first, so np.unique (first occurrences) keeps them over older values
        keys = np.concatenate([np.array(list(self._added), dtype="S16"), self._keys])
        values = np.concatenate([np.array([v.encode() for v in self._added.values()]), self._values])
        self._keys, first = np.unique(keys, return_index=True)
        self._values = values[first]
        self._added = {}


class LedgerIndex:
    """Lookups over the ledger, updated as a run goes: which inputs were read, which article
    versions are stored, and the first article of each text."""

    def __init__(self) -> None:
        self._inputs = KeySet()  # (source_key, raw_hash)
        self._versions = KeySet()  # (article_id, content_hash)
        self._first = KeyMap()  # content_hash -> the first article with that text

    @classmethod
    def load(cls, lake: Lake) -> "LedgerIndex":
        """The index of every committed ledger file of ``lake``: the snapshot of the files it
        lists, and the files written since read with DuckDB (which computes the keys)."""
        index = cls()
        files = lake.files("_ledger")
        if not files:
            return index
        stamps = _stamps(lake, files)
        keys = _Keys.read(lake) if lake.is_local else None
        if keys is None or not set(keys.stamps) <= set(stamps):  # a file it lists has changed or gone
            keys = _Keys.empty()
        known = set(keys.stamps)
        new = [(f, s) for f, s in zip(files, stamps) if s not in known]
        if new:
            keys = keys.merge(_Keys.of_files(lake, [f for f, _ in new], [s for _, s in new]))
            if lake.is_local:
                keys.write(lake)
        index._inputs = KeySet.of(keys.inputs)
        index._versions = KeySet.of(keys.versions)
        index._first = KeyMap.of(keys.first_keys, keys.first_values)
        return index

    def seen_input(self, source_key: str, raw_hash: str) -> bool:
        """Whether this input (its source and raw bytes) is in the ledger."""
        return key(source_key, raw_hash) in self._inputs

    def add_input(self, source_key: str, raw_hash: str) -> None:
        self._inputs.add(key(source_key, raw_hash))

    def has_version(self, article_id: str, content_hash: str) -> bool:
        """Whether this version (article and text) is stored."""
        return key(article_id, content_hash) in self._versions

    def first_with(self, content_hash: str) -> str | None:
        """The first article stored with this text (None: no article has it)."""
        return self._first.get(key(content_hash))

    def set_first(self, content_hash: str, article_id: str) -> None:
        self._first[key(content_hash)] = article_id

    @property
    def inputs(self) -> int:
        """How many inputs the index holds."""
        return len(self._inputs)

    def add_rows(self, rows: list[dict]) -> None:
        """Add ledger rows (the ``_ledger`` columns), as :meth:`load` reads them."""
        for row in rows:
            source_key, raw_hash, outcome, article_id, content_hash = (row[c] for c in _COLUMNS)
            if source_key is not None and raw_hash is not None:
                self._inputs.add(key(source_key, raw_hash))
            if outcome in ("article", "duplicate") and article_id and content_hash:
                self._versions.add(key(article_id, content_hash))
            if outcome == "article" and content_hash and article_id:
                self._first.setdefault(key(content_hash), article_id)


def _stamps(lake: Lake, files: list[str]) -> list[str]:
    """``name<TAB>size<TAB>mtime_ns`` of each ledger file: what a snapshot of their keys is valid for."""
    return [f"{info.base_name}\t{info.size}\t{info.mtime_ns}" for info in lake.fs.get_file_info(files)]


@dataclass
class _Keys:
    """The keys of a set of ledger files (``stamps``, sorted by name): the inputs, the article
    versions, and per text the first article and the file it was read from (an index into
    ``stamps``: the first copy is the first in the order of file names, then of rows)."""

    stamps: list[str]
    inputs: np.ndarray
    versions: np.ndarray
    first_keys: np.ndarray
    first_values: np.ndarray
    first_files: np.ndarray

    @classmethod
    def empty(cls) -> "_Keys":
        none = np.empty(0, dtype="S16")
        return cls([], none, none, none, np.empty(0, dtype="S1"), np.empty(0, dtype=np.int32))

    @classmethod
    def of_files(cls, lake: Lake, files: list[str], stamps: list[str]) -> "_Keys":
        """The keys of ``files`` (sorted by name, each with its stamp), computed by DuckDB."""
        with capped_connection(lake, LOAD_MEMORY_LIMIT) as con:  # the default took +430 MB at 1M rows
            con.execute("set preserve_insertion_order = false")  # no query here depends on it
            names = duckdb_paths(lake, files)
            con.execute(f"create view ledger as select * from read_parquet({sql_list(names)}, filename = true, file_row_number = true)")
            inputs = _keys(con, f"""
                select distinct {_SQL_KEY.format("source_key || chr(9) || raw_hash")} from ledger
                where source_key is not null and raw_hash is not null""")
            versions = _keys(con, f"""
                select distinct {_SQL_KEY.format("article_id || chr(9) || content_hash")} from ledger
                where outcome in ('article', 'duplicate') and article_id <> '' and content_hash <> ''""")
            first = con.sql(f"""
                select {_SQL_KEY.format("content_hash")} as k, min_by(article_id, (filename, file_row_number)) as article_id,
                       min(filename) as file
                from ledger where outcome = 'article' and article_id <> '' and content_hash <> '' group by content_hash
            """).to_arrow_table()
        file_index = np.searchsorted(np.array(names), np.array(first["file"].to_pylist(), dtype=str)).astype(np.int32)
        values = np.array(first["article_id"].to_pylist(), dtype="S")
        return cls(stamps, inputs, versions, _fixed(first["k"]), values, file_index)

    def merge(self, other: "_Keys") -> "_Keys":
        """The keys of both sets of files; a text's first article is the one of the file first by name."""
        stamps = sorted(self.stamps + other.stamps)
        rank = {s: i for i, s in enumerate(stamps)}
        files = np.concatenate([np.array([rank[s] for s in self.stamps], dtype=np.int32)[self.first_files],
                                np.array([rank[s] for s in other.stamps], dtype=np.int32)[other.first_files]])
        keys = np.concatenate([self.first_keys, other.first_keys])
        values = np.concatenate([self.first_values, other.first_values])
        order = np.lexsort((files, keys))
        keys, first = np.unique(keys[order], return_index=True)
        return _Keys(stamps, np.unique(np.concatenate([self.inputs, other.inputs])),
                     np.unique(np.concatenate([self.versions, other.versions])),
                     keys, values[order][first], files[order][first])

    @classmethod
    def read(cls, lake: Lake) -> "_Keys | None":
        """The snapshot of a local lake (None when there is none or it cannot be read)."""
        try:
            with np.load(lake.path(SNAPSHOT), allow_pickle=False) as data:
                return cls(data["stamps"].tolist(), data["inputs"], data["versions"], data["first_keys"],
                           data["first_values"], data["first_files"])
        except (OSError, ValueError, KeyError):
            return None

    def write(self, lake: Lake) -> None:
        """Replace the snapshot atomically (a reader sees the old one or the new one)."""
        tmp = lake.path("_staging", f"{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, stamps=np.array(self.stamps, dtype=str), inputs=self.inputs, versions=self.versions,
                     first_keys=self.first_keys, first_values=self.first_values, first_files=self.first_files)
        os.replace(tmp, lake.path(SNAPSHOT))
