"""`python -m wedsync_analytics`."""

from wedsync_analytics.cli.main import run

run()
