-- The helpdesk mailbox, two flaws an outside review found (issue 16's "any email sender"):
--   1. A reply that could not be sent (the mail server down) left the message `send-failed`
--      for good: the new code was in force and never reached the citizen, and a later run
--      skipped the message as a duplicate. Now a later run claims it again, decides again
--      (a new code, the undelivered one replaced) and sends; the client leaves the message in
--      the mailbox for it.
--   2. A refused message was named in the audit log by its raw Message-ID, which a sender
--      writes as they like (one carried a fiscal code and an address) and which outlives the
--      citizen's erasure. It is now named as the row's details name it: by the client's keyed
--      hashes of the addresses in it.

-- 1. As sql/V27, a message whose reply failed claimable again.
CREATE OR REPLACE FUNCTION api.mailbox_claim(p_message_id text, p_run bigint, p_file text, p_sender text,
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
         WHERE h.replied_at IS NULL AND h.outcome IN ('honoured', 'refused', 'send-failed');
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

-- 2. As sql/V27, the target of a refusal as described (keyed hashes), never as sent.
CREATE OR REPLACE FUNCTION api.mailbox_decide(p_message_id text, p_honoured boolean, p_reason text, p_fiscal_code_hash bytea,
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
        target := 'message ' || coalesce(p_described ->> 'message', '?');
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
