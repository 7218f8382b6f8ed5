"""How each PostgreSQL column type travels into Parquet (via Arrow and Polars).

The export asks the server for every column's type, then for each column decides
(1) the expression the server sends (the column itself where ADBC's binary decoding
gives the right Arrow type, else a cast in SQL), and (2) the Polars expression turning
what ADBC delivers (extension types unwrapped to their storage) into the final type.

Type mapping (PostgreSQL -> Parquet/Polars; notes in docs/analyses.md):

- uuid -> String (canonical lower-case 36-char text; ADBC sends 16 bytes, formatted here)
- enum -> Enum(labels in declaration order) (Parquet dictionary; DuckDB sees VARCHAR)
- json, jsonb -> String (the JSON text (jsonb's normalised form))
- numeric(p, s) -> Decimal(p, s) (exact: p <= 18 travels as the int8 value * 10^s, which
  becomes the Decimal's unscaled integer; a larger p as ADBC's decimal text)
- numeric (no typmod) -> Float64 (rounded to a double)
- timestamptz -> Datetime(us, UTC) (instants; +-infinity fails the export)
- timestamp -> Datetime(us) (naive)
- date / time -> Date / Time
- interval -> Duration(us) (months count as 30 days (epoch seconds), sent as microseconds)
- boolean -> Boolean
- smallint / integer / bigint -> Int16 / Int32 / Int64
- real / double precision -> Float32 / Float64
- inet, cidr, macaddr -> String (PostgreSQL's text output, formatted in SQL)
- text, varchar, char, name -> String
- one-dimensional arrays -> List(element) (element mapped as above; uuid[] as text[])
- anything else -> String (PostgreSQL's text output, formatted in SQL)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import psycopg
import pyarrow as pa
from psycopg import sql

# Kinds ADBC's binary decoding delivers as the right Arrow type (or as text/bytes that a
# vectorised Polars cast turns into it): sent as they are. Anything else is cast to text.
_NATIVE = frozenset(
    {"uuid", "enum", "text", "varchar", "bpchar", "name", "int2", "int4", "int8", "float4"}
    | {"float8", "numeric", "bool", "date", "time", "timestamp", "timestamptz", "json", "jsonb"}
)
_NATIVE_ELEMENTS = frozenset(
    {"text", "varchar", "bpchar", "name", "int2", "int4", "int8", "float4", "float8", "bool"}
)
# Types with an extended hash function (so `hash_record_extended` can hash them directly);
# any other column is hashed through its text form.
_HASHABLE = frozenset(
    {
        "uuid",
        "enum",
        "text",
        "varchar",
        "bpchar",
        "name",
        "char",
        "int2",
        "int4",
        "int8",
        "float4",
        "float8",
        "numeric",
        "bool",
        "date",
        "time",
        "timetz",
        "timestamp",
        "timestamptz",
        "interval",
        "jsonb",
        "inet",
        "cidr",
        "macaddr",
        "macaddr8",
        "bytea",
        "oid",
    }
)

_INT8_DIGITS = 18  # every integer of up to 18 decimal digits fits an int8
_INTS: dict[str, pl.DataType] = {"int2": pl.Int16(), "int4": pl.Int32(), "int8": pl.Int64()}
_FLOATS: dict[str, pl.DataType] = {"float4": pl.Float32(), "float8": pl.Float64()}

_COLUMNS_SQL = """
SELECT a.attname,
       format_type(a.atttypid, a.atttypmod),
       coalesce(bt.typname, t.typname),
       coalesce(bt.typtype, t.typtype),
       t.typcategory = 'A' AS is_array,
       et.typname,
       et.typtype,
       NOT a.attnotnull AS nullable,
       CASE WHEN a.atttypmod >= 4 AND coalesce(bt.typname, t.typname) = 'numeric'
            THEN ((a.atttypmod - 4) >> 16) & 65535 END AS precision,
       CASE WHEN a.atttypmod >= 4 AND coalesce(bt.typname, t.typname) = 'numeric'
            THEN (a.atttypmod - 4) & 65535 END AS scale,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
          FROM pg_enum e WHERE e.enumtypid = coalesce(bt.oid, t.oid)) AS labels
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_type et ON t.typcategory = 'A' AND et.oid = t.typelem
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""


