-- What a second attack review found (issue 9), closed by the database.

-- 1. An application login wrote audit rows with ids of its choosing (taking the sequence's
--    future values made every later audited command fail). It now names only the columns a
--    record holds; id, time, login and the chain's columns are the database's.
REVOKE INSERT ON audit_log FROM sportello_app;
GRANT INSERT (operator_id, origin, command, action, target, details, result_count, outcome) ON audit_log TO sportello_app;

-- 2. A desk login's residence left empty escaped the competence check. A registration made or
--    moved by an application login other than a batch pre-load has a residence, within its
--    operator's competence.
CREATE OR REPLACE FUNCTION registrations_residence_needed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.res_municipality IS NULL
       AND (TG_OP = 'INSERT' OR OLD.res_municipality IS NOT NULL)
       AND NOT pg_has_role(session_user, 'sportello_batch', 'MEMBER')
       AND session_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
    THEN
        RAISE EXCEPTION 'a registration has a municipality of residence, within the competence of operator %',
            session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registrations_residence_needed BEFORE INSERT OR UPDATE OF res_municipality ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_residence_needed();

-- 3. A desk login booked an operation (and set a code of its choosing) in psql, with no audit
--    row: the account could then be taken over unseen. Every transaction in which a desk login
--    registers, edits, books or sets a code now records itself in the audit log (checked at
--    commit, so the record may come before or after the write). Batch, helpdesk and portal
--    logins write through their own audited runs and completions.
CREATE FUNCTION sportello_desk_write_recorded() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF pg_has_role(session_user, 'sportello_desk', 'MEMBER')
       AND NOT pg_has_role(session_user, 'sportello_batch', 'MEMBER')
       AND NOT pg_has_role(session_user, 'sportello_helpdesk', 'MEMBER')
       AND NOT pg_has_role(session_user, 'sportello_portal', 'MEMBER')
       AND NOT EXISTS (SELECT 1 FROM audit_log a
                        WHERE a.at >= now() AND a.xmin = pg_current_xact_id()::xid AND a.login = session_user)
    THEN
        RAISE EXCEPTION 'a desk write to % is recorded in the audit log in the same transaction: nothing was written',
            TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION sportello_desk_write_recorded() FROM PUBLIC;
CREATE CONSTRAINT TRIGGER registrations_desk_recorded AFTER INSERT OR UPDATE ON registrations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sportello_desk_write_recorded();
CREATE CONSTRAINT TRIGGER operations_desk_recorded AFTER INSERT OR UPDATE ON operations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sportello_desk_write_recorded();
CREATE CONSTRAINT TRIGGER registration_credentials_desk_recorded AFTER INSERT OR UPDATE ON registration_credentials
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sportello_desk_write_recorded();
