-- sportello's baseline, 4 of 8: roles and privileges; operators as database logins.
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
-- Each is a member of sportello_app, the common base. The schema owner (who runs the
-- migrations) owns every object; application logins are never members of it, so they cannot
-- alter tables, disable triggers or become the owner. Nothing here needs a superuser: creating
-- and granting roles needs CREATEROLE.
--
-- The privileges below are the table-and-column design the API replaced: V30 revokes every one
-- of them from the application roles (they then EXECUTE the functions of schema `api` only).
-- What a role could do with them was policed by the rules of V5.

-- ---------------------------------------------------------------------------------------------
-- The group roles
-- ---------------------------------------------------------------------------------------------

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['sportello_app', 'sportello_desk', 'sportello_helpdesk', 'sportello_batch',
                             'sportello_admin', 'sportello_auditor', 'sportello_portal'] LOOP
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- roles are cluster-wide: another database of the cluster made it already
        END;
        IF r <> 'sportello_app' THEN
            EXECUTE format('GRANT sportello_app TO %I', r);
        END IF;
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

-- ---------------------------------------------------------------------------------------------
-- Table and column privileges, by role (revoked by V30)
-- ---------------------------------------------------------------------------------------------
--
-- Secret columns (hashes of what hands over an account) are read by nobody, but the portal
-- reads the activation code's (it verifies the code): registration_credentials.pin_hash,
-- activation_code_hash; registrations.password_hash, secret_answer_hash (and secret_question,
-- personal); operations.pin_hash, revocation_code_hash. Each role reads and writes only the
-- columns its own paths did.

