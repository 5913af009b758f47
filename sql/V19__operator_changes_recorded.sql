-- Operator changes cannot be made unseen (issue 9): each SECURITY DEFINER function that changes
-- an operator (V10) now refuses unless the change is already recorded in the audit log in the
-- same transaction, by the same login, naming the operator (sportello writes that row first).
-- A modified client, or psql, calling sportello_operator_add() directly gets an error, not a
-- silent change. The bootstrap is the schema owner's, who owns the log anyway: not checked.

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
REVOKE ALL ON FUNCTION sportello_require_recorded(text, text) FROM PUBLIC;


CREATE OR REPLACE FUNCTION sportello_operator_add(id text, full_name text, ente text, fse boolean,
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

CREATE OR REPLACE FUNCTION sportello_operator_grant(id text, roles text[]) RETURNS void
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

CREATE OR REPLACE FUNCTION sportello_operator_revoke(id text, roles text[]) RETURNS void
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

CREATE OR REPLACE FUNCTION sportello_operator_competence(id text, provinces text[], municipalities text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := sportello_acting_admin();
BEGIN
    PERFORM sportello_require_recorded('operator-competence', lower(id));
    PERFORM sportello_check_manageable(me, id);
    PERFORM sportello_check_grantable(me, false, provinces, municipalities, '{}');
    PERFORM sportello_set_competence(id, provinces, municipalities);
END $$;

CREATE OR REPLACE FUNCTION sportello_operator_disable(id text) RETURNS void
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

CREATE OR REPLACE FUNCTION sportello_operator_enable(id text, roles text[]) RETURNS void
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
