CALL bench.retention_partition(%(as_of)s::timestamptz)
