-- The audit log as evidence (issue 9, item 3): stamped by the database, hash-chained, verifiable
-- with `sportello audit verify`; and the desk letters of each operation (item 4), so those holding
-- a PIN or a code can be found and removed once the operation is completed or discarded.
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
-- as `YYYY-MM-DDTHH:MM:SS.ffffffZ` whatever the session's time zone. src/audit.rs recomputes the
-- same in Rust to verify, without trusting this function.
--
-- A column added to audit_log later is covered by the hashes of new rows at once; it must be
-- nullable with no default (NULL columns are left out), or the hashes of the older rows break.
--
-- The append is serialised by a transaction advisory lock taken in the BEFORE INSERT trigger and
-- held to commit, so two writers never read the same head (which would fork the chain); the
-- unique index on seq stops a fork even if the lock were bypassed (e.g. a REPEATABLE READ
-- transaction that cannot see the newest head fails instead of forking). Appending therefore
-- serialises the transactions that write audit rows from their first row to their commit: write
-- the audit row last in long transactions.
--
-- A chain alone cannot show that its tail was cut off: `audit verify` prints the head hash to
-- keep elsewhere, and `audit verify --head HASH` checks it is still in the chain.

ALTER TABLE audit_log
    ADD COLUMN seq bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash bytea;

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

-- The existing rows, chained in the order they were written.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
DO $$
DECLARE
    r audit_log;
    prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
    n bigint := 0;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        n := n + 1;
        r.seq := n;
        r.prev_hash := prev;
        r.hash := audit_log_hash(r);
        UPDATE audit_log SET seq = r.seq, prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
        prev := r.hash;
    END LOOP;
END $$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;

ALTER TABLE audit_log
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);

-- Stamps and chains every new row. Runs as the owner (it reads the head, which an application
-- login may not be allowed to read). Named to fire after every other BEFORE INSERT trigger of
-- audit_log (they fire in name order): it hashes the row as they left it.
CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    head_seq bigint;
    head_hash bytea;
BEGIN
    -- One writer at a time, until its transaction ends (72010013: sportello's audit chain).
    PERFORM pg_advisory_xact_lock(72010013);

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

-- Item 4: the letters a desk operation handed over, by path, so those holding a PIN or a code
-- can be removed when the operation is completed (activation, online revocation) or discarded
-- (a new booking). Paths only: the letters themselves are files, never in the database.
CREATE TABLE operation_letters (
    operation_id  bigint NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    path          text NOT NULL,
    secret        boolean NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operation_id, path)
);
GRANT SELECT, INSERT, DELETE ON operation_letters TO sportello_app;
