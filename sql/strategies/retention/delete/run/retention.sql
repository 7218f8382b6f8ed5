SELECT public.cleanup_monitoring_data(%(as_of)s::timestamptz)
