-- What a second attack review found (issue 9), closed by the database.

-- 1. An application login wrote audit rows with ids of its choosing (taking the sequence's
--    future values made every later audited command fail). It now names only the columns a
--    record holds; id, time, login and the chain's columns are the database's.
REVOKE INSERT ON audit_log FROM sportello_app;
GRANT INSERT (operator_id, origin, command, action, target, details, result_count, outcome) ON audit_log TO sportello_app;

-- 2. The record-level export's pseudonyms were under a key the caller chose: an auditor could
--    compute them for any fiscal code and find who is who. The export key is now drawn by the
--    database for each call (the server's strong random generator, through gen_random_uuid) and
--    never leaves it; the caller's person key only lets one person be one pseudonym.
DROP FUNCTION stats_records(date, date, bytea, bytea);
CREATE FUNCTION stats_records(p_from date, p_to date, p_person_key bytea)
RETURNS TABLE (pseudonym bytea, birth_year int, sex text, province text, municipality text, community text,
               state text, strong boolean, registered date, verified date, activated date, revoked date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    export_key bytea := decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');
    pi bytea; po bytea; ei bytea; eo bytea;
BEGIN
    IF p_person_key IS NULL OR length(p_person_key) < 32 THEN
        RAISE EXCEPTION 'the person key of an export is at least 32 bytes' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM audit_log a
         WHERE a.login = session_user AND a.action = 'stats' AND a.outcome = 'ok'
           AND a.details @> jsonb_build_object('records', true)
           AND a.details->'from' IS NOT DISTINCT FROM coalesce(to_jsonb(p_from), 'null'::jsonb)
           AND a.details->'to' IS NOT DISTINCT FROM coalesce(to_jsonb(p_to), 'null'::jsonb)
           AND a.at > clock_timestamp() - interval '10 minutes')
    THEN
        RAISE EXCEPTION 'a record-level export is first recorded in the audit log (by sportello stats --records)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT h.ipad, h.opad INTO pi, po FROM stats_hmac_pads(p_person_key) h;
    SELECT h.ipad, h.opad INTO ei, eo FROM stats_hmac_pads(export_key) h;
    export_key := NULL;
    RETURN QUERY
        SELECT substring(sha256(eo || sha256(ei || sha256(po || sha256(pi || convert_to(r.fiscal_code, 'UTF8')))))
                         FROM 1 FOR 16),
               extract(year FROM r.birth_date)::int, r.sex::text, r.res_province::text, r.res_municipality::text,
               r.community::text, r.state::text, r.strong,
               (r.registered_at AT TIME ZONE 'Europe/Rome')::date, (r.verified_at AT TIME ZONE 'Europe/Rome')::date,
               (r.activated_at AT TIME ZONE 'Europe/Rome')::date, NULL::date
          FROM registrations r
         WHERE (p_from IS NULL OR r.registered_at >= p_from::timestamp AT TIME ZONE 'Europe/Rome')
           AND (p_to IS NULL OR r.registered_at < (p_to + 1)::timestamp AT TIME ZONE 'Europe/Rome')
        UNION ALL
        SELECT substring(sha256(eo || sha256(ei || coalesce(t.stats_person, t.fiscal_code_hash))) FROM 1 FOR 16),
               NULL, NULL, NULL, NULL, t.community::text, NULL, NULL,
               (t.registered_at AT TIME ZONE 'Europe/Rome')::date, NULL, NULL,
               (t.revoked_at AT TIME ZONE 'Europe/Rome')::date
          FROM revocations t
         WHERE (p_from IS NULL OR t.registered_at >= p_from::timestamp AT TIME ZONE 'Europe/Rome')
           AND (p_to IS NULL OR t.registered_at < (p_to + 1)::timestamp AT TIME ZONE 'Europe/Rome');
END $$;
REVOKE ALL ON FUNCTION stats_records(date, date, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats_records(date, date, bytea) TO sportello_auditor, sportello_admin;

-- 3. A desk login's residence left empty escaped the competence check. A registration made or
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

-- 4. A desk login booked an operation (and set a code of its choosing) in psql, with no audit
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
