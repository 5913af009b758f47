-- The database's API for administrators, auditors and statistics (issue 16): operator
-- management, the connection's startup, the audit log's reads, the statistics. Each function
-- below is the rule it names: it checks the caller (sportello_caller), does the use case's
-- writes and writes its own audit row (sportello_record). No commit-time check remains for
-- operator changes: a change and its record are one function.

-- ------------------------------------------------------------------------------------------
-- Who is the schema owner: the owner (and a superuser) may read what the application logins
-- read only through this API, without being an operator (migrations, tests, repairs).
CREATE FUNCTION public.sportello_is_owner() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT session_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = 'public.audit_log'::regclass)
        OR coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
$$;
REVOKE ALL ON FUNCTION public.sportello_is_owner() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_is_owner() TO sportello_api;

-- ------------------------------------------------------------------------------------------
-- Operators, as every function here returns them: the row, the group roles granted to the
-- login directly, the competence as [province, municipality, its name, its province].
CREATE TYPE api.operator AS (
    id text, full_name text, ente text, fse boolean, created_at timestamptz, created_by text,
    disabled_at timestamptz, disabled_by text, roles text[], competence json);

CREATE FUNCTION public.sportello_operator_rows(p_id text) RETURNS SETOF api.operator
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT o.id, o.full_name, o.ente, o.fse, o.created_at, o.created_by, o.disabled_at, o.disabled_by,
           ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_auth_members am
                 JOIN pg_catalog.pg_roles g ON g.oid = am.roleid JOIN pg_catalog.pg_roles m ON m.oid = am.member
                 WHERE m.rolname = lower(o.id) AND g.rolname LIKE 'sportello\_%' ORDER BY g.rolname),
           (SELECT coalesce(json_agg(json_build_array(oc.province, mu.istat_code, mu.name, mu.province)
                                 ORDER BY oc.province NULLS LAST, mu.province, mu.name), '[]')
              FROM public.operator_competence oc
              LEFT JOIN public.municipalities mu ON mu.istat_code = oc.municipality
             WHERE oc.operator_id = o.id)
      FROM public.operators o
     WHERE p_id IS NULL OR lower(o.id) = lower(p_id)
     ORDER BY o.id
