"""The `wedsync-analytics` command line: a thin layer over the library."""