-- Every role: the reference data, the operator directory, the lifecycle's graph; appending to
-- the audit log, naming only the columns a record holds (id, time, login and the chain's
-- columns are the database's, V6).
GRANT USAGE ON SCHEMA public TO sportello_app;
GRANT SELECT ON provinces, municipalities, countries, birthplaces, municipality_former_names,
    operators, operator_competence, registration_transitions TO sportello_app;
GRANT INSERT (operator_id, origin, command, action, target, details, result_count, outcome) ON audit_log TO sportello_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO sportello_app;

-- Desk: registrations and their operations, delegates, letters; the registries and tombstones
-- only read.
GRANT SELECT (registration_number, fiscal_code, community, registered_at, state, strong, pin_possessed, verified_at,
              verified_ente, username, pin_printed_at, pin_print_count, activated_at, promoted_at, first_name, last_name,
              birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer, res_address, res_street_number, res_postcode,
              res_province, res_municipality, res_city, res_country, dom_care_of, dom_address, dom_street_number,
              dom_province, dom_municipality, dom_postcode, dom_send_mail, email, mobile, phone, operator_note,
              other_notes, created_by, updated_by, updated_at, activation_code_expires_at, failed_attempts, locked_at,
              last_name_key, first_name_key)
    ON registrations TO sportello_desk, sportello_helpdesk, sportello_batch;
GRANT INSERT (fiscal_code, community, state, strong, first_name, last_name, birth_date, sex, doc_type, doc_number,
              doc_issued, doc_issuer, res_address, res_street_number, res_postcode, res_province, res_municipality,
              res_city, res_country, dom_care_of, dom_address, dom_street_number, dom_province, dom_municipality,
              dom_postcode, dom_send_mail, email, mobile, phone, operator_note, other_notes, created_by, updated_by)
    ON registrations TO sportello_desk;
GRANT UPDATE (state, pin_possessed, verified_at, verified_ente, first_name, last_name, birth_date, sex, doc_type,
              doc_number, doc_issued, doc_issuer, res_address, res_street_number, res_postcode, res_province,
              res_municipality, res_city, res_country, dom_care_of, dom_address, dom_street_number, dom_province,
              dom_municipality, dom_postcode, dom_send_mail, email, mobile, phone, operator_note, other_notes,
              updated_by, updated_at, activation_code_hash, activation_code_expires_at, failed_attempts, locked_at)
    ON registrations TO sportello_desk;
GRANT SELECT (registration_number, pin_possessed, pin_printed_at, pin_print_count, activation_code_expires_at)
    ON registration_credentials TO sportello_desk, sportello_helpdesk, sportello_batch, sportello_portal;
GRANT INSERT (registration_number)
    ON registration_credentials TO sportello_desk, sportello_helpdesk, sportello_batch, sportello_portal;
GRANT UPDATE (pin_possessed, activation_code_hash, activation_code_expires_at) ON registration_credentials TO sportello_desk;
GRANT SELECT (id, registration_number, kind, requested_at, ente, operator_id, status, closed_at, code_expires_at)
    ON operations TO sportello_desk, sportello_helpdesk, sportello_batch;
GRANT INSERT (registration_number, kind, ente, operator_id, pin_hash, revocation_code_hash, code_expires_at)
    ON operations TO sportello_desk;
GRANT UPDATE (status, closed_at) ON operations TO sportello_desk, sportello_portal;
GRANT SELECT, INSERT, UPDATE ON delegates TO sportello_desk;
GRANT SELECT, INSERT, DELETE ON operation_letters TO sportello_desk;
GRANT SELECT, INSERT, UPDATE, DELETE ON pin_letter_queue TO sportello_desk, sportello_batch;
GRANT SELECT ON legacy_accounts, cia_residents, aura_residents, revocations TO sportello_desk;
GRANT USAGE ON SEQUENCE registration_number_seq, operations_id_seq TO sportello_desk, sportello_batch;

-- Helpdesk: new codes by email, revocations by letter (erasure: sportello_erase, V8), each as
-- a batch run.
GRANT UPDATE (updated_at, activation_code_hash, activation_code_expires_at) ON registrations TO sportello_helpdesk;
GRANT UPDATE (activation_code_hash, activation_code_expires_at) ON registration_credentials TO sportello_helpdesk;
GRANT SELECT ON delegates TO sportello_helpdesk, sportello_batch, sportello_portal;
GRANT SELECT ON revocations TO sportello_helpdesk, sportello_batch, sportello_portal;
GRANT SELECT, INSERT, UPDATE ON helpdesk_messages TO sportello_helpdesk;
GRANT SELECT, INSERT, UPDATE ON batch_runs TO sportello_helpdesk, sportello_batch;
GRANT SELECT, INSERT ON batch_rejects TO sportello_helpdesk, sportello_batch;
GRANT SELECT, DELETE ON operation_letters TO sportello_helpdesk, sportello_portal;
GRANT USAGE ON SEQUENCE batch_runs_id_seq TO sportello_helpdesk, sportello_batch;
GRANT USAGE ON SEQUENCE revocations_id_seq TO sportello_helpdesk, sportello_portal;

-- Batch: the registry mirrors (and their inbox, V8), pre-loads (new registrations), the postal
-- run (PIN letters, weak activations).
GRANT INSERT (fiscal_code, community, state, strong, verified_at, verified_ente, first_name, last_name, birth_date, sex,
              doc_type, doc_number, doc_issued, doc_issuer, res_address, res_street_number, res_postcode, res_province,
              res_municipality, created_by, updated_by)
    ON registrations TO sportello_batch;
GRANT UPDATE (pin_possessed, pin_printed_at, pin_print_count, updated_at, pin_hash, activation_code_hash,
              activation_code_expires_at, failed_attempts, locked_at)
    ON registrations TO sportello_batch;
GRANT INSERT (registration_number, pin_hash, pin_possessed, pin_printed_at, pin_print_count)
    ON registration_credentials TO sportello_batch;
GRANT UPDATE (pin_hash, pin_possessed, pin_printed_at, pin_print_count, activation_code_hash, activation_code_expires_at)
    ON registration_credentials TO sportello_batch;
GRANT INSERT (registration_number, kind, ente, operator_id, pin_hash, code_expires_at) ON operations TO sportello_batch;
GRANT UPDATE (status, closed_at, pin_hash) ON operations TO sportello_batch;
GRANT SELECT, INSERT, UPDATE, DELETE ON cia_residents, aura_residents TO sportello_batch;
GRANT INSERT ON registry_inbox TO sportello_batch;
GRANT SELECT, INSERT, DELETE ON import_seen TO sportello_batch;
GRANT SELECT ON legacy_accounts TO sportello_batch;
GRANT SELECT, INSERT, UPDATE ON postal_batches TO sportello_batch;

-- Auditor: the audit log and the runs (and the statistics, V7).
GRANT SELECT ON audit_log, batch_runs, batch_rejects TO sportello_auditor;

-- Portal: the citizen's completion (credentials) and online revocation (erasure: V8).
GRANT SELECT (registration_number, fiscal_code, community, registered_at, state, strong, pin_possessed, verified_at,
              verified_ente, username, pin_printed_at, pin_print_count, activated_at, promoted_at, first_name, last_name,
              birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer, res_address, res_street_number, res_postcode,
              res_province, res_municipality, res_city, res_country, dom_care_of, dom_address, dom_street_number,
              dom_province, dom_municipality, dom_postcode, dom_send_mail, email, mobile, phone, operator_note,
              other_notes, created_by, updated_by, updated_at, activation_code_hash, activation_code_expires_at,
              failed_attempts, locked_at, last_name_key, first_name_key)
    ON registrations TO sportello_portal;
GRANT UPDATE (state, strong, username, activated_at, promoted_at, updated_at, pin_hash, activation_code_hash,
              activation_code_expires_at, password_hash, secret_question, secret_answer_hash, failed_attempts, locked_at)
    ON registrations TO sportello_portal;
GRANT SELECT (activation_code_hash) ON registration_credentials TO sportello_portal;
GRANT UPDATE (pin_hash, activation_code_hash, activation_code_expires_at) ON registration_credentials TO sportello_portal;
GRANT SELECT (id, registration_number, kind, requested_at, ente, operator_id, status, closed_at, pin_hash,
              revocation_code_hash, code_expires_at) ON operations TO sportello_portal;
GRANT SELECT, UPDATE ON helpdesk_messages TO sportello_portal;

-- ---------------------------------------------------------------------------------------------
-- Operator management
-- ---------------------------------------------------------------------------------------------
--
-- Every function below runs as the schema owner (SECURITY DEFINER, with a fixed search_path)
-- and checks the acting operator, session_user, itself. Operator ids are compared without case
-- (rows older than that rule may hold capitals); logins are lower case. The use cases that
-- change an operator refuse unless the change is already recorded in the audit log in the same
-- transaction (sportello_require_recorded; from V28 the api functions write the row themselves).

-- Rule: an operator holds only the six group roles, named by their short names.
CREATE FUNCTION sportello_group_role(short_name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF short_name NOT IN ('desk', 'helpdesk', 'batch', 'admin', 'auditor', 'portal') THEN
        RAISE EXCEPTION 'unknown role %: desk, helpdesk, batch, admin, auditor or portal', short_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN 'sportello_' || short_name;
END $$;

-- Rule: operators are managed by an enabled operator holding the admin role (session_user).
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

-- Rule (helper): is every province and municipality given within the competence of operator `who`?
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

-- Rule: an admin gives no more than they hold: competence, FSE authorisation, roles.
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

-- Rule: an admin manages only operators whose competence lies wholly within their own.
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

-- Rule: an operator's login is never privileged. Makes `id` a login that may be an operator:
-- creates it, or accepts an existing login the DBA made (for a certificate or a password) unless
-- it is privileged, a group role or the owner; and bounds its connections and idle transactions.
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

-- Grants group roles by their short names (internal).
CREATE FUNCTION sportello_grant_roles(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY coalesce(roles, '{}') LOOP
        EXECUTE format('GRANT %I TO %I', sportello_group_role(r), id);
    END LOOP;
END $$;

-- Rule: an operator always has a competence (at least one province or municipality).
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

-- Rule: the first administrator of a database is made by the schema owner only (EXECUTE is not
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

-- Rule: an operator change is recorded in the audit log first, in the same transaction, by the
-- same login, naming the operator (a change from psql is never unseen). Dropped by V28.
CREATE FUNCTION sportello_require_recorded(p_action text, p_target text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    -- Rows of this transaction: written since it began (the index on target, at), by it (xmin).
    IF NOT EXISTS (SELECT 1 FROM audit_log a
                    WHERE a.target = p_target AND a.at >= now() AND a.xmin = pg_current_xact_id()::xid
                      AND a.login = session_user AND a.action = p_action AND a.outcome = 'ok')
    THEN
        RAISE EXCEPTION 'an operator change (%) is first recorded in the audit log, in the same transaction', p_action
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- Add an operator (recorded as operator-add).
CREATE FUNCTION sportello_operator_add(id text, full_name text, ente text, fse boolean,
    provinces text[], municipalities text[], roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_require_recorded('operator-add', id);
    PERFORM sportello_check_grantable(me, fse, provinces, municipalities, roles);
    IF EXISTS (SELECT 1 FROM operators o WHERE lower(o.id) = lower(sportello_operator_add.id)) THEN
        RAISE EXCEPTION 'operator % exists already', id USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM sportello_operator_login(id);
    INSERT INTO operators (id, full_name, ente, fse, created_by) VALUES (id, full_name, ente, fse, me);
    PERFORM sportello_set_competence(id, provinces, municipalities);
    PERFORM sportello_grant_roles(id, roles);
END $$;

-- Grant roles to an enabled operator (operator-grant).
CREATE FUNCTION sportello_operator_grant(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_require_recorded('operator-grant', lower(id));
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, '{}', '{}', roles);
    IF (SELECT disabled_at IS NOT NULL FROM operators o WHERE lower(o.id) = lower(sportello_operator_grant.id)) THEN
        RAISE EXCEPTION 'operator % is disabled: enable them first', id USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM sportello_grant_roles(lower(id), roles);
END $$;

-- Revoke roles (operator-revoke-role).
CREATE FUNCTION sportello_operator_revoke(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
    r text;
BEGIN
    PERFORM sportello_require_recorded('operator-revoke-role', lower(id));
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, '{}', '{}', roles);
    FOREACH r IN ARRAY coalesce(roles, '{}') LOOP
        EXECUTE format('REVOKE %I FROM %I', sportello_group_role(r), lower(id));
    END LOOP;
END $$;

-- Replace an operator's competence (operator-competence).
CREATE FUNCTION sportello_operator_competence(id text, provinces text[], municipalities text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_require_recorded('operator-competence', lower(id));
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, provinces, municipalities, '{}');
    PERFORM sportello_set_competence(id, provinces, municipalities);
END $$;

-- Rule: disabling keeps the operator's row and history; the login can no longer connect, loses
-- its group roles and its open sessions end at once (operator-disable). Nobody disables
-- themselves.
CREATE FUNCTION sportello_operator_disable(id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
    r text;
BEGIN
    PERFORM sportello_require_recorded('operator-disable', lower(id));
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
        -- A session already open keeps what `SET ROLE` gave it after the membership goes: end
        -- the operator's sessions now. The owner may signal a role's backends as its member.
        IF NOT pg_has_role(current_user, lower(id), 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', lower(id), current_user);
        END IF;
        PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a WHERE a.usename = lower(id);
    END IF;
END $$;

-- Enable an operator again, with the roles given (operator-enable).
CREATE FUNCTION sportello_operator_enable(id text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_require_recorded('operator-enable', lower(id));
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
    sportello_require_recorded(text, text),
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
