-- Suspension and reinstatement of a registration's credentials (issue 20; seeds/004, "sospensione
-- e revoca di una carta"). A desk (citizen present, a lost PIN letter) or the helpdesk (suspected
-- fraud) suspends; while suspended nothing completes, no code is issued or sent, nothing is booked
-- but a revocation (rules::decide, Action::Suspend / Action::Reinstate). A suspension is a row
-- beside the registration — who, when, why — and never touches its state, operations or
-- credentials, so that reinstatement gives back exactly what was there. The one thing it sets
-- aside is a PIN letter queued for the postal run: kept with the suspension, queued again as it
-- was by reinstatement.

CREATE TABLE public.suspensions (
    registration_number bigint PRIMARY KEY REFERENCES public.registrations (registration_number) ON DELETE CASCADE,
    suspended_at        timestamptz NOT NULL DEFAULT now(),
    suspended_by        text NOT NULL,
    ente                text,
    reason              text NOT NULL CHECK (reason IN ('citizen-request', 'lost-pin-letter', 'suspected-fraud')),
    -- The pin_letter_queue row the suspension withheld from the postal run (to_jsonb of it).
    queued_letter       jsonb
);
COMMENT ON TABLE public.suspensions IS
    'registrations whose credentials are suspended (who, when, why); state and operations untouched';
REVOKE ALL ON public.suspensions FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.suspensions TO sportello_api;

