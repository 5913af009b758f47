-- The database's API, the reads (issue 16): showing and searching registrations, the reads the
-- write paths start from, the reference data and the registry mirrors a desk consults when it
-- registers someone. See V23 for the ground rules every api function follows (definer
-- `sportello_api`, pinned search_path, caller checked from session_user, its own audit row).
--
-- Organised by use case:
--   1. the shapes a registration is returned in (two views: internal, no login selects them);
--   2. show (recorded `view`), and the fiscal code of a citizen the audit log cannot name yet;
--   3. search with its filters and total (recorded `search`);
--   4. the reads of the write paths (get, lock-and-read, several for a postal batch);
--   5. the reference data (public, no audit row);
--   6. the registry mirrors and the legacy accounts a registration consults.

-- ---------------------------------------------------------------------------------------------
-- 1. How a registration is returned.
-- ---------------------------------------------------------------------------------------------

-- A registration as the library reads it: its own columns (never a hash: the credentials table
-- contributes only whether a PIN is held and its letters' dates), every personal-data field,
-- the names of its places. The personal-data columns are those of `domain::fields::FIELDS`: a
-- field added there is added here (the client selects them by name).
CREATE VIEW public.registration_row AS
SELECT r.registration_number, r.fiscal_code, r.community, r.registered_at, r.state, r.strong,
       coalesce(rk.pin_possessed, false) AS pin_possessed, r.verified_at, r.verified_ente, r.username,
       rk.pin_printed_at, coalesce(rk.pin_print_count, 0) AS pin_print_count,
       r.activated_at, r.promoted_at, r.failed_attempts, r.locked_at,
       r.first_name, r.last_name, r.birth_date, r.sex, r.doc_type, r.doc_number, r.doc_issued, r.doc_issuer,
       r.res_address, r.res_street_number, r.res_postcode, r.res_province, r.res_municipality, r.res_city,
       r.res_country, r.dom_care_of, r.dom_address, r.dom_street_number, r.dom_province, r.dom_municipality,
       r.dom_postcode, r.dom_send_mail, r.email, r.mobile, r.phone, r.operator_note, r.other_notes,
       rm.name AS res_municipality_name, rc.name AS res_country_name, dm.name AS dom_municipality_name
FROM public.registrations r
LEFT JOIN public.registration_credentials rk ON rk.registration_number = r.registration_number
LEFT JOIN public.municipalities rm ON rm.istat_code = r.res_municipality
LEFT JOIN public.municipalities dm ON dm.istat_code = r.dom_municipality
LEFT JOIN public.countries rc ON rc.belfiore = r.res_country;

-- The same with its last operation and that operation's delegate: the detail view's shape.
CREATE VIEW public.registration_detail AS
SELECT v.*,
       o.id AS op_id, o.kind AS op_kind, o.requested_at AS op_requested_at, o.ente AS op_ente,
       o.operator_id AS op_operator_id, o.status AS op_status,
       d.kind AS delegate_kind, d.first_name AS delegate_first_name, d.last_name AS delegate_last_name,
       d.fiscal_code AS delegate_fiscal_code, d.doc_type AS delegate_doc_type,
       d.doc_number AS delegate_doc_number, d.doc_issued AS delegate_doc_issued,
       d.doc_issuer AS delegate_doc_issuer, d.email AS delegate_email, d.phone AS delegate_phone
FROM public.registration_row v
LEFT JOIN LATERAL (SELECT o.id, o.kind, o.requested_at, o.ente, o.operator_id, o.status
                     FROM public.operations o
                    WHERE o.registration_number = v.registration_number
                    ORDER BY o.requested_at DESC, o.id DESC LIMIT 1) o ON true
LEFT JOIN public.delegates d ON d.operation_id = o.id;

-- Nobody but the definer reads them (no login has a privilege on them; the functions return
-- their row types).
REVOKE ALL ON public.registration_row, public.registration_detail FROM PUBLIC;
GRANT SELECT ON public.registration_row, public.registration_detail TO sportello_api;

-- ---------------------------------------------------------------------------------------------
-- 2. Show: the detail of one registration, recorded.
-- ---------------------------------------------------------------------------------------------

-- Rule: only a desk shows a registration, and every showing is recorded (`view`, the citizen
-- named by the pseudonym the audit log knows them by, count 1). A registration asked for and
-- not found is recorded too (outcome not-found), so that probing who is registered leaves a
-- trace. The key is the fiscal code or the number, exactly one. `p_audit_name` is the client's
-- `cf:` pseudonym of the fiscal code (it holds the key); the one stored with the registration
-- wins once there is one.
CREATE FUNCTION api.show(p_fiscal_code text, p_number bigint, p_audit_name text)
RETURNS SETOF public.registration_detail
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    reg public.registration_detail;
    named text;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk']);
    IF (p_fiscal_code IS NULL) = (p_number IS NULL) THEN
        RAISE EXCEPTION 'a registration is shown by fiscal code or by number, one of them'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_audit_name IS NOT NULL AND p_audit_name !~ '^cf:[0-9a-f]{32}$' THEN
        RAISE EXCEPTION 'an audit name is cf: and 32 hex digits' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_fiscal_code IS NOT NULL THEN
        SELECT * INTO reg FROM public.registration_detail d WHERE d.fiscal_code = p_fiscal_code;
    ELSE
        SELECT * INTO reg FROM public.registration_detail d WHERE d.registration_number = p_number;
    END IF;
    IF NOT FOUND THEN
        -- Named as it was asked for: the pseudonym of the fiscal code, or the number.
        PERFORM public.sportello_record('view', CASE WHEN p_fiscal_code IS NOT NULL THEN p_audit_name END,
                                        jsonb_strip_nulls(jsonb_build_object('registration_number', p_number)),
                                        0, 'not-found');
        RETURN;
    END IF;
    named := public.sportello_audit_name(reg.registration_number, p_audit_name);
    PERFORM public.sportello_record('view', named,
                                    jsonb_build_object('registration_number', reg.registration_number), 1);
    RETURN NEXT reg;
END $$;
ALTER FUNCTION api.show(text, bigint, text) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.show(text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.show(text, bigint, text) TO sportello_desk;

-- Rule: a desk showing a registration by number names it in the audit log by the pseudonym of
-- its fiscal code, which only the client can compute (the key is not in the database). For a
-- registration the log has never named yet, this gives the desk its fiscal code (nothing else),
-- to compute the name and pass it to api.show; once named, never again (NULL).
CREATE FUNCTION api.unnamed_fiscal_code(p_number bigint) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    fc text;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk']);
    SELECT r.fiscal_code INTO fc FROM public.registrations r
     WHERE r.registration_number = p_number AND r.audit_name IS NULL;
    RETURN fc;
END $$;
ALTER FUNCTION api.unnamed_fiscal_code(bigint) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.unnamed_fiscal_code(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.unnamed_fiscal_code(bigint) TO sportello_desk;

-- ---------------------------------------------------------------------------------------------
-- 3. Search.
-- ---------------------------------------------------------------------------------------------

-- Rule: only a desk searches, and every search is recorded (`search`, the filters with the
-- names and fiscal codes searched for as the client's keyed hashes `term:…`, never in clear,
-- and the number of rows of the page). A page holds at most 10,000 rows (a larger limit is
-- refused), and the total is counted up to 10,000 (beyond: "more than").
--
-- The filters come as the client prepares them (src/store/registrations.rs): a fiscal code
-- exact or as a LIKE pattern, a surname as a range of search keys or a pattern, a first name
-- as a pattern, province and municipality as codes. A filter on a name or fiscal code must
-- come with its term (the hash the log records), else nothing is searched.
--
-- The WHERE is built from the filters given and run with EXECUTE, so that each search is
-- planned for its own filters and values, as the client's statements were (a cached generic
-- plan would serve a surname prefix and a province with the same plan).
--
-- Returns the page, then one more row with no registration that carries the total.
CREATE FUNCTION api.search(
    p_community text, p_fiscal_code text, p_fiscal_code_like text,
    p_last_name_from text, p_last_name_to text, p_last_name_like text, p_first_name_like text,
    p_province text, p_municipality text, p_registered_from date, p_registered_to date,
    p_state text, p_strong boolean, p_number bigint, p_limit bigint, p_offset bigint,
    p_fiscal_code_term text, p_last_name_term text, p_first_name_term text)
RETURNS TABLE (registration_number bigint, last_name text, first_name text, fiscal_code text,
               municipality text, province text, registration_date date, community text, state text,
               strong boolean, operation_in_progress text, municipality_code text,
               total bigint, total_exact boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    term_shape constant text := '^(term:[0-9a-f]{32}|<term>)$';
    cap constant bigint := 10000;
    lim bigint := p_limit;
    conds text[] := '{}';
    where_clause text := '';
    rows_on_page bigint;
    counted bigint;
    logged jsonb;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk']);
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > cap THEN
        RAISE EXCEPTION 'a page holds 1 to % results (limit %)', cap, p_limit USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_offset IS NULL OR p_offset < 0 THEN
        RAISE EXCEPTION 'an offset is 0 or more (%)', p_offset USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_registered_from > p_registered_to THEN
        RAISE EXCEPTION 'registered from % is after %', p_registered_from, p_registered_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (p_fiscal_code IS NOT NULL OR p_fiscal_code_like IS NOT NULL)
       AND coalesce(p_fiscal_code_term, '') !~ term_shape
       OR (p_last_name_from IS NOT NULL OR p_last_name_to IS NOT NULL OR p_last_name_like IS NOT NULL)
       AND coalesce(p_last_name_term, '') !~ term_shape
       OR p_first_name_like IS NOT NULL AND coalesce(p_first_name_term, '') !~ term_shape THEN
        RAISE EXCEPTION 'a name or fiscal code searched for comes with its term (term: and 32 hex digits)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_last_name_to IS NOT NULL AND p_last_name_from IS NULL THEN
        RAISE EXCEPTION 'a surname range has a lower bound' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- The conditions name the parameters by position ($1..$14, as in USING below); the
    -- codes of places compare as the columns' own type, so that their indexes serve them.
    IF p_community IS NOT NULL THEN conds := array_append(conds, 'r.community = $1'); END IF;
    IF p_fiscal_code IS NOT NULL THEN conds := array_append(conds, 'r.fiscal_code = $2'); END IF;
    IF p_fiscal_code_like IS NOT NULL THEN conds := array_append(conds, 'r.fiscal_code LIKE $3'); END IF;
    IF p_last_name_from IS NOT NULL THEN conds := array_append(conds, 'r.last_name_key >= $4'); END IF;
    IF p_last_name_to IS NOT NULL THEN conds := array_append(conds, 'r.last_name_key < $5'); END IF;
    IF p_last_name_like IS NOT NULL THEN conds := array_append(conds, 'r.last_name_key LIKE $6'); END IF;
    IF p_first_name_like IS NOT NULL THEN conds := array_append(conds, 'r.first_name_key LIKE $7'); END IF;
    IF p_province IS NOT NULL THEN conds := array_append(conds, 'r.res_province = $8::bpchar'); END IF;
    IF p_municipality IS NOT NULL THEN conds := array_append(conds, 'r.res_municipality = $9::bpchar'); END IF;
    -- Dates are calendar days in Italy.
    IF p_registered_from IS NOT NULL THEN
        conds := array_append(conds, $c$r.registered_at >= ($10::date)::timestamp AT TIME ZONE 'Europe/Rome'$c$);
    END IF;
    IF p_registered_to IS NOT NULL THEN
        conds := array_append(conds, $c$r.registered_at < ($11::date + 1)::timestamp AT TIME ZONE 'Europe/Rome'$c$);
    END IF;
    IF p_state IS NOT NULL THEN conds := array_append(conds, 'r.state = $12'); END IF;
    IF p_strong IS NOT NULL THEN conds := array_append(conds, 'r.strong = $13'); END IF;
    IF p_number IS NOT NULL THEN conds := array_append(conds, 'r.registration_number = $14'); END IF;
    IF cardinality(conds) > 0 THEN
        where_clause := 'WHERE ' || array_to_string(conds, ' AND ');
    END IF;

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
                 LIMIT $15 OFFSET $16) r
           LEFT JOIN public.municipalities m ON m.istat_code = r.res_municipality
           LEFT JOIN public.operations o ON o.registration_number = r.registration_number AND o.status = 'A'
           ORDER BY r.last_name_key, r.first_name_key, r.registration_number$q$, where_clause)
        USING p_community, p_fiscal_code, p_fiscal_code_like, p_last_name_from, p_last_name_to,
              p_last_name_like, p_first_name_like, p_province, p_municipality, p_registered_from,
              p_registered_to, p_state, p_strong, p_number, lim, p_offset;
    GET DIAGNOSTICS rows_on_page = ROW_COUNT;

    -- A page that is not full (and not past the end) tells the total by itself; else a count
    -- that stops past the cap, so that a broad search does not read the whole table.
    IF rows_on_page < lim AND (rows_on_page > 0 OR p_offset = 0) THEN
        total := p_offset + rows_on_page;
        total_exact := true;
    ELSE
        EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM public.registrations r %s LIMIT $15) matches',
                       where_clause)
            INTO counted
            USING p_community, p_fiscal_code, p_fiscal_code_like, p_last_name_from, p_last_name_to,
                  p_last_name_like, p_first_name_like, p_province, p_municipality, p_registered_from,
                  p_registered_to, p_state, p_strong, p_number, cap + 1;
        total := least(counted, cap);
        total_exact := counted <= cap;
    END IF;

    -- The filters as the client's SearchFilter serialises them, terms in place of names.
    logged := jsonb_strip_nulls(jsonb_build_object(
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
        'limit', lim,
        'offset', nullif(p_offset, 0)));
    PERFORM public.sportello_record('search', NULL, jsonb_build_object('filters', logged), rows_on_page);

    registration_number := NULL; last_name := NULL; first_name := NULL; fiscal_code := NULL;
    municipality := NULL; province := NULL; registration_date := NULL; community := NULL;
    state := NULL; strong := NULL; operation_in_progress := NULL; municipality_code := NULL;
    RETURN NEXT;
