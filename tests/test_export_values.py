"""The export's vectorised value paths: the exporter's sum of the row hashes the server sends
equals the server's own `sum(...)`, numeric(p <= 18, s) travels as exact integers, and 16-byte
uuids become Python's canonical text."""

from __future__ import annotations

import uuid
from decimal import Decimal

import psycopg
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from wedsync_analytics.export.manifest import add_row_hashes, row_hash
from wedsync_analytics.export.pg_types import decimal_from_unscaled, table_columns, uuid_text

INT8 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.lists(INT8, max_size=200), st.integers(min_value=0, max_value=5))
def test_hash_sum_is_exact(values: list[int], offset: int) -> None:
    array = pa.array(values, pa.int64()).slice(min(offset, len(values)))
    assert add_row_hashes(7, array) == 7 + sum(values[min(offset, len(values)) :])


@given(
    st.lists(st.one_of(st.none(), st.integers(-(10**18) + 1, 10**18 - 1)), max_size=100),
    st.integers(min_value=0, max_value=18),
    st.integers(min_value=0, max_value=3),
)
def test_unscaled_integers_become_the_same_decimals(
    values: list[int | None], scale: int, offset: int
) -> None:
    array = pa.array(values, pa.int64()).slice(min(offset, len(values)))
    got = decimal_from_unscaled(array, 18, scale).to_pylist()
    want = [None if v is None else Decimal(v).scaleb(-scale) for v in values[offset:]]
    assert got == want


@given(
    st.lists(st.one_of(st.none(), st.binary(min_size=16, max_size=16)), max_size=100),
    st.integers(min_value=0, max_value=3),
)
def test_uuid_bytes_become_canonical_text(values: list[bytes | None], offset: int) -> None:
    array = pa.array(values, pa.binary(16)).slice(min(offset, len(values)))
    want = [None if v is None else str(uuid.UUID(bytes=v)) for v in values[offset:]]
    assert uuid_text(array).to_pylist() == want


def test_the_sum_of_sent_hashes_is_the_servers_checksum(db: psycopg.Connection) -> None:
    db.execute(
        "CREATE TABLE public.mixed (id uuid, amount numeric(12,3), doc jsonb, tags text[], "
        "at timestamptz, span interval, kind text)"
    )
    db.execute(
        "INSERT INTO public.mixed SELECT gen_random_uuid(), (random() * 1e6)::numeric(12,3), "
        "jsonb_build_object('n', g), ARRAY['a', g::text], now() - g * interval '1 hour', "
        "g * interval '1 minute', CASE WHEN g % 3 = 0 THEN NULL ELSE 'k' END "
        "FROM generate_series(1, 5000) g"
    )
    expr = row_hash(table_columns(db, "mixed")).as_string(db)
    hashes = [r[0] for r in db.execute(f"SELECT {expr} FROM public.mixed").fetchall()]
    row = db.execute(f"SELECT sum({expr})::text FROM public.mixed").fetchone()
    assert row is not None
    total = add_row_hashes(0, pa.array(hashes[:2500], pa.int64()))
    total = add_row_hashes(total, pa.array(hashes[2500:], pa.int64()))
    assert str(total) == row[0]