-- Is registration `p_number` suspended? (the guards below and the portal's attempt ask).
CREATE FUNCTION public.sportello_suspended(p_number bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.suspensions s WHERE s.registration_number = p_number)
$$;
REVOKE ALL ON FUNCTION public.sportello_suspended(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_suspended(bigint) TO sportello_api;

-- The second line, whichever api function writes: while suspended, no operation but a
-- revocation is opened (a desk booking, a postal activation), no activation code or PIN is put
-- in force (desk regenerate, mailbox regeneration, postal PINs, a completion), no PIN letter is
-- queued. One trigger function per table (a PL/pgSQL expression is planned for one row type).
CREATE FUNCTION public.sportello_suspended_refuse(p_number bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'registration % is suspended: reinstate it first (or book a revocation)', p_number
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE FUNCTION public.sportello_suspension_operations() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.kind <> 'revocation' AND public.sportello_suspended(NEW.registration_number) THEN
        PERFORM public.sportello_suspended_refuse(NEW.registration_number);
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION public.sportello_suspension_credentials() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF ((NEW.activation_code_hash IS NOT NULL AND NEW.activation_code_hash IS DISTINCT FROM OLD.activation_code_hash)
        OR NEW.pin_hash IS DISTINCT FROM OLD.pin_hash)
       AND public.sportello_suspended(NEW.registration_number) THEN
        PERFORM public.sportello_suspended_refuse(NEW.registration_number);
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION public.sportello_suspension_queue() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.sportello_suspended(NEW.registration_number) THEN
        PERFORM public.sportello_suspended_refuse(NEW.registration_number);
    END IF;
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION public.sportello_suspended_refuse(bigint), public.sportello_suspension_operations(),
    public.sportello_suspension_credentials(), public.sportello_suspension_queue() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_suspended_refuse(bigint), public.sportello_suspension_operations(),
    public.sportello_suspension_credentials(), public.sportello_suspension_queue() TO sportello_api;
CREATE TRIGGER operations_suspended BEFORE INSERT ON public.operations
    FOR EACH ROW EXECUTE FUNCTION public.sportello_suspension_operations();
CREATE TRIGGER registration_credentials_suspended BEFORE UPDATE ON public.registration_credentials
    FOR EACH ROW EXECUTE FUNCTION public.sportello_suspension_credentials();
CREATE TRIGGER pin_letter_queue_suspended BEFORE INSERT ON public.pin_letter_queue
    FOR EACH ROW EXECUTE FUNCTION public.sportello_suspension_queue();

-- SUSPEND: the registration (not rejected, not already suspended) is suspended with a reason by
-- the caller (desk or helpdesk); a PIN letter queued for the postal run is set aside with it. A
-- letter a running postal run holds is waited for (that run then prints it, before the
-- suspension). Audit: `suspend`, with the reason.
CREATE FUNCTION api.suspend(p_number bigint, p_reason text, p_audit_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk', 'helpdesk']);
    r public.registrations;
    letter jsonb;
BEGIN
    IF p_reason IS NULL OR p_reason NOT IN ('citizen-request', 'lost-pin-letter', 'suspected-fraud') THEN
        RAISE EXCEPTION 'a suspension''s reason is citizen-request, lost-pin-letter or suspected-fraud'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The queue row first, as the postal run locks it (queue, then registration): no deadlock.
    DELETE FROM public.pin_letter_queue q WHERE q.registration_number = p_number RETURNING to_jsonb(q) INTO letter;
    r := public.sportello_desk_lock(p_number);
    IF public.sportello_suspended(p_number) THEN
        RAISE EXCEPTION 'registration % is already suspended', p_number USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO public.suspensions (registration_number, suspended_by, ente, reason, queued_letter)
    VALUES (p_number, me.id, me.ente, p_reason, letter);
    PERFORM public.sportello_record('suspend', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('reason', p_reason, 'letter_withheld', letter IS NOT NULL, 'registration_number', p_number));
END $$;

-- REINSTATE: the suspension ends, the PIN letter it set aside is queued again as it was. Audit:
-- `reinstate`, with the suspension it ends.
CREATE FUNCTION api.reinstate(p_number bigint, p_audit_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk', 'helpdesk']);
    r public.registrations := public.sportello_desk_lock(p_number);
    s public.suspensions;
BEGIN
    DELETE FROM public.suspensions x WHERE x.registration_number = p_number RETURNING * INTO s;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'registration % is not suspended', p_number USING ERRCODE = 'no_data_found';
    END IF;
    IF s.queued_letter IS NOT NULL THEN
        INSERT INTO public.pin_letter_queue
        SELECT * FROM jsonb_populate_record(NULL::public.pin_letter_queue, s.queued_letter)
        ON CONFLICT DO NOTHING;
    END IF;
    PERFORM public.sportello_record('reinstate', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('reason', s.reason, 'suspended_at', s.suspended_at, 'suspended_by', s.suspended_by,
                           'letter_queued', s.queued_letter IS NOT NULL, 'registration_number', p_number));
END $$;

-- The suspension of registrations (those of `p_numbers` that are suspended): what show, search,
-- the mailbox and rules::decide need. Not recorded: it comes with a read that is.
CREATE FUNCTION api.suspensions(p_numbers bigint[])
RETURNS TABLE (registration_number bigint, suspended_at timestamptz, suspended_by text, ente text, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk', 'helpdesk', 'batch', 'portal']);
    RETURN QUERY SELECT s.registration_number, s.suspended_at, s.suspended_by, s.ente, s.reason
                   FROM public.suspensions s WHERE s.registration_number = ANY (p_numbers)
                  ORDER BY s.registration_number;
END $$;

ALTER FUNCTION api.suspend(bigint, text, text) OWNER TO sportello_api;
ALTER FUNCTION api.reinstate(bigint, text) OWNER TO sportello_api;
ALTER FUNCTION api.suspensions(bigint[]) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.suspend(bigint, text, text), api.reinstate(bigint, text), api.suspensions(bigint[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.suspend(bigint, text, text), api.reinstate(bigint, text)
    TO sportello_desk, sportello_helpdesk;
GRANT EXECUTE ON FUNCTION api.suspensions(bigint[])
    TO sportello_desk, sportello_helpdesk, sportello_batch, sportello_portal;

-- The portal's attempt (V27), now also 'wrong' for suspended credentials unless it completes a
-- revocation: the citizen learns nothing more than from a wrong code, and the attempt is
-- counted and recorded (`citizen-wrong-code`) as any wrong one.
CREATE OR REPLACE FUNCTION public.sportello_citizen_attempt(p_fiscal_code text, p_audit_name text, p_max integer,
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
    -- Suspended credentials complete nothing but a revocation; the answer is the wrong code's.
    ok := ok AND (p_revocation OR NOT public.sportello_suspended(taken));
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

-- A SPID token (V24) rests on credentials in force: none while suspended.
CREATE OR REPLACE FUNCTION api.spid_token(p_number bigint, p_token jsonb, p_handed_over boolean, p_audit_name text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    r public.registrations := public.sportello_desk_lock(p_number);
    op public.operations;
BEGIN
    SELECT * INTO op FROM public.operations o WHERE o.registration_number = p_number AND o.status = 'A';
    IF NOT FOUND OR op.kind NOT IN ('verification', 'promotion', 'reset', 'pin')
       OR lower(op.operator_id) <> lower(me.id) OR op.requested_at < now() - interval '30 minutes'
       OR EXISTS (SELECT 1 FROM public.delegates g WHERE g.operation_id = op.id) THEN
        RAISE EXCEPTION 'a SPID token rests on an identification of the citizen in person (no delegate) by operator %, less than 30 minutes ago', me.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF public.sportello_suspended(p_number) THEN
        RAISE EXCEPTION 'registration % is suspended: no SPID token', p_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_token IS NULL OR jsonb_typeof(p_token) <> 'object' OR p_handed_over IS NULL THEN
        RAISE EXCEPTION 'a SPID token is described by one JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM public.sportello_record('spid-token', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('token_id', p_token -> 'token_id', 'request_id', p_token -> 'request_id',
                           'model', p_token -> 'model', 'idp', p_token -> 'idp',
                           'idp_response_code', p_token -> 'idp_response_code', 'handed_over', p_handed_over,
                           'identified_by', op.operator_id, 'identified_at', op.requested_at,
                           'identification', op.kind, 'identification_ente', op.ente,
                           'issued_at', p_token -> 'issued_at', 'expires', p_token -> 'expires',
                           'registration_number', p_number),
        NULL, CASE WHEN p_handed_over THEN 'ok' ELSE 'refused' END);
END $$;