@dataclass(frozen=True)
class Column:
    """One exported column: its PostgreSQL type and how it maps to Polars."""

    name: str
    pg_type: str
    kind: str  # base type name (typname), or "enum"
    nullable: bool = True
    is_array: bool = False
    element_kind: str | None = None
    precision: int | None = None
    scale: int | None = None
    labels: tuple[str, ...] | None = None

    @property
    def scaled_integer(self) -> bool:
        """A numeric(p, s) sent as the int8 `value * 10^s` (exact: p <= 18 digits fit)."""
        return (
            self.kind == "numeric"
            and not self.is_array
            and self.precision is not None
            and 0 <= (self.scale or 0) <= self.precision <= _INT8_DIGITS
        )

    # -- server side -------------------------------------------------------
    def select_expr(self) -> sql.Composable:
        """The expression the server sends for this column."""
        ident = sql.Identifier(self.name)
        if self.is_array:
            if self.element_kind in _NATIVE_ELEMENTS:
                return ident
            return sql.SQL("{}::text[] AS {}").format(ident, ident)
        if self.scaled_integer:
            return sql.SQL("({} * {})::int8 AS {}").format(
                ident, sql.Literal(10 ** (self.scale or 0)), ident
            )
        if self.kind == "interval":
            # extract(epoch ...) is an exact numeric (microsecond digits included), so the
            # product is an exact integer (a month counts as 30 days, a year as 365.25).
            return sql.SQL("(extract(epoch FROM {}) * 1000000)::int8 AS {}").format(ident, ident)
        if self.kind in _NATIVE:
            return ident
        # The type's output function (as COPY's text), not a cast: inet::text adds "/32".
        return sql.SQL("CASE WHEN {} IS NOT NULL THEN format('%s', {}) END AS {}").format(
            ident, ident, ident
        )

    def hash_expr(self) -> sql.Composable:
        """This column inside the checksum's `hash_record_extended(ROW(...), 0)`."""
        ident = sql.Identifier(self.name)
        hashable = self.element_kind if self.is_array else self.kind
        if hashable in _HASHABLE:
            return ident
        return sql.SQL("{}::text").format(ident)

    # -- client side -------------------------------------------------------
    def dtype(self) -> pl.DataType:
        """The final Polars (and so Parquet/Arrow) type."""
        if self.is_array:
            return pl.List(_scalar_dtype(self.element_kind or "text", None, None, None))
        return _scalar_dtype(self.kind, self.precision, self.scale, self.labels)

    def convert(self) -> pl.Expr | None:
        """Expression turning the column as ADBC delivers it into the final type, if needed."""
        col = pl.col(self.name)
        if self.is_array:
            return None if self.element_kind in _NATIVE_ELEMENTS else col.cast(self.dtype())
        if self.kind in ("enum", "numeric", "interval") and not self.scaled_integer:
            return col.cast(self.dtype())
        return None

    def arrow_convert(self, array: pa.Array) -> pa.Array:
        """The Arrow array as ADBC delivers it, before Polars (uuid bytes become text)."""
        if isinstance(array, pa.ExtensionArray):  # uuid, json, numeric: their storage
            array = array.storage
        if self.kind == "uuid" and not self.is_array:
            return uuid_text(array)
        if self.scaled_integer:
            assert self.precision is not None
            return decimal_from_unscaled(array, self.precision, self.scale or 0)
        return array

    def to_manifest(self) -> dict[str, object]:
        """JSON form stored in manifest.json."""
        out: dict[str, object] = {
            "name": self.name,
            "pg_type": self.pg_type,
            "kind": self.kind,
            "nullable": self.nullable,
            "parquet_type": str(self.dtype()),
        }
        if self.is_array:
            out["is_array"] = True
            out["element_kind"] = self.element_kind
        if self.precision is not None:
            out["precision"], out["scale"] = self.precision, self.scale
        if self.labels is not None:
            out["labels"] = list(self.labels)
        return out

    @classmethod
    def from_manifest(cls, data: dict[str, object]) -> Column:
        labels = data.get("labels")
        return cls(
            name=str(data["name"]),
            pg_type=str(data["pg_type"]),
            kind=str(data["kind"]),
            nullable=bool(data.get("nullable", True)),
            is_array=bool(data.get("is_array", False)),
            element_kind=_opt_str(data.get("element_kind")),
            precision=_opt_int(data.get("precision")),
            scale=_opt_int(data.get("scale")),
            labels=tuple(str(x) for x in labels) if isinstance(labels, list) else None,
        )


