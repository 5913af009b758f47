-- The audit chain's append lock cannot be taken by an application login (issue 9).
--
-- V13 serialised the appends with a transaction advisory lock: any login may take an advisory
-- lock, so one holding 72010013 (`SELECT pg_advisory_lock(72010013)`) froze every command that
-- writes an audit row. The lock is now a row of a table no application login may read or lock
-- (FOR UPDATE needs UPDATE privilege), taken by the SECURITY DEFINER chain trigger; and a writer
-- waits for it at most 15 seconds (then fails, saying so) instead of hanging.

CREATE TABLE audit_chain_lock (one boolean PRIMARY KEY DEFAULT true CHECK (one));
INSERT INTO audit_chain_lock VALUES (true);
REVOKE ALL ON audit_chain_lock FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
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
