"""A total deadline for one exchange with a server, whatever the server does.

Client libraries bound each socket operation (the ``timeout`` of ``requests`` and ``httpx``),
not the exchange: a server that sends one byte a second never trips a read timeout and holds
the caller for as long as it likes, with no message. Here the exchange runs in a worker
thread that hands over what it reads, piece by piece; the caller waits for each piece only
as long as the deadline leaves, so it gets control back on time even while a connect, a
header line or a body read is still blocked. The worker is then told to stop: it ends at
its next piece, when its own per-read timeout fires, or at once when the caller's
``on_expiry`` can cut its connection.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar, cast

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """The exchange did not end in time; the caller words the message for its server."""

    def __init__(self, seconds: float, pieces: int) -> None:
        super().__init__(f"no complete answer within {seconds:g} s ({pieces} pieces received)")
        self.seconds = seconds
        self.pieces = pieces  # how many pieces had arrived: 0 when the server never answered


def pieces_within(
    produce: Callable[[], Iterator[T]],
    seconds: float,
    on_expiry: Callable[[], None] | None = None,
) -> Iterator[T]:
    """The pieces ``produce()`` yields, all of them within ``seconds`` from now.

    ``produce`` runs in a daemon thread (with the caller's context variables); its errors
    are raised here. Past the deadline this calls ``on_expiry`` (which must not block: shut
    a socket down, never wait on it) and raises :class:`DeadlineExceeded`, even when the
    worker is stuck in a read; time the caller spends between pieces counts too.
    """
    deadline = time.monotonic() + seconds
    handed: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        try:
            iterator = produce()
            try:
                for piece in iterator:
                    handed.put(("piece", piece))
                    if stop.is_set():
                        return
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()  # a generator's cleanup (a ``with`` response) runs in its thread
        except BaseException as error:  # handed to the caller, raised there
            handed.put(("error", error))
        else:
            handed.put(("done", None))

    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(work,), name="deadline", daemon=True)
    worker.start()
    received = 0

    def expired() -> DeadlineExceeded:
        stop.set()
        if on_expiry is not None:
            on_expiry()
        return DeadlineExceeded(seconds, received)

    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise expired()
            try:
                kind, value = handed.get(timeout=remaining)
            except queue.Empty:
                raise expired() from None
            if kind == "done":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            received += 1
            yield cast(T, value)
    finally:
        stop.set()
