-- The database's API (issue 16): the room every application login enters by.
--
-- Logins (desk, helpdesk, batch, admin, auditor, portal) hold no privilege on any table: they
-- EXECUTE the functions of schema `api`, one per use case. Each function is SECURITY DEFINER,
-- owned by `sportello_api` (a role nobody logs in as or is granted), runs with its search_path
-- pinned (pg_temp last) and names every object by schema. It checks the caller from
-- session_user (role, competence), applies the rule, stamps who/when/ente and writes its own
-- audit row with the target and details it derived itself. The tables stay in `public`, which
-- no login may use once every use case has its function (the last migration of the series
-- revokes what is left).
--
-- This file lays the ground the use-case files build on: the schema, the definer role, and
-- the three helpers every function calls (who is calling, how a citizen is named in the audit
-- log, the audit row itself).

-- The definer. Roles are cluster-wide: another database of the cluster may have made it.
DO $$
BEGIN
    CREATE ROLE sportello_api NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END $$;
-- The migrating owner hands each function over to it (ALTER FUNCTION ... OWNER needs membership).
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'sportello_api', 'MEMBER') THEN
        EXECUTE format('GRANT sportello_api TO %I', current_user);
    END IF;
END $$;

-- What the definer may touch: the tables and sequences of the schema, and its internal functions.
-- The audit log stays append-only for it too (its triggers refuse the rest anyway).
GRANT USAGE ON SCHEMA public TO sportello_api;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sportello_api;
REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_log FROM sportello_api;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO sportello_api;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO sportello_api;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sportello_api;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO sportello_api;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO sportello_api;

-- The API schema: usable by every application login, executable function by function.
CREATE SCHEMA api;
COMMENT ON SCHEMA api IS
    'sportello''s only entrance for application logins: one SECURITY DEFINER function per use case';
REVOKE ALL ON SCHEMA api FROM PUBLIC;
GRANT USAGE ON SCHEMA api TO sportello_app;
-- The definer owns the functions: ALTER ... OWNER TO needs the new owner to have CREATE here.
GRANT CREATE ON SCHEMA api TO sportello_api;
-- A new function is executable by nobody until a GRANT names its roles.
ALTER DEFAULT PRIVILEGES IN SCHEMA api REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Who calls: session_user, an enabled operator holding one of `p_roles` (short names: desk,
-- helpdesk, batch, admin, auditor, portal). Refuses anyone else; returns the operator's row.
-- The rule every api function starts with (SET ROLE cannot fake it: session_user is the login).
CREATE FUNCTION public.sportello_caller(p_roles text[]) RETURNS public.operators
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators;
BEGIN
    SELECT * INTO me FROM public.operators o WHERE lower(o.id) = lower(session_user);
    IF NOT FOUND OR me.disabled_at IS NOT NULL THEN
        RAISE EXCEPTION 'login % is not an enabled operator of this database', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM unnest(p_roles) r
                    WHERE pg_has_role(session_user, public.sportello_group_role(r), 'MEMBER')) THEN
        RAISE EXCEPTION 'operator % holds none of the roles %', me.id, array_to_string(p_roles, ', ')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN me;
END $$;

-- How the audit log names the citizen of registration `p_number`: `cf:` and a keyed hash of the
-- fiscal code (the key is the service's, outside the database). Kept with the registration the
-- first time a client gives it, and from then on the stored one is used, whatever a client says.
ALTER TABLE public.registrations ADD COLUMN audit_name text
    CHECK (audit_name ~ '^cf:[0-9a-f]{32}$');
COMMENT ON COLUMN public.registrations.audit_name IS
    'the citizen as audit rows name them (cf: + keyed hash of the fiscal code); no personal data';
CREATE FUNCTION public.sportello_audit_name(p_number bigint, p_given text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    stored text;
BEGIN
    SELECT r.audit_name INTO stored FROM public.registrations r WHERE r.registration_number = p_number;
    IF stored IS NOT NULL THEN
        RETURN stored;
    END IF;
    IF p_given IS NULL OR p_given !~ '^cf:[0-9a-f]{32}$' THEN
        RAISE EXCEPTION 'registration % needs its audit name (cf: and 32 hex digits)', p_number
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE public.registrations SET audit_name = p_given WHERE registration_number = p_number;
    RETURN p_given;
END $$;

-- The audit row of a use case, written by its api function: who is session_user (stamped by
-- the log's own triggers, with time and chain), what the function derived. Origin (OS user and
-- host) and command are what the client said it is: descriptive, set per connection with
-- `set_config('sportello.origin' | 'sportello.command', ...)` (store::Database does it).
CREATE FUNCTION public.sportello_record(p_action text, p_target text, p_details jsonb,
                                        p_count bigint DEFAULT NULL, p_outcome text DEFAULT 'ok',
                                        p_citizen boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    INSERT INTO public.audit_log (operator_id, origin, command, action, target, details, result_count, outcome)
    VALUES (CASE WHEN p_citizen THEN NULL
                 ELSE coalesce((SELECT o.id FROM public.operators o WHERE lower(o.id) = lower(session_user)),
                               session_user::text) END,
            CASE WHEN p_citizen THEN 'citizen portal'
                 ELSE coalesce(nullif(current_setting('sportello.origin', true), ''), 'unknown') END,
            coalesce(nullif(current_setting('sportello.command', true), ''), p_action),
            p_action, p_target, coalesce(p_details, '{}'::jsonb), p_count, p_outcome);
END $$;

REVOKE ALL ON FUNCTION public.sportello_caller(text[]), public.sportello_audit_name(bigint, text),
    public.sportello_record(text, text, jsonb, bigint, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_caller(text[]), public.sportello_audit_name(bigint, text),
    public.sportello_record(text, text, jsonb, bigint, text, boolean) TO sportello_api;

-- An event the client itself observed (a refusal before anything was written, a read of files,
-- a run's start): recorded as the caller says, stamped as the caller is. Never a substitute for
-- the row a use-case function writes: no check anywhere counts on these rows existing.
CREATE FUNCTION api.record(p_action text, p_target text, p_details jsonb, p_count bigint, p_outcome text,
                           p_citizen boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    -- Anyone who logs in may say what happened to them, even a login that is not (or no longer)
    -- an operator: its refusal is recorded under its login, with no operator.
    PERFORM public.sportello_record(p_action, p_target, p_details, p_count, p_outcome,
                                    p_citizen AND pg_has_role(session_user, 'sportello_portal', 'MEMBER'));
END $$;
ALTER FUNCTION api.record(text, text, jsonb, bigint, text, boolean) OWNER TO sportello_api;
GRANT EXECUTE ON FUNCTION api.record(text, text, jsonb, bigint, text, boolean) TO sportello_app;