END $$;
ALTER FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                          bigint, bigint, bigint, text, text, text) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                                  bigint, bigint, bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                                     bigint, bigint, bigint, text, text, text) TO sportello_desk;

-- ---------------------------------------------------------------------------------------------
-- 4. The reads the write paths start from.
-- ---------------------------------------------------------------------------------------------

-- Rule: the registration a write path is about to change, as it stands (with `p_lock`, locked
-- for the rest of the caller's transaction, so that what it decides from is what it changes).
-- Not recorded as a view: the write that follows records itself, and the write's own function
-- locks and checks again. For the roles whose commands write registrations (desk, helpdesk,
-- portal); never a hash. Zero rows: no such registration.
CREATE FUNCTION api.registration(p_fiscal_code text, p_number bigint, p_lock boolean DEFAULT false)
RETURNS SETOF public.registration_detail
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk', 'helpdesk', 'portal']);
    IF (p_fiscal_code IS NULL) = (p_number IS NULL) THEN
        RAISE EXCEPTION 'a registration is named by fiscal code or by number, one of them'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_fiscal_code IS NOT NULL THEN
        SELECT r.registration_number INTO n FROM public.registrations r WHERE r.fiscal_code = p_fiscal_code;
    ELSE
        n := p_number;
    END IF;
    IF p_lock THEN
        PERFORM 1 FROM public.registrations r WHERE r.registration_number = n FOR UPDATE;
    END IF;
    RETURN QUERY SELECT * FROM public.registration_detail d WHERE d.registration_number = n;
END $$;
ALTER FUNCTION api.registration(text, bigint, boolean) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.registration(text, bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.registration(text, bigint, boolean)
    TO sportello_desk, sportello_helpdesk, sportello_portal;

-- Rule: a registration locked for the rest of the caller's transaction, nothing read (the
-- portal and the helpdesk runs serialise on it). True when it exists.
CREATE FUNCTION api.lock_registration(p_number bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['helpdesk', 'portal']);
    PERFORM 1 FROM public.registrations r WHERE r.registration_number = p_number FOR UPDATE;
    RETURN FOUND;
END $$;
ALTER FUNCTION api.lock_registration(bigint) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.lock_registration(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.lock_registration(bigint) TO sportello_helpdesk, sportello_portal;

-- Rule: the registrations of one postal batch, in the order asked, for the letters a batch run
-- prints (the run records its batch itself). Only the batch role (a batch's size is the
-- operator's `--batch-size`, not bounded here).
CREATE FUNCTION api.registrations(p_numbers bigint[]) RETURNS SETOF public.registration_row
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['batch']);
    RETURN QUERY SELECT v.* FROM unnest(p_numbers) WITH ORDINALITY AS k(n, i)
                 JOIN public.registration_row v ON v.registration_number = k.n ORDER BY k.i;
END $$;
ALTER FUNCTION api.registrations(bigint[]) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.registrations(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.registrations(bigint[]) TO sportello_batch;

-- ---------------------------------------------------------------------------------------------
-- 5. Reference data: public, for every application login, no audit row.
-- ---------------------------------------------------------------------------------------------

-- Every province (code as sigla; EE: abroad), by code.
CREATE FUNCTION api.provinces() RETURNS TABLE (code text, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT p.code::text, p.name FROM public.provinces p ORDER BY p.code
$$;

-- Every municipality (of one province, when given), by name.
CREATE FUNCTION api.municipalities(p_province text DEFAULT NULL)
RETURNS TABLE (istat_code text, belfiore text, name text, province text, postcodes text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT m.istat_code::text, m.belfiore::text, m.name, m.province::text, m.postcodes
      FROM public.municipalities m
     WHERE p_province IS NULL OR m.province = p_province::bpchar
     ORDER BY m.name, m.province
$$;

-- The municipalities an operator's text names (ISTAT code, cadastral code or current name,
-- case-insensitive; within a province when given); when none, those it was formerly named.
CREATE FUNCTION api.municipality_lookup(p_input text, p_province text DEFAULT NULL)
RETURNS TABLE (istat_code text, belfiore text, name text, province text, postcodes text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RETURN QUERY
        SELECT m.istat_code::text, m.belfiore::text, m.name, m.province::text, m.postcodes
          FROM public.municipalities m
         WHERE (m.istat_code = p_input::bpchar OR m.belfiore = upper(p_input)::bpchar OR upper(m.name) = upper(p_input))
           AND (p_province IS NULL OR m.province = p_province::bpchar)
         ORDER BY m.name;
    IF NOT FOUND THEN
        RETURN QUERY
            SELECT DISTINCT m.istat_code::text, m.belfiore::text, m.name, m.province::text, m.postcodes
              FROM public.municipalities m
             WHERE m.istat_code IN (SELECT f.istat_code FROM public.municipality_former_names f
                                     WHERE upper(f.name) = upper(p_input))
               AND (p_province IS NULL OR m.province = p_province::bpchar)
             ORDER BY 3;
    END IF;
END $$;

-- Every foreign state (Z code), by name.
CREATE FUNCTION api.countries() RETURNS TABLE (code text, name text, active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT c.belfiore::text, c.name, c.active FROM public.countries c ORDER BY c.name, c.belfiore
$$;

-- The periods of the places cadastral codes designated (of one code, when given).
CREATE FUNCTION api.birthplaces(p_belfiore text DEFAULT NULL)
RETURNS TABLE (belfiore text, valid_from date, valid_to date, name text, province text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT b.belfiore::text, b.valid_from, b.valid_to, b.name, b.province::text
      FROM public.birthplaces b
     WHERE p_belfiore IS NULL OR b.belfiore = p_belfiore::bpchar
$$;

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['api.provinces()', 'api.municipalities(text)', 'api.municipality_lookup(text, text)',
                             'api.countries()', 'api.birthplaces(text)'] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO sportello_api', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO sportello_app', f);
    END LOOP;
END $$;

-- ---------------------------------------------------------------------------------------------
-- 6. What a registration consults: the registry mirrors, the legacy accounts.
-- ---------------------------------------------------------------------------------------------

-- Rule: a desk registering a citizen pre-fills from a registry mirror (`p_source`: cia or
-- aura) what it knows of the fiscal code, with the province and name of its municipality.
-- Only for a fiscal code not registered yet (a registered citizen is managed, not pre-filled
-- again). Not recorded by itself: the registration that follows is.
CREATE FUNCTION api.registry_lookup(p_source text, p_fiscal_code text)
RETURNS TABLE (first_name text, last_name text, birth_date date, sex text, res_address text,
               res_street_number text, res_postcode text, res_municipality text, res_province text,
               municipality_name text, doc_type text, doc_number text, doc_issued date, doc_issuer text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk']);
    IF p_source NOT IN ('cia', 'aura') OR p_source IS NULL THEN
        RAISE EXCEPTION 'unknown registry %: cia or aura', p_source USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM public.registrations r WHERE r.fiscal_code = p_fiscal_code) THEN
        RAISE EXCEPTION 'fiscal code already registered: the registry pre-fills new registrations only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT r.first_name, r.last_name, r.birth_date, r.sex::text, r.res_address, r.res_street_number,
                r.res_postcode::text, r.res_municipality::text, m.province::text, m.name, r.doc_type,
                r.doc_number, r.doc_issued, r.doc_issuer
           FROM public.%I r LEFT JOIN public.municipalities m ON m.istat_code = r.res_municipality
          WHERE r.fiscal_code = $1',
        p_source || '_residents')
        USING p_fiscal_code;
END $$;
ALTER FUNCTION api.registry_lookup(text, text) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.registry_lookup(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.registry_lookup(text, text) TO sportello_desk;

-- Rule: a desk registering a citizen learns whether the old system holds an account for the
-- fiscal code not migrated here (one row, its username if known), and then refuses.
CREATE FUNCTION api.legacy_account(p_fiscal_code text) RETURNS TABLE (username text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk']);
    RETURN QUERY SELECT l.username FROM public.legacy_accounts l WHERE l.fiscal_code = p_fiscal_code;
END $$;
ALTER FUNCTION api.legacy_account(text) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.legacy_account(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.legacy_account(text) TO sportello_desk;
