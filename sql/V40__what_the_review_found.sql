-- What an outside review found open after V39 (issue 16's attacker: an operator's own login in
-- psql), closed where the database can close it:
--   1. api.registrations gave the batch login whole records by number, unrecorded and outside
--      any run; nothing calls it any more (a postal batch reads through api.postal_batch).
--   2. api.registry_lookup gave a desk what a registry knows of any fiscal code, unrecorded:
--      now recorded as `registry-read`, the citizen named by the client's pseudonym (and left
--      out of a registration's history, as the other reads are: 6.).
--   3. The portal's attempt took any number of hashes, so one call was a million guesses.
--   4. A registration's province of residence was the client's word: it is now the province of
--      its municipality, by a foreign key, for the residence and the domicile.
--   5. Not an attack: a registry file imported again after another file of the same registry was
--      taken for done ("nothing to do") and left the mirror as the later file made it.

-- 1. ------------------------------------------------------------------------------------------
DROP FUNCTION api.registrations(bigint[]);

-- 2. ------------------------------------------------------------------------------------------
DROP FUNCTION api.registry_lookup(text, text);

-- Rule: a desk registering a citizen pre-fills from the registry mirrors (CIA, then AURA: the
-- first that knows the fiscal code, named in `source`) what they know of it, with the province
-- and name of its municipality. Only for a fiscal code not registered yet (a registered citizen
-- is managed, not pre-filled again). Recorded (`registry-read`, found or not, one row for both
-- mirrors), the citizen named by `p_audit_name`, the client's pseudonym of the fiscal code: a
-- desk that reads the registry and registers nobody has left its trace.
CREATE FUNCTION api.registry_lookup(p_fiscal_code text, p_audit_name text)
RETURNS TABLE (source text, first_name text, last_name text, birth_date date, sex text, res_address text,
               res_street_number text, res_postcode text, res_municipality text, res_province text,
               municipality_name text, doc_type text, doc_number text, doc_issued date, doc_issuer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    found_in text;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk']);
    IF p_audit_name IS NULL OR p_audit_name !~ '^cf:[0-9a-f]{32}$' THEN
        RAISE EXCEPTION 'an audit name is cf: and 32 hex digits' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM public.registrations r WHERE r.fiscal_code = p_fiscal_code) THEN
        RAISE EXCEPTION 'fiscal code already registered: the registry pre-fills new registrations only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- CIA first, then AURA: the first that knows the fiscal code.
    RETURN QUERY
    SELECT x.source, x.first_name, x.last_name, x.birth_date, x.sex::text, x.res_address, x.res_street_number,
           x.res_postcode::text, x.res_municipality::text, m.province::text, m.name, x.doc_type, x.doc_number,
           x.doc_issued, x.doc_issuer
      FROM (SELECT 'cia'::text AS source, 1 AS rank, c.* FROM public.cia_residents c WHERE c.fiscal_code = p_fiscal_code
            UNION ALL
            SELECT 'aura'::text, 2, a.* FROM public.aura_residents a WHERE a.fiscal_code = p_fiscal_code) x
      LEFT JOIN public.municipalities m ON m.istat_code = x.res_municipality
     ORDER BY x.rank LIMIT 1;
    SELECT CASE WHEN EXISTS (SELECT 1 FROM public.cia_residents c WHERE c.fiscal_code = p_fiscal_code) THEN 'cia'
                WHEN EXISTS (SELECT 1 FROM public.aura_residents a WHERE a.fiscal_code = p_fiscal_code) THEN 'aura'
           END INTO found_in;
    PERFORM public.sportello_record('registry-read', p_audit_name, jsonb_strip_nulls(jsonb_build_object('source', found_in)),
                                    CASE WHEN found_in IS NULL THEN 0 ELSE 1 END,
                                    CASE WHEN found_in IS NULL THEN 'not-found' ELSE 'ok' END);
