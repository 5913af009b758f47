-- The audit log's seal, made cheap for a new backend (issue 18: a desk command within 1.5x of
-- `psql -c 'SELECT 1'`). Every command runs in a backend of its own and writes one audit row;
-- there, the two BEFORE INSERT triggers of V6 took a third of a search's time in the server:
-- two PL/pgSQL functions to compile, two settings changed around the lock, and the row's hash as a
-- SQL function over to_jsonb/jsonb_each_text/string_agg, parsed and planned anew in each
-- backend. Same rules, same chain, same bytes hashed; one trigger, the wait bounded by the
-- function's own setting, the hash as one expression.

-- Rule (V6, V10): who wrote a row is the database's (session_user is stamped; an operator can
-- only be that login, NULL for the citizen's own actions); every new row is timed by the
-- database and chained to the head, one writer at a time, waiting 15 s at most for the chain.
-- The hash is audit_log_hash(NEW) of V6 (and link_hash of src/audit_chain.rs), written out
-- column by column: SHA-256 over the previous hash, the form's tag, then every non-NULL column
-- but seq, prev_hash and hash, in the bytewise order of the names, each as
-- `<bytes of name>:<name><bytes of value>:<value>`, the value as jsonb_each_text gives it
-- (`#>> '{}'` for the jsonb details: a JSON null is no value) and `at` in UTC with
-- microseconds. A column added to audit_log must be added here too (tests/it/chain.rs compares
-- this with audit_log_hash on awkward values).
CREATE OR REPLACE FUNCTION public.audit_log_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp SET lock_timeout = '15s' AS $$
DECLARE
    head_seq bigint;
    head_hash bytea;
BEGIN
    IF NEW.operator_id IS NOT NULL AND lower(NEW.operator_id) <> lower(session_user) THEN
        RAISE EXCEPTION 'an audit row of login % cannot name operator %', session_user, NEW.operator_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.login := session_user;
    -- One writer at a time, until its transaction ends (waiting at most the function's
    -- lock_timeout).
    BEGIN
        PERFORM 1 FROM public.audit_chain_lock FOR UPDATE;
    EXCEPTION WHEN lock_not_available THEN
        RAISE EXCEPTION 'the audit log is held by another transaction for more than 15 s: nothing was written'
            USING ERRCODE = 'lock_not_available';
    END;
    -- When: the database's, taken under the lock, so that times follow the chain.
    NEW.at := clock_timestamp();
    SELECT a.seq, a.hash INTO head_seq, head_hash FROM public.audit_log a ORDER BY a.seq DESC LIMIT 1;
    NEW.seq := coalesce(head_seq, 0) + 1;
    NEW.prev_hash := coalesce(head_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    NEW.hash := sha256(NEW.prev_hash || convert_to(concat(
        'sportello-audit-v1',
        '6:action', octet_length(convert_to(NEW.action, 'UTF8')), ':', NEW.action,
        '2:at27:', to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        '7:command', octet_length(convert_to(NEW.command, 'UTF8')), ':', NEW.command,
        '7:details' || octet_length(convert_to(NEW.details #>> '{}', 'UTF8')) || ':' || (NEW.details #>> '{}'),
        '2:id', octet_length(NEW.id::text), ':', NEW.id,
        '5:login' || octet_length(convert_to(NEW.login, 'UTF8')) || ':' || NEW.login,
        '11:operator_id' || octet_length(convert_to(NEW.operator_id, 'UTF8')) || ':' || NEW.operator_id,
        '6:origin', octet_length(convert_to(NEW.origin, 'UTF8')), ':', NEW.origin,
        '7:outcome', octet_length(convert_to(NEW.outcome, 'UTF8')), ':', NEW.outcome,
        '12:result_count' || octet_length(NEW.result_count::text) || ':' || NEW.result_count,
        '6:target' || octet_length(convert_to(NEW.target, 'UTF8')) || ':' || NEW.target), 'UTF8'));
    RETURN NEW;
END $$;

-- The stamp is now the first thing the seal does.
DROP TRIGGER audit_log_stamp ON public.audit_log;
DROP FUNCTION public.audit_log_stamp();
