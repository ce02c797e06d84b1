"""Analysis on several cores: worker processes that each run the whole analysis of a batch of articles.

spaCy's own ``nlp.pipe(n_process=...)`` ships every Doc back to the parent, which then does the reading
and matching alone; measured here it scaled 1.1-1.6x on two cores. Workers that each run NLP, entity
reading and matching and send back only mentions, sentences and watch results scale close to the number
of cores. Workers are forked where the platform allows, so they inherit the pipelines the parent
already built instead of loading the model again; they live for one ``analyze_pending`` call, so a
long-running daemon never keeps their memory.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

_task: Callable[[list[dict]], list[Any]] | None = None


def _run(rows: list[dict]) -> list[Any]:
    assert _task is not None, "worker started without a task"
    return _task(rows)


def _start_worker(task: Callable[[list[dict]], list[Any]]) -> None:
    """Keep the task, and drop signal handlers inherited from the parent (the daemon's SIGTERM handler
    belongs to the daemon): a stop signal ends a worker, and the parent sees its pool break."""
    global _task
    _task = task
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)


def in_workers(
    task: Callable[[list[dict]], list[Any]], batches: Iterable[list[dict]], processes: int
) -> Iterator[tuple[list[dict], list[Any]]]:
    """``(batch, task(batch))`` for every batch, in order, computed by ``processes`` worker processes.

    With one process, or a single batch (not worth forking for), the task runs here. A few batches are
    kept in flight per worker, so workers never wait while the caller stores the previous results.
    """
    batches = iter(batches)
    first = list(itertools.islice(batches, 2))
    batches = itertools.chain(first, batches)
    if processes <= 1 or len(first) < 2:
        for batch in batches:
            yield batch, task(batch)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    in_flight: deque[tuple[list[dict], Future]] = deque()
    # the parent's objects (the models above all) go to the permanent generation before the fork, so the
    # workers' garbage collector never writes to their pages and they stay shared (gc.freeze's purpose)
    gc.freeze()
    try:
        with ProcessPoolExecutor(processes, mp_context=context, initializer=_start_worker, initargs=(task,)) as pool:
            for batch in batches:
                in_flight.append((batch, pool.submit(_run, batch)))
                if len(in_flight) >= 2 * processes:
                    done, future = in_flight.popleft()
                    yield done, future.result()
            while in_flight:
                done, future = in_flight.popleft()
                yield done, future.result()
    finally:
        gc.unfreeze()
