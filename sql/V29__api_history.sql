-- The history of a record (issue 20, the manual's "visualizzazione delle operazioni
-- effettuate"): what was done on one registration, by whom, where and with what outcome.
--
-- Two sources, one list, oldest first: the operations booked on it (kind, ente, operator,
-- delegate, outcome A/S/D, when closed) and the audit rows naming its citizen (registration,
-- letters printed, codes emailed or regenerated, edits, postal letters, completions by the
-- citizen, revocations). Reads are left out (searches, views, this history), and so is the
-- `book` row the operation already stands for. No secret is in either source, and the audit
-- details hold no personal data in clear (src/audit.rs scrubs them).

CREATE FUNCTION api.history(p_number bigint, p_fiscal_code text, p_audit_name text)
RETURNS TABLE (at timestamptz, event text, operation text, ente text, operator_id text,
               delegate text, outcome text, closed_at timestamptz, details jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk', 'helpdesk']);
    number bigint;
    name text;
    shown bigint;
BEGIN
    SELECT r.registration_number, r.audit_name INTO number, name
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
      ) h
     -- The registration first (its booking, made in the same transaction, is stamped a moment
     -- earlier), then by time.
     ORDER BY h.event <> 'register', h.at, h.event;
    GET DIAGNOSTICS shown = ROW_COUNT;

    PERFORM public.sportello_record('history', name, jsonb_build_object('registration_number', number), shown);
END $$;
ALTER FUNCTION api.history(bigint, text, text) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.history(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.history(bigint, text, text) TO sportello_desk, sportello_helpdesk;
