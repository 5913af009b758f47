-- The desk's search in one round trip and one statement of the client's, and cheap for a new
-- backend (issue 18: `search` within 1.5x of `psql -c 'SELECT 1'`; V47 says why a first
-- statement costs): the province is resolved by the search itself, not by a lookup of the
-- client's first; each result says whether it is suspended, which the client asked with a
-- statement of its own after; the search states its checks, conditions and answer each in one
-- expression, and hands its query one composite parameter instead of seventeen.

-- The filters of a search, handed to its query as one parameter (its fields are constants when
-- the query is planned, as seventeen parameters were).
CREATE TYPE public.search_filter AS (
    community text, fiscal_code text, fiscal_code_like text, last_name_from text, last_name_to text,
    last_name_like text, first_name_like text, province text, municipality text,
    registered_from date, registered_to date, state text, strong boolean, registration_number bigint,
    suspended boolean, page bigint, skip bigint);

-- Rule (V25, V32): registrations for the desk, by any of their filters, a page at a time in
-- the order of surname, name and number, each with its municipality's name, its operation in
-- progress and whether it is suspended; then one row with the total (exact up to 10,000) and
-- nothing else. The province is given by code or name, as the desk types it; one that is
-- neither is refused (no_data_found). A name or fiscal code searched for comes with the term
-- the audit row names it by; the search is recorded with its filters (terms in place of names,
-- the province's code) and the rows on the page.
DROP FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                         bigint, bigint, bigint, text, text, text, boolean);
CREATE FUNCTION api.search(p_community text, p_fiscal_code text, p_fiscal_code_like text,
                                      p_last_name_from text, p_last_name_to text, p_last_name_like text,
                                      p_first_name_like text, p_province text, p_municipality text,
                                      p_registered_from date, p_registered_to date, p_state text,
                                      p_strong boolean, p_number bigint, p_limit bigint, p_offset bigint,
                                      p_fiscal_code_term text, p_last_name_term text, p_first_name_term text,
                                      p_suspended boolean)
RETURNS TABLE (registration_number bigint, last_name text, first_name text, fiscal_code text,
               municipality text, province text, registration_date date, community text, state text,
               strong boolean, operation_in_progress text, municipality_code text, suspended boolean,
               total bigint, total_exact boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    f public.search_filter;
    problem text;
    province_code text;
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
    IF p_province IS NOT NULL THEN
        province_code := (SELECT p.code FROM public.provinces p
                      WHERE p.code = upper(btrim(p_province))::bpchar OR upper(p.name) = upper(btrim(p_province)));
        IF province_code IS NULL THEN
            RAISE EXCEPTION 'no province has the code or name %', p_province USING ERRCODE = 'no_data_found';
        END IF;
    END IF;

    -- The conditions name the filter's fields ($1 is the filter); the codes of places compare as
    -- the columns' own type, so that their indexes serve them. Dates are calendar days in Italy.
    f := ROW(p_community, p_fiscal_code, p_fiscal_code_like, p_last_name_from, p_last_name_to, p_last_name_like,
             p_first_name_like, province_code, p_municipality, p_registered_from, p_registered_to, p_state,
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
                  r.res_municipality::text,
                  EXISTS (SELECT 1 FROM public.suspensions s WHERE s.registration_number = r.registration_number),
                  NULL::bigint, NULL::boolean
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
        'province', province_code,
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
ALTER FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                          bigint, bigint, bigint, text, text, text, boolean) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                                  bigint, bigint, bigint, text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                                     bigint, bigint, bigint, text, text, text, boolean) TO sportello_desk;
