-- The audit log's writer: cheap for a new backend, and held by no login (issues 18 and 16).
--
-- Cheap: the row's hash is written without operators that a new backend resolves among every
-- `||` of the catalogue (V47 says why a first statement costs), and the chain's trigger (V36)
-- goes: only sportello_record writes audit_log (no login holds INSERT on it).
--
-- Held by no login (issue 16, attack 7). A row used to be chained as it was written: the chain
-- had one writer at a time, each holding its lock to the end of its transaction, so a login that
-- made one audited call inside BEGIN and stopped there held every other audited command (its
-- idle timeout is its own to lift), and a login with many connections queued them so that each
-- held it in turn. Now writing a row and linking it into the chain are two steps. A row is
-- written at once, with no lock, and is a line of the server's log at once (V42). Linking takes
-- the chain's lock, to the end of the transaction, if it is free: a writer that cannot have it at
-- once goes on without, and its row waits, unlinked, for the next writer that has the lock, which
-- links the rows written and committed before, in the order of their ids, then its own. So no
-- session, stopped or at work, makes another wait for the audit log. What a stopped session
-- holds back is linked after it lets go (its end, or its idle timeout), by the writers after. A
-- row's place in the chain (seq) is thus the order of linking, which is the order of writing but
-- for the rows that waited; its time (at) is when it was written. (So does Certificate
-- Transparency: a log accepts an entry at once and merges it into its tree later.)
-- `audit verify` walks the links and counts the rows not linked yet; `doctor` warns when one has
-- waited more than a minute.
--
-- The server log's line (V42) names the row by its id and its transaction, no longer by its
-- place, which it may not have yet, and is signed: a login can put text of its own into the
-- server's log (a RAISE in a database where it may run code, an error quoting what it sent), so
-- each line carries an HMAC-SHA256 under a key only the owner reads. `audit verify --server-log`
-- asks which signed lines name rows that are not in the audit log, and whether their
-- transaction has ended (api.audit_rows_missing).

-- The key of the server log's lines: 244 random bits (two random UUIDs), kept as HMAC's inner and
-- outer padded keys. The owner's alone; a copy or a restore of the database keeps it.
CREATE TABLE public.audit_line_key (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    ipad bytea NOT NULL CHECK (octet_length(ipad) = 64),
    opad bytea NOT NULL CHECK (octet_length(opad) = 64));
REVOKE ALL ON public.audit_line_key FROM PUBLIC, sportello_api;
DO $$
DECLARE
    k bytea := decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '') || repeat('00', 32), 'hex');
    ipad bytea := k;
    opad bytea := k;
