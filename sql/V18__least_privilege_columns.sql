-- Least privilege by column, and the lifecycle checked by the database (issue 9, item 2: a
-- modified client with the same login gets no more).
--
-- V10 granted each group role whole tables. A desk login in a session of its own could then
-- rewrite any column of a registration (password hash, username, strength, state, lockout,
-- who last changed it), read the PIN and code hashes (with the service key every desk client
-- holds, a PIN falls to an offline search in seconds), insert a registration outside its
-- competence or already `attivato`, and record letter paths of its choosing for another
-- login's sportello to delete. Here:
--
-- 1. Column privileges. Each role reads and writes only the columns its own paths do (the
--    store's statements, src/store/*.rs, name their columns). Nobody but the portal (which
--    verifies the codes) reads a code hash; nobody reads a password, PIN or answer hash.
-- 2. The database stamps who wrote a registration or an operation (session_user, as the audit
--    log is stamped) and when; naming another operator is refused.
-- 3. A registration's state and strength change only as src/domain/transitions.rs and
--    src/domain/rules.rs say: the table registration_transitions below is their graph (a test,
--    tests/it/least_privilege.rs, checks it against the Rust functions). The lockout ends, and
--    the in-person check is stamped, only with a booking made in the same transaction.
-- 4. Residence competence is checked on INSERT too (V10 checked only a move).
-- 5. operation_letters: written by the desk, deleted by the desk and the portal; paths are
--    absolute, with no `..`.
--
-- The schema owner and superusers are not application logins: nothing here binds them.
--
-- Who may do what, by column (the README's "Who acts, and what they may do" says it briefly):
--
--   registrations  SELECT  desk, helpdesk, batch: every column but the secrets below
--                          portal: those and activation_code_hash (it verifies the code)
--                  INSERT  desk: a new registration (identity, community, state, strong,
--                                personal data, created_by/updated_by)
--                          batch: a pre-load (the same, fewer personal columns, verified_*)
--                  UPDATE  desk: personal data; state, verified_*, pin_possessed, lockout
--                                (by a booking); the activation code; updated_by/at
--                          helpdesk: the activation code (mailbox); updated_at
--                          batch: the postal run's PIN, pin_printed_at/count, pin_possessed,
--                                 the activation code, lockout; updated_at
--                          portal: the completion (state, strong, activated/promoted_at,
--                                  username, password, question, answer, PIN, code), lockout
--                  DELETE  helpdesk, portal (erasure; V10)
--   operations     SELECT  desk, helpdesk, batch: every column but pin_hash, revocation_code_hash
--                          portal: every column
--                  INSERT  desk (a booking), batch (a weak activation)
--                  UPDATE  desk, batch, portal: status, closed_at; batch: pin_hash
--
-- Secret columns (hashes of what hands over an account): registrations.pin_hash,
-- activation_code_hash, password_hash, secret_answer_hash (and secret_question, personal);
-- operations.pin_hash, revocation_code_hash. A column moved elsewhere by a later migration
-- (e.g. into a side table of secrets) is skipped here: pg_temp.grant_columns grants only the
-- columns that exist; grant the new table's columns in the same way.

-- GRANT <privilege> (<the columns of `cols` that exist, or every column but `except_cols`>)
-- ON <tbl> TO <grantee>.
CREATE FUNCTION pg_temp.grant_columns(privilege text, tbl text, grantee text, cols text[], except_cols text[] DEFAULT '{}')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    names text;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO names
      FROM pg_attribute a
     WHERE a.attrelid = tbl::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND (cols IS NULL OR a.attname = ANY (cols)) AND NOT (a.attname = ANY (except_cols));
    IF names IS NOT NULL THEN
        EXECUTE format('GRANT %s (%s) ON %I TO %I', privilege, names, tbl, grantee);
    END IF;
END $$;

-- Table-wide privileges go (which takes their column privileges with them); DELETE stays as V10
-- granted it (helpdesk and portal erase).
REVOKE SELECT, INSERT, UPDATE ON registrations, operations
    FROM sportello_desk, sportello_helpdesk, sportello_batch, sportello_portal;

DO $$
DECLARE
    -- The personal data of src/domain/fields.rs (FIELDS; a test checks they agree).
    personal text[] := ARRAY['first_name', 'last_name', 'birth_date', 'sex', 'doc_type', 'doc_number', 'doc_issued',
        'doc_issuer', 'res_address', 'res_street_number', 'res_postcode', 'res_province', 'res_municipality', 'res_city',
        'res_country', 'dom_care_of', 'dom_address', 'dom_street_number', 'dom_province', 'dom_municipality',
        'dom_postcode', 'dom_send_mail', 'email', 'mobile', 'phone', 'operator_note', 'other_notes'];
    secrets text[] := ARRAY['pin_hash', 'activation_code_hash', 'password_hash', 'secret_question', 'secret_answer_hash'];
    code text[] := ARRAY['activation_code_hash', 'activation_code_expires_at'];
    lockout text[] := ARRAY['failed_attempts', 'locked_at'];
    op_secrets text[] := ARRAY['pin_hash', 'revocation_code_hash'];
    op_close text[] := ARRAY['status', 'closed_at'];
    r text;
BEGIN
    -- registrations: reading
    FOREACH r IN ARRAY ARRAY['sportello_desk', 'sportello_helpdesk', 'sportello_batch'] LOOP
        PERFORM pg_temp.grant_columns('SELECT', 'registrations', r, NULL, secrets);
    END LOOP;
    PERFORM pg_temp.grant_columns('SELECT', 'registrations', 'sportello_portal', NULL,
        array_remove(secrets, 'activation_code_hash'));

    -- registrations: desk (src/store/registrations.rs insert, update_data; credentials.rs
    -- set_activation_code, mark_verified, unlock)
    PERFORM pg_temp.grant_columns('INSERT', 'registrations', 'sportello_desk',
        ARRAY['fiscal_code', 'community', 'state', 'strong', 'created_by', 'updated_by'] || personal);
    PERFORM pg_temp.grant_columns('UPDATE', 'registrations', 'sportello_desk',
        personal || code || lockout
        || ARRAY['state', 'verified_at', 'verified_ente', 'pin_possessed', 'updated_by', 'updated_at']);

    -- registrations: helpdesk (the mailbox's new code: desk/reprint.rs store_new_activation_code)
    PERFORM pg_temp.grant_columns('UPDATE', 'registrations', 'sportello_helpdesk', code || ARRAY['updated_at']);

    -- registrations: batch (registry.rs preload; postal.rs store_printed, open_activations)
    PERFORM pg_temp.grant_columns('INSERT', 'registrations', 'sportello_batch',
        ARRAY['fiscal_code', 'community', 'state', 'strong', 'verified_at', 'verified_ente', 'first_name',
              'last_name', 'birth_date', 'sex', 'doc_type', 'doc_number', 'doc_issued', 'doc_issuer', 'res_address',
              'res_street_number', 'res_postcode', 'res_province', 'res_municipality', 'created_by', 'updated_by']);
    PERFORM pg_temp.grant_columns('UPDATE', 'registrations', 'sportello_batch',
        code || lockout || ARRAY['pin_hash', 'pin_printed_at', 'pin_print_count', 'pin_possessed', 'updated_at']);

    -- registrations: portal (credentials.rs count_failure, complete)
    PERFORM pg_temp.grant_columns('UPDATE', 'registrations', 'sportello_portal',
        code || lockout || ARRAY['state', 'strong', 'activated_at', 'promoted_at', 'username', 'password_hash',
              'secret_question', 'secret_answer_hash', 'pin_hash', 'updated_at']);

    -- operations (store/operations.rs; postal.rs)
    FOREACH r IN ARRAY ARRAY['sportello_desk', 'sportello_helpdesk', 'sportello_batch'] LOOP
        PERFORM pg_temp.grant_columns('SELECT', 'operations', r, NULL, op_secrets);
    END LOOP;
    PERFORM pg_temp.grant_columns('SELECT', 'operations', 'sportello_portal', NULL);
    PERFORM pg_temp.grant_columns('INSERT', 'operations', 'sportello_desk',
        ARRAY['registration_number', 'kind', 'ente', 'operator_id', 'pin_hash', 'revocation_code_hash', 'code_expires_at']);
    PERFORM pg_temp.grant_columns('INSERT', 'operations', 'sportello_batch',
        ARRAY['registration_number', 'kind', 'ente', 'operator_id', 'pin_hash', 'code_expires_at']);
    PERFORM pg_temp.grant_columns('UPDATE', 'operations', 'sportello_desk', op_close);
    PERFORM pg_temp.grant_columns('UPDATE', 'operations', 'sportello_batch', op_close || ARRAY['pin_hash']);
    PERFORM pg_temp.grant_columns('UPDATE', 'operations', 'sportello_portal', op_close);
END $$;

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
CREATE TABLE registration_transitions (
    event        text NOT NULL CHECK (event IN ('register', 'preload', 'book', 'postal', 'handover', 'completion')),
    operation    text,
    from_state   text,
    from_strong  boolean,
    to_state     text NOT NULL,
    to_strong    boolean NOT NULL,
    role         text NOT NULL
);
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

-- Is session_user an application login (neither the owner of `rel` nor a superuser)?
CREATE FUNCTION sportello_app_login(rel oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT session_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = rel)
       AND NOT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
$$;

-- The operator session_user is (their id as stored), or NULL. A row may name no other.
CREATE FUNCTION sportello_stamp_operator(given text, what text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF given IS NOT NULL AND lower(given) <> lower(session_user) THEN
        RAISE EXCEPTION 'login % cannot name operator % as %', session_user, given, what
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN (SELECT o.id FROM operators o WHERE lower(o.id) = lower(session_user));
END $$;

-- Registrations: stamps who and when, and refuses what the login's roles may not do.
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

-- An UPDATE that names the last to change a registration names session_user (fires whenever the
-- statement sets updated_by, even to the value it had, and before registrations_guard stamps it).
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

-- Operations: stamps who and when; a booking only as rules.rs allows it in the registration's
-- state (the postal run's weak activation likewise); an operation closes once, from active.
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

REVOKE ALL ON FUNCTION sportello_app_login(oid), sportello_stamp_operator(text, text),
    registrations_guard(), registrations_author(), operations_guard() FROM PUBLIC;
REVOKE ALL ON registration_transitions FROM PUBLIC;
GRANT SELECT ON registration_transitions TO sportello_app;

-- Residence competence on INSERT too: a desk registers only residents of its competence. A
-- batch pre-load (a batch login's row verified against the registry) is not bound by it.
CREATE OR REPLACE FUNCTION registrations_residence_competence() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TRIGGER registrations_residence_competence ON registrations;
CREATE TRIGGER registrations_residence_competence BEFORE INSERT OR UPDATE OF res_municipality ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_residence_competence();

-- operation_letters: the desk records its letters and removes those of operations it replaces;
-- the portal removes those of the operation the citizen completed (erasures cascade as the
-- owner). Paths are absolute, with no `..` component (rows recorded before stay as they are).
REVOKE ALL ON operation_letters FROM sportello_app;
GRANT SELECT, INSERT, DELETE ON operation_letters TO sportello_desk;
GRANT SELECT, DELETE ON operation_letters TO sportello_portal;
ALTER TABLE operation_letters ADD CONSTRAINT operation_letters_path_check
    CHECK (path LIKE '/%' AND path !~ '(^|/)\.\.(/|$)') NOT VALID;
