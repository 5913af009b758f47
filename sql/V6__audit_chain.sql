-- sportello's baseline, 6 of 8: the audit log as evidence: append-only, stamped by the
-- database, hash-chained, verifiable with `sportello audit verify`.
--
-- The chain. Each row carries its position (`seq`, 1, 2, 3, ... with no gaps: a rolled-back
-- append gives its place to the next one), the hash of the row before it (`prev_hash`; 32 zero
-- bytes for the first) and its own hash:
--
--   hash = sha256(prev_hash || 'sportello-audit-v1' || field || field || ...)
--
-- over every column but seq, prev_hash and hash, in the bytewise order of their names, each
-- field written as `<bytes of name>:<name><bytes of value>:<value>` (UTF-8; NULL columns left
-- out), so no value can bleed into the next. A value is the column as text (jsonb_each_text of
-- the row: numbers in decimal, `details` in jsonb's canonical text), except `at`, written in UTC
-- as `YYYY-MM-DDTHH:MM:SS.ffffffZ` whatever the session's time zone. src/audit_chain.rs
-- recomputes the same in Rust to verify, without trusting this function.
--
-- A column added to audit_log later is covered by the hashes of new rows at once; it must be
-- nullable with no default (NULL columns are left out), or the hashes of the older rows break.
--
-- The append is serialised by a lock row (audit_chain_lock) that no application login may read
-- or lock, taken by the SECURITY DEFINER chain trigger and held to commit, so two writers never
-- read the same head (which would fork the chain); a writer waits for it at most 15 seconds.
-- The unique index on seq stops a fork even if the lock were bypassed. Appending therefore
-- serialises the transactions that write audit rows from their first row to their commit.
--
-- A chain alone cannot show that its tail was cut off: `audit verify` prints the head hash to
-- keep elsewhere, and `audit verify --head HASH` checks it is still in the chain.

-- Rule: even the owner cannot rewrite history: UPDATE, DELETE and TRUNCATE raise.
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Rule: who wrote a row is the database's: the login (session_user) is stamped, and an operator
-- can only be that login (NULL for the citizen's own actions, written by the portal's login,
-- which `login` names).
CREATE FUNCTION audit_log_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.operator_id IS NOT NULL AND lower(NEW.operator_id) <> lower(session_user) THEN
        RAISE EXCEPTION 'an audit row of login % cannot name operator %', session_user, NEW.operator_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.at := clock_timestamp();
    NEW.login := session_user;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_stamp BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_stamp();

-- The hash of a row as stored (or about to be): see above.
CREATE FUNCTION audit_log_hash(r audit_log) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sha256(
        r.prev_hash || convert_to('sportello-audit-v1', 'UTF8')
        || coalesce(string_agg(
               convert_to(octet_length(f.k)::text || ':', 'UTF8') || f.k
               || convert_to(octet_length(f.v)::text || ':', 'UTF8') || f.v,
               ''::bytea ORDER BY f.k),
           ''::bytea))
    FROM (
        SELECT convert_to(key, 'UTF8') AS k, convert_to(value, 'UTF8') AS v
        FROM jsonb_each_text(to_jsonb(r) - ARRAY['seq', 'prev_hash', 'hash', 'at'])
        WHERE value IS NOT NULL
        UNION ALL
        SELECT convert_to('at', 'UTF8'),
               convert_to(to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'UTF8')
        WHERE r.at IS NOT NULL
    ) f
$$;

INSERT INTO audit_chain_lock VALUES (true);
REVOKE ALL ON audit_chain_lock FROM PUBLIC;

-- Rule: every new row is timed by the database and chained to the head, one writer at a time.
-- Named to fire after every other BEFORE INSERT trigger of audit_log (they fire in name order):
-- it hashes the row as they left it.
CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    head_seq bigint;
    head_hash bytea;
    waited text := current_setting('lock_timeout');
BEGIN
    -- One writer at a time, until its transaction ends.
    PERFORM set_config('lock_timeout', '15s', true);
    BEGIN
        PERFORM 1 FROM audit_chain_lock FOR UPDATE;
    EXCEPTION WHEN lock_not_available THEN
        RAISE EXCEPTION 'the audit log is held by another transaction for more than 15 s: nothing was written'
            USING ERRCODE = 'lock_not_available';
    END;
    PERFORM set_config('lock_timeout', waited, true);

    -- When: the database's, never the client's (taken under the lock, so times follow the chain).
    NEW.at := clock_timestamp();
    -- Who: trigger audit_log_stamp (V10) fired before this one. It refuses an operator_id other
    -- than session_user and stamps the login; both are hashed below with every other column.

    SELECT seq, hash INTO head_seq, head_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(head_seq, 0) + 1;
    NEW.prev_hash := coalesce(head_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    NEW.hash := audit_log_hash(NEW);
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_zz_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
