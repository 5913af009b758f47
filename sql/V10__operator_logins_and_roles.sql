-- Operators authenticated by the database, least privilege enforced by the database (issue 9).
--
-- Every operator is a PostgreSQL LOGIN role named as the operator (server: a client certificate
-- whose CN is the role, or SCRAM; embedded: peer authentication, the OS user). sportello takes
-- the acting operator from session_user. What an operator may do comes from the group roles
-- granted to their login; they are cluster-wide, hence the prefix:
--
--   sportello_desk      register, search, show, book, edit, regenerate codes, change residence, letters
--   sportello_helpdesk  the helpdesk mailbox, revocations by registered letter
--   sportello_batch     registry imports and pre-loads, postal PIN runs (the cron job's login)
--   sportello_admin     add operators, grant and revoke roles, set competence, disable
--   sportello_auditor   read the audit log
--   sportello_portal    what the citizen completes online (the web portal's own login)
--
-- Each is a member of sportello_app (V3), which now only reads the reference data and the
-- operator directory and appends to the audit log. The schema owner (who runs the migrations)
-- owns every object; application logins are never members of it, so they cannot alter tables,
-- disable triggers or become the owner. What a client must not be trusted with goes through
-- SECURITY DEFINER functions (operator management) or triggers (audit stamping, residence
-- competence). Nothing here needs a superuser: creating and granting roles needs CREATEROLE.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['sportello_desk', 'sportello_helpdesk', 'sportello_batch', 'sportello_admin',
                             'sportello_auditor', 'sportello_portal'] LOOP
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- roles are cluster-wide: another database of the cluster made it already
        END;
        EXECUTE format('GRANT sportello_app TO %I', r);
    END LOOP;
END $$;

-- Nobody but the owner creates objects in the schema (PostgreSQL 15 does this by default;
-- older servers keep the schema's owner elsewhere, then it stays as the DBA left it).
DO $$
BEGIN
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END $$;

-- The common base: reference data (V1, V3), the operator directory, appending to the audit log.
REVOKE ALL ON operators, operator_competence, registrations, operations, delegates, legacy_accounts,
    cia_residents, aura_residents, revocations, batch_runs, postal_batches, batch_rejects,
    helpdesk_messages, import_seen, pin_letter_queue, audit_log FROM sportello_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM sportello_app;
GRANT SELECT ON operators, operator_competence TO sportello_app;
GRANT INSERT ON audit_log TO sportello_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO sportello_app;

-- Desk: registrations and their operations; the registries and tombstones only read.
GRANT SELECT, INSERT, UPDATE ON registrations, operations TO sportello_desk;
GRANT SELECT, INSERT, UPDATE ON delegates TO sportello_desk;
GRANT SELECT ON legacy_accounts, cia_residents, aura_residents, revocations TO sportello_desk;
GRANT SELECT, INSERT, UPDATE, DELETE ON pin_letter_queue TO sportello_desk;
GRANT USAGE ON SEQUENCE registration_number_seq, operations_id_seq TO sportello_desk;

-- Helpdesk: new codes by email, revocations by letter (erasure: the registration is deleted,
-- its tombstone inserted), each as a batch run.
GRANT SELECT, UPDATE, DELETE ON registrations TO sportello_helpdesk;
GRANT SELECT, UPDATE ON operations TO sportello_helpdesk;
GRANT SELECT ON delegates TO sportello_helpdesk;
GRANT SELECT, INSERT ON revocations TO sportello_helpdesk;
GRANT SELECT, INSERT, UPDATE ON helpdesk_messages, batch_runs TO sportello_helpdesk;
GRANT SELECT, INSERT ON batch_rejects TO sportello_helpdesk;
GRANT USAGE ON SEQUENCE revocations_id_seq, batch_runs_id_seq TO sportello_helpdesk;

-- Batch: the registry mirrors, pre-loads (new registrations), the postal run.
GRANT SELECT, INSERT, UPDATE, DELETE ON cia_residents, aura_residents TO sportello_batch;
GRANT SELECT, INSERT, DELETE ON import_seen TO sportello_batch;
GRANT SELECT, INSERT, UPDATE ON registrations TO sportello_batch;
GRANT SELECT ON operations, delegates, legacy_accounts, revocations TO sportello_batch;
GRANT SELECT, INSERT, UPDATE, DELETE ON pin_letter_queue TO sportello_batch;
GRANT SELECT, INSERT, UPDATE ON batch_runs, postal_batches TO sportello_batch;
GRANT SELECT, INSERT ON batch_rejects TO sportello_batch;
GRANT USAGE ON SEQUENCE registration_number_seq, batch_runs_id_seq TO sportello_batch;

-- Auditor: the audit log and the runs.
GRANT SELECT ON audit_log, batch_runs, batch_rejects TO sportello_auditor;

-- Portal: the citizen's completion (credentials) and online revocation (erasure).
GRANT SELECT, UPDATE, DELETE ON registrations TO sportello_portal;
GRANT SELECT, UPDATE ON operations TO sportello_portal;
GRANT SELECT ON delegates TO sportello_portal;
GRANT SELECT, INSERT ON revocations TO sportello_portal;
GRANT USAGE ON SEQUENCE revocations_id_seq TO sportello_portal;

-- Operators keep their history when disabled: the row stays, the login can no longer connect.
ALTER TABLE operators
    ADD COLUMN disabled_at timestamptz,
    ADD COLUMN disabled_by text;
-- One bootstrap administrator per database, whatever the concurrency (see
-- sportello_operator_bootstrap, which also serialises on the table).
CREATE UNIQUE INDEX operators_one_bootstrap ON operators ((true)) WHERE created_by IS NULL;

-- The audit log is stamped by the database: the time, the login that wrote the row, and an
-- operator that can only be that login (NULL for the citizen's own actions, written by the
-- portal's login, which `login` names).
ALTER TABLE audit_log ADD COLUMN login text;
CREATE FUNCTION audit_log_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- Residence competence, checked by the database: an operator moves a residence only into a
-- municipality of their own competence (directly or by its province). The schema owner and
-- superusers are not application logins (they own the table anyway).
CREATE FUNCTION registrations_residence_competence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.res_municipality IS NOT NULL AND NEW.res_municipality IS DISTINCT FROM OLD.res_municipality
       AND session_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
       AND NOT EXISTS (
           SELECT 1 FROM operators o
           JOIN operator_competence oc ON oc.operator_id = o.id
           JOIN municipalities m ON m.istat_code = NEW.res_municipality
           WHERE lower(o.id) = lower(session_user) AND o.disabled_at IS NULL
             AND (oc.municipality = m.istat_code OR oc.province = m.province))
    THEN
        RAISE EXCEPTION 'municipality % is outside the competence of operator %: the residence of registration % is not moved',
            NEW.res_municipality, session_user, NEW.registration_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registrations_residence_competence BEFORE UPDATE OF res_municipality ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_residence_competence();

-- Operator management. Every function below runs as the schema owner (SECURITY DEFINER, with a
-- fixed search_path) and checks the acting operator, session_user, itself. Operator ids are
-- compared without case (rows older than that rule may hold capitals); logins are lower case.

-- The group roles an operator may hold, by their short names.
CREATE FUNCTION sportello_group_role(short_name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF short_name NOT IN ('desk', 'helpdesk', 'batch', 'admin', 'auditor', 'portal') THEN
        RAISE EXCEPTION 'unknown role %: desk, helpdesk, batch, admin, auditor or portal', short_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN 'sportello_' || short_name;
END $$;

-- session_user, if an enabled operator holding the admin role; refuses otherwise.
CREATE FUNCTION sportello_acting_admin() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := session_user;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM operators WHERE lower(id) = lower(me) AND disabled_at IS NULL) THEN
        RAISE EXCEPTION 'login % is not an enabled operator of this database', me USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT pg_has_role(me, 'sportello_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'operator % does not hold the admin role', me USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN me;
END $$;

-- Is every province and municipality given within the competence of operator `who`?
CREATE FUNCTION sportello_within_competence(p_who text, p_provinces text[], p_municipalities text[]) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT NOT EXISTS (
               SELECT 1 FROM unnest(p_provinces) p
               WHERE NOT EXISTS (SELECT 1 FROM operator_competence oc
                                 WHERE lower(oc.operator_id) = lower(p_who) AND oc.province = p))
       AND NOT EXISTS (
               SELECT 1 FROM unnest(p_municipalities) mu
               LEFT JOIN municipalities m ON m.istat_code = mu
               WHERE NOT EXISTS (
                   SELECT 1 FROM operator_competence oc
                   WHERE lower(oc.operator_id) = lower(p_who) AND (oc.municipality = mu OR oc.province = m.province)))
$$;

-- Refuses an admin's request beyond their own competence, FSE authorisation or roles.
CREATE FUNCTION sportello_check_grantable(me text, fse boolean, provinces text[], municipalities text[], roles text[])
RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r text;
BEGIN
    IF NOT sportello_within_competence(me, provinces, municipalities) THEN
        RAISE EXCEPTION 'the competence given goes beyond the competence of operator %', me
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF fse AND NOT (SELECT o.fse FROM operators o WHERE lower(o.id) = lower(me)) THEN
        RAISE EXCEPTION 'operator % is not authorised for the FSE, so cannot authorise others', me
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOREACH r IN ARRAY coalesce(roles, '{}') LOOP
        IF NOT pg_has_role(me, sportello_group_role(r), 'MEMBER') THEN
            RAISE EXCEPTION 'operator % does not hold the % role, so cannot grant it', me, r
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
END $$;

-- Refuses to manage an operator whose competence is not wholly within the admin's own.
CREATE FUNCTION sportello_check_manageable(me text, target text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    provinces text[];
    municipalities text[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM operators WHERE lower(id) = lower(target)) THEN
        RAISE EXCEPTION 'unknown operator %', target USING ERRCODE = 'no_data_found';
    END IF;
    SELECT coalesce(array_agg(oc.province::text) FILTER (WHERE oc.province IS NOT NULL), '{}'),
           coalesce(array_agg(oc.municipality::text) FILTER (WHERE oc.municipality IS NOT NULL), '{}')
      INTO provinces, municipalities
      FROM operator_competence oc WHERE lower(oc.operator_id) = lower(target);
    IF NOT sportello_within_competence(me, provinces, municipalities) THEN
        RAISE EXCEPTION 'operator % has a competence beyond the competence of operator %', target, me
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- Makes `id` a login that may be an operator: creates it, or accepts an existing login the DBA
-- made (for a certificate or a password) unless it is privileged, a group role or the owner.
CREATE FUNCTION sportello_operator_login(id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r pg_roles%ROWTYPE;
BEGIN
    IF id IS NULL OR id !~ '^[a-z0-9_][a-z0-9_.-]{0,62}$' OR id LIKE 'pg\_%' OR id LIKE 'sportello\_%' THEN
        RAISE EXCEPTION 'operator id % may hold only letters a-z, digits and . _ - (at most 63), not starting with pg_ or sportello_', id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO r FROM pg_roles WHERE rolname = id;
    IF NOT FOUND THEN
        EXECUTE format('CREATE ROLE %I LOGIN', id);
    ELSIF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls
       OR id = current_user OR pg_has_role(id, current_user, 'MEMBER') THEN
        RAISE EXCEPTION 'role % is privileged (superuser, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS or the schema owner): it cannot be an operator', id
            USING ERRCODE = 'insufficient_privilege';
    ELSIF NOT r.rolcanlogin THEN
        EXECUTE format('ALTER ROLE %I LOGIN', id);
    END IF;
    -- One login cannot take the server's connections (PostgreSQL's default is 100; the portal's
    -- pool at its busiest, a postal run's two batches and a few commands at once fit), nor
    -- hold the audit chain with a transaction left idle.
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT 48', id);
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', id, '60s');
END $$;

CREATE FUNCTION sportello_grant_roles(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY coalesce(roles, '{}') LOOP
        EXECUTE format('GRANT %I TO %I', sportello_group_role(r), id);
    END LOOP;
END $$;

CREATE FUNCTION sportello_set_competence(id text, provinces text[], municipalities text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    stored text := (SELECT o.id FROM operators o WHERE lower(o.id) = lower(sportello_set_competence.id));
BEGIN
    IF cardinality(coalesce(provinces, '{}')) + cardinality(coalesce(municipalities, '{}')) = 0 THEN
        RAISE EXCEPTION 'an operator needs a competence: at least one province or municipality'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM operator_competence WHERE operator_id = stored;
    INSERT INTO operator_competence (operator_id, province, municipality)
    SELECT stored, p, NULL FROM (SELECT DISTINCT p FROM unnest(provinces) p) ps
    UNION ALL
    SELECT stored, NULL, m FROM (SELECT DISTINCT m FROM unnest(municipalities) m) ms;
END $$;

-- The first administrator of a database: only the schema owner may run it (EXECUTE is not
-- granted), and only once, however many run it at the same time.
CREATE FUNCTION sportello_operator_bootstrap(id text, full_name text, ente text, fse boolean,
    provinces text[], municipalities text[], roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    LOCK TABLE operators IN EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM operators) THEN
        RAISE EXCEPTION 'this database has operators already: an administrator adds the others with `sportello operator add`'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM sportello_operator_login(id);
    INSERT INTO operators (id, full_name, ente, fse, created_by) VALUES (id, full_name, ente, fse, NULL);
    PERFORM sportello_set_competence(id, provinces, municipalities);
    PERFORM sportello_grant_roles(id, array_append(array_remove(coalesce(roles, '{}'), 'admin'), 'admin'));
END $$;

CREATE FUNCTION sportello_operator_add(id text, full_name text, ente text, fse boolean,
    provinces text[], municipalities text[], roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_check_grantable(me, fse, provinces, municipalities, roles);
    IF EXISTS (SELECT 1 FROM operators o WHERE lower(o.id) = lower(sportello_operator_add.id)) THEN
        RAISE EXCEPTION 'operator % exists already', id USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM sportello_operator_login(id);
    INSERT INTO operators (id, full_name, ente, fse, created_by) VALUES (id, full_name, ente, fse, me);
    PERFORM sportello_set_competence(id, provinces, municipalities);
    PERFORM sportello_grant_roles(id, roles);
END $$;

CREATE FUNCTION sportello_operator_grant(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, '{}', '{}', roles);
    IF (SELECT disabled_at IS NOT NULL FROM operators o WHERE lower(o.id) = lower(sportello_operator_grant.id)) THEN
        RAISE EXCEPTION 'operator % is disabled: enable them first', id USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM sportello_grant_roles(lower(id), roles);
END $$;

CREATE FUNCTION sportello_operator_revoke(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
    r text;
BEGIN
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, '{}', '{}', roles);
    FOREACH r IN ARRAY coalesce(roles, '{}') LOOP
        EXECUTE format('REVOKE %I FROM %I', sportello_group_role(r), lower(id));
    END LOOP;
END $$;

CREATE FUNCTION sportello_operator_competence(id text, provinces text[], municipalities text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, provinces, municipalities, '{}');
    PERFORM sportello_set_competence(id, provinces, municipalities);
END $$;

-- Disabling keeps the operator's row and history; the login can no longer connect and loses
-- its group roles at once (a session still open can do nothing more).
CREATE FUNCTION sportello_operator_disable(id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
    r text;
BEGIN
    IF lower(id) = lower(me) THEN
        RAISE EXCEPTION 'operators cannot disable themselves: another administrator must'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM sportello_check_manageable(me, id);
    UPDATE operators o SET disabled_at = now(), disabled_by = me
     WHERE lower(o.id) = lower(sportello_operator_disable.id) AND disabled_at IS NULL;
    IF to_regrole(quote_ident(lower(id))) IS NOT NULL THEN
        FOREACH r IN ARRAY ARRAY['desk', 'helpdesk', 'batch', 'admin', 'auditor', 'portal'] LOOP
            IF pg_has_role(lower(id), sportello_group_role(r), 'MEMBER') THEN
                EXECUTE format('REVOKE %I FROM %I', sportello_group_role(r), lower(id));
            END IF;
        END LOOP;
        EXECUTE format('ALTER ROLE %I NOLOGIN', lower(id));
    END IF;
END $$;

CREATE FUNCTION sportello_operator_enable(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, '{}', '{}', roles);
    UPDATE operators o SET disabled_at = NULL, disabled_by = NULL WHERE lower(o.id) = lower(sportello_operator_enable.id);
    PERFORM sportello_operator_login(lower(id));
    PERFORM sportello_grant_roles(lower(id), roles);
END $$;

REVOKE EXECUTE ON FUNCTION
    sportello_group_role(text),
    sportello_acting_admin(),
    sportello_within_competence(text, text[], text[]),
    sportello_check_grantable(text, boolean, text[], text[], text[]),
    sportello_check_manageable(text, text),
    sportello_operator_login(text),
    sportello_grant_roles(text, text[]),
    sportello_set_competence(text, text[], text[]),
    sportello_operator_bootstrap(text, text, text, boolean, text[], text[], text[]),
    sportello_operator_add(text, text, text, boolean, text[], text[], text[]),
    sportello_operator_grant(text, text[]),
    sportello_operator_revoke(text, text[]),
    sportello_operator_competence(text, text[], text[]),
    sportello_operator_disable(text),
    sportello_operator_enable(text, text[])
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    sportello_operator_add(text, text, text, boolean, text[], text[], text[]),
    sportello_operator_grant(text, text[]),
    sportello_operator_revoke(text, text[]),
    sportello_operator_competence(text, text[], text[]),
    sportello_operator_disable(text),
    sportello_operator_enable(text, text[])
TO sportello_admin;
