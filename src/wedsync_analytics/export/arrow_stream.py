"""A query's rows as Arrow record batches from ADBC, read ahead (and converted) by a thread.

ADBC's PostgreSQL driver runs the query as a binary `COPY ... TO STDOUT` and decodes it
into record batches of about `batch_bytes` (its size hint). A thread reads the batches and
applies `convert` to each (pyarrow, numpy and Polars release the GIL while they wait, decode
and convert) so the server keeps sending while the consumer writes; at most `READ_AHEAD`
converted batches wait. When the consumer stops early (an error, Ctrl-C) the statement is
cancelled, so no COPY is left running.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pyarrow as pa
from adbc_driver_postgresql import StatementOptions

from wedsync_analytics.arrow_transfer import Connection, Error

READ_AHEAD = 3  # batches the reader may hold ahead of the consumer
_POLL = 0.2  # seconds between checks for a stopped consumer while the queue is full
T = TypeVar("T")


def _as_is(batch: pa.RecordBatch) -> pa.RecordBatch:
    return batch


def record_batches(
    conn: Connection,
    query: str,
    batch_bytes: int,
    convert: Callable[[pa.RecordBatch], T] = _as_is,
) -> Iterator[T]:
    """The rows of `query`, in record batches of about `batch_bytes`, each `convert`ed."""
    cursor = conn.cursor()
    cursor.adbc_statement.set_options(
        **{StatementOptions.BATCH_SIZE_HINT_BYTES.value: str(max(1, batch_bytes))}
    )
    batches: queue.Queue[T | BaseException | None] = queue.Queue(READ_AHEAD)
    stop = threading.Event()

    def hand_over(item: T | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                batches.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            cursor.execute(query)
            reader = cursor.fetch_record_batch()
            for batch in reader:
                if not hand_over(convert(batch)):
                    return
            item: BaseException | None = None
        except BaseException as exc:  # handed to the consumer, which re-raises
            item = exc
        hand_over(item)

    thread = threading.Thread(target=read, name="wsa-arrow", daemon=True)
    thread.start()
    complete = False
    try:
        while True:
            try:  # a timeout, so that Ctrl-C (maybe delivered to the reader) is seen here
                got = batches.get(timeout=_POLL)
            except queue.Empty:
                continue
            if got is None:
                complete = True
                break
            if isinstance(got, BaseException):
                complete = True  # the reader has ended
                raise got
            yield got
    finally:
        stop.set()
        if not complete:  # Ctrl-C or an error: the COPY may still run on the server
            with contextlib.suppress(Error):
                cursor.adbc_cancel()
        thread.join()
        cursor.close()
