SELECT rollup.refresh(%(upto)s::timestamptz)
