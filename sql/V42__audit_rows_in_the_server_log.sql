-- Every audit row is also a line of the server's log (issue 16: "impossible to misuse quietly").
--
-- An audit row is written in the caller's transaction: a login that reads a record inside a
-- transaction it then rolls back (or that pipelines a failing statement before its Sync) takes
-- the row back with it, and the read is gone from the log. The server's log is not
-- transactional and no application login can silence it (log_min_messages is a superuser's
-- setting; client_min_messages only decides what the client is sent). So the function that
-- writes every audit row (sql/V23) now also writes one LOG line, `sportello-audit {json}`: the
-- database, the row's position and hash, time, login, action, target, outcome and count, never
-- its details (the target is a keyed pseudonym, as in the table). `sportello audit verify
-- --server-log FILE` then lists the lines whose row is not in the chain: what was done and
-- rolled back.

-- As sql/V23, and the row's line in the server log.
CREATE OR REPLACE FUNCTION public.sportello_record(p_action text, p_target text, p_details jsonb,
                                                   p_count bigint DEFAULT NULL, p_outcome text DEFAULT 'ok',
                                                   p_citizen boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    a public.audit_log;
BEGIN
    INSERT INTO public.audit_log (operator_id, origin, command, action, target, details, result_count, outcome)
    VALUES (CASE WHEN p_citizen THEN NULL
                 ELSE coalesce((SELECT o.id FROM public.operators o WHERE lower(o.id) = lower(session_user)),
                               session_user::text) END,
            CASE WHEN p_citizen THEN 'citizen portal'
                 ELSE coalesce(nullif(current_setting('sportello.origin', true), ''), 'unknown') END,
            coalesce(nullif(current_setting('sportello.command', true), ''), p_action),
            p_action, p_target, coalesce(p_details, '{}'::jsonb), p_count, p_outcome)
    RETURNING * INTO a;
    RAISE LOG USING MESSAGE = 'sportello-audit ' || jsonb_build_object(
        'database', current_database(), 'seq', a.seq, 'hash', encode(a.hash, 'hex'), 'at', a.at,
        'login', a.login, 'action', a.action, 'target', a.target, 'outcome', a.outcome,
        'count', a.result_count)::text;
END $$;
