-- A desk command's first statements, cheap for the backend that runs them (issue 18: `search`
-- within 1.5x of `psql -c 'SELECT 1'`). Every command runs in a backend of its own, so every
-- statement a function runs is a first one: PL/pgSQL parses, analyses and plans each of them,
-- down to each `IF x IS NOT NULL` and each `x := NULL`, the first time it meets it, and every
-- table and index a statement names is looked up in the catalogue. A search met 81 statements
-- (its own 65, the caller's check 6, the audit row 12), most of the server's time for it. Same
-- rules, same answers; fewer statements and fewer lookups:
--   * the caller's check is one query, its diagnosis only on refusal;
--   * a command's startup reads the operator's own row, not its competence (api.whoami gives
--     the whole operator to the few commands that show it).
-- The search (V48) and the audit row (V49) follow.

-- Who calls (V23's rule, unchanged): session_user, an enabled operator holding one of `p_roles`
-- (short names: desk, helpdesk, batch, admin, auditor, portal). Refuses anyone else; returns the
-- operator's row. The passing caller costs one query; why a caller is refused is asked only then.
CREATE OR REPLACE FUNCTION public.sportello_caller(p_roles text[]) RETURNS public.operators
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators;
BEGIN
    SELECT o.* INTO me FROM public.operators o
     WHERE lower(o.id) = lower(session_user) AND o.disabled_at IS NULL
       AND EXISTS (SELECT 1 FROM unnest(p_roles) r
                    WHERE r IN ('desk', 'helpdesk', 'batch', 'admin', 'auditor', 'portal')
                      AND pg_has_role(session_user, 'sportello_' || r, 'MEMBER'));
    IF NOT FOUND THEN
        PERFORM public.sportello_group_role(r) FROM unnest(p_roles) r; -- a misspelt role raises
        SELECT o.* INTO me FROM public.operators o WHERE lower(o.id) = lower(session_user);
        IF NOT FOUND OR me.disabled_at IS NOT NULL THEN
            RAISE EXCEPTION 'login % is not an enabled operator of this database', session_user
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RAISE EXCEPTION 'operator % holds none of the roles %', me.id, array_to_string(p_roles, ', ')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN me;
END $$;

-- What a command reads on connecting (V28, V33). Rule: about the caller only. The operator's own
-- row, without its competence: most commands never show it, and its join was most of what a new
-- backend spent here. api.whoami has the rest.
DROP FUNCTION api.startup();
CREATE FUNCTION api.startup()
RETURNS TABLE (login text, migration bigint, roles text[], server_time timestamptz,
               id text, full_name text, ente text, fse boolean, created_at timestamptz, created_by text,
               disabled_at timestamptz, disabled_by text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT session_user::text,
           (SELECT max(h.version)::bigint FROM public.refinery_schema_history h),
           ARRAY(SELECT g FROM unnest(ARRAY['sportello_admin', 'sportello_auditor', 'sportello_batch',
                                            'sportello_desk', 'sportello_helpdesk', 'sportello_portal']) g
                  WHERE pg_has_role(session_user, g, 'MEMBER')
                  ORDER BY g),
           now(),
           o.id, o.full_name, o.ente, o.fse, o.created_at, o.created_by, o.disabled_at, o.disabled_by
      FROM (SELECT 1) one
      LEFT JOIN public.operators o ON lower(o.id) = lower(session_user)
$$;

-- The caller's own operator, whole: group roles and competence (as api.operators shows one).
-- Rule: about the caller only, for any login (what startup read, and the competence a refusal
-- names); unrecorded, as startup is.
CREATE FUNCTION api.whoami() RETURNS SETOF api.operator
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT * FROM public.sportello_operator_rows(session_user)
$$;

ALTER FUNCTION api.startup() OWNER TO sportello_api;
ALTER FUNCTION api.whoami() OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.startup(), api.whoami() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.startup(), api.whoami() TO sportello_app;
