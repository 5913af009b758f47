-- The audit log's writer, cheaper for a new backend and kept by no login (issues 18 and 16).
--
-- Cheaper: sportello_record chains the row itself, in the INSERT that writes it, and the chain's
-- trigger (V36) goes; the row's hash is the same bytes, written without operators that a new
-- backend resolves among every `||` of the catalogue (V47 says why a first statement costs).
--
-- Kept by no login stopping inside its transaction (issue 16, attack 7). The chain has one
-- writer at a time, each holding its lock until its transaction ends, so a login that made one
-- audited call inside BEGIN and then stopped held every other audited command for as long as it
-- liked: its idle-in-transaction timeout is its own to lift (SET is every session's), and the
-- others failed after 15 s, again and again. Now a writer that has waited 10 s ends the sessions
-- that keep the chain while idle in their transaction for 10 s or more: the holder itself, or a
-- session the holder waits for (a row lock of a registration, a run's chunk lock), and records
-- each in the chain. A session at work is never ended, however long it holds the chain (a postal
-- batch holds it while its letters are rendered and synced): the writer waits for it, 20 s at
-- most in all, then fails saying so.
--
-- Still open, and said in README: a login with many connections can queue them ahead of the
-- others' writes, each keeping the chain idle for 10 s when its turn comes, and a prepared
-- transaction (PREPARE TRANSACTION, off unless max_prepared_transactions > 0) has no session to
-- end. Ending a session and seeing that it is idle need pg_signal_backend and pg_read_all_stats
-- (or superuser) for the owner of these functions: the embedded cluster's owner is a superuser;
-- a server's owner is given both by the superuser when it is created (README, server step 1).
-- Without them, nothing is ended and the server's log says nothing more.

-- Rule: the sessions keeping the chain idle are ended, and the server's log names each and its
-- login; they are returned, for the writer's audit rows. Those are the sessions holding or
-- queued for the chain's lock (RowShareLock on audit_chain_lock, taken by FOR UPDATE and held to
-- the transaction's end) and the sessions they wait for, that are idle in their transaction and
-- have been for 10 s or more. Called only by sportello_take_chain.
CREATE FUNCTION public.sportello_end_idle_chain_holders(OUT login text, OUT pid integer, OUT idle_s numeric)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    h record;
BEGIN
    FOR h IN SELECT DISTINCT a.pid, a.usename::text AS login,
                    round(extract(epoch FROM clock_timestamp() - a.state_change)) AS idle_s
               FROM pg_catalog.pg_locks l
              CROSS JOIN LATERAL unnest(ARRAY[l.pid] || pg_catalog.pg_blocking_pids(l.pid)) AS s(pid)
               JOIN pg_catalog.pg_stat_activity a ON a.pid = s.pid
              WHERE l.locktype = 'relation' AND l.relation = 'public.audit_chain_lock'::regclass
                AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                AND l.mode = 'RowShareLock' AND l.granted
                AND a.pid <> pg_catalog.pg_backend_pid()
                AND a.state IN ('idle in transaction', 'idle in transaction (aborted)')
                AND a.state_change <= clock_timestamp() - interval '10 s'
    LOOP
        BEGIN
            IF pg_catalog.pg_terminate_backend(h.pid, 2000) THEN
                RAISE LOG 'sportello: ended the session % (login %), idle for % s in a transaction keeping the audit log',
                    h.pid, h.login, h.idle_s;
                login := h.login; pid := h.pid; idle_s := h.idle_s;
                RETURN NEXT;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE LOG 'sportello: the session % (login %) keeps the audit log, and the owner may not end it (pg_signal_backend)',
                h.pid, h.login;
        END;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION public.sportello_end_idle_chain_holders() FROM PUBLIC;

-- Rule: the chain's lock for a writer that has waited for it 10 s already: the sessions keeping
-- it idle are ended, and the lock waited for 5 s more, twice. The writer then records each
-- session it ended (`chain-holder-ended`, the login as target), in the chain it now holds and
-- before its own row; or it fails, nothing written. Called only by sportello_record.
CREATE FUNCTION public.sportello_take_chain() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    ended jsonb := '[]';
    e jsonb;
BEGIN
    FOR round IN 1 .. 2 LOOP
        ended := ended || coalesce((SELECT jsonb_agg(to_jsonb(h)) FROM public.sportello_end_idle_chain_holders() h), '[]');
        BEGIN
            PERFORM 1 FROM public.audit_chain_lock FOR UPDATE;
            FOR e IN SELECT jsonb_array_elements(ended) LOOP
                PERFORM public.sportello_record('chain-holder-ended', 'login:' || (e->>'login'),
                    jsonb_build_object('pid', (e->>'pid')::integer, 'idle_seconds', (e->>'idle_s')::numeric,
                                       'why', 'idle in a transaction keeping the audit log'));
            END LOOP;
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            NULL;
        END;
    END LOOP;
    RAISE EXCEPTION 'the audit log is held by another transaction for more than 20 s: nothing was written'
        USING ERRCODE = 'lock_not_available';
END $$;
REVOKE ALL ON FUNCTION public.sportello_take_chain() FROM PUBLIC;

-- Rule (V6, V10, V36, V42): an audit row is written only here. Who wrote it is the
-- database's (the login, session_user; the operator that login is, NULL for the citizen's own
-- actions); the row is timed by the database and chained to the head, one writer at a time; it is
-- also a line of the server's log. Now: a writer that waited 10 s for the chain ends the sessions
-- keeping it idle (sportello_take_chain), then waits 10 s more at most. The hash is audit_log_hash of
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
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp SET lock_timeout = '10s' AS $$
DECLARE
    a public.audit_log;
BEGIN
    -- One writer at a time, until its transaction ends: after 10 s, sportello_take_chain.
    BEGIN
        PERFORM 1 FROM public.audit_chain_lock FOR UPDATE;
    EXCEPTION WHEN lock_not_available THEN
        PERFORM public.sportello_take_chain();
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

-- The chain's trigger (V36) goes: sportello_record chains the row in the INSERT that writes it,
-- and nothing else writes audit_log (no login holds INSERT on it, and no function inserts there
-- but through sportello_record).
DROP TRIGGER audit_log_zz_chain ON public.audit_log;
DROP FUNCTION public.audit_log_chain();
