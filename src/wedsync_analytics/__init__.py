"""wedsync-analytics: offline analytics and capacity testing for the WedSync monitoring database."""

from importlib.metadata import version

__version__ = version("wedsync-analytics")  # stated once, in pyproject.toml
