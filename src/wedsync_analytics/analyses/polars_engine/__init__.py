"""Polars (lazy) implementations, one module per analysis, each `build(tables, params)`."""
