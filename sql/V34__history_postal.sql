-- The history of a record, with what V29 missed: the rule of issue 20 is that it lists "every
-- operation booked on the record, letters printed, codes sent (never the codes), suspensions
-- and completions, from the database and the audit log". Two audit rows concern a record
-- without naming its citizen as their target, so V29's api.history never found them:
--
--   preload       a pre-load from the registry (V26/V32 api.preload): one row per run, naming
--                 its input file, with the first and last registration number it made. The
--                 registrations it made are the ones in that range created by the same
--                 operator, before the row, with no `register` row of their own (a desk
--                 registration made meanwhile may take a number in the range, even by an
--                 operator who also runs the batch jobs, but the desk records it `register`).
--   postal-batch  a batch of PIN letters printed by the postal run (V26 api.postal_batch), one
--                 row per batch, naming its PDF, with the registrations printed as a JSON array
--                 in `registrations`.
--
-- Both are found through partial indexes made here: the audit log grows without end, and
-- without them each history would read all of it. The postal one is a GIN index over the
-- batches' arrays only (one entry per letter printed); the pre-load one a btree over the last
-- number of each run (a few rows a year). Neither row's other registrations are shown: the
-- history says the run, the batch and whether the letter opened an activation, nothing of the
-- other citizens in it.

CREATE INDEX audit_log_postal_registrations ON public.audit_log
    USING gin ((details -> 'registrations') jsonb_path_ops) WHERE action = 'postal-batch';
CREATE INDEX audit_log_preload_last ON public.audit_log (((details ->> 'last')::bigint)) WHERE action = 'preload';

-- V29's api.history, whole, with the pre-load and the postal letters. Rules: only the desk and
-- the helpdesk; the record by number or fiscal code (else no_data_found); every operation
-- booked on it and every audit row about it (its citizen's, its pre-load, its postal letters),
-- oldest first, the registration first; reads left out; the reading recorded.
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
           AND a.action NOT IN ('search', 'view', 'history', 'book', 'command')
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