END $$;
ALTER FUNCTION api.registry_lookup(text, text) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.registry_lookup(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.registry_lookup(text, text) TO sportello_desk;

-- 3. ------------------------------------------------------------------------------------------
-- As sql/V31, with the number of hashes bounded.
CREATE OR REPLACE FUNCTION public.sportello_citizen_attempt(p_fiscal_code text, p_audit_name text, p_max integer,
                                                 p_revocation boolean, p_code_hashes bytea[], p_pin_hashes bytea[],
                                                 OUT number bigint, OUT op public.operations, OUT expired boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    taken bigint;
    r public.registrations%ROWTYPE;
    k public.registration_credentials%ROWTYPE;
    ok boolean;
    n_attempts integer;
    target text;
BEGIN
    -- Two hashes of one typed value per key kept (tagged and untagged, secrets::hashes): more
    -- are guesses, however the portal's login was made to send them.
    IF cardinality(p_code_hashes) > 8 OR cardinality(p_pin_hashes) > 8 THEN
        RAISE EXCEPTION 'one code and one PIN per attempt (at most 8 hashes each: 4 keys)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    p_max := least(greatest(coalesce(p_max, 1), 1), (SELECT l.max_attempts FROM public.portal_limits l));
    UPDATE public.registrations x SET failed_attempts = x.failed_attempts + 1
     WHERE x.fiscal_code = upper(p_fiscal_code) AND x.locked_at IS NULL AND x.failed_attempts < p_max
    RETURNING x.registration_number INTO taken;
    SELECT * INTO r FROM public.registrations x WHERE x.registration_number = coalesce(taken, 0);
    SELECT * INTO k FROM public.registration_credentials c WHERE c.registration_number = coalesce(taken, 0);
    SELECT * INTO op FROM public.operations o WHERE o.registration_number = coalesce(taken, 0) AND o.status = 'A';
    ok := taken IS NOT NULL AND op.id IS NOT NULL AND (op.kind = 'revocation') = p_revocation;
    -- Suspended credentials complete nothing but a revocation; the answer is the wrong code's.
    ok := ok AND (p_revocation OR NOT public.sportello_suspended(taken));
    IF p_revocation THEN
        ok := ok AND op.revocation_code_hash = ANY (coalesce(p_code_hashes, '{}'));
        expired := op.code_expires_at < now();
    ELSE
        ok := ok AND k.activation_code_hash = ANY (coalesce(p_code_hashes, '{}'))
                 AND op.pin_hash = ANY (coalesce(p_pin_hashes, '{}'));
        expired := k.activation_code_expires_at < now();
    END IF;
    IF coalesce(ok, false) THEN
        number := taken;
        expired := coalesce(expired, false);
        RETURN;
    END IF;
    -- Wrong: the lockout at `max` (a new booking unlocks), and the refusal recorded.
    UPDATE public.registrations x
       SET locked_at = CASE WHEN x.failed_attempts >= p_max THEN now() ELSE x.locked_at END
     WHERE x.registration_number = coalesce(taken, 0)
    RETURNING x.failed_attempts INTO n_attempts;
    target := CASE WHEN taken IS NOT NULL THEN public.sportello_audit_name(taken, p_audit_name)
                   WHEN p_audit_name ~ '^cf:[0-9a-f]{32}$' THEN p_audit_name END;
    PERFORM public.sportello_record('citizen-wrong-code', target,
        jsonb_build_object('attempt', CASE WHEN taken IS NOT NULL THEN n_attempts END)
        || CASE WHEN taken IS NOT NULL THEN jsonb_build_object('registration_number', taken) ELSE '{}'::jsonb END,
        NULL, 'refused', true);
    number := NULL;
    op := NULL;
    expired := false;
END $$;

-- 4. ------------------------------------------------------------------------------------------
-- Rule: a place's province is its municipality's. A registration naming Torino in province AT
-- would be in Asti's searches, statistics and postal batches; the municipality is the fact, so
-- a municipality moved to another province carries its residents with it.
ALTER TABLE public.municipalities ADD CONSTRAINT municipalities_istat_code_province UNIQUE (istat_code, province);
ALTER TABLE public.registrations
    ADD CONSTRAINT registrations_res_province_of_municipality FOREIGN KEY (res_municipality, res_province)
        REFERENCES public.municipalities (istat_code, province) ON UPDATE CASCADE,
    ADD CONSTRAINT registrations_dom_province_of_municipality FOREIGN KEY (dom_municipality, dom_province)
        REFERENCES public.municipalities (istat_code, province) ON UPDATE CASCADE;

-- 5. ------------------------------------------------------------------------------------------
-- As sql/V26, with the rule for registry files: a run with `p_once` is a no-op when the same
-- input was done before, and for a registry import only while no later import of that
-- registry has run since (which may have changed what the file had put in).
CREATE OR REPLACE FUNCTION api.run_start(p_kind text, p_input text, p_checksum text, p_options jsonb, p_once boolean,
                              p_pid integer, p_host text,
                              OUT run_id bigint, OUT run_position bigint, OUT resumed boolean, OUT done boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators;
    r public.batch_runs;
BEGIN
    IF public.sportello_run_role(p_kind) IS NULL THEN
        RAISE EXCEPTION 'no run kind %', p_kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
    me := public.sportello_caller(ARRAY[public.sportello_run_role(p_kind)]);
    IF NOT public.sportello_run_lock_held(p_kind, p_checksum) THEN
        RAISE EXCEPTION 'a run starts only under its lock' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_once THEN
        SELECT * INTO r FROM public.batch_runs b
         WHERE b.kind = p_kind AND b.checksum = p_checksum AND b.state = 'done'
           -- A registry file is done only while it is the last one its mirror took in.
           AND NOT (p_kind LIKE 'import-%'
                    AND EXISTS (SELECT 1 FROM public.batch_runs l WHERE l.kind = p_kind AND l.id > b.id))
         ORDER BY b.id DESC LIMIT 1;
        IF FOUND THEN
            run_id := r.id; run_position := r.position; resumed := false; done := true;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO r FROM public.batch_runs b WHERE b.kind = p_kind AND b.checksum = p_checksum AND b.state = 'running'
       FOR UPDATE;
    IF FOUND THEN
        UPDATE public.batch_runs SET pid = p_pid, host = p_host WHERE id = r.id;
        PERFORM public.sportello_record(p_kind, p_input,
            jsonb_build_object('run', r.id, 'resumed_at', r.position,
                               'taken_over_from', jsonb_build_object('pid', r.pid, 'host', r.host),
                               'pid', p_pid, 'host', p_host),
            NULL, 'resumed');
        run_id := r.id; run_position := r.position; resumed := true; done := false;
        RETURN;
    END IF;
    INSERT INTO public.batch_runs (kind, input, checksum, options, operator_id, pid, host)
    VALUES (p_kind, p_input, p_checksum, coalesce(p_options, '{}'), me.id, p_pid, p_host)
    RETURNING id INTO run_id;
    PERFORM public.sportello_record(p_kind, p_input,
        jsonb_build_object('run', run_id, 'options', p_options, 'pid', p_pid, 'host', p_host), NULL, 'started');
    run_position := 0; resumed := false; done := false;
END $$;

-- 6. ------------------------------------------------------------------------------------------
-- HISTORY, as sql/V39, with the registry's reads (2.) left out like the other reads.
CREATE OR REPLACE FUNCTION api.history(p_number bigint, p_fiscal_code text, p_audit_name text)
RETURNS TABLE (at timestamptz, event text, operation text, ente text, operator_id text,
               delegate text, outcome text, closed_at timestamptz, details jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk', 'helpdesk']);
    number bigint;
    name text;
    maker text;
    made_at timestamptz;
    shown bigint;
BEGIN
    SELECT r.registration_number, r.audit_name, r.created_by, r.registered_at
      INTO number, name, maker, made_at
      FROM public.registrations r
     WHERE (p_number IS NOT NULL AND r.registration_number = p_number)
        OR (p_number IS NULL AND r.fiscal_code = upper(p_fiscal_code));
    IF number IS NULL THEN
        RAISE EXCEPTION 'no registration %', coalesce(p_number::text, p_fiscal_code) USING ERRCODE = 'no_data_found';
    END IF;
    -- The audit rows name the citizen by the pseudonym kept with the record; a record older
    -- than that column is named by the one the client computed with the service key.
    IF name IS NULL AND p_audit_name ~ '^cf:[0-9a-f]{32}$' THEN
        name := public.sportello_audit_name(number, p_audit_name);
    END IF;

    RETURN QUERY
    SELECT h.at, h.event, h.operation, h.ente, h.operator_id, h.delegate, h.outcome, h.closed_at, h.details
      FROM (
        SELECT o.requested_at AS at, 'operation'::text AS event, o.kind::text AS operation, o.ente::text,
               o.operator_id::text, d.kind::text AS delegate, o.status::text AS outcome, o.closed_at,
               '{}'::jsonb AS details
          FROM public.operations o
          LEFT JOIN public.delegates d ON d.operation_id = o.id
         WHERE o.registration_number = number
        UNION ALL
        SELECT a.at, a.action::text, a.details ->> 'operation', NULL::text, a.operator_id::text, NULL::text,
               a.outcome::text, NULL::timestamptz, a.details - 'registration_number'
          FROM public.audit_log a
         WHERE name IS NOT NULL AND a.target = name
           AND a.action NOT IN ('search', 'view', 'registration-read', 'registry-read', 'history', 'book', 'command')
        UNION ALL
        -- The pre-load that made it: written in the same transaction, after the insert.
        (SELECT a.at, 'preload'::text, NULL::text, NULL::text, a.operator_id::text, NULL::text,
                a.outcome::text, NULL::timestamptz, jsonb_build_object('run', a.details -> 'run')
           FROM public.audit_log a
          WHERE a.action = 'preload' AND (a.details ->> 'last')::bigint >= number
            AND (a.details ->> 'first')::bigint <= number
            AND a.operator_id = maker AND a.at >= made_at
            AND NOT EXISTS (SELECT 1 FROM public.audit_log g WHERE g.target = name AND g.action = 'register')
          ORDER BY a.at
          LIMIT 1)
        UNION ALL
        -- The PIN letters the postal run printed for it, with their run and batch.
        SELECT a.at, 'postal-batch'::text, NULL::text, NULL::text, a.operator_id::text, NULL::text,
               a.outcome::text, NULL::timestamptz,
               jsonb_build_object('run', a.details -> 'run', 'batch', a.details -> 'batch',
                                  'activation_opened',
                                  coalesce(a.details -> 'activations_opened', '[]') @> jsonb_build_array(number))
          FROM public.audit_log a
         WHERE a.action = 'postal-batch' AND a.details -> 'registrations' @> jsonb_build_array(number)
      ) h
     -- The registration (by the desk, or by a pre-load) first: its booking, made in the same
     -- transaction, is stamped a moment earlier; then by time.
     ORDER BY h.event NOT IN ('register', 'preload'), h.at, h.event;
    GET DIAGNOSTICS shown = ROW_COUNT;

    PERFORM public.sportello_record('history', name, jsonb_build_object('registration_number', number), shown);
END $$;
