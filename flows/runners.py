"""How the flows run their tasks: the shard task runner, retries and timeouts, extraction in order.

Stage functions know nothing of this. The flows take a task from ``tasks/`` and decide
here where it runs (the flow's process, local processes, a Dask cluster), how often it
is retried and how long it may take.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections import deque
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Iterator

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner
from prefect.tasks import exponential_backoff

from newsevents.config import Settings
from tasks.extract.mentions import extract_mentions
from tasks.normalise import NormalisedShard


def timed(task: Task, settings: Settings) -> Task:
    """``task`` with the run's timeout; inputs are not hashed for a cache key (shards are large
    and the ledger, not Prefect's cache, decides what is new)."""
    return task.with_options(timeout_seconds=settings.task_timeout_seconds, cache_policy=NO_CACHE)


def with_retries(task: Task, settings: Settings) -> Task:
    """:func:`timed`, and retried with exponential backoff: for tasks that touch the network
    or object storage (each of them is idempotent: a retry writes the same files)."""
    return timed(task, settings).with_options(
        retries=settings.task_retries,
        retry_delay_seconds=exponential_backoff(backoff_factor=settings.retry_delay_seconds),
    )


PARALLEL_MIN_BYTES = 16 << 20  # by default, less input than this is extracted in the flow's own process


def worker_count(settings: Settings, input_bytes: int) -> int:
    """Processes that extract shards at once: the ``workers`` setting; by default (0) one per
    core, or one for less than 16 MiB of input (about 10,000 articles): a worker process
    needs seconds to start (Prefect, the models), more than it would save on a small run."""
    if settings.workers > 0:
        return settings.workers
    return (os.cpu_count() or 1) if input_bytes >= PARALLEL_MIN_BYTES else 1


SHARDS_PER_WORKER = 4  # a run is cut into at least this many shards per worker, so that none idles at the end
MIN_SHARD_BYTES = 1 << 20  # below this, a shard's Prefect task costs more than its work


def shard_bytes(settings: Settings, workers: int, input_bytes: int) -> int:
    """Input bytes per shard: small enough that every worker gets several shards but not below
    1 MiB (Prefect's cost per task), and never above the ``shard_max_bytes`` setting (memory)."""
    share = input_bytes // (SHARDS_PER_WORKER * workers)
    return min(settings.shard_max_bytes, max(MIN_SHARD_BYTES, share))


def shard_runner(settings: Settings, workers: int, shards: int) -> AbstractContextManager[TaskRunner | None]:
    """The task runner shards are extracted on (None: the flow's own process).

    A Dask cluster when ``dask_address`` is set; else a pool of ``workers`` local processes,
    never more than there are shards; else (one worker, or a single shard) the flow's own
    process, which then needs no process started.
    """
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    processes = min(workers, shards)
    if processes > 1:
        return ProcessPoolTaskRunner(max_workers=processes)
    return nullcontext(None)


class Articles:
    """A shard's articles, boxed: Prefect walks every list and dict a task is given looking for
    futures (in the worker too, where a quote has been taken off), so the articles travel in a
    plain object it does not open. The walk took a fifth of a worker's time."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[dict[str, Any]]):
        self.rows = rows


def extract_shard(articles: Articles, run_id: str) -> list[dict[str, Any]]:
    """The extract stage on a boxed shard: its articles' event mentions."""
    return extract_mentions(articles.rows, run_id)


extract_shard_task = task(extract_shard, name="extract")


class Extraction:
    """Extract shards on ``runner`` and hand them back in the order they were given.

    A shard with no new article needs no worker. At most ``window`` shards are in flight,
    so memory stays bounded however many shards a run has.
    """

    def __init__(self, runner: TaskRunner | None, settings: Settings, workers: int, run_id: str):
        self.runner = runner
        self.run_id = run_id
        self.task = timed(extract_shard_task, settings)
        if settings.dask_address:  # Dask runs tasks in worker threads, where a timeout cannot interrupt them:
            # the bare task without one (``with_options(timeout_seconds=None)`` would keep the timeout)
            self.task = extract_shard_task.with_options(cache_policy=NO_CACHE)
        self.window = workers  # one being extracted per worker: the flow prepares the next meanwhile
        self.pending: deque[tuple[NormalisedShard, PrefectFuture | list[dict[str, Any]] | None]] = deque()

    def submit(self, shard: NormalisedShard) -> Iterator[tuple[NormalisedShard, list[dict[str, Any]]]]:
        """Start extracting ``shard``; yield the shards ready to publish, oldest first."""
        if not shard.articles:
            self.pending.append((shard, None))
        elif self.runner is None:
            self.pending.append((shard, self.task(Articles(shard.articles), self.run_id)))
        else:
            self.pending.append((shard, self.runner.submit(self.task, {"articles": _payload(shard), "run_id": self.run_id})))
        while self.pending and (len(self.pending) > self.window or _done(self.pending[0][1])):
            yield self._next()

    def drain(self) -> Iterator[tuple[NormalisedShard, list[dict[str, Any]]]]:
        """Yield every shard still in flight, in order, as its extraction ends."""
        while self.pending:
            yield self._next()

    def _next(self) -> tuple[NormalisedShard, list[dict[str, Any]]]:
        shard, found = self.pending.popleft()
        if found is None:
            return shard, []
        return shard, found.result() if isinstance(found, PrefectFuture) else found


def release_memory() -> None:
    """Hand the memory freed by the shards back to the system before the stages that read the
    lake whole: Python's objects are collected and, on glibc, the free heap is trimmed (the
    shards' millions of small objects leave it fragmented, resident but unused)."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name and os.uname().sysname == "Linux":
        try:
            ctypes.CDLL(name).malloc_trim(0)
        except (OSError, AttributeError):  # another C library (musl): nothing to trim
            pass


def _payload(shard: NormalisedShard) -> Articles:
    """What a worker needs to extract a shard: its articles that are not known duplicates (extraction
    skips those), without their MinHash and its band hashes (1 KB each, for near-duplicates only). The payload is
    pickled and held until the worker answers, so it is a third of what the shard holds."""
    return Articles([{k: v for k, v in a.items() if not k.startswith("minhash")} for a in shard.articles if not a["duplicate_of"]])


def _done(found: PrefectFuture | list | None) -> bool:
    """Whether the extraction has ended, asked of the runner's own future (no API call)."""
    return not isinstance(found, PrefectFuture) or found.wrapped_future.done()
