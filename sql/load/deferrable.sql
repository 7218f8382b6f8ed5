-- What a bulk load defers on the tables %(tables)s (regclass names): their
-- secondary indexes (those backing no constraint: primary keys and unique
-- constraints stay) and their foreign keys, each with its definition as the
-- catalog gives it, so rebuilding it needs nothing copied by hand.
SELECT 'index' AS kind, i.indrelid::regclass::text AS table_name,
       i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index AS i
WHERE i.indrelid = ANY (%(tables)s::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid
                  AND k.conrelid = i.indrelid)
UNION ALL
SELECT 'foreign_key', k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint AS k
WHERE k.conrelid = ANY (%(tables)s::regclass[]) AND k.contype = 'f'
ORDER BY 1, 2, 3
