"""Query budgets that CI can trust: buffers and plan shape as gates, time as a warning band
(`budgets.toml`, `wedsync-analytics budget`, the `query_budget` pytest fixture; docs/budgets.md)."""
