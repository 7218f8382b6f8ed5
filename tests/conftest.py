"""Test fixtures live in the repository's root `conftest.py`, shared with `benchmarks/`."""
