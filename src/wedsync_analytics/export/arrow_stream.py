"""A query's rows as Arrow record batches from ADBC, read ahead by a thread.

ADBC's PostgreSQL driver runs the query as a binary `COPY ... TO STDOUT` and decodes it
into record batches of about `batch_bytes` (its size hint). A thread reads the batches
(pyarrow releases the GIL while it waits and decodes) so the server keeps sending while
the consumer converts and writes; at most `READ_AHEAD` batches wait. When the consumer
stops early (an error, Ctrl-C) the statement is cancelled, so no COPY is left running.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator

import pyarrow as pa
from adbc_driver_postgresql import StatementOptions

from wedsync_analytics.arrow_transfer import Connection, Error

READ_AHEAD = 3  # batches the reader may hold ahead of the consumer
_POLL = 0.2  # seconds between checks for a stopped consumer while the queue is full


def record_batches(conn: Connection, query: str, batch_bytes: int) -> Iterator[pa.RecordBatch]:
    """The rows of `query`, in record batches of about `batch_bytes`."""
    cursor = conn.cursor()
    cursor.adbc_statement.set_options(
        **{StatementOptions.BATCH_SIZE_HINT_BYTES.value: str(max(1, batch_bytes))}
    )
    batches: queue.Queue[pa.RecordBatch | BaseException | None] = queue.Queue(READ_AHEAD)
    stop = threading.Event()

    def hand_over(item: pa.RecordBatch | BaseException | None) -> bool:
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
                if not hand_over(batch):
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