$$;
REVOKE ALL ON FUNCTION public.sportello_operator_rows(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_operator_rows(text) TO sportello_api;

-- The changes themselves stay with the schema owner's functions of V4 (creating logins
-- and granting group roles needs CREATEROLE, which the definer role has not), now called only
-- by the api functions below, which record them: the commit-time check of V4 is gone.
CREATE OR REPLACE FUNCTION sportello_operator_add(id text, full_name text, ente text, fse boolean,
    provinces text[], municipalities text[], roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_check_grantable(me, fse, provinces, municipalities, roles);
    IF EXISTS (SELECT 1 FROM operators o WHERE lower(o.id) = lower(sportello_operator_add.id)) THEN
        RAISE EXCEPTION 'operator % exists already', id USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM sportello_operator_login(id);
    INSERT INTO operators (id, full_name, ente, fse, created_by) VALUES (id, full_name, ente, fse, me);
    PERFORM sportello_set_competence(id, provinces, municipalities);
    PERFORM sportello_grant_roles(id, roles);
END $$;

CREATE OR REPLACE FUNCTION sportello_operator_grant(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, '{}', '{}', roles);
    IF (SELECT disabled_at IS NOT NULL FROM operators o WHERE lower(o.id) = lower(sportello_operator_grant.id)) THEN
        RAISE EXCEPTION 'operator % is disabled: enable them first', id USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM sportello_grant_roles(lower(id), roles);
END $$;

CREATE OR REPLACE FUNCTION sportello_operator_revoke(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
    r text;
BEGIN
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, '{}', '{}', roles);
    FOREACH r IN ARRAY coalesce(roles, '{}') LOOP
        EXECUTE format('REVOKE %I FROM %I', sportello_group_role(r), lower(id));
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION sportello_operator_competence(id text, provinces text[], municipalities text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, provinces, municipalities, '{}');
    PERFORM sportello_set_competence(id, provinces, municipalities);
END $$;

-- Disabling ends the operator's open sessions at once (V4): a session that ran SET ROLE
-- keeps what it took otherwise.
CREATE OR REPLACE FUNCTION sportello_operator_disable(id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
    r text;
BEGIN
    IF lower(id) = lower(me) THEN
        RAISE EXCEPTION 'operators cannot disable themselves: another administrator must'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM sportello_check_manageable(me, id);
    UPDATE operators o SET disabled_at = now(), disabled_by = me
     WHERE lower(o.id) = lower(sportello_operator_disable.id) AND disabled_at IS NULL;
    IF to_regrole(quote_ident(lower(id))) IS NOT NULL THEN
        FOREACH r IN ARRAY ARRAY['desk', 'helpdesk', 'batch', 'admin', 'auditor', 'portal'] LOOP
            IF pg_has_role(lower(id), sportello_group_role(r), 'MEMBER') THEN
                EXECUTE format('REVOKE %I FROM %I', sportello_group_role(r), lower(id));
            END IF;
        END LOOP;
        EXECUTE format('ALTER ROLE %I NOLOGIN', lower(id));
        IF NOT pg_has_role(current_user, lower(id), 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', lower(id), current_user);
        END IF;
        PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a WHERE a.usename = lower(id);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION sportello_operator_enable(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, '{}', '{}', roles);
    UPDATE operators o SET disabled_at = NULL, disabled_by = NULL WHERE lower(o.id) = lower(sportello_operator_enable.id);
    PERFORM sportello_operator_login(lower(id));
    PERFORM sportello_grant_roles(lower(id), roles);
END $$;

DROP FUNCTION sportello_require_recorded(text, text);
REVOKE EXECUTE ON FUNCTION
    sportello_operator_add(text, text, text, boolean, text[], text[], text[]),
    sportello_operator_grant(text, text[]),
    sportello_operator_revoke(text, text[]),
    sportello_operator_competence(text, text[], text[]),
    sportello_operator_disable(text),
    sportello_operator_enable(text, text[])
FROM sportello_admin, PUBLIC;
GRANT EXECUTE ON FUNCTION
    sportello_operator_add(text, text, text, boolean, text[], text[], text[]),
    sportello_operator_grant(text, text[]),
    sportello_operator_revoke(text, text[]),
    sportello_operator_competence(text, text[], text[]),
    sportello_operator_disable(text),
    sportello_operator_enable(text, text[])
TO sportello_api;

-- Add an operator. Rule: an enabled administrator, never beyond their own competence, FSE
-- authorisation and roles (sportello_operator_add); recorded as operator-add with what was given.
CREATE FUNCTION api.operator_add(p_id text, p_full_name text, p_ente text, p_fse boolean,
    p_provinces text[], p_municipalities text[], p_roles text[]) RETURNS SETOF api.operator
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM public.sportello_caller(ARRAY['admin']);
    PERFORM public.sportello_operator_add(p_id, p_full_name, p_ente, p_fse, p_provinces, p_municipalities, p_roles);
    PERFORM public.sportello_record('operator-add', lower(p_id),
        jsonb_build_object('ente', p_ente, 'fse', p_fse, 'provinces', to_jsonb(coalesce(p_provinces, '{}')),
                           'municipalities', to_jsonb(coalesce(p_municipalities, '{}')),
                           'roles', to_jsonb(coalesce(p_roles, '{}'))));
    RETURN QUERY SELECT * FROM public.sportello_operator_rows(p_id);
END $$;

-- One change to an operator: 'grant', 'revoke-role' and 'enable' take roles, 'competence' takes
-- provinces and municipalities, 'disable' nothing. Rule: an enabled administrator whose
-- competence covers the operator's, granting only what they hold (the owner's functions
-- above); recorded as operator-<change> with what changed.
CREATE FUNCTION api.operator_change(p_id text, p_change text, p_roles text[], p_provinces text[],
    p_municipalities text[]) RETURNS SETOF api.operator
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    details jsonb;
BEGIN
    PERFORM public.sportello_caller(ARRAY['admin']);
    IF NOT EXISTS (SELECT 1 FROM public.operators o WHERE lower(o.id) = lower(p_id)) THEN
        RAISE EXCEPTION 'unknown operator %', p_id USING ERRCODE = 'no_data_found';
    END IF;
    CASE p_change
        WHEN 'grant' THEN
            PERFORM public.sportello_operator_grant(p_id, p_roles);
            details := jsonb_build_object('roles', to_jsonb(coalesce(p_roles, '{}')));
        WHEN 'revoke-role' THEN
            PERFORM public.sportello_operator_revoke(p_id, p_roles);
            details := jsonb_build_object('roles', to_jsonb(coalesce(p_roles, '{}')));
        WHEN 'competence' THEN
            PERFORM public.sportello_operator_competence(p_id, p_provinces, p_municipalities);
            details := jsonb_build_object('provinces', to_jsonb(coalesce(p_provinces, '{}')),
                                          'municipalities', to_jsonb(coalesce(p_municipalities, '{}')));
        WHEN 'disable' THEN
            PERFORM public.sportello_operator_disable(p_id);
            details := '{}';
        WHEN 'enable' THEN
            PERFORM public.sportello_operator_enable(p_id, p_roles);
            details := jsonb_build_object('roles', to_jsonb(coalesce(p_roles, '{}')));
        ELSE
            RAISE EXCEPTION 'unknown change %: grant, revoke-role, competence, disable or enable', p_change
                USING ERRCODE = 'invalid_parameter_value';
    END CASE;
    PERFORM public.sportello_record('operator-' || p_change, lower(p_id), details);
    RETURN QUERY SELECT * FROM public.sportello_operator_rows(p_id);
END $$;

-- The directory: every operator (p_id NULL, recorded as operator-list with how many) or one
-- (recorded as operator-view). Rule: administrators and auditors.
CREATE FUNCTION api.operators(p_id text) RETURNS SETOF api.operator
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    PERFORM public.sportello_caller(ARRAY['admin', 'auditor']);
    RETURN QUERY SELECT * FROM public.sportello_operator_rows(p_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF p_id IS NULL THEN
        PERFORM public.sportello_record('operator-list', NULL, '{}', n);
    ELSIF n = 0 THEN
        RAISE EXCEPTION 'unknown operator %', p_id USING ERRCODE = 'no_data_found';
    ELSE
        PERFORM public.sportello_record('operator-view', lower(p_id), '{}', n);
    END IF;
END $$;

-- Is this municipality within the calling operator's own competence (directly or by its
-- province)? Rule: an operator asks about themselves only (the residence checks of the desk).
CREATE FUNCTION api.operator_covers(p_operator text, p_istat_code text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk', 'helpdesk', 'batch', 'admin', 'auditor', 'portal']);
BEGIN
    IF lower(p_operator) <> lower(me.id) THEN
        RAISE EXCEPTION 'operator % asks only about their own competence', me.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN EXISTS (SELECT 1 FROM public.operator_competence oc JOIN public.municipalities m ON m.istat_code = p_istat_code
                    WHERE oc.operator_id = me.id AND (oc.municipality = m.istat_code OR oc.province = m.province));
END $$;

-- What a command reads on connecting, in one statement: the login, the newest migration (the
-- history table is not the logins' to read), the group roles the login holds (through any
-- membership), the server's clock, and the operator the login is (none for a login that is
-- not one). Rule: about the caller only.
CREATE FUNCTION api.startup()
RETURNS TABLE (login text, migration bigint, roles text[], server_time timestamptz,
               id text, full_name text, ente text, fse boolean, created_at timestamptz, created_by text,
               disabled_at timestamptz, disabled_by text, operator_roles text[], competence json)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT session_user::text,
           (SELECT max(h.version)::bigint FROM public.refinery_schema_history h),
           ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
                  WHERE r.rolname IN ('sportello_desk', 'sportello_helpdesk', 'sportello_batch', 'sportello_admin',
                                      'sportello_auditor', 'sportello_portal')
                    AND pg_has_role(session_user, r.oid, 'MEMBER')
                  ORDER BY r.rolname),
           now(),
           o.id, o.full_name, o.ente, o.fse, o.created_at, o.created_by, o.disabled_at, o.disabled_by, o.roles, o.competence
      FROM (SELECT 1) one
      LEFT JOIN LATERAL public.sportello_operator_rows(session_user) o ON true
     LIMIT 1
$$;

-- The first administrator (the owner only, once, however many at the same time: V4), now
-- recording itself.
CREATE OR REPLACE FUNCTION sportello_operator_bootstrap(id text, full_name text, ente text, fse boolean,
    provinces text[], municipalities text[], roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    given text[] := array_append(array_remove(coalesce(roles, '{}'), 'admin'), 'admin');
BEGIN
    LOCK TABLE operators IN EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM operators) THEN
        RAISE EXCEPTION 'this database has operators already: an administrator adds the others with `sportello operator add`, the owner repairs one with `sportello operator bootstrap --repair`'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM sportello_operator_login(id);
    INSERT INTO operators (id, full_name, ente, fse, created_by) VALUES (id, full_name, ente, fse, NULL);
    PERFORM sportello_set_competence(id, provinces, municipalities);
    PERFORM sportello_grant_roles(id, given);
    PERFORM sportello_record('operator-add', lower(id),
        jsonb_build_object('bootstrap', true, 'ente', ente, 'fse', fse,
                           'provinces', to_jsonb(coalesce(provinces, '{}')),
                           'municipalities', to_jsonb(coalesce(municipalities, '{}')),
                           'roles', to_jsonb(array_prepend('admin', array_remove(coalesce(roles, '{}'), 'admin')))));
END $$;

-- The owner is the root of trust, always (issue 18): an administrator made wrong (a wrong
-- competence, a missing role or FSE, disabled, or a second one wanted) is repaired or added
-- by the schema owner at any time, without dropping the database. Existing: name, ente, FSE
-- and competence replaced, enabled again, given admin and the roles given (none taken away).
-- New: added as an administrator created by the owner. Rule: the owner only (no GRANT).
CREATE FUNCTION sportello_operator_repair(id text, full_name text, ente text, fse boolean,
    provinces text[], municipalities text[], roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    given text[] := array_prepend('admin', array_remove(coalesce(roles, '{}'), 'admin'));
    stored text;
    added boolean;
BEGIN
    IF NOT sportello_is_owner() THEN
        RAISE EXCEPTION 'only the schema owner repairs an administrator' USING ERRCODE = 'insufficient_privilege';
    END IF;
    LOCK TABLE operators IN EXCLUSIVE MODE;
    IF NOT EXISTS (SELECT 1 FROM operators) THEN
        RAISE EXCEPTION 'this database has no operator yet: add the first administrator with `sportello operator bootstrap`'
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT o.id INTO stored FROM operators o WHERE lower(o.id) = lower(sportello_operator_repair.id);
    added := stored IS NULL;
    PERFORM sportello_operator_login(lower(id));
    IF stored IS NULL THEN
        INSERT INTO operators (id, full_name, ente, fse, created_by) VALUES (lower(id), full_name, ente, fse, session_user);
        stored := lower(id);
    ELSE
        UPDATE operators o SET full_name = sportello_operator_repair.full_name, ente = sportello_operator_repair.ente,
                               fse = sportello_operator_repair.fse, disabled_at = NULL, disabled_by = NULL
         WHERE o.id = stored;
    END IF;
    PERFORM sportello_set_competence(stored, provinces, municipalities);
    PERFORM sportello_grant_roles(lower(id), given);
    PERFORM sportello_record('operator-repair', lower(id),
        jsonb_build_object('added', added, 'ente', ente, 'fse', fse,
                           'provinces', to_jsonb(coalesce(provinces, '{}')),
                           'municipalities', to_jsonb(coalesce(municipalities, '{}')),
                           'roles', to_jsonb(given)));
END $$;
REVOKE ALL ON FUNCTION sportello_operator_repair(text, text, text, boolean, text[], text[], text[]) FROM PUBLIC;

-- ------------------------------------------------------------------------------------------
-- The audit log's reads.

-- A listing, newest first, with the filters given. Rule: auditors; recorded as audit-list with
-- the filters and how many rows (after the rows: a listing does not list itself).
CREATE FUNCTION api.audit_list(p_operator text, p_action text, p_target text, p_from date, p_to date, p_limit bigint)
RETURNS TABLE (id bigint, at timestamptz, operator_id text, login text, origin text, command text, action text,
               target text, details jsonb, result_count bigint, outcome text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    PERFORM public.sportello_caller(ARRAY['auditor']);
    IF p_limit IS NULL OR p_limit < 1 THEN
        RAISE EXCEPTION 'a listing shows at least one row' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
        SELECT a.id, a.at, a.operator_id, a.login, a.origin, a.command, a.action, a.target, a.details,
               a.result_count, a.outcome
          FROM public.audit_log a
         WHERE (p_operator IS NULL OR a.operator_id = p_operator OR lower(a.login) = lower(p_operator))
           AND (p_action IS NULL OR a.action = p_action)
           AND (p_target IS NULL OR a.target = p_target)
           AND (p_from IS NULL OR a.at >= p_from::timestamp AT TIME ZONE 'Europe/Rome')
           AND (p_to IS NULL OR a.at < (p_to + 1)::timestamp AT TIME ZONE 'Europe/Rome')
         ORDER BY a.id DESC
         LIMIT p_limit;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM public.sportello_record('audit-list', NULL,
        jsonb_build_object('filters', jsonb_build_object('operator_id', p_operator, 'action', p_action,
                           'target', p_target, 'from', p_from, 'to', p_to, 'limit', p_limit)), n);
END $$;

-- The chain's links after (seq, id), as `sportello audit verify` recomputes them. Rule:
-- auditors and the owner. An operator's walk is recorded when it starts (the first page, as
-- audit-list with chain: true; it is then a link the walk reads); the verdict is the client's
-- to record (it alone recomputes the hashes, trusting no function here).
CREATE FUNCTION api.audit_chain(p_after_seq bigint, p_after_id bigint, p_limit integer)
RETURNS TABLE (seq bigint, id bigint, at timestamptz, prev_hash bytea, hash bytea, fields jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF NOT public.sportello_is_owner() THEN
        PERFORM public.sportello_caller(ARRAY['auditor']);
        IF p_after_seq IS NULL THEN
            PERFORM public.sportello_record('audit-list', NULL, jsonb_build_object('chain', true));
        END IF;
    END IF;
    RETURN QUERY
        SELECT a.seq, a.id, a.at, a.prev_hash, a.hash,
               (SELECT coalesce(jsonb_object_agg(key, value), '{}')
                  FROM jsonb_each_text(to_jsonb(a) - ARRAY['seq', 'prev_hash', 'hash', 'at']))
          FROM public.audit_log a
         WHERE p_after_seq IS NULL OR (a.seq, a.id) > (p_after_seq, p_after_id)
         ORDER BY a.seq, a.id
         LIMIT least(greatest(p_limit, 1), 10000);
END $$;

-- Positions of the links stored with this hash (a verification locating an inserted run).
-- Rule: auditors and the owner; part of the walk recorded above.
CREATE FUNCTION api.audit_seqs_with_hash(p_hash bytea) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT public.sportello_is_owner() THEN
        PERFORM public.sportello_caller(ARRAY['auditor']);
    END IF;
    RETURN QUERY SELECT a.seq FROM public.audit_log a WHERE a.hash = p_hash ORDER BY a.seq;
END $$;

-- ------------------------------------------------------------------------------------------
-- Statistics (issue 16 item 13): the counters are nobody's to read; reports come out of the
-- database with the small-cell rule applied there, at no less than the database's floor, and
-- with complementary suppression.

REVOKE ALL ON stats_counts, stats_rollup, stats_rollup_pending FROM sportello_app, sportello_auditor, sportello_admin;
REVOKE ALL ON FUNCTION stats_compact(), stats_records_count(date, date), stats_records(date, date, bytea)
    FROM PUBLIC, sportello_app, sportello_auditor, sportello_admin;
GRANT EXECUTE ON FUNCTION stats_compact(), stats_records_count(date, date), stats_records(date, date, bytea)
    TO sportello_api;

-- The smallest count a report shows: a caller may ask for more, never for less. The owner
-- sets it (e.g. 1 on a test database, or 5 if the Region asks).
CREATE TABLE stats_policy (
    only_row       boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    min_cell_floor integer NOT NULL DEFAULT 3 CHECK (min_cell_floor >= 1)
);
INSERT INTO stats_policy DEFAULT VALUES;
REVOKE ALL ON stats_policy FROM PUBLIC;
GRANT SELECT ON stats_policy TO sportello_api;

-- One cell of a report while it is being suppressed.
CREATE TYPE stats_cell AS (period date, vals text[], province text, event text, kind text, n bigint,
                           hidden text, days integer[], ns bigint[]);

-- A report: counts by period (day, week, month) and the dimensions given (ente, operator,
-- province, municipality, community, state, strength), over the whole periods between the
-- days given, from the
-- counters `p_source` names ('fine', or a monthly roll-up, 'province' or 'state', on whole
-- months only). Rules:
--  * a count below k = max(p_min_cell, stats_policy's floor) is hidden ('small');
--  * complementary suppression: a report's cells that differ in one dimension only add up to
--    a cell of the report without that dimension (municipalities also to their province's):
--    the line's total is published elsewhere. Every line holding a hidden cell holds one of
--    at least k + 1, or the difference would pin the small one down: the smallest shown cell
--    of at least k + 1 in such a line is hidden too ('complementary'), until every line
--    holds; a line with none to give hides all it shows;
--    Not covered (yet): totals over other periods (the days of a month against the month)
--    and reports whose bounds differ by a day; an operator's cells against their ente's;
--  * the days from booking (completions) only of the cells shown;
-- recorded as stats with the options asked and the number of rows.
CREATE FUNCTION api.stats_report(p_by text, p_group text[], p_from date, p_to date, p_min_cell integer, p_source text)
RETURNS TABLE (period date, vals text[], names text[], event text, kind text, n bigint, hidden text, min_cell integer,
               days integer[], ns bigint[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    k integer;
    cols text[] := '{}';
    d text;
    period_sql text;
    day_col text;
    src text;
    cond text := 'true';
    cells public.stats_cell[];
    f date;
    t date;
    hide integer[];
    hid boolean[];
    cnt bigint[];
    keys text[];
    nd integer;
    j integer;
    total bigint;
    muni integer;
BEGIN
    PERFORM public.sportello_caller(ARRAY['auditor', 'admin']);
    IF p_min_cell IS NULL OR p_min_cell < 1 THEN
        RAISE EXCEPTION 'the smallest count shown is at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_from IS NOT NULL AND p_to IS NOT NULL AND p_from > p_to THEN
        RAISE EXCEPTION 'from % is after to %', p_from, p_to USING ERRCODE = 'invalid_parameter_value';
    END IF;
    k := greatest(p_min_cell, (SELECT s.min_cell_floor FROM public.stats_policy s));
    -- Whole periods only: the bounds shrink to the weeks or months they hold, so that two
    -- reports whose bounds differ by a day do not give that day's cells by difference.
    f := CASE p_by WHEN 'week' THEN (date_trunc('week', p_from + 6))::date
                   WHEN 'month' THEN CASE WHEN extract(day FROM p_from) = 1 THEN p_from
                                          ELSE (date_trunc('month', p_from) + interval '1 month')::date END
                   ELSE p_from END;
    t := CASE p_by WHEN 'week' THEN (date_trunc('week', p_to + 1))::date - 1
                   WHEN 'month' THEN (date_trunc('month', p_to + 1))::date - 1
                   ELSE p_to END;
    -- Column names from a fixed list, never the caller's text.
    FOREACH d IN ARRAY coalesce(p_group, '{}') LOOP
        cols := cols || CASE d WHEN 'ente' THEN 'ente' WHEN 'operator' THEN 'operator_id' WHEN 'province' THEN 'province'
                               WHEN 'municipality' THEN 'municipality' WHEN 'community' THEN 'community'
                               WHEN 'state' THEN 'state' WHEN 'strength' THEN 'strong' END;
        IF cols[cardinality(cols)] IS NULL OR cardinality(array_positions(cols, cols[cardinality(cols)])) > 1 THEN
            RAISE EXCEPTION 'unknown or repeated dimension %', d USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    muni := array_position(cols, 'municipality');
    IF p_source = 'fine' THEN
        period_sql := CASE p_by WHEN 'day' THEN 'day' WHEN 'week' THEN 'date_trunc(''week'', day)::date'
                                WHEN 'month' THEN 'date_trunc(''month'', day)::date' END;
        day_col := 'day';
        src := 'public.stats_counts';
    ELSIF p_source IN ('province', 'state') AND p_by = 'month'
          AND (f IS NULL OR extract(day FROM f) = 1) AND (t IS NULL OR extract(day FROM t + 1) = 1)
          AND cols <@ (CASE p_source WHEN 'province' THEN ARRAY['province'] ELSE ARRAY['community', 'state', 'strong'] END)
    THEN
        PERFORM public.stats_compact();
        period_sql := 'month';
        day_col := 'month';
        src := format('(SELECT * FROM public.stats_rollup WHERE %1$s UNION ALL SELECT * FROM public.stats_rollup_pending WHERE %1$s)',
                      CASE p_source WHEN 'province' THEN 'community = ''*''' ELSE 'province = ''*''' END);
    ELSE
        RAISE EXCEPTION 'counters % cannot answer by % with %', p_source, p_by, p_group USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF period_sql IS NULL THEN
        RAISE EXCEPTION 'unknown period %: day, week or month', p_by USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF f IS NOT NULL THEN cond := cond || format(' AND %I >= %L::date', day_col, f); END IF;
    IF t IS NOT NULL THEN cond := cond || format(' AND %I <= %L::date', day_col, t); END IF;

    -- The cells, each with its days histogram; a municipality's province for its line.
    EXECUTE format(
        'SELECT coalesce(array_agg(ROW(g.period, g.vals, %s, g.event, g.kind, g.n, CASE WHEN g.n < $1 THEN ''small'' END,
                                       g.days, g.ns)::public.stats_cell), ''{}'')
           FROM (SELECT h.period, h.vals, h.event, h.kind, sum(h.n)::bigint AS n,
                        array_agg(h.days ORDER BY h.days) AS days, array_agg(h.n ORDER BY h.days) AS ns
                   FROM (SELECT %s AS period, ARRAY[%s]::text[] AS vals, event, kind, days, sum(n)::bigint AS n
                           FROM %s c WHERE %s GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0) h
                  GROUP BY 1, 2, 3, 4 HAVING sum(h.n) > 0) g
           LEFT JOIN public.municipalities m ON m.istat_code = g.vals[%s]',
        CASE WHEN muni IS NULL THEN 'NULL::text' ELSE 'm.province::text' END,
        period_sql,
        coalesce((SELECT string_agg(format('%I::text', x), ', ' ORDER BY o) FROM unnest(cols) WITH ORDINALITY u(x, o)), ''),
        src, cond, coalesce(muni, 0))
    INTO cells USING k;

    -- Complementary suppression, until every line holds. Each cell's lines are keyed once
    -- (one per dimension, and its municipality's province): `nd` keys per cell, in order.
    nd := cardinality(cols) + CASE WHEN muni IS NULL THEN 0 ELSE 1 END;
    hid := ARRAY(SELECT x.hidden IS NOT NULL FROM unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i) ORDER BY x.i);
    cnt := ARRAY(SELECT x.n FROM unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i) ORDER BY x.i);
    IF nd > 0 AND true = ANY(hid) THEN
        keys := ARRAY(
            SELECT concat_ws('|', x.period, x.event, x.kind, d,
                             CASE WHEN d > cardinality(cols) THEN x.province END,
                             array_to_string(x.vals[:least(d, cardinality(cols) + 1) - 1]
                                             || x.vals[least(d, cardinality(cols) + 1) + 1:], '|', ''))
              FROM unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i)
              CROSS JOIN generate_series(1, nd) d
             ORDER BY x.i, d);
        -- For the line of a municipality within its province, the municipality is what differs.
        IF muni IS NOT NULL THEN
            keys := ARRAY(
                SELECT CASE WHEN (o - 1) % nd + 1 = nd
                            THEN concat_ws('|', x.period, x.event, x.kind, nd, x.province,
                                           array_to_string(x.vals[:muni - 1] || x.vals[muni + 1:], '|', ''))
                            ELSE kk END
                  FROM unnest(keys) WITH ORDINALITY k(kk, o)
                  JOIN unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i)
                    ON x.i = (k.o - 1) / nd + 1
                 ORDER BY o);
        END IF;
        LOOP
            -- Joined, not subscripted: an array variable subscripted row by row is copied each time.
            WITH m AS (
                SELECT k.kk AS line, st.i, st.hb, st.cn
                  FROM unnest(keys) WITH ORDINALITY k(kk, o)
                  JOIN unnest(hid, cnt) WITH ORDINALITY st(hb, cn, i) ON st.i = (k.o - 1) / nd + 1),
            bad AS (
                SELECT m.line FROM m GROUP BY m.line
                HAVING bool_or(m.hb) AND NOT bool_or(m.hb AND m.cn >= k + 1) AND NOT bool_and(m.hb)),
            shown AS (
                SELECT m.line, m.i, m.cn AS n, bool_or(m.cn >= k + 1) OVER (PARTITION BY m.line) AS has_big
                  FROM m JOIN bad USING (line)
                 WHERE NOT m.hb),
            pick AS (
                SELECT s.i, s.has_big, row_number() OVER (PARTITION BY s.line ORDER BY s.n, s.i) AS r
                  FROM shown s WHERE NOT s.has_big OR s.n >= k + 1)
            SELECT array_agg(DISTINCT p.i) INTO hide FROM pick p WHERE NOT p.has_big OR p.r = 1;
            EXIT WHEN hide IS NULL;
            FOREACH j IN ARRAY hide LOOP
                hid[j] := true;
            END LOOP;
        END LOOP;
    END IF;

    RETURN QUERY
        SELECT x.period, x.vals,
               CASE WHEN muni IS NULL THEN NULL ELSE ARRAY[mu.name::text] END,
               x.event, x.kind,
               CASE WHEN NOT h.hb THEN x.n END,
               CASE WHEN x.n < k THEN 'small' WHEN h.hb THEN 'complementary' END, k,
               CASE WHEN NOT h.hb AND x.event = 'completed' THEN x.days END,
               CASE WHEN NOT h.hb AND x.event = 'completed' THEN x.ns END
          FROM unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i)
          JOIN unnest(hid) WITH ORDINALITY h(hb, i) ON h.i = x.i
          LEFT JOIN public.municipalities mu ON muni IS NOT NULL AND mu.istat_code = x.vals[muni];
    GET DIAGNOSTICS total = ROW_COUNT;
    PERFORM public.sportello_record('stats', NULL,
        jsonb_build_object('records', false, 'by', p_by, 'group', to_jsonb(coalesce(p_group, '{}')),
                           'from', p_from, 'to', p_to, 'min_cell', p_min_cell), total);
