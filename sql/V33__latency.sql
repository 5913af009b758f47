-- What every command's connection reads first, made cheap in a new backend (issue 18: a desk
-- command within 1.5x of `psql -c 'SELECT 1'`). Each command runs in a backend of its own, whose
-- caches are empty: every catalogue row a statement needs (a view's definition, a role, a
-- function, a table and each of its indexes) is looked up the first time, and that, not the
-- rows read, is what the first statement costs. Same rules, same results, fewer lookups.

-- An operator as the api shows it (sql/V28). Rule: the group roles are those granted to the
-- operator's login directly, competence as units. Now the memberships are read by role oid
-- (regrole) instead of through the pg_roles view twice, which a new backend has to plan with
-- the view's own join each time.
CREATE OR REPLACE FUNCTION public.sportello_operator_rows(p_id text) RETURNS SETOF api.operator
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT o.id, o.full_name, o.ente, o.fse, o.created_at, o.created_by, o.disabled_at, o.disabled_by,
           -- Group names are plain identifiers (sportello_desk, ...): regrole prints them bare.
           ARRAY(SELECT g.name
                   FROM (SELECT am.roleid::pg_catalog.regrole::text AS name
                           FROM pg_catalog.pg_auth_members am
                          WHERE am.member = pg_catalog.to_regrole(pg_catalog.quote_ident(lower(o.id)))) g
                  WHERE g.name LIKE 'sportello\_%' ORDER BY g.name),
           (SELECT coalesce(json_agg(json_build_array(oc.province, mu.istat_code, mu.name, mu.province)
                                 ORDER BY oc.province NULLS LAST, mu.province, mu.name), '[]')
              FROM public.operator_competence oc
              LEFT JOIN public.municipalities mu ON mu.istat_code = oc.municipality
             WHERE oc.operator_id = o.id)
      FROM public.operators o
     WHERE p_id IS NULL OR lower(o.id) = lower(p_id)
     ORDER BY o.id
$$;

-- What a command reads on connecting (sql/V28), in one statement. Rule: about the caller only.
-- The group roles the login holds through any membership are asked of pg_has_role by name (the
-- six group roles exist from V4 on) rather than by scanning the pg_roles view.
CREATE OR REPLACE FUNCTION api.startup()
RETURNS TABLE (login text, migration bigint, roles text[], server_time timestamptz,
               id text, full_name text, ente text, fse boolean, created_at timestamptz, created_by text,
               disabled_at timestamptz, disabled_by text, operator_roles text[], competence json)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT session_user::text,
           (SELECT max(h.version)::bigint FROM public.refinery_schema_history h),
           ARRAY(SELECT g FROM unnest(ARRAY['sportello_admin', 'sportello_auditor', 'sportello_batch',
                                            'sportello_desk', 'sportello_helpdesk', 'sportello_portal']) g
                  WHERE pg_has_role(session_user, g, 'MEMBER')
                  ORDER BY g),
           now(),
           o.id, o.full_name, o.ente, o.fse, o.created_at, o.created_by, o.disabled_at, o.disabled_by, o.roles, o.competence
      FROM (SELECT 1) one
      LEFT JOIN LATERAL public.sportello_operator_rows(session_user) o ON true
     LIMIT 1
$$;
