"""Executors for a batch: local worker processes, or a Dask cluster. Same job function for both.

``run_local(tasks, workers, ...)``: a ``ProcessPoolExecutor`` with the *spawn* start method
(MediaPipe's native threads do not survive ``fork``) and an initializer that loads the pose
model once per worker. Only as many clips as there are workers are handed out at a time, so when
a worker dies (killed, out of memory, a crash in native code) the clips that were in flight are
known: the pool is rebuilt, finished clips are kept, and the suspects are re-run one at a time
in a fresh 1-worker pool, so that only the clip that really kills its worker is reported failed.

``run_dask(tasks, connect(address), ...)``: ``distributed.Client(address).get_executor()``; Dask
places the work and retries tasks whose worker died (then reports ``KilledWorker``, which becomes a
failed row). Workers load the model lazily on their first clip and keep it. Workers need the same
stridecam installed, and clips and the output folder visible at the same paths (a shared file
system). Start them as one single-threaded process per core (``dask worker ADDR --nthreads 1
--nworkers N``): MediaPipe's Python API runs one inference at a time per process.

Both call ``on_result(status)`` in the caller's thread as each clip finishes, in completion order.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from stridecam.model.errors import StridecamError

WORKER_DIED = ("the worker process died while analysing this clip (killed, out of memory or a "
               "crash in native code)")

Job = Callable[[object], dict]
OnResult = Callable[[dict], None]


def failed_status(task, reason: str) -> dict:
    """A status record for a clip whose job could not return one itself."""
    return {"name": task.name, "clip": task.clip, "out_dir": task.out_dir,
            "athlete": task.athlete, "status": "failed", "reason": reason}


def run_local(tasks: Sequence, workers: int, job: Job, on_result: OnResult, *,
              initializer: Callable | None = None, initargs: tuple = ()) -> None:
    """Run ``job(task)`` for every task in ``workers`` spawned processes (see module docstring).

    A task is handed out only when a worker is free, in the given order (put long clips first
    for a short makespan).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    queue = deque(tasks)
    solo: deque = deque()  # suspects of a worker death, re-run one at a time
    ctx = multiprocessing.get_context("spawn")
    while queue or solo:
        isolate = bool(solo)
        source, limit = (solo, 1) if isolate else (queue, min(workers, len(queue)))
        pool = ProcessPoolExecutor(limit, mp_context=ctx, initializer=initializer,
                                   initargs=initargs)
        try:
            suspects = _drain(pool, source, limit, job, on_result)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        if len(suspects) == 1 or (suspects and isolate):
            for task in suspects:
                on_result(failed_status(task, WORKER_DIED))
        else:
            solo.extend(suspects)


def _drain(pool: ProcessPoolExecutor, source: deque, limit: int, job: Job,
           on_result: OnResult) -> list:
    """Feed ``source`` to ``pool`` with at most ``limit`` in flight until it is empty or the pool
    breaks; returns the tasks that were in flight when it broke (empty if it did not)."""
    in_flight: dict[Future, object] = {}
    suspects: list = []
    broken = False
    while in_flight or (source and not broken):
        while source and not broken and len(in_flight) < limit:
            task = source.popleft()
            try:
                in_flight[pool.submit(job, task)] = task
            except BrokenProcessPool:  # a worker died; its futures are still in flight
                source.appendleft(task)
                broken = True
        if not in_flight:
            break
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            task = in_flight.pop(future)
            try:
                status = future.result()
            except BrokenProcessPool:
                broken = True
                suspects.append(task)
                continue
            on_result(status)
    return suspects


def connect(address: str, *, timeout_s: float = 10.0):
    """A ``distributed.Client`` for the scheduler at ``address`` (``tcp://HOST:PORT``); raises
    ``StridecamError`` if it cannot be reached."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout_s)
    except (OSError, TimeoutError, ValueError) as exc:
        raise StridecamError(f"{address}: cannot reach the Dask scheduler ({exc}); start one with "
                             "'dask scheduler' and workers with 'dask worker ADDRESS "
                             "--nthreads 1' (one process per core)") from exc


def run_dask(tasks: Sequence, client, job: Job, on_result: OnResult) -> None:
    """Run ``job(task)`` for every task through ``client.get_executor()`` (see ``connect``)."""
    from concurrent.futures import as_completed

    executor = client.get_executor(pure=False)
    futures = {executor.submit(job, task): task for task in tasks}
    try:
        for future in as_completed(futures):
            task = futures[future]
            try:
                status = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection, ...
                status = failed_status(task, f"Dask: {type(exc).__name__}: "
                                             f"{' '.join(str(exc).split())}")
            on_result(status)
    finally:
        executor.shutdown(wait=False)
