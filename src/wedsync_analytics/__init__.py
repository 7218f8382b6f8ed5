"""wedsync-analytics: offline analytics and capacity testing for the WedSync monitoring database."""

__version__ = "0.1.0"