END $$;

-- A record-level export is asked for first: recorded as stats (records: true) with its bounds
-- and how many rows it will hold; the caller commits it before api.stats_records answers
-- (V7: an export whose record was rolled back with it would be unseen). Rule: auditors and
-- administrators.
CREATE FUNCTION api.stats_records_request(p_from date, p_to date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM public.sportello_caller(ARRAY['auditor', 'admin']);
    IF p_from IS NOT NULL AND p_to IS NOT NULL AND p_from > p_to THEN
        RAISE EXCEPTION 'from % is after to %', p_from, p_to USING ERRCODE = 'invalid_parameter_value';
    END IF;
    n := public.stats_records_count(p_from, p_to);
    PERFORM public.sportello_record('stats', NULL,
        jsonb_build_object('records', true, 'from', p_from, 'to', p_to), n);
    RETURN n;
END $$;

-- The export itself (V7's stats_records: pseudonyms under a key drawn for this call), only
-- after the request's record is committed. Rule: auditors and administrators.
CREATE FUNCTION api.stats_records(p_from date, p_to date, p_person_key bytea)
RETURNS TABLE (pseudonym bytea, birth_year int, sex text, province text, municipality text, community text,
               state text, strong boolean, registered date, verified date, activated date, revoked date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM public.sportello_caller(ARRAY['auditor', 'admin']);
    RETURN QUERY SELECT * FROM public.stats_records(p_from, p_to, p_person_key);
END $$;

-- ------------------------------------------------------------------------------------------
-- Ownership and who may call what.
ALTER TYPE api.operator OWNER TO sportello_api;
ALTER FUNCTION api.operator_add(text, text, text, boolean, text[], text[], text[]) OWNER TO sportello_api;
ALTER FUNCTION api.operator_change(text, text, text[], text[], text[]) OWNER TO sportello_api;
ALTER FUNCTION api.operators(text) OWNER TO sportello_api;
ALTER FUNCTION api.operator_covers(text, text) OWNER TO sportello_api;
ALTER FUNCTION api.startup() OWNER TO sportello_api;
ALTER FUNCTION api.audit_list(text, text, text, date, date, bigint) OWNER TO sportello_api;
ALTER FUNCTION api.audit_chain(bigint, bigint, integer) OWNER TO sportello_api;
ALTER FUNCTION api.audit_seqs_with_hash(bytea) OWNER TO sportello_api;
ALTER FUNCTION api.stats_report(text, text[], date, date, integer, text) OWNER TO sportello_api;
ALTER FUNCTION api.stats_records_request(date, date) OWNER TO sportello_api;
ALTER FUNCTION api.stats_records(date, date, bytea) OWNER TO sportello_api;

REVOKE ALL ON FUNCTION
    api.operator_add(text, text, text, boolean, text[], text[], text[]),
    api.operator_change(text, text, text[], text[], text[]),
    api.operators(text),
    api.operator_covers(text, text),
    api.startup(),
    api.audit_list(text, text, text, date, date, bigint),
    api.audit_chain(bigint, bigint, integer),
    api.audit_seqs_with_hash(bytea),
    api.stats_report(text, text[], date, date, integer, text),
    api.stats_records_request(date, date),
    api.stats_records(date, date, bytea)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.operator_add(text, text, text, boolean, text[], text[], text[]),
    api.operator_change(text, text, text[], text[], text[]) TO sportello_admin;
GRANT EXECUTE ON FUNCTION api.operators(text) TO sportello_admin, sportello_auditor;
GRANT EXECUTE ON FUNCTION api.operator_covers(text, text), api.startup() TO sportello_app;
GRANT EXECUTE ON FUNCTION api.audit_list(text, text, text, date, date, bigint), api.audit_chain(bigint, bigint, integer),
    api.audit_seqs_with_hash(bytea) TO sportello_auditor;
GRANT EXECUTE ON FUNCTION api.stats_report(text, text[], date, date, integer, text),
    api.stats_records_request(date, date), api.stats_records(date, date, bytea) TO sportello_auditor, sportello_admin;
