"""The half of a bulk job that writes nothing, in forked processes.

A bulk job (an import, a demo-data load) spends about half its time in Python that needs no
database (reading, validating, generating, computing keys) and half writing. On two cores
the first half runs in a child forked once the job has loaded what it needs, so the child
inherits it; the child never touches this process's database connection (one that needs
to read opens its own) and sends its results back in order, chunk by chunk, while this
process writes the previous chunk.
"""

import io
import multiprocessing
import os
import pickle
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any


def two_processes() -> bool:
    """fork() exists, there are two cores and the caller has no threads (forking a threaded
    process, a web or task worker, can deadlock the child)."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores >= 2


class ChildFailed(Exception):
    pass


_INHERITED: list = []


def _leave_parent_connections() -> None:
    """The parent's database connections are not ours: keep them untouched (not closed, so
    no goodbye goes down the parent's socket) and let any query here open its own."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _INHERITED.append(conn.connection)
        conn.connection = None


def _dumps(obj, dispatch_table) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    if dispatch_table:
        pickler.dispatch_table = dispatch_table
    pickler.dump(obj)
    return buffer.getvalue()


def _picklable(obj) -> bool:
    try:
        pickle.loads(pickle.dumps(obj))  # noqa: S301 - our own bytes
    except Exception:
        return False
    return True


def _child(send, produce: Callable[[], Iterator[Any]], dispatch_table) -> None:
    _leave_parent_connections()
    try:
        for chunk in produce():
            send.send_bytes(_dumps(("chunk", chunk), dispatch_table))
        send.send_bytes(_dumps(("end", None), dispatch_table))
    except BaseException as exc:  # everything goes back to the parent
        payload = exc if _picklable(exc) else None
        send.send_bytes(_dumps(("error", (payload, traceback.format_exc())), dispatch_table))
    finally:
        from django.db import connections

        connections.close_all()  # the connections this process opened (the parent's were set aside)
        send.close()


def from_child(produce: Callable[[], Iterator[Any]], dispatch_table: dict | None = None) -> Iterator[Any]:
    """The chunks ``produce()`` yields, produced in a forked child (pickled with
    ``dispatch_table``, for compact objects); the child's exception is raised here."""
    return from_children([produce], dispatch_table)


def from_children(
    produces: list[Callable[[], Iterator[Any]]], dispatch_table: dict | None = None
) -> Iterator[Any]:
    """Chunks from one forked child per ``produces``, taken in turn: the first chunk of each
    child, then the second of each, and so on (a child that has finished is skipped). A job
    whose children make chunks 0, n, 2n… / 1, n+1… gets them back in order."""
    context = multiprocessing.get_context("fork")
    channels, processes = [], []
    try:
        for produce in produces:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(send, produce, dispatch_table), daemon=True)
            process.start()
            send.close()
            channels.append(receive)
            processes.append(process)
        running = list(channels)
        while running:
            for receive in list(running):
                try:
                    kind, payload = pickle.loads(receive.recv_bytes())  # noqa: S301 - from our own child
                except EOFError as exc:
                    raise ChildFailed("the worker process stopped without a word") from exc
                if kind == "end":
                    running.remove(receive)
                elif kind == "error":
                    exc, text = payload
                    if isinstance(exc, Exception):
                        raise exc
                    raise ChildFailed(text)
                else:
                    yield payload
    finally:
        for receive in channels:
            receive.close()
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
