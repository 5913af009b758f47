-- The fingerprint of a database's schema and data, one line per object, as tests/it/baseline.rs
-- compares it: tables and their columns, constraints, indexes, sequences, functions (body,
-- settings, security), triggers, the privileges of each (an unset ACL read as its default, the
-- migrating owner as OWNER), and a checksum of every table's rows. Objects of extensions and
-- refinery's own history are left out. Run with DateStyle ISO and TimeZone UTC.
WITH owner AS (SELECT oid FROM pg_roles WHERE rolname = current_user),
rels AS (
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.reloptions, c.relowner, c.relacl, n.nspname
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
       AND c.relname <> 'refinery_schema_history'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                  AND d.deptype = 'e')
)
SELECT line FROM (
    SELECT 'relation ' || r.nspname || '.' || r.relname || ' kind=' || r.relkind::text || ' persistence=' || r.relpersistence::text
           || ' options=' || coalesce(r.reloptions::text, '') || ' own=' || (r.relowner = (SELECT oid FROM owner))
           || ' acl=' || coalesce((SELECT string_agg(s, ',' ORDER BY s) FROM (
                  SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' WHEN a.grantee = (SELECT oid FROM owner) THEN 'OWNER'
                              ELSE a.grantee::regrole::text END || ':' || a.privilege_type AS s
                    FROM aclexplode(coalesce(r.relacl, acldefault(CASE WHEN r.relkind = 'S' THEN 's' ELSE 'r' END::"char", r.relowner))) a) q), '')
           AS line
      FROM rels r
    UNION ALL
    SELECT 'column ' || r.nspname || '.' || r.relname || '#' || a.attnum || ' ' || a.attname || ' '
           || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
           || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') || ' generated=' || a.attgenerated::text
           || CASE WHEN a.attcollation <> 0 THEN ' collate ' || a.attcollation::regcollation::text ELSE '' END
           || ' acl=' || coalesce((SELECT string_agg(s, ',' ORDER BY s) FROM (
                  SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END || ':' || x.privilege_type AS s
                    FROM aclexplode(a.attacl) x) q), '')
      FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'v', 'p', 'c')
    UNION ALL
    SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
           || ' valid=' || c.convalidated || ' deferrable=' || c.condeferrable || ' deferred=' || c.condeferred
      FROM pg_constraint c JOIN rels r ON r.oid = c.conrelid
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN rels r ON r.oid = i.indrelid
    UNION ALL
    SELECT 'sequence ' || s.seqrelid::regclass::text || ' start=' || s.seqstart || ' increment=' || s.seqincrement
      FROM pg_sequence s JOIN rels r ON r.oid = s.seqrelid
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text || ' returns ' || pg_get_function_result(p.oid)
           || ' language=' || l.lanname || ' kind=' || p.prokind::text || ' volatility=' || p.provolatile::text
           || ' strict=' || p.proisstrict || ' parallel=' || p.proparallel::text || ' definer=' || p.prosecdef
           || ' own=' || (p.proowner = (SELECT oid FROM owner)) || ' config=' || coalesce(p.proconfig::text, '')
           || ' body=' || md5(coalesce(p.prosrc, '') || coalesce(pg_get_function_sqlbody(p.oid), ''))
           || ' acl=' || coalesce((SELECT string_agg(s, ',' ORDER BY s) FROM (
                  SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' WHEN a.grantee = (SELECT oid FROM owner) THEN 'OWNER'
                              ELSE a.grantee::regrole::text END || ':' || a.privilege_type AS s
                    FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a) q), '')
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                                  AND d.deptype = 'e')
    UNION ALL
    SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
      FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'schema ' || n.nspname || ' acl=' || coalesce((SELECT string_agg(s, ',' ORDER BY s) FROM (
               SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' WHEN a.grantee = (SELECT oid FROM owner) THEN 'OWNER'
                           ELSE a.grantee::regrole::text END || ':' || a.privilege_type AS s
                 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a) q), '')
      FROM pg_namespace n WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
    UNION ALL
    SELECT 'database acl=' || coalesce((SELECT string_agg(s, ',' ORDER BY s) FROM (
               SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' WHEN a.grantee = d.datdba THEN 'DBOWNER'
                           ELSE a.grantee::regrole::text END || ':' || a.privilege_type AS s
                 FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a) q), '')
      FROM pg_database d WHERE d.datname = current_database()
    UNION ALL
    SELECT 'rows ' || r.nspname || '.' || r.relname || ' ' || (xpath('/row/c/text()', query_to_xml(format(
               'SELECT count(*) || '' '' || md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text COLLATE "C"), '''')) AS c FROM %I.%I t',
               r.nspname, r.relname), false, true, '')))[1]::text
      FROM rels r WHERE r.relkind = 'r'
) fingerprint
ORDER BY line COLLATE "C";
