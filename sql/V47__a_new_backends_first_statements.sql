-- A desk command's first statements, cheap for the backend that runs them (issue 18: `search`
-- within 1.5x of `psql -c 'SELECT 1'`). Every command runs in a backend of its own, so every
-- statement a function runs is a first one: PL/pgSQL parses, analyses and plans each of them,
-- down to each `IF x IS NOT NULL` and each `x := NULL`, the first time it meets it. A search met
-- 81 (its own 65, the caller's check 6, the audit row 12) and they were most of the server's time
-- for it. Same rules, same answers, same chain; far fewer statements:
--   * the caller's check is one query, its diagnosis only on refusal;
--   * a command's startup reads the operator's own row, not its competence (api.whoami gives
--     the whole operator to the few commands that show it);
--   * the audit row is chained by sportello_record itself, in the INSERT that writes it: the
--     trigger that chained it (V36) goes, as nothing but sportello_record writes audit_log (no
--     login holds INSERT on it, and no function of the api inserts there but through it);
--   * the search states its conditions, checks and answer each in one expression, and hands its
--     query one composite parameter instead of seventeen.

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

-- Rule (V6, V10, V36, V42): an audit row is written only here. Who wrote it is the database's
-- (the login, session_user; the operator that login is, NULL for the citizen's own actions);
-- the row is timed by the database and chained to the head, one writer at a time, waiting 15 s
-- at most for the chain; it is also a line of the server's log. The hash is audit_log_hash of
-- V6 (and link_hash of src/audit_chain.rs), written out as V36 wrote it: SHA-256 over the
-- previous hash, the form's tag, then every non-NULL column but seq, prev_hash and hash, in the
-- bytewise order of the names, each as `<bytes of name>:<name><bytes of value>:<value>`, the
-- value as jsonb_each_text gives it (`#>> '{}'` for the jsonb details: a JSON null is no value)
-- and `at` in UTC with microseconds. A column that may be NULL is one concat() under a CASE, and
-- the bytes are joined by byteacat: an operator `||` between text and a number is resolved
-- among every `||` the catalogue has, a cost each new backend paid. A column added to audit_log
-- must be added here too (tests/it/chain.rs compares this with audit_log_hash on awkward values).
CREATE OR REPLACE FUNCTION public.sportello_record(p_action text, p_target text, p_details jsonb,
                                                   p_count bigint DEFAULT NULL, p_outcome text DEFAULT 'ok',
                                                   p_citizen boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp SET lock_timeout = '15s' AS $$
DECLARE
    a public.audit_log;
BEGIN
    -- One writer at a time, until its transaction ends (waiting at most the function's
    -- lock_timeout).
    BEGIN
        PERFORM 1 FROM public.audit_chain_lock FOR UPDATE;
    EXCEPTION WHEN lock_not_available THEN
        RAISE EXCEPTION 'the audit log is held by another transaction for more than 15 s: nothing was written'
            USING ERRCODE = 'lock_not_available';
    END;
    -- The row as written, its time taken under the lock (so that times follow the chain), after
    -- the head.
    WITH r AS MATERIALIZED (
        SELECT nextval('public.audit_log_id_seq'::regclass) AS id, clock_timestamp() AS at,
               CASE WHEN p_citizen THEN NULL
                    ELSE coalesce((SELECT o.id FROM public.operators o WHERE lower(o.id) = lower(session_user)),
                                  session_user::text) END AS operator_id,
               CASE WHEN p_citizen THEN 'citizen portal'
                    ELSE coalesce(nullif(current_setting('sportello.origin', true), ''), 'unknown') END AS origin,
               coalesce(nullif(current_setting('sportello.command', true), ''), p_action) AS command,
               p_action AS action, p_target AS target, coalesce(p_details, '{}'::jsonb) AS details,
               p_count AS result_count, p_outcome AS outcome, session_user::text AS login,
               coalesce(h.seq, 0) + 1 AS seq,
               coalesce(h.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS prev_hash
          FROM (SELECT 1) one
          LEFT JOIN (SELECT l.seq, l.hash FROM public.audit_log l ORDER BY l.seq DESC LIMIT 1) h ON true)
    INSERT INTO public.audit_log (id, at, operator_id, origin, command, action, target, details, result_count,
                                  outcome, login, seq, prev_hash, hash)
    SELECT r.id, r.at, r.operator_id, r.origin, r.command, r.action, r.target, r.details, r.result_count,
           r.outcome, r.login, r.seq, r.prev_hash,
           sha256(byteacat(r.prev_hash, convert_to(concat(
               'sportello-audit-v1',
               '6:action', octet_length(convert_to(r.action, 'UTF8')), ':', r.action,
               '2:at27:', to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               '7:command', octet_length(convert_to(r.command, 'UTF8')), ':', r.command,
               CASE WHEN r.details #>> '{}' IS NOT NULL
                    THEN concat('7:details', octet_length(convert_to(r.details #>> '{}', 'UTF8')), ':',
                                r.details #>> '{}') END,
               '2:id', octet_length(r.id::text), ':', r.id,
               CASE WHEN r.login IS NOT NULL
                    THEN concat('5:login', octet_length(convert_to(r.login, 'UTF8')), ':', r.login) END,
               CASE WHEN r.operator_id IS NOT NULL
                    THEN concat('11:operator_id', octet_length(convert_to(r.operator_id, 'UTF8')), ':',
                                r.operator_id) END,
               '6:origin', octet_length(convert_to(r.origin, 'UTF8')), ':', r.origin,
               '7:outcome', octet_length(convert_to(r.outcome, 'UTF8')), ':', r.outcome,
               CASE WHEN r.result_count IS NOT NULL
                    THEN concat('12:result_count', octet_length(r.result_count::text), ':', r.result_count) END,
               CASE WHEN r.target IS NOT NULL
                    THEN concat('6:target', octet_length(convert_to(r.target, 'UTF8')), ':', r.target) END),
               'UTF8')))
      FROM r
    RETURNING * INTO a;
    RAISE LOG USING MESSAGE = 'sportello-audit ' || jsonb_build_object(
        'database', current_database(), 'seq', a.seq, 'hash', encode(a.hash, 'hex'), 'at', a.at,
        'login', a.login, 'action', a.action, 'target', a.target, 'outcome', a.outcome,
        'count', a.result_count)::text;
END $$;

DROP TRIGGER audit_log_zz_chain ON public.audit_log;
DROP FUNCTION public.audit_log_chain();

-- The filters of a search, handed to its query as one parameter (its fields are constants when
-- the query is planned, as seventeen parameters were).
CREATE TYPE public.search_filter AS (
    community text, fiscal_code text, fiscal_code_like text, last_name_from text, last_name_to text,
    last_name_like text, first_name_like text, province text, municipality text,
    registered_from date, registered_to date, state text, strong boolean, registration_number bigint,
    suspended boolean, page bigint, skip bigint);

-- Rule (V25, V32; unchanged): registrations for the desk, by any of their filters, a page at a
-- time in the order of surname, name and number, each with its municipality's name and its
-- operation in progress; then one row with the total (exact up to 10,000) and nothing else. A
-- name or fiscal code searched for comes with the term the audit row names it by; the search
-- is recorded with its filters (terms in place of names) and the rows on the page.
CREATE OR REPLACE FUNCTION api.search(p_community text, p_fiscal_code text, p_fiscal_code_like text,
                                      p_last_name_from text, p_last_name_to text, p_last_name_like text,
                                      p_first_name_like text, p_province text, p_municipality text,
                                      p_registered_from date, p_registered_to date, p_state text,
                                      p_strong boolean, p_number bigint, p_limit bigint, p_offset bigint,
                                      p_fiscal_code_term text, p_last_name_term text, p_first_name_term text,
                                      p_suspended boolean)
RETURNS TABLE (registration_number bigint, last_name text, first_name text, fiscal_code text,
               municipality text, province text, registration_date date, community text, state text,
               strong boolean, operation_in_progress text, municipality_code text,
               total bigint, total_exact boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    f public.search_filter;
    problem text;
    where_clause text;
    rows_on_page bigint;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk']);
    problem := CASE
        WHEN p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
            format('a page holds 1 to 10000 results (limit %s)', coalesce(p_limit::text, '<NULL>'))
        WHEN p_offset IS NULL OR p_offset < 0 THEN
            format('an offset is 0 or more (%s)', coalesce(p_offset::text, '<NULL>'))
        WHEN p_registered_from > p_registered_to THEN
            format('registered from %s is after %s', p_registered_from, p_registered_to)
        WHEN (p_fiscal_code IS NOT NULL OR p_fiscal_code_like IS NOT NULL)
             AND coalesce(p_fiscal_code_term, '') !~ '^(term:[0-9a-f]{32}|<term>)$'
          OR (p_last_name_from IS NOT NULL OR p_last_name_to IS NOT NULL OR p_last_name_like IS NOT NULL)
             AND coalesce(p_last_name_term, '') !~ '^(term:[0-9a-f]{32}|<term>)$'
          OR p_first_name_like IS NOT NULL AND coalesce(p_first_name_term, '') !~ '^(term:[0-9a-f]{32}|<term>)$' THEN
            'a name or fiscal code searched for comes with its term (term: and 32 hex digits)'
        WHEN p_last_name_to IS NOT NULL AND p_last_name_from IS NULL THEN
            'a surname range has a lower bound'
    END;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION '%', problem USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- The conditions name the filter's fields ($1 is the filter); the codes of places compare as
    -- the columns' own type, so that their indexes serve them. Dates are calendar days in Italy.
    f := ROW(p_community, p_fiscal_code, p_fiscal_code_like, p_last_name_from, p_last_name_to, p_last_name_like,
             p_first_name_like, p_province, p_municipality, p_registered_from, p_registered_to, p_state,
             p_strong, p_number, p_suspended, p_limit, p_offset)::public.search_filter;
    where_clause := coalesce('WHERE ' || nullif(concat_ws(' AND ',
        CASE WHEN p_community IS NOT NULL THEN 'r.community = ($1).community' END,
        CASE WHEN p_fiscal_code IS NOT NULL THEN 'r.fiscal_code = ($1).fiscal_code' END,
        CASE WHEN p_fiscal_code_like IS NOT NULL THEN 'r.fiscal_code LIKE ($1).fiscal_code_like' END,
        CASE WHEN p_last_name_from IS NOT NULL THEN 'r.last_name_key >= ($1).last_name_from' END,
        CASE WHEN p_last_name_to IS NOT NULL THEN 'r.last_name_key < ($1).last_name_to' END,
        CASE WHEN p_last_name_like IS NOT NULL THEN 'r.last_name_key LIKE ($1).last_name_like' END,
        CASE WHEN p_first_name_like IS NOT NULL THEN 'r.first_name_key LIKE ($1).first_name_like' END,
        CASE WHEN p_province IS NOT NULL THEN 'r.res_province = ($1).province::bpchar' END,
        CASE WHEN p_municipality IS NOT NULL THEN 'r.res_municipality = ($1).municipality::bpchar' END,
        CASE WHEN p_registered_from IS NOT NULL
             THEN $c$r.registered_at >= (($1).registered_from)::timestamp AT TIME ZONE 'Europe/Rome'$c$ END,
        CASE WHEN p_registered_to IS NOT NULL
             THEN $c$r.registered_at < (($1).registered_to + 1)::timestamp AT TIME ZONE 'Europe/Rome'$c$ END,
        CASE WHEN p_state IS NOT NULL THEN 'r.state = ($1).state' END,
        CASE WHEN p_strong IS NOT NULL THEN 'r.strong = ($1).strong' END,
        CASE WHEN p_number IS NOT NULL THEN 'r.registration_number = ($1).registration_number' END,
        CASE WHEN p_suspended IS NOT NULL
             THEN 'EXISTS (SELECT 1 FROM public.suspensions s WHERE s.registration_number = r.registration_number) = ($1).suspended'
        END), ''), '');

    -- The page is cut from registrations alone, walking an index in result order, and only its
    -- rows are joined: a join first would let the planner sort every match.
    RETURN QUERY EXECUTE format(
        $q$SELECT r.registration_number, r.last_name, r.first_name, r.fiscal_code, m.name, r.res_province::text,
                  (r.registered_at AT TIME ZONE 'Europe/Rome')::date, r.community, r.state, r.strong, o.kind,
                  r.res_municipality::text, NULL::bigint, NULL::boolean
           FROM (SELECT r.registration_number, r.last_name, r.first_name, r.fiscal_code, r.res_province,
                        r.registered_at, r.community, r.state, r.strong, r.res_municipality, r.last_name_key,
                        r.first_name_key
                 FROM public.registrations r
                 %s
                 ORDER BY r.last_name_key, r.first_name_key, r.registration_number
                 LIMIT ($1).page OFFSET ($1).skip) r
           LEFT JOIN public.municipalities m ON m.istat_code = r.res_municipality
           LEFT JOIN public.operations o ON o.registration_number = r.registration_number AND o.status = 'A'
           ORDER BY r.last_name_key, r.first_name_key, r.registration_number$q$, where_clause)
        USING f;
    GET DIAGNOSTICS rows_on_page = ROW_COUNT;

    -- A page that is not full (and not past the end) tells the total by itself; else a count
    -- that stops past the cap, so that a broad search does not read the whole table.
    IF rows_on_page < p_limit AND (rows_on_page > 0 OR p_offset = 0) THEN
        SELECT p_offset + rows_on_page, true INTO total, total_exact;
    ELSE
        EXECUTE format('SELECT least(count(*), 10000), count(*) <= 10000
                          FROM (SELECT 1 FROM public.registrations r %s LIMIT 10001) matches', where_clause)
            INTO total, total_exact
            USING f;
    END IF;

    -- The filters as the client's SearchFilter serialises them, terms in place of names.
    PERFORM public.sportello_record('search', NULL, jsonb_build_object('filters', jsonb_strip_nulls(jsonb_build_object(
        'community', p_community,
        'fiscal_code', CASE WHEN p_fiscal_code IS NOT NULL OR p_fiscal_code_like IS NOT NULL
                            THEN p_fiscal_code_term END,
        'last_name', CASE WHEN p_last_name_from IS NOT NULL OR p_last_name_like IS NOT NULL
                          THEN p_last_name_term END,
        'first_name', CASE WHEN p_first_name_like IS NOT NULL THEN p_first_name_term END,
        'province', p_province,
        'municipality', p_municipality,
        'registered_from', p_registered_from,
        'registered_to', p_registered_to,
        'state', p_state,
        'strong', p_strong,
        'registration_number', p_number,
        'suspended', p_suspended,
        'limit', p_limit,
        'offset', nullif(p_offset, 0)))), rows_on_page);

    -- The total's row: every other column is NULL (no statement here assigns them).
    RETURN NEXT;
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
