-- The read a write path starts from is recorded too (issue 16: "reads ... record the read").
-- api.registration (sql/V25) gave a desk the whole record, unrecorded, on the grounds that the
-- write that follows records itself. A client that stops after the read (or rolls back) saw a
-- citizen's record without a trace: a modified client could read anyone that way, and the
-- reprints read the record and wrote letters before their own row. Now the read writes its row
-- (`registration-read`, the citizen named as every row names them), in the caller's transaction
-- as api.show does, and only the roles whose commands start from it may make it: the desk, and
-- the helpdesk (suspend, reinstate). The portal never did (it locks by number,
-- api.lock_registration, and reads through its own use cases): it no longer may.
--
-- A consequence a DBA should know: a write path's transaction now holds the audit chain from its
-- read (the first thing it does) to its commit, not only from its write; other audited
-- statements wait for it as they wait for any writer (at most the chain's 15 s, sql/V36).

DROP FUNCTION api.registration(text, bigint, boolean);

-- Rule: the registration a desk's or helpdesk's write path is about to change, as it stands
-- (with `p_lock`, locked for the rest of the caller's transaction, so that what it decides from
-- is what it changes), recorded as `registration-read` (found or not, as api.show records a
-- view). The citizen is named by the name the log already knows, else by `p_audit_name` (the
-- client's keyed hash of the fiscal code, kept from then on, sql/V23 sportello_audit_name); read
-- by number with neither, the row names the number alone. Never a hash. Zero rows: no such
-- registration.
CREATE FUNCTION api.registration(p_fiscal_code text, p_number bigint, p_lock boolean DEFAULT false,
                                 p_audit_name text DEFAULT NULL)
RETURNS SETOF public.registration_detail
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n bigint;
    named text;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk', 'helpdesk']);
    IF (p_fiscal_code IS NULL) = (p_number IS NULL) THEN
        RAISE EXCEPTION 'a registration is named by fiscal code or by number, one of them'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_audit_name IS NOT NULL AND p_audit_name !~ '^cf:[0-9a-f]{32}$' THEN
        RAISE EXCEPTION 'an audit name is cf: and 32 hex digits' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_fiscal_code IS NOT NULL THEN
        SELECT r.registration_number, r.audit_name INTO n, named
          FROM public.registrations r WHERE r.fiscal_code = p_fiscal_code;
    ELSE
        SELECT r.registration_number, r.audit_name INTO n, named
          FROM public.registrations r WHERE r.registration_number = p_number;
    END IF;
    IF n IS NULL THEN
        -- Named as it was asked for: the pseudonym of the fiscal code, or the number.
        PERFORM public.sportello_record('registration-read', CASE WHEN p_fiscal_code IS NOT NULL THEN p_audit_name END,
                                        jsonb_strip_nulls(jsonb_build_object('registration_number', p_number)),
                                        0, 'not-found');
        RETURN;
    END IF;
    -- The row lock first, the audit chain after: the order every write path takes them in.
    IF p_lock THEN
        PERFORM 1 FROM public.registrations r WHERE r.registration_number = n FOR UPDATE;
    END IF;
    IF named IS NULL AND p_audit_name IS NOT NULL THEN
        named := public.sportello_audit_name(n, p_audit_name);
    END IF;
    PERFORM public.sportello_record('registration-read', named,
        jsonb_build_object('registration_number', n, 'lock', p_lock), 1);
    RETURN QUERY SELECT * FROM public.registration_detail d WHERE d.registration_number = n;
END $$;
ALTER FUNCTION api.registration(text, bigint, boolean, text) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.registration(text, bigint, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.registration(text, bigint, boolean, text) TO sportello_desk, sportello_helpdesk;

-- HISTORY, as sql/V34, with the reads a write path now records left out like the other reads.
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
           AND a.action NOT IN ('search', 'view', 'registration-read', 'history', 'book', 'command')
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
