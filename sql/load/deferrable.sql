-- What a bulk load defers on the tables %(tables)s (regclass names): their
-- secondary indexes (those backing no constraint: primary keys and unique
-- constraints stay) and their foreign keys, each with its definition as the
-- catalog gives it, so rebuilding it needs nothing copied by hand. Names are
-- schema-qualified, whatever the session's search_path.
SELECT 'index' AS kind, format('%%I.%%I', n.nspname, t.relname) AS table_name,
       format('%%I.%%I', n.nspname, x.relname) AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index AS i
JOIN pg_class AS t ON t.oid = i.indrelid
JOIN pg_class AS x ON x.oid = i.indexrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
WHERE i.indrelid = ANY (%(tables)s::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid
                  AND k.conrelid = i.indrelid)
UNION ALL
SELECT 'foreign_key', format('%%I.%%I', n.nspname, t.relname), k.conname,
       pg_get_constraintdef(k.oid)
FROM pg_constraint AS k
JOIN pg_class AS t ON t.oid = k.conrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
WHERE k.conrelid = ANY (%(tables)s::regclass[]) AND k.contype = 'f'
ORDER BY 1, 2, 3
