-- sportello's baseline, 5 of 8: the rules of a registration's lifecycle, checked by the database.
--
-- A login holding the privileges of V4 could write what its role's columns allow; the triggers
-- below bound what it may write: who and when are stamped, state and strength move only along
-- the graph of src/domain/transitions.rs and rules.rs, residences stay within the operator's
-- competence, letters lie in their registration's folder. The schema owner and superusers are
-- not application logins: nothing here binds them. (From V23 every write goes through a
-- function of schema `api`, which these rules still bind: they look at session_user.)

-- ---------------------------------------------------------------------------------------------
-- The graph
-- ---------------------------------------------------------------------------------------------
--
-- The graph of src/domain/transitions.rs and rules.rs, as the database applies it:
--   register    a desk registration starts as `to`
--   preload     a batch pre-load starts as `to`
--   book        the desk may book `operation` on a registration in `from` (rules::bookable)
--   postal      the postal run may open `operation` on a registration in `from` (postal_letter)
--   handover    the desk's booking of `operation` moves `from` to `to` (after_handover)
--   completion  the portal's completion of `operation` moves `from` to `to` (after_completion,
--               whatever the state: which operations can be in progress is bounded by `book`
--               and `postal`, checked when an operation is opened)
-- Only changes are listed for handover and completion. `role` is the group role that may.
-- A test (tests/it/least_privilege.rs) checks it against the Rust functions.
INSERT INTO registration_transitions VALUES
    ('register', NULL, NULL, NULL, 'registrato', false, 'sportello_desk'),
    ('preload', NULL, NULL, NULL, 'registrato', false, 'sportello_batch'),
    ('book', 'verification', 'registrato', false, 'registrato', false, 'sportello_desk'),
    ('book', 'revocation', 'registrato', false, 'registrato', false, 'sportello_desk'),
    ('book', 'revocation', 'registrato', true, 'registrato', true, 'sportello_desk'),
    ('book', 'verification', 'riscontrato', false, 'riscontrato', false, 'sportello_desk'),
    ('book', 'revocation', 'riscontrato', false, 'riscontrato', false, 'sportello_desk'),
    ('book', 'verification', 'riscontrato', true, 'riscontrato', true, 'sportello_desk'),
    ('book', 'revocation', 'riscontrato', true, 'riscontrato', true, 'sportello_desk'),
    ('book', 'promotion', 'attivato', false, 'attivato', false, 'sportello_desk'),
    ('book', 'reset', 'attivato', false, 'attivato', false, 'sportello_desk'),
    ('book', 'revocation', 'attivato', false, 'attivato', false, 'sportello_desk'),
    ('book', 'pin', 'attivato', true, 'attivato', true, 'sportello_desk'),
    ('book', 'reset', 'attivato', true, 'attivato', true, 'sportello_desk'),
    ('book', 'revocation', 'attivato', true, 'attivato', true, 'sportello_desk'),
    ('postal', 'activation', 'registrato', false, 'registrato', false, 'sportello_batch'),
    ('handover', 'verification', 'registrato', false, 'riscontrato', false, 'sportello_desk'),
    ('completion', 'verification', 'registrato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'promotion', 'registrato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'reset', 'registrato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'pin', 'registrato', false, 'attivato', false, 'sportello_portal'),
    ('completion', 'activation', 'registrato', false, 'attivato', false, 'sportello_portal'),
    ('completion', 'verification', 'registrato', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'promotion', 'registrato', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'reset', 'registrato', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'pin', 'registrato', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'activation', 'registrato', true, 'attivato', false, 'sportello_portal'),
    ('completion', 'verification', 'riscontrato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'promotion', 'riscontrato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'reset', 'riscontrato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'pin', 'riscontrato', false, 'attivato', false, 'sportello_portal'),
    ('completion', 'activation', 'riscontrato', false, 'attivato', false, 'sportello_portal'),
    ('completion', 'verification', 'riscontrato', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'promotion', 'riscontrato', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'reset', 'riscontrato', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'pin', 'riscontrato', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'activation', 'riscontrato', true, 'attivato', false, 'sportello_portal'),
    ('completion', 'verification', 'attivato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'promotion', 'attivato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'reset', 'attivato', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'activation', 'attivato', true, 'attivato', false, 'sportello_portal'),
    ('completion', 'verification', 'respinto', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'promotion', 'respinto', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'reset', 'respinto', false, 'attivato', true, 'sportello_portal'),
    ('completion', 'pin', 'respinto', false, 'attivato', false, 'sportello_portal'),
    ('completion', 'activation', 'respinto', false, 'attivato', false, 'sportello_portal'),
    ('completion', 'verification', 'respinto', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'promotion', 'respinto', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'reset', 'respinto', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'pin', 'respinto', true, 'attivato', true, 'sportello_portal'),
    ('completion', 'activation', 'respinto', true, 'attivato', false, 'sportello_portal');

-- ---------------------------------------------------------------------------------------------
-- Who wrote it
-- ---------------------------------------------------------------------------------------------

-- Rule (helper): is session_user an application login (neither the owner of `rel` nor a superuser)?
CREATE FUNCTION sportello_app_login(rel oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT session_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = rel)
       AND NOT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
$$;

-- Rule: a row names as its operator only the operator session_user is (their id as stored), or NULL.
CREATE FUNCTION sportello_stamp_operator(given text, what text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF given IS NOT NULL AND lower(given) <> lower(session_user) THEN
        RAISE EXCEPTION 'login % cannot name operator % as %', session_user, given, what
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN (SELECT o.id FROM operators o WHERE lower(o.id) = lower(session_user));
END $$;

-- ---------------------------------------------------------------------------------------------
-- Registrations
-- ---------------------------------------------------------------------------------------------

-- Rule: a registration is stamped with who and when; it starts as the login's role may make it
-- (`register`, `preload`); its identity never changes; its state and strength change only along
-- registration_transitions for the operation in progress (the desk's handover only with the
-- booking it belongs to, in the same transaction); its lockout ends, and the in-person check is
-- stamped (with the operator's own ente, now), only with a booking made in the same transaction.
CREATE FUNCTION registrations_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := session_user;
    active_kind text;
    booked_here boolean;
BEGIN
    IF NOT sportello_app_login(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := sportello_stamp_operator(NEW.created_by, 'the author of a registration');
        PERFORM sportello_stamp_operator(NEW.updated_by, 'the author of a registration');
        NEW.updated_by := NEW.created_by;
        NEW.registered_at := now();
        NEW.updated_at := now();
        IF NOT EXISTS (
            SELECT 1 FROM registration_transitions t
             WHERE t.event IN ('register', 'preload') AND t.to_state = NEW.state AND t.to_strong = NEW.strong
               AND pg_has_role(me, t.role, 'MEMBER'))
        THEN
            RAISE EXCEPTION 'login % cannot make a registration that starts as % (strong %)', me, NEW.state, NEW.strong
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;

    -- UPDATE. What identifies the record never changes (no role may write these columns).
    IF (NEW.registration_number, NEW.fiscal_code, NEW.community, NEW.registered_at, NEW.created_by)
       IS DISTINCT FROM (OLD.registration_number, OLD.fiscal_code, OLD.community, OLD.registered_at, OLD.created_by)
    THEN
        RAISE EXCEPTION 'the number, fiscal code, community, date and author of registration % never change',
            OLD.registration_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- (A client naming someone else in updated_by is refused by registrations_author, below.)
    NEW.updated_by := coalesce(sportello_stamp_operator(NULL, ''), OLD.updated_by);
    NEW.updated_at := now();

    SELECT o.kind, o.requested_at = now() INTO active_kind, booked_here
      FROM operations o WHERE o.registration_number = NEW.registration_number AND o.status = 'A';
    booked_here := coalesce(booked_here, false);

    -- State and strength: only along registration_transitions, for the operation in progress;
    -- the desk's handover only with the booking it belongs to (same transaction).
    IF (NEW.state, NEW.strong) IS DISTINCT FROM (OLD.state, OLD.strong) AND NOT EXISTS (
        SELECT 1 FROM registration_transitions t
         WHERE t.event IN ('handover', 'completion') AND t.operation = active_kind
           AND t.from_state = OLD.state AND t.from_strong = OLD.strong
           AND t.to_state = NEW.state AND t.to_strong = NEW.strong
           AND pg_has_role(me, t.role, 'MEMBER') AND (t.event <> 'handover' OR booked_here))
    THEN
        RAISE EXCEPTION 'registration % cannot go from % (strong %) to % (strong %) with % in progress for login %',
            OLD.registration_number, OLD.state, OLD.strong, NEW.state, NEW.strong, coalesce(active_kind, 'nothing'), me
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    -- The lockout: the portal counts wrong codes; anyone else only ends it, with a new booking
    -- (or the postal run's new activation) in the same transaction.
    IF (NEW.failed_attempts, NEW.locked_at) IS DISTINCT FROM (OLD.failed_attempts, OLD.locked_at)
       AND NOT pg_has_role(me, 'sportello_portal', 'MEMBER')
       AND NOT (NEW.failed_attempts = 0 AND NEW.locked_at IS NULL AND booked_here)
    THEN
        RAISE EXCEPTION 'the lockout of registration % ends only with a new booking', OLD.registration_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    -- The in-person check: stamped by the desk's booking, with the operator's own ente, now.
    IF (NEW.verified_at, NEW.verified_ente) IS DISTINCT FROM (OLD.verified_at, OLD.verified_ente) THEN
        IF NOT booked_here OR NEW.verified_ente IS DISTINCT FROM
               (SELECT o.ente FROM operators o WHERE lower(o.id) = lower(me)) THEN
            RAISE EXCEPTION 'registration % is verified in person only by a booking, with the ente of operator %',
                OLD.registration_number, me USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.verified_at := now();
    END IF;
    IF NEW.pin_possessed IS DISTINCT FROM OLD.pin_possessed
       AND NOT (NEW.pin_possessed AND (booked_here OR pg_has_role(me, 'sportello_batch', 'MEMBER'))) THEN
        RAISE EXCEPTION 'registration % holds a PIN once one is handed over (a booking, a postal letter)',
            OLD.registration_number USING ERRCODE = 'insufficient_privilege';
    END IF;

    -- An activation code completes an operation in progress (never a revocation).
    IF NEW.activation_code_hash IS NOT NULL
       AND NEW.activation_code_hash IS DISTINCT FROM OLD.activation_code_hash
       AND (active_kind IS NULL OR active_kind = 'revocation') THEN
        RAISE EXCEPTION 'registration % has no operation in progress completed by an activation code',
            OLD.registration_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registrations_guard BEFORE INSERT OR UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_guard();

-- Rule: an UPDATE that names the last to change a registration names session_user (fires
-- whenever the statement sets updated_by, even to the value it had, and before
-- registrations_guard stamps it).
CREATE FUNCTION registrations_author() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF sportello_app_login(TG_RELID) THEN
        PERFORM sportello_stamp_operator(NEW.updated_by, 'the last to change a registration');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registrations_author BEFORE UPDATE OF updated_by ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_author();

-- Rule: an operator registers, or moves a residence, only into a municipality of their own
-- competence (directly or by its province). A batch pre-load (a batch login's row verified
-- against the registry) is not bound by it.
CREATE FUNCTION registrations_residence_competence() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.res_municipality IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.res_municipality IS DISTINCT FROM OLD.res_municipality)
       AND NOT (TG_OP = 'INSERT' AND NEW.verified_at IS NOT NULL AND pg_has_role(session_user, 'sportello_batch', 'MEMBER'))
       AND session_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
       AND NOT EXISTS (
           SELECT 1 FROM operators o
           JOIN operator_competence oc ON oc.operator_id = o.id
           JOIN municipalities m ON m.istat_code = NEW.res_municipality
           WHERE lower(o.id) = lower(session_user) AND o.disabled_at IS NULL
             AND (oc.municipality = m.istat_code OR oc.province = m.province))
    THEN
        IF TG_OP = 'INSERT' THEN
            RAISE EXCEPTION 'municipality % is outside the competence of operator %: the registration is not made',
                NEW.res_municipality, session_user USING ERRCODE = 'insufficient_privilege';
        END IF;
        RAISE EXCEPTION 'municipality % is outside the competence of operator %: the residence of registration % is not moved',
            NEW.res_municipality, session_user, NEW.registration_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registrations_residence_competence BEFORE INSERT OR UPDATE OF res_municipality ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_residence_competence();

-- Rule: a registration made or moved by an application login other than a batch pre-load has a
-- residence (an empty one escaped the competence check).
CREATE FUNCTION registrations_residence_needed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
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

-- ---------------------------------------------------------------------------------------------
-- Credentials
-- ---------------------------------------------------------------------------------------------

-- Rule: a row of credentials is made empty (by the postal run: with its printed PIN); the PIN is
-- possessed once handed over (a booking in the same transaction) or printed (the postal run); an
-- activation code completes an operation in progress, never a revocation. The WHEN clauses keep
-- the postal run's thousand rows a statement out of PL/pgSQL.
CREATE FUNCTION registration_credentials_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := session_user;
    active_kind text;
    booked_here boolean;
BEGIN
    IF me = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
       OR coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = me), false) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.activation_code_hash IS NOT NULL OR NEW.activation_code_expires_at IS NOT NULL
           OR (NOT pg_has_role(me, 'sportello_batch', 'MEMBER')
               AND ((NEW.pin_hash, NEW.pin_printed_at) IS DISTINCT FROM (NULL::bytea, NULL::timestamptz)
                    OR NEW.pin_possessed OR NEW.pin_print_count <> 0)) THEN
            RAISE EXCEPTION 'the credentials of registration % are made empty, then written', NEW.registration_number
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.registration_number IS DISTINCT FROM OLD.registration_number THEN
        RAISE EXCEPTION 'the credentials of registration % stay with it', OLD.registration_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT o.kind, o.requested_at = now() INTO active_kind, booked_here
      FROM operations o WHERE o.registration_number = NEW.registration_number AND o.status = 'A';
    booked_here := coalesce(booked_here, false);
    IF NEW.pin_possessed IS DISTINCT FROM OLD.pin_possessed
       AND NOT (NEW.pin_possessed AND (booked_here OR pg_has_role(me, 'sportello_batch', 'MEMBER'))) THEN
        RAISE EXCEPTION 'registration % holds a PIN once one is handed over (a booking, a postal letter)',
            OLD.registration_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.activation_code_hash IS NOT NULL
       AND NEW.activation_code_hash IS DISTINCT FROM OLD.activation_code_hash
       AND (active_kind IS NULL OR active_kind = 'revocation') THEN
        RAISE EXCEPTION 'registration % has no operation in progress completed by an activation code',
            OLD.registration_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registration_credentials_guard_insert BEFORE INSERT ON registration_credentials
    FOR EACH ROW WHEN (NEW.activation_code_hash IS NOT NULL OR NEW.activation_code_expires_at IS NOT NULL
                       OR ((NEW.pin_hash IS NOT NULL OR NEW.pin_printed_at IS NOT NULL OR NEW.pin_possessed
                            OR NEW.pin_print_count <> 0)
                           AND NOT pg_has_role(session_user, 'sportello_batch', 'MEMBER')))
    EXECUTE FUNCTION registration_credentials_guard();
CREATE TRIGGER registration_credentials_guard_update BEFORE UPDATE ON registration_credentials
    FOR EACH ROW WHEN (NEW.registration_number IS DISTINCT FROM OLD.registration_number
                       OR (NEW.pin_possessed IS DISTINCT FROM OLD.pin_possessed
                           AND NOT pg_has_role(session_user, 'sportello_batch', 'MEMBER'))
                       OR (NEW.activation_code_hash IS NOT NULL
                           AND NEW.activation_code_hash IS DISTINCT FROM OLD.activation_code_hash))
    EXECUTE FUNCTION registration_credentials_guard();

-- ---------------------------------------------------------------------------------------------
-- Operations
-- ---------------------------------------------------------------------------------------------

-- Rule: an operation is stamped with who and when; it starts active, booked only as rules.rs
-- allows it in the registration's state (the postal run's weak activation likewise), at the
-- operator's own ente; it keeps its registration, kind, date, ente and operator; it closes once,
-- from active, succeeded only by the citizen (the portal).
CREATE FUNCTION operations_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := session_user;
    r registrations%ROWTYPE;
BEGIN
    IF NOT sportello_app_login(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        NEW.operator_id := sportello_stamp_operator(NEW.operator_id, 'the operator of an operation');
        NEW.requested_at := now();
        IF NEW.status <> 'A' OR NEW.closed_at IS NOT NULL THEN
            RAISE EXCEPTION 'an operation starts active' USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT * INTO r FROM registrations WHERE registration_number = NEW.registration_number;
        IF NOT EXISTS (
            SELECT 1 FROM registration_transitions t
             WHERE t.event IN ('book', 'postal') AND t.operation = NEW.kind
               AND t.from_state = r.state AND t.from_strong = r.strong
               AND pg_has_role(me, t.role, 'MEMBER'))
        THEN
            RAISE EXCEPTION 'login % cannot open % on registration % (%, strong %)',
                me, NEW.kind, NEW.registration_number, r.state, r.strong USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.kind <> 'activation' AND NEW.ente IS DISTINCT FROM (SELECT o.ente FROM operators o WHERE lower(o.id) = lower(me)) THEN
            RAISE EXCEPTION 'an operation booked by % is booked at their own ente', me
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF (NEW.id, NEW.registration_number, NEW.kind, NEW.requested_at, NEW.ente, NEW.operator_id)
       IS DISTINCT FROM (OLD.id, OLD.registration_number, OLD.kind, OLD.requested_at, OLD.ente, OLD.operator_id) THEN
        RAISE EXCEPTION 'operation % keeps its registration, kind, date, ente and operator', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status <> 'A' AND (NEW.status, NEW.closed_at, NEW.pin_hash) IS DISTINCT FROM (OLD.status, OLD.closed_at, OLD.pin_hash) THEN
        RAISE EXCEPTION 'operation % is over' , OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT (NEW.status = 'D' OR (NEW.status = 'S' AND pg_has_role(me, 'sportello_portal', 'MEMBER'))) THEN
            RAISE EXCEPTION 'operation % is completed only by the citizen (the portal)', OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.closed_at := now();
    ELSIF NEW.closed_at IS DISTINCT FROM OLD.closed_at THEN
        RAISE EXCEPTION 'operation % closes with its status', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER operations_guard BEFORE INSERT OR UPDATE ON operations
    FOR EACH ROW EXECUTE FUNCTION operations_guard();

-- Rule: every transaction in which a desk login registers, edits, books or sets a code records
-- itself in the audit log (checked at commit, so the record may come before or after the write).
-- Dropped by V30: every api function writes its own audit row.
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
CREATE CONSTRAINT TRIGGER registrations_desk_recorded AFTER INSERT OR UPDATE ON registrations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sportello_desk_write_recorded();
CREATE CONSTRAINT TRIGGER operations_desk_recorded AFTER INSERT OR UPDATE ON operations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sportello_desk_write_recorded();
CREATE CONSTRAINT TRIGGER registration_credentials_desk_recorded AFTER INSERT OR UPDATE ON registration_credentials
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sportello_desk_write_recorded();

-- ---------------------------------------------------------------------------------------------
-- Letters
-- ---------------------------------------------------------------------------------------------

-- Rule: a letter lies in its registration's folder (`<letters>/<number>/<file>`) and belongs to
-- an operation of that registration: a desk login planted a row naming another citizen's letter,
-- which the victim clerk's next booking then removed. (A relative path, or one with `..`, is
-- operation_letters_path_check's to refuse.)
CREATE FUNCTION operation_letters_in_their_folder() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.path LIKE '/%' AND NEW.path !~ '(^|/)\.\.(/|$)'
       AND (regexp_replace(NEW.path, '^.*/([^/]+)/[^/]+$', '\1') <> NEW.registration_number::text
            OR (NEW.operation_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM public.operations o
                                 WHERE o.id = NEW.operation_id AND o.registration_number = NEW.registration_number)))
    THEN
        RAISE EXCEPTION 'a letter of registration % lies in its folder and belongs to its operations', NEW.registration_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER operation_letters_in_their_folder BEFORE INSERT OR UPDATE ON operation_letters
    FOR EACH ROW EXECUTE FUNCTION operation_letters_in_their_folder();

REVOKE ALL ON FUNCTION sportello_app_login(oid), sportello_stamp_operator(text, text), registrations_guard(),
    registrations_author(), operations_guard(), registration_credentials_guard(), sportello_desk_write_recorded()
FROM PUBLIC;
