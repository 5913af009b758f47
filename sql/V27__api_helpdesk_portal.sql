-- The API of the helpdesk, the citizen portal and erasure (issue 16). Every function here is
-- SECURITY DEFINER, owned by sportello_api, search_path pinned (pg_temp last), objects named by
-- schema; it checks its caller with sportello_caller, applies the rule, and writes its own audit
-- row with sportello_record. The guards on the tables (registrations_guard, operations_guard,
-- the credentials guard) keep firing under session_user: they are the second line.
--
-- Use cases, in order:
--   1. erasure (the tombstone, the deletion, the helpdesk senders forgotten): internal, called
--      by 2 and 4 only; no login executes it any more;
--   2. the registered letters (api.letter_record, api.revoke_letter) and the tombstones' reads
--      (api.revoked, api.tombstones);
--   3. the helpdesk mailbox (api.mailbox_claim, api.mailbox_decide,
--      api.mailbox_replied, api.mailbox_send_failed);
--   4. the citizen portal (api.citizen_activate, api.citizen_revoke).

----------------------------------------------------------------------------------------------
-- 1. Erasure
----------------------------------------------------------------------------------------------

-- Issue 16, item 4: no login erases by itself. sportello_erase (V8) stays the one place that
-- writes the tombstone and deletes, but only the api functions below call it, each after its
-- own check (a matching letter for the helpdesk, the revocation code's hash for the portal).
REVOKE EXECUTE ON FUNCTION public.sportello_erase(bigint, bytea, bytea, text, text)
    FROM sportello_helpdesk, sportello_portal, PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_erase(bigint, bytea, bytea, text, text) TO sportello_api;

-- Rule: an erased citizen leaves no sender behind in the helpdesk's messages (those decided for
-- their registration, by the keyed hash the mailbox stored, and any from their address), in the
-- same transaction as the tombstone. Internal: called by the erasing functions only.
CREATE FUNCTION public.sportello_erase_citizen(p_number bigint, p_tombstone bytea, p_stats_person bytea,
                                               p_helpdesk_hash bytea, p_channel text, p_protocol text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    address text;
BEGIN
    SELECT r.email INTO address FROM public.registrations r WHERE r.registration_number = p_number;
    PERFORM public.sportello_erase(p_number, p_tombstone, p_stats_person, p_channel, p_protocol);
    UPDATE public.helpdesk_messages h SET sender = NULL
     WHERE (p_helpdesk_hash IS NOT NULL AND h.fiscal_code_hash = p_helpdesk_hash)
        OR (address IS NOT NULL AND lower(h.sender) = lower(address));
END $$;
REVOKE ALL ON FUNCTION public.sportello_erase_citizen(bigint, bytea, bytea, bytea, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_erase_citizen(bigint, bytea, bytea, bytea, text, text) TO sportello_api;

----------------------------------------------------------------------------------------------
-- 2. Registered letters (helpdesk) and tombstones
----------------------------------------------------------------------------------------------

-- Rule: the helpdesk reads, to compare a letter with the record, only what a letter carries
-- (names, document number and issue date) of the citizen the letter names by fiscal code, and
-- locks the registration for the erasure that follows in the same transaction. Nothing else of
-- the record leaves the database on this path, and the read is recorded (`view`, for a letter)
-- with it, whether a decision follows or not.
CREATE FUNCTION api.letter_record(p_fiscal_code text, p_audit_name text)
RETURNS TABLE (registration_number bigint, first_name text, last_name text, doc_number text, doc_issued date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    r public.registrations%ROWTYPE;
BEGIN
    PERFORM public.sportello_caller(ARRAY['helpdesk']);
    SELECT * INTO r FROM public.registrations x WHERE x.fiscal_code = upper(p_fiscal_code) FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM public.sportello_record('view', public.sportello_audit_name(r.registration_number, p_audit_name),
        jsonb_build_object('registration_number', r.registration_number, 'for', 'revoke-letter'), 1);
    RETURN QUERY SELECT r.registration_number, r.first_name, r.last_name, r.doc_number, r.doc_issued;
END $$;

-- Rule: a registered letter's decision on a registration found, recorded by the database: with
-- no field in `p_mismatches` the registration is erased (one tombstone, whatever runs at once:
-- a second erasure is no_data_found) and `revoke-letter` ok is written; otherwise the refusal is
-- written and nothing changes. Helpdesk only. The citizen is named by their stored audit name;
-- `p_described` is the letter as the audit log shows it (protocol and its date, personal data
-- already replaced by keyed hashes by the client, which holds the key); the outcome is derived here.
CREATE FUNCTION api.revoke_letter(p_number bigint, p_audit_name text, p_protocol text, p_described jsonb,
                                  p_mismatches text[], p_tombstone bytea, p_stats_person bytea,
                                  p_helpdesk_hash bytea)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    target text;
    revoked boolean := coalesce(cardinality(p_mismatches), 0) = 0;
BEGIN
    PERFORM public.sportello_caller(ARRAY['helpdesk']);
    IF p_protocol IS NULL OR btrim(p_protocol) = '' THEN
        RAISE EXCEPTION 'a registered letter has its protocol' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM 1 FROM public.registrations r WHERE r.registration_number = p_number FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'registration % is not there: already erased', p_number USING ERRCODE = 'no_data_found';
    END IF;
    target := public.sportello_audit_name(p_number, p_audit_name);
    IF revoked THEN
        PERFORM public.sportello_erase_citizen(p_number, p_tombstone, p_stats_person, p_helpdesk_hash,
                                               'registered-letter', btrim(p_protocol));
    END IF;
    PERFORM public.sportello_record('revoke-letter', target,
        jsonb_build_object('protocol', p_described -> 'protocol', 'protocol_date', p_described -> 'protocol_date',
                           'outcome', CASE WHEN revoked
                                           THEN jsonb_build_object('revoked', jsonb_build_object('registration_number', p_number))
                                           ELSE jsonb_build_object('mismatch', jsonb_build_object('fields', to_jsonb(p_mismatches))) END),
        NULL, CASE WHEN revoked THEN 'ok' ELSE 'refused' END);
    RETURN revoked;
END $$;

-- Rule: whether a fiscal code was revoked is answered from its keyed hash (the tombstone keeps
-- no code), to the helpdesk (a letter for a citizen already erased) and the portal.
CREATE FUNCTION api.revoked(p_tombstone bytea) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['helpdesk', 'portal']);
    -- A citizen registered again after a revocation and revoked again has two tombstones.
    RETURN EXISTS (SELECT 1 FROM public.revocations v WHERE v.fiscal_code_hash = p_tombstone);
END $$;

-- Rule: the registry import leaves out the erased citizens: the batch reads the tombstones'
-- keyed hashes (no registration number, no date: nothing that names anyone).
CREATE FUNCTION api.tombstones() RETURNS SETOF bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['batch']);
    RETURN QUERY SELECT v.fiscal_code_hash FROM public.revocations v;
END $$;

----------------------------------------------------------------------------------------------
-- 3. The helpdesk mailbox
----------------------------------------------------------------------------------------------

-- Which registration a decided message was for (the code it set is checked against it).
ALTER TABLE public.helpdesk_messages ADD COLUMN registration_number bigint;

-- Rule (issue 16, item 12): a message is answered once, whatever runs overlap. The row is the
-- lock: claimed for this run unless it was answered (a message decided whose reply was never
-- known sent is claimed again). The run must be a running helpdesk-mailbox run; with no run (a
-- dry run) nothing is claimed nor written.
-- Returns whether it was claimed and, for the citizen the request names by fiscal code, what a
-- request is compared with: their registration's number, whether the sender is the address
-- registered for them, and only then (the request came from their own address) their names,
-- document and the operation in progress, the read recorded (`view`, for a helpdesk email). A
-- request from another address learns nothing.
CREATE FUNCTION api.mailbox_claim(p_message_id text, p_run bigint, p_file text, p_sender text,
                                  p_fiscal_code text, p_audit_name text)
RETURNS TABLE (claimed boolean, registration_number bigint, from_registered boolean, fiscal_code text,
               first_name text, last_name text, doc_number text, doc_issued date, email text,
               state text, strong boolean, in_progress text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    me public.operators := public.sportello_caller(ARRAY['helpdesk']);
    n bigint;
    r public.registrations%ROWTYPE;
    active text;
BEGIN
    IF p_message_id IS NULL OR p_message_id = '' OR p_sender IS NULL THEN
        RAISE EXCEPTION 'a message has its Message-ID and sender' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_run IS NULL THEN
        -- A dry run: nothing claimed, nothing written; a message seen before is not claimable.
        n := CASE WHEN EXISTS (SELECT 1 FROM public.helpdesk_messages h WHERE h.message_id = p_message_id)
                  THEN 0 ELSE 1 END;
    ELSE
        IF NOT EXISTS (SELECT 1 FROM public.batch_runs b
                        WHERE b.id = p_run AND b.kind = 'helpdesk-mailbox' AND b.state = 'running') THEN
            RAISE EXCEPTION 'run % is no running helpdesk mailbox run (login %)', p_run, me.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        INSERT INTO public.helpdesk_messages AS h (message_id, run_id, file, sender, outcome)
        VALUES (p_message_id, p_run, p_file, p_sender, 'processing')
        ON CONFLICT (message_id) DO UPDATE SET run_id = EXCLUDED.run_id, outcome = 'processing',
                                               processed_at = now(), registration_number = NULL
         WHERE h.replied_at IS NULL AND h.outcome IN ('honoured', 'refused');
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    IF n = 0 THEN
        RETURN QUERY SELECT false, NULL::bigint, false, NULL::text, NULL::text, NULL::text, NULL::text, NULL::date,
                            NULL::text, NULL::text, NULL::boolean, NULL::text;
        RETURN;
    END IF;
    IF p_fiscal_code IS NOT NULL AND p_run IS NOT NULL THEN
        SELECT * INTO r FROM public.registrations x WHERE x.fiscal_code = upper(p_fiscal_code) FOR UPDATE;
    ELSIF p_fiscal_code IS NOT NULL THEN
        SELECT * INTO r FROM public.registrations x WHERE x.fiscal_code = upper(p_fiscal_code);
    END IF;
    IF r.registration_number IS NULL THEN
        RETURN QUERY SELECT true, NULL::bigint, false, NULL::text, NULL::text, NULL::text, NULL::text, NULL::date,
                            NULL::text, NULL::text, NULL::boolean, NULL::text;
        RETURN;
    END IF;
    IF p_run IS NOT NULL THEN
        UPDATE public.helpdesk_messages h SET registration_number = r.registration_number
         WHERE h.message_id = p_message_id;
    END IF;
    IF r.email IS NULL OR lower(r.email) <> lower(btrim(p_sender)) THEN
        RETURN QUERY SELECT true, r.registration_number, false, NULL::text, NULL::text, NULL::text, NULL::text,
                            NULL::date, NULL::text, NULL::text, NULL::boolean, NULL::text;
        RETURN;
    END IF;
    SELECT o.kind INTO active FROM public.operations o
     WHERE o.registration_number = r.registration_number AND o.status = 'A';
    PERFORM public.sportello_record('view', public.sportello_audit_name(r.registration_number, p_audit_name),
        jsonb_build_object('registration_number', r.registration_number, 'for', 'helpdesk-email'), 1);
    RETURN QUERY SELECT true, r.registration_number, true, r.fiscal_code, r.first_name, r.last_name, r.doc_number,
                        r.doc_issued, r.email, r.state, r.strong, active;
END $$;

-- Rule: the decision on a claimed message, and its audit row (`regenerate-code`, channel
-- helpdesk-email), written here. Honoured only for the registration the claim found, when the
-- sender is the address registered for it and an operation completed by an activation code is
-- in progress (rules.rs, RegenerateCode: not a revocation, not a rejected record): the new
-- code's hash (the client draws the code and emails it) becomes the one in force. Refused: the
-- reason is kept and nothing else changes. `p_described`: the message, its sender and the reply
-- as the audit log shows them (addresses replaced by keyed hashes by the client, which holds the
-- key); channel, outcome and registration are derived here.
CREATE FUNCTION api.mailbox_decide(p_message_id text, p_honoured boolean, p_reason text, p_fiscal_code_hash bytea,
                                   p_audit_name text, p_code_hash bytea, p_expires timestamptz, p_described jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['helpdesk']);
    m public.helpdesk_messages%ROWTYPE;
    r public.registrations%ROWTYPE;
    active text;
    target text;
BEGIN
    SELECT * INTO m FROM public.helpdesk_messages h WHERE h.message_id = p_message_id FOR UPDATE;
    IF NOT FOUND OR m.outcome <> 'processing' OR NOT EXISTS (
           SELECT 1 FROM public.batch_runs b WHERE b.id = m.run_id AND b.kind = 'helpdesk-mailbox'
              AND b.state = 'running') THEN
        RAISE EXCEPTION 'message % is not claimed by a running mailbox run (login %)', p_message_id, me.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_honoured THEN
        SELECT * INTO r FROM public.registrations x WHERE x.registration_number = m.registration_number FOR UPDATE;
        IF NOT FOUND OR r.email IS NULL OR lower(r.email) <> lower(btrim(m.sender)) THEN
            RAISE EXCEPTION 'message % does not come from the address registered for the citizen it names', p_message_id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT o.kind INTO active FROM public.operations o
         WHERE o.registration_number = r.registration_number AND o.status = 'A';
        IF active IS NULL OR active = 'revocation' OR r.state = 'respinto' THEN
            RAISE EXCEPTION 'registration % has no operation in progress completed by an activation code',
                r.registration_number USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF p_code_hash IS NULL OR p_expires IS NULL OR p_expires <= now() THEN
            RAISE EXCEPTION 'a new activation code has its hash and a future expiry'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        INSERT INTO public.registration_credentials (registration_number) VALUES (r.registration_number)
            ON CONFLICT (registration_number) DO NOTHING;
        UPDATE public.registration_credentials k
           SET activation_code_hash = p_code_hash, activation_code_expires_at = p_expires
         WHERE k.registration_number = r.registration_number;
        UPDATE public.registrations x SET updated_at = now() WHERE x.registration_number = r.registration_number;
        target := public.sportello_audit_name(r.registration_number, p_audit_name);
    ELSE
        target := 'message ' || p_message_id;
    END IF;
    UPDATE public.helpdesk_messages h
       SET outcome = CASE WHEN p_honoured THEN 'honoured' ELSE 'refused' END,
           reason = CASE WHEN p_honoured THEN NULL ELSE p_reason END,
           fiscal_code_hash = CASE WHEN p_honoured THEN p_fiscal_code_hash END
     WHERE h.message_id = p_message_id;
    PERFORM public.sportello_record('regenerate-code', target,
        jsonb_build_object('channel', 'helpdesk-email', 'message', p_described -> 'message',
                           'sender', p_described -> 'sender', 'reply', coalesce(p_described -> 'reply', '{}'::jsonb),
                           'outcome', CASE WHEN p_honoured THEN to_jsonb('honoured'::text)
                                           ELSE jsonb_build_object('refused', jsonb_build_object('reason', p_reason)) END)
        || CASE WHEN p_honoured THEN jsonb_build_object('registration_number', r.registration_number)
                ELSE '{}'::jsonb END,
        NULL, CASE WHEN p_honoured THEN 'ok' ELSE 'refused' END);
END $$;

-- Rule: the reply to a decided message went out (or could not): the helpdesk that decided it
-- says so; a message answered stays answered.
CREATE FUNCTION api.mailbox_replied(p_message_id text, p_failure text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['helpdesk']);
    n bigint;
BEGIN
    IF p_failure IS NULL THEN
        UPDATE public.helpdesk_messages h SET replied_at = now()
         WHERE h.message_id = p_message_id AND h.outcome IN ('honoured', 'refused') AND h.replied_at IS NULL
           AND EXISTS (SELECT 1 FROM public.batch_runs b WHERE b.id = h.run_id AND b.state = 'running');
    ELSE
        UPDATE public.helpdesk_messages h SET outcome = 'send-failed', reason = p_failure
         WHERE h.message_id = p_message_id AND h.outcome IN ('honoured', 'refused') AND h.replied_at IS NULL
           AND EXISTS (SELECT 1 FROM public.batch_runs b WHERE b.id = h.run_id AND b.state = 'running');
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RAISE EXCEPTION 'message % is not waiting for its reply in a running run (login %)', p_message_id, me.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

----------------------------------------------------------------------------------------------
-- 4. The citizen portal
----------------------------------------------------------------------------------------------

-- The most wrong attempts the database allows before a lockout, whatever a client says: a portal
-- login in psql could otherwise pass any limit. The client's SPORTELLO_MAX_ATTEMPTS may only
-- lower it; the database's owner raises it (1 to 100) with an UPDATE of this one row.
CREATE TABLE public.portal_limits (
    one          boolean PRIMARY KEY DEFAULT true CHECK (one),
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100)
);
INSERT INTO public.portal_limits DEFAULT VALUES;
REVOKE ALL ON public.portal_limits FROM PUBLIC;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.portal_limits FROM sportello_api;

-- Rule (issue 16, items 3 and 11): one attempt at a citizen's codes. The attempt is counted
-- first (the row lock it takes serialises a burst: at most `max` are ever verified, and a right
-- code behind a burst that locked the citizen out is refused); the codes are verified here,
-- against hashes the client computed from what the citizen typed (every key in force: a list),
-- never returned; the same statements and the one commit run whatever the input (an unknown
-- fiscal code, wrong codes, locked credentials), and the answer for all of them is 'wrong'.
-- Internal: returns the attempt's registration (NULL when wrong, after the wrong attempt was
-- counted, the lockout applied and `citizen-wrong-code` recorded) and the operation checked.
CREATE FUNCTION public.sportello_citizen_attempt(p_fiscal_code text, p_audit_name text, p_max integer,
                                                 p_revocation boolean, p_code_hashes bytea[], p_pin_hashes bytea[],
                                                 OUT number bigint, OUT op public.operations, OUT expired boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    taken bigint;
    r public.registrations%ROWTYPE;
    k public.registration_credentials%ROWTYPE;
    ok boolean;
    n_attempts integer;
    target text;
BEGIN
    p_max := least(greatest(coalesce(p_max, 1), 1), (SELECT l.max_attempts FROM public.portal_limits l));
    UPDATE public.registrations x SET failed_attempts = x.failed_attempts + 1
     WHERE x.fiscal_code = upper(p_fiscal_code) AND x.locked_at IS NULL AND x.failed_attempts < p_max
    RETURNING x.registration_number INTO taken;
    SELECT * INTO r FROM public.registrations x WHERE x.registration_number = coalesce(taken, 0);
    SELECT * INTO k FROM public.registration_credentials c WHERE c.registration_number = coalesce(taken, 0);
    SELECT * INTO op FROM public.operations o WHERE o.registration_number = coalesce(taken, 0) AND o.status = 'A';
    ok := taken IS NOT NULL AND op.id IS NOT NULL AND (op.kind = 'revocation') = p_revocation;
    IF p_revocation THEN
        ok := ok AND op.revocation_code_hash = ANY (coalesce(p_code_hashes, '{}'));
        expired := op.code_expires_at < now();
    ELSE
        ok := ok AND k.activation_code_hash = ANY (coalesce(p_code_hashes, '{}'))
                 AND op.pin_hash = ANY (coalesce(p_pin_hashes, '{}'));
        expired := k.activation_code_expires_at < now();
    END IF;
    IF coalesce(ok, false) THEN
        number := taken;
        expired := coalesce(expired, false);
        RETURN;
    END IF;
    -- Wrong: the lockout at `max` (a new booking unlocks), and the refusal recorded.
    UPDATE public.registrations x
       SET locked_at = CASE WHEN x.failed_attempts >= p_max THEN now() ELSE x.locked_at END
     WHERE x.registration_number = coalesce(taken, 0)
    RETURNING x.failed_attempts INTO n_attempts;
    target := CASE WHEN taken IS NOT NULL THEN public.sportello_audit_name(taken, p_audit_name)
                   WHEN p_audit_name ~ '^cf:[0-9a-f]{32}$' THEN p_audit_name END;
    PERFORM public.sportello_record('citizen-wrong-code', target,
        jsonb_build_object('attempt', CASE WHEN taken IS NOT NULL THEN n_attempts END)
        || CASE WHEN taken IS NOT NULL THEN jsonb_build_object('registration_number', taken) ELSE '{}'::jsonb END,
        NULL, 'refused', true);
    number := NULL;
    op := NULL;
    expired := false;
END $$;
REVOKE ALL ON FUNCTION public.sportello_citizen_attempt(text, text, integer, boolean, bytea[], bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_citizen_attempt(text, text, integer, boolean, bytea[], bytea[])
    TO sportello_api;

-- Rule: the citizen completes online the operation in progress (never a revocation) with the
-- activation code and PIN, along registration_transitions ('completion'); a new account
-- (verification, reset, weak activation) brings username, password and secret answer (hashed by
-- the client, never read back; the password's rules, which need it in clear, checked by the
-- client: `p_password_ok`), a reset a username that changes, a username nobody else has. What is
-- wrong with the choices is answered only after the codes were found right, as before.
-- The PIN of the operation becomes the one in force, the code is spent, the operation succeeds,
-- `citizen-activate` is recorded as the citizen's. Portal only. Returns a status: 'ok' and the
-- registration as it is now, or what was wrong ('wrong' for every wrong input, whatever it was).
CREATE FUNCTION api.citizen_activate(p_fiscal_code text, p_audit_name text, p_max integer,
                                     p_code_hashes bytea[], p_pin_hashes bytea[], p_accept_rules boolean,
                                     p_username text, p_password_hash text, p_password_ok boolean,
                                     p_secret_question text, p_secret_answer_hash text)
RETURNS TABLE (status text, registration_number bigint, operation text, state text, strong boolean,
               username text, first_name text, last_name text, email text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    a record;
    r public.registrations%ROWTYPE;
    v_strong boolean;
    new_account boolean;
    fail text;
BEGIN
    PERFORM public.sportello_caller(ARRAY['portal']);
    SELECT * INTO a FROM public.sportello_citizen_attempt(p_fiscal_code, p_audit_name, p_max, false, p_code_hashes,
                                                          p_pin_hashes);
    IF a.number IS NULL THEN
        RETURN QUERY SELECT 'wrong'::text, NULL::bigint, NULL::text, NULL::text, NULL::boolean, NULL::text,
                            NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    SELECT * INTO r FROM public.registrations x WHERE x.registration_number = a.number;
    new_account := (a.op).kind IN ('verification', 'reset', 'activation');
    fail := CASE
        WHEN a.expired THEN 'expired'
        WHEN NOT coalesce(p_accept_rules, false) THEN 'accept-rules'
        WHEN new_account AND coalesce(btrim(p_username), '') = '' THEN 'choose-username'
        WHEN new_account AND btrim(p_username) !~ '^[a-z][a-z0-9._-]{2,29}$' THEN 'username-invalid'
        WHEN new_account AND (a.op).kind = 'reset' AND lower(r.username) = lower(btrim(p_username))
            THEN 'username-must-change'
        WHEN new_account AND coalesce(p_password_hash, '') = '' THEN 'choose-password'
        WHEN new_account AND NOT coalesce(p_password_ok, false) THEN 'password-invalid'
        WHEN new_account AND (coalesce(btrim(p_secret_question), '') = '' OR coalesce(p_secret_answer_hash, '') = '')
            THEN 'choose-secret'
        WHEN new_account AND EXISTS (SELECT 1 FROM public.registrations x
                                      WHERE lower(x.username) = lower(btrim(p_username))
                                        AND x.registration_number <> a.number) THEN 'username-taken'
    END;
    IF fail IS NOT NULL THEN
        -- The attempt stays counted (as any attempt until a completion), nothing else changes.
        RETURN QUERY SELECT fail, NULL::bigint, (a.op).kind, NULL::text, NULL::boolean, NULL::text,
                            NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    -- Where the completion leads (transitions.rs, after_completion), along the table when it moves.
    v_strong := CASE WHEN (a.op).kind IN ('verification', 'reset', 'promotion') THEN true
                      WHEN (a.op).kind = 'activation' THEN false ELSE r.strong END;
    IF ('attivato', v_strong) IS DISTINCT FROM (r.state, r.strong) AND NOT EXISTS (
        SELECT 1 FROM public.registration_transitions x
         WHERE x.event = 'completion' AND x.operation = (a.op).kind AND x.from_state = r.state
           AND x.from_strong = r.strong AND x.to_state = 'attivato' AND x.to_strong = v_strong) THEN
        RAISE EXCEPTION 'registration % cannot complete % from % (strong %)', a.number, (a.op).kind, r.state, r.strong
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.registrations x SET
        state = 'attivato', strong = v_strong,
        activated_at = CASE WHEN new_account THEN now() ELSE x.activated_at END,
        promoted_at = CASE WHEN (a.op).kind = 'promotion' THEN now() ELSE x.promoted_at END,
        username = CASE WHEN new_account THEN btrim(p_username) ELSE x.username END,
        password_hash = CASE WHEN new_account THEN p_password_hash ELSE x.password_hash END,
        secret_question = CASE WHEN new_account THEN btrim(p_secret_question) ELSE x.secret_question END,
        secret_answer_hash = CASE WHEN new_account THEN p_secret_answer_hash ELSE x.secret_answer_hash END,
        failed_attempts = 0, updated_at = now()
     WHERE x.registration_number = a.number;
    INSERT INTO public.registration_credentials (registration_number) VALUES (a.number)
        ON CONFLICT (registration_number) DO NOTHING;
    UPDATE public.registration_credentials k
       SET pin_hash = (a.op).pin_hash, activation_code_hash = NULL, activation_code_expires_at = NULL
     WHERE k.registration_number = a.number;
    UPDATE public.operations o SET status = 'S', closed_at = now() WHERE o.id = (a.op).id;
    PERFORM public.sportello_record('citizen-activate', public.sportello_audit_name(a.number, p_audit_name),
                                    jsonb_build_object('operation', (a.op).kind, 'registration_number', a.number),
                                    NULL, 'ok', true);
    RETURN QUERY SELECT 'ok'::text, x.registration_number, (a.op).kind, x.state, x.strong, x.username,
                        x.first_name, x.last_name, x.email
                   FROM public.registrations x WHERE x.registration_number = a.number;
END $$;

-- Rule: the citizen completes a revocation booked at a desk with its revocation code (hashed by
-- the client, verified here): the registration is erased (one tombstone) and `citizen-revoke`
-- recorded as the citizen's, in one transaction; every wrong input is 'wrong', counted as an
-- attempt. Portal only: a portal login erases nobody without the code's hash matching.
-- Returns a status and, when erased, what the confirmation email needs.
CREATE FUNCTION api.citizen_revoke(p_fiscal_code text, p_audit_name text, p_max integer, p_code_hashes bytea[],
                                   p_tombstone bytea, p_stats_person bytea, p_helpdesk_hash bytea)
RETURNS TABLE (status text, registration_number bigint, first_name text, last_name text, email text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    a record;
    r public.registrations%ROWTYPE;
    target text;
BEGIN
    PERFORM public.sportello_caller(ARRAY['portal']);
    SELECT * INTO a FROM public.sportello_citizen_attempt(p_fiscal_code, p_audit_name, p_max, true, p_code_hashes, NULL);
    IF a.number IS NULL THEN
        RETURN QUERY SELECT 'wrong'::text, NULL::bigint, NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    IF a.expired THEN
        RETURN QUERY SELECT 'expired'::text, NULL::bigint, NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    SELECT * INTO r FROM public.registrations x WHERE x.registration_number = a.number;
    target := public.sportello_audit_name(a.number, p_audit_name);
    PERFORM public.sportello_erase_citizen(a.number, p_tombstone, p_stats_person, p_helpdesk_hash, 'online', NULL);
    PERFORM public.sportello_record('citizen-revoke', target, jsonb_build_object('registration_number', a.number),
                                    NULL, 'ok', true);
    RETURN QUERY SELECT 'ok'::text, r.registration_number, r.first_name, r.last_name, r.email;
END $$;

----------------------------------------------------------------------------------------------
-- Ownership and who may execute
----------------------------------------------------------------------------------------------
-- The internal helpers stay the migrating owner's, as V23's do (sportello_api may not create in
-- schema public, which an owner change needs); only sportello_api executes them.
ALTER FUNCTION api.letter_record(text, text) OWNER TO sportello_api;
ALTER FUNCTION api.revoke_letter(bigint, text, text, jsonb, text[], bytea, bytea, bytea) OWNER TO sportello_api;
ALTER FUNCTION api.revoked(bytea) OWNER TO sportello_api;
ALTER FUNCTION api.tombstones() OWNER TO sportello_api;
ALTER FUNCTION api.mailbox_claim(text, bigint, text, text, text, text) OWNER TO sportello_api;
ALTER FUNCTION api.mailbox_decide(text, boolean, text, bytea, text, bytea, timestamptz, jsonb) OWNER TO sportello_api;
ALTER FUNCTION api.mailbox_replied(text, text) OWNER TO sportello_api;
ALTER FUNCTION api.citizen_activate(text, text, integer, bytea[], bytea[], boolean, text, text, boolean, text, text)
    OWNER TO sportello_api;
ALTER FUNCTION api.citizen_revoke(text, text, integer, bytea[], bytea, bytea, bytea) OWNER TO sportello_api;

REVOKE ALL ON FUNCTION api.letter_record(text, text), api.revoke_letter(bigint, text, text, jsonb, text[], bytea, bytea, bytea),
    api.revoked(bytea), api.tombstones(), api.mailbox_claim(text, bigint, text, text, text, text),
    api.mailbox_decide(text, boolean, text, bytea, text, bytea, timestamptz, jsonb), api.mailbox_replied(text, text),
    api.citizen_activate(text, text, integer, bytea[], bytea[], boolean, text, text, boolean, text, text),
    api.citizen_revoke(text, text, integer, bytea[], bytea, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.letter_record(text, text), api.revoke_letter(bigint, text, text, jsonb, text[], bytea, bytea, bytea),
    api.mailbox_claim(text, bigint, text, text, text, text),
    api.mailbox_decide(text, boolean, text, bytea, text, bytea, timestamptz, jsonb), api.mailbox_replied(text, text)
    TO sportello_helpdesk;
GRANT EXECUTE ON FUNCTION api.revoked(bytea) TO sportello_helpdesk, sportello_portal;
GRANT EXECUTE ON FUNCTION api.tombstones() TO sportello_batch;
GRANT EXECUTE ON FUNCTION api.citizen_activate(text, text, integer, bytea[], bytea[], boolean, text, text, boolean, text, text),
    api.citizen_revoke(text, text, integer, bytea[], bytea, bytea, bytea) TO sportello_portal;