BEGIN
    FOR i IN 0 .. 63 LOOP
        ipad := set_byte(ipad, i, get_byte(k, i) # 54);
        opad := set_byte(opad, i, get_byte(k, i) # 92);
    END LOOP;
    INSERT INTO public.audit_line_key (ipad, opad) VALUES (ipad, opad);
END $$;

-- Rule: the signature of a line of the server's log, HMAC-SHA256 of its text under the key
-- above, in hex.
CREATE FUNCTION public.audit_line_mac(p_text text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT encode(sha256(byteacat(k.opad, sha256(byteacat(k.ipad, convert_to(p_text, 'UTF8'))))), 'hex')
      FROM public.audit_line_key k
$$;
REVOKE ALL ON FUNCTION public.audit_line_mac(text) FROM PUBLIC, sportello_api;

-- Rule: whether a line of the server's log (the JSON it holds) carries the signature above. Checks,
-- never signs: for api.audit_rows_missing, whose owner may not sign.
CREATE FUNCTION public.audit_line_signed(p_line jsonb) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT jsonb_typeof(p_line) = 'object' AND p_line ->> 'mac' = public.audit_line_mac((p_line - 'mac')::text)
$$;
REVOKE ALL ON FUNCTION public.audit_line_signed(jsonb) FROM PUBLIC;

-- A row not linked yet has no place and no hashes; a linked one has all three.
ALTER TABLE public.audit_log
    ALTER COLUMN seq DROP NOT NULL,
    ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN hash DROP NOT NULL,
    ADD CONSTRAINT audit_log_link_whole
        CHECK ((seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (hash IS NULL));
CREATE INDEX audit_log_unlinked ON public.audit_log (id) WHERE seq IS NULL;

-- Every row has a bounded size, whoever writes it: a row is hashed, compared and walked by
-- others (its linker, `audit verify`), and one near a limit of jsonb's or of memory would stop
-- them all, for good (append-only). The descriptive columns a client sets (origin, command) are
-- cut by sportello_record; the rest is the database's own, or checked by api.record (V50).
ALTER TABLE public.audit_log ADD CONSTRAINT audit_log_bounded CHECK (
    octet_length(origin) <= 1024 AND octet_length(command) <= 1024 AND octet_length(action) <= 64
    AND octet_length(outcome) <= 64 AND octet_length(login) <= 256 AND octet_length(operator_id) <= 256
    AND octet_length(target) <= 4096 AND octet_length(details::text) <= 16777216);

-- Rule (V6): audit_log is append-only. The one change a row takes is its link, once: seq,
-- prev_hash and hash set where they were NULL, every other column as it was.
-- Column by column: a column added to audit_log must be added here too.
CREATE OR REPLACE FUNCTION public.audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (NEW.id, NEW.at, NEW.operator_id, NEW.origin, NEW.command, NEW.action, NEW.target, NEW.details,
            NEW.result_count, NEW.outcome, NEW.login)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.operator_id, OLD.origin, OLD.command, OLD.action, OLD.target,
                                 OLD.details, OLD.result_count, OLD.outcome, OLD.login) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

-- Rule (V6, V36): the rows written and not linked yet, as this transaction sees them (its own
-- and the committed ones), are linked to the head in the order of their ids, one linker at a
-- time (the lock on audit_chain_lock, held to the end of the transaction, taken only if free);
-- for 20 ms at most, the oldest first, so that no writer pays for a long backlog (what another
-- login piled up while it held the lock): the writers after it go on. Returns whether it had the
-- lock. Its callers run in READ COMMITTED (sportello_record refuses the others), so each
-- statement sees the commits made before it: the head is the last link. The hash is
-- audit_log_hash of V6 (and link_hash of src/audit_chain.rs), written out: SHA-256 over the
-- previous hash, the form's tag, then every non-NULL column but seq, prev_hash and hash, in the
-- bytewise order of the names, each as
-- `<bytes of name>:<name><bytes of value>:<value>`, the value as jsonb_each_text gives it
-- (`#>> '{}'` for the jsonb details: a JSON null is no value) and `at` in UTC with
-- microseconds. A column that may be NULL is one concat() under a CASE, and the bytes are joined
-- by byteacat, not `||` (see above). A column added to audit_log must be added here too
-- (tests/it/chain.rs compares this with audit_log_hash on awkward values).
CREATE FUNCTION public.sportello_link_audit_rows() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    head_seq bigint;
    head_hash bytea;
    waiting bigint;
    a public.audit_log;
    started timestamptz := clock_timestamp();
BEGIN
    BEGIN
        PERFORM 1 FROM public.audit_chain_lock FOR UPDATE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        RETURN false;
    END;
    SELECT l.seq, l.hash INTO head_seq, head_hash
      FROM public.audit_log l WHERE l.seq IS NOT NULL ORDER BY l.seq DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0);
    head_hash := coalesce(head_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    FOR waiting IN SELECT l.id FROM public.audit_log l WHERE l.seq IS NULL ORDER BY l.id LOOP
        EXIT WHEN clock_timestamp() - started > interval '20 ms';
        UPDATE public.audit_log r
           SET seq = head_seq + 1, prev_hash = head_hash, hash =
              sha256(byteacat(head_hash, convert_to(concat(
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
         WHERE r.id = waiting AND r.seq IS NULL
        RETURNING r.* INTO a;
        CONTINUE WHEN NOT FOUND;
        head_seq := a.seq;
        head_hash := a.hash;
    END LOOP;
    RETURN true;
END $$;
REVOKE ALL ON FUNCTION public.sportello_link_audit_rows() FROM PUBLIC;

-- Rule (V6, V10, V23, V42): an audit row is written only here. Who wrote it is the database's
-- (the login, session_user; the operator that login is, NULL for the citizen's own actions), and
-- so is when; it is a signed line of the server's log, which no transaction takes back (its id,
-- its transaction, time, login, action, target, outcome and count, never its details); then it is
-- linked into the chain, with the rows waiting before it, or waits for the next writer (above).
-- A row is written in READ COMMITTED only: a transaction on an older snapshot could not link,
-- and its rows would be others' to link. What the client says of itself (origin, command) is
-- kept to its first 200 characters.
CREATE OR REPLACE FUNCTION public.sportello_record(p_action text, p_target text, p_details jsonb,
                                                   p_count bigint DEFAULT NULL, p_outcome text DEFAULT 'ok',
                                                   p_citizen boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    a public.audit_log;
    line jsonb;
BEGIN
    IF current_setting('transaction_isolation') NOT IN ('read committed', 'read uncommitted') THEN
        RAISE EXCEPTION 'an audited call runs in READ COMMITTED (this transaction is %)',
            current_setting('transaction_isolation') USING ERRCODE = 'invalid_transaction_state';
    END IF;
    INSERT INTO public.audit_log (at, operator_id, origin, command, action, target, details, result_count,
                                  outcome, login)
    VALUES (clock_timestamp(),
            CASE WHEN p_citizen THEN NULL
                 ELSE coalesce((SELECT o.id FROM public.operators o WHERE lower(o.id) = lower(session_user)),
                               session_user::text) END,
            CASE WHEN p_citizen THEN 'citizen portal'
                 ELSE left(coalesce(nullif(current_setting('sportello.origin', true), ''), 'unknown'), 200) END,
            left(coalesce(nullif(current_setting('sportello.command', true), ''), p_action), 200),
            p_action, p_target, coalesce(p_details, '{}'::jsonb), p_count, p_outcome, session_user::text)
    RETURNING * INTO a;
    line := jsonb_build_object(
        'database', current_database(), 'id', a.id, 'xact', pg_current_xact_id()::text, 'at', a.at,
        'login', a.login, 'action', a.action, 'target', a.target, 'outcome', a.outcome,
        'count', a.result_count);
    RAISE LOG USING MESSAGE = 'sportello-audit '
        || (line || jsonb_build_object('mac', public.audit_line_mac(line::text)))::text;
    PERFORM public.sportello_link_audit_rows();
END $$;

-- The chain's trigger (V36) goes: sportello_record stamps and links the rows it writes.
DROP TRIGGER audit_log_zz_chain ON public.audit_log;
DROP FUNCTION public.audit_log_chain();

-- Rule (V28): the chain's links after (seq, id), for `audit verify`; rows not linked yet are
-- not links. Auditors, the walk recorded when it starts; the owner.
CREATE OR REPLACE FUNCTION api.audit_chain(p_after_seq bigint, p_after_id bigint, p_limit integer)
RETURNS TABLE (seq bigint, id bigint, at timestamptz, prev_hash bytea, hash bytea, fields jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF NOT public.sportello_is_owner() THEN
        PERFORM public.sportello_caller(ARRAY['auditor']);
        IF p_after_seq IS NULL THEN
            PERFORM public.sportello_record('audit-list', NULL, jsonb_build_object('chain', true));
        END IF;
    END IF;
    RETURN QUERY
        SELECT a.seq, a.id, a.at, a.prev_hash, a.hash,
               (SELECT coalesce(jsonb_object_agg(key, value), '{}')
                  FROM jsonb_each_text(to_jsonb(a) - ARRAY['seq', 'prev_hash', 'hash', 'at']))
          FROM public.audit_log a
         WHERE a.seq IS NOT NULL AND (p_after_seq IS NULL OR (a.seq, a.id) > (p_after_seq, p_after_id))
         ORDER BY a.seq, a.id
         LIMIT least(greatest(p_limit, 1), 10000);
END $$;

-- Rule: the rows waiting are linked if the chain's lock is free (in READ COMMITTED), then
-- counted: how many still wait, and since when (a count and a time, nothing of the rows).
-- Administrators and auditors (`doctor`, `audit verify`), and the owner.
CREATE FUNCTION api.audit_unlinked(OUT waiting bigint, OUT oldest timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT public.sportello_is_owner() THEN
        PERFORM public.sportello_caller(ARRAY['admin', 'auditor']);
    END IF;
    IF current_setting('transaction_isolation') IN ('read committed', 'read uncommitted') THEN
        PERFORM public.sportello_link_audit_rows();
    END IF;
    SELECT count(*), min(a.at) INTO waiting, oldest FROM public.audit_log a WHERE a.seq IS NULL;
END $$;
ALTER FUNCTION api.audit_unlinked() OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.audit_unlinked() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.audit_unlinked() TO sportello_admin, sportello_auditor;

-- Rule: of the lines of a server log (each as the JSON it holds), those whose signature holds and
-- whose row is not in audit_log, by their place in p_lines (from 1), each with whether its
-- transaction has ended (the row was rolled back with it, or deleted) or is still in progress
-- (not judged: its row may yet commit; `audit verify` lists it apart, to be verified again). A
-- transaction's end is looked for before its row (READ COMMITTED, a statement each), so one
-- committing meanwhile has its row found. Auditors and the owner; part of the verification,
-- which is recorded.
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
