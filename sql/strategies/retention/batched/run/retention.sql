CALL bench.retention_batched(%(as_of)s::timestamptz)