# Every 2-byte sequence's four lower-case hex digits (as one uint32, the characters in memory
# order), indexed by the two bytes read as a big-endian uint16.
_HEX_QUADS = np.frombuffer(np.arange(65536, dtype=">u2").tobytes().hex().encode(), dtype=np.uint32)
_UUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))  # hex digits of 8-4-4-4-12


def uuid_text(array: pa.Array) -> pa.Array:
    """16-byte uuids (FixedSizeBinary(16)) as canonical lower-case text, vectorised."""
    if array.offset:
        array = pa.concat_arrays([array])  # offset 0, so the buffers line up
    n = len(array)
    pairs = np.frombuffer(array.buffers()[1], dtype=">u2", count=8 * n).reshape(n, 8)
    digits = _HEX_QUADS[pairs].view(np.uint8).reshape(n, 32)
    text = np.empty((n, 36), dtype=np.uint8)
    for group, (start, end) in enumerate(_UUID_GROUPS):
        text[:, start + group : end + group] = digits[:, start:end]
        if group:
            text[:, start + group - 1] = ord("-")
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(),
        n,
        [array.buffers()[0], pa.py_buffer(offsets), pa.py_buffer(text)],
        null_count=array.null_count,
    )


def decimal_from_unscaled(array: pa.Array, precision: int, scale: int) -> pa.Array:
    """int64 unscaled values as Decimal128(precision, scale), vectorised (sign-extended)."""
    if array.offset:
        array = pa.concat_arrays([array])  # offset 0, so the buffers line up
    n = len(array)
    values = np.frombuffer(array.buffers()[1], dtype=np.int64, count=n)
    words = np.empty((n, 2), dtype=np.int64)  # little-endian int128: low word, then high
    words[:, 0] = values
    words[:, 1] = values >> 63
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale),
        n,
        [array.buffers()[0], pa.py_buffer(words)],
        null_count=array.null_count,
    )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _scalar_dtype(
    kind: str, precision: int | None, scale: int | None, labels: tuple[str, ...] | None
) -> pl.DataType:
    if kind == "enum":
        return pl.Enum(list(labels or ()))
    if kind in _INTS:
        return _INTS[kind]
    if kind in _FLOATS:
        return _FLOATS[kind]
    if kind == "numeric":
        if precision is None:
            return pl.Float64()
        return pl.Decimal(precision, scale or 0)
    if kind == "timestamptz":
        return pl.Datetime("us", "UTC")
    if kind == "timestamp":
        return pl.Datetime("us")
    if kind == "date":
        return pl.Date()
    if kind == "time":
        return pl.Time()
    if kind == "interval":
        return pl.Duration("us")
    if kind == "bool":
        return pl.Boolean()
    return pl.String()


def table_columns(conn: psycopg.Connection, table: str) -> list[Column]:
    """The columns of `public.<table>` in attribute order, mapped for export."""
    qualified = sql.Identifier("public", table).as_string(conn)
    rows = conn.execute(_COLUMNS_SQL, (qualified,)).fetchall()
    columns = []
    for row in rows:
        name, pg_type, typname, typtype, is_array, elem, elem_typtype, nullable, prec, sc, lab = row
        kind = "enum" if typtype == "e" else str(typname)
        element_kind = None
        if is_array:
            element_kind = "text" if elem_typtype == "e" else str(elem)
        columns.append(
            Column(
                name=str(name),
                pg_type=str(pg_type),
                kind=kind,
                nullable=bool(nullable),
                is_array=bool(is_array),
                element_kind=element_kind,
                precision=prec,
                scale=sc,
                labels=tuple(lab) if lab is not None and typtype == "e" else None,
            )
        )
    return columns
