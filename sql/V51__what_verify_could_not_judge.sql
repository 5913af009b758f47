-- `audit verify --server-log` says which lines it could not judge yet.
--
-- api.audit_rows_gone (V49) passed over, without a word, a signed line whose row it could not see
-- because the transaction that wrote it had not ended: the auditor read "nothing rolled back"
-- about a read that could be rolled back a minute later (a login keeping its transaction open
-- does just that). Each line whose row is absent is now given with what is known of its
-- transaction: ended (the row was rolled back with it, or deleted) or still in progress (not
-- judged: its row may yet commit; `audit verify` says so, and to run it again later).

DROP FUNCTION api.audit_rows_gone(jsonb[]);

-- Rule: of the lines of a server log (each as the JSON it holds), those whose signature holds and
-- whose row is not in audit_log, by their place in p_lines (from 1), each with whether its
-- transaction has ended. A transaction's end is looked for before its row (READ COMMITTED, a
-- statement each), so one committing meanwhile has its row found. Auditors and the owner; part
-- of the verification, which is recorded.
CREATE FUNCTION api.audit_rows_missing(p_lines jsonb[], OUT line integer, OUT ended boolean)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    i integer;
    status text;
BEGIN
    IF NOT public.sportello_is_owner() THEN
        PERFORM public.sportello_caller(ARRAY['auditor']);
    END IF;
    IF current_setting('transaction_isolation') NOT IN ('read committed', 'read uncommitted') THEN
        RAISE EXCEPTION 'rows are judged in READ COMMITTED' USING ERRCODE = 'invalid_transaction_state';
    END IF;
    IF cardinality(p_lines) > 10000 THEN
        RAISE EXCEPTION 'lines are judged 10000 at a time at most' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR i IN 1 .. coalesce(cardinality(p_lines), 0) LOOP
        CONTINUE WHEN NOT coalesce(public.audit_line_signed(p_lines[i]), false);
        BEGIN
            status := pg_xact_status((p_lines[i] ->> 'xact')::xid8);
        EXCEPTION WHEN OTHERS THEN
            status := NULL; -- not a transaction this server has had: judged by the row alone
        END;
        IF NOT EXISTS (SELECT 1 FROM public.audit_log a WHERE a.id = (p_lines[i] ->> 'id')::bigint) THEN
            line := i;
            ended := status IS DISTINCT FROM 'in progress';
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;
ALTER FUNCTION api.audit_rows_missing(jsonb[]) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.audit_rows_missing(jsonb[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.audit_rows_missing(jsonb[]) TO sportello_auditor;
