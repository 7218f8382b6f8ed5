"""`COPY ... TO STDOUT` read in blocks of whole rows, by a thread that reads ahead.

The rows come straight from libpq (`conn.pgconn`, psycopg's documented libpq
wrapper) rather than through `Copy.read()`: psycopg's per-row generator and wait
cost about 0.6 µs a row, 40% of the client's receiving time, and the server's
rows arrive one per CopyData message, so this loop is the hottest Python in the
export. The thread holds the connection's lock while the COPY runs; when the
consumer stops early the COPY is cancelled, so the connection is never left busy.
"""

from __future__ import annotations

import contextlib
import queue
import select
import threading
from collections.abc import Iterator

import psycopg
from psycopg import pq, sql
from psycopg.errors import error_from_result

READ_AHEAD = 3  # blocks the reader may hold ahead of the consumer (memory: 3 x chunk_bytes)
_POLL = 0.2  # seconds between checks for a stopped consumer while the queue is full


class _Stopped(Exception):
    """The consumer went away; the reader cancels the COPY and ends."""


def _wait_readable(pgconn: pq.abc.PGconn) -> None:
    select.select([pgconn.socket], [], [])  # releases the GIL while waiting
    pgconn.consume_input()


def _next_result(pgconn: pq.abc.PGconn) -> pq.abc.PGresult | None:
    pgconn.consume_input()
    while pgconn.is_busy():
        _wait_readable(pgconn)
    return pgconn.get_result()


def _finish(pgconn: pq.abc.PGconn, encoding: str) -> None:
    """Collect the COPY's final results; raise the server's error, if any."""
    error: psycopg.Error | None = None
    while (result := _next_result(pgconn)) is not None:
        if result.status == pq.ExecStatus.FATAL_ERROR and error is None:
            error = error_from_result(result, encoding)
    if error is not None:
        raise error


def _copy_out(
    conn: psycopg.Connection,
    query: sql.Composable,
    chunk_bytes: int,
    put: queue.Queue[bytes | BaseException | None],
    stop: threading.Event,
) -> None:
    def hand_over(block: bytes) -> None:
        while not stop.is_set():
            try:
                put.put(block, timeout=_POLL)
                return
            except queue.Full:
                continue
        raise _Stopped

    pgconn = conn.pgconn
    encoding = conn.info.encoding
    with conn.lock:
        pgconn.send_query(query.as_bytes(conn))
        first = _next_result(pgconn)
        if first is None or first.status != pq.ExecStatus.COPY_OUT:
            _finish(pgconn, encoding)
            if first is not None and first.status == pq.ExecStatus.FATAL_ERROR:
                raise error_from_result(first, encoding)
            raise psycopg.ProgrammingError("the export query did not start a COPY TO STDOUT")
        buffer = bytearray()
        extend, get_row = buffer.extend, pgconn.get_copy_data
        try:
            while True:
                size, row = get_row(1)  # one whole row per CopyData message
                if size > 0:
                    extend(row)
                    if len(buffer) >= chunk_bytes:
                        hand_over(bytes(buffer))
                        buffer.clear()
                elif size == 0:
                    _wait_readable(pgconn)
                elif size == -1:
                    break
                else:
                    raise psycopg.OperationalError(
                        pgconn.get_error_message(encoding) or "COPY failed"
                    )
        except _Stopped:
            conn.cancel()
            while get_row(0)[0] > 0:  # discard what is in flight until the server stops
                pass
            with contextlib.suppress(psycopg.Error):  # the cancellation we asked for
                _finish(pgconn, encoding)
            return
        _finish(pgconn, encoding)
        if buffer:
            hand_over(bytes(buffer))


def copy_blocks(
    conn: psycopg.Connection, query: sql.Composable, chunk_bytes: int
) -> Iterator[bytes]:
    """Blocks of whole rows of `query` (a COPY ... TO STDOUT), each about `chunk_bytes`."""
    blocks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()

    def read() -> None:
        try:
            _copy_out(conn, query, chunk_bytes, blocks, stop)
            item: BaseException | None = None
        except BaseException as exc:  # handed to the consumer, which re-raises
            item = exc
        while not stop.is_set():
            try:
                blocks.put(item, timeout=_POLL)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=read, name="wsa-copy", daemon=True)
    thread.start()
    complete = False
    try:
        while True:
            try:  # a timeout, so that Ctrl-C (maybe delivered to the reader) is seen here
                got = blocks.get(timeout=_POLL)
            except queue.Empty:
                continue
            if got is None:
                complete = True
                break
            if isinstance(got, BaseException):
                raise got
            yield got
    finally:
        stop.set()
        if not complete:  # Ctrl-C or an error: the COPY may still wait on the server
            thread.join(timeout=2 * _POLL)
            if thread.is_alive():
                conn.cancel()
        thread.join()
