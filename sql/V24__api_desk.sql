-- The desk's writes through the API (issue 16): register, edit, change of residence, delegate,
-- book (every operation kind, the revocation too), a new activation code at the desk, a PIN
-- letter by post, username recovery, the letters' bookkeeping and the SPID token's record.
--
-- A desk login calls one function per use case. The function is the rule: it checks the caller
-- (sportello_caller), the state table (registration_transitions) and the competence, stamps
-- operator, ente and time itself, makes every write of the use case and writes its own audit row
-- (sportello_record) with the action, target and details the Rust client wrote before. The
-- guard triggers of V5 keep firing under it (session_user is still the login): they
-- are the second line. Secrets arrive as keyed hashes computed by the client; none is returned.

-- What the desk sees of a registration after a write: the registration's columns, the names of
-- its places and its last operation with its delegate (no hash, no password). The write
-- functions return it, so the client writes its letters without a second, unrecorded read.
CREATE VIEW public.desk_registration AS
SELECT r.registration_number, r.fiscal_code, r.community, r.registered_at, r.state, r.strong,
       coalesce(rk.pin_possessed, false) AS pin_possessed, r.verified_at, r.verified_ente, r.username,
       rk.pin_printed_at, coalesce(rk.pin_print_count, 0) AS pin_print_count,
       r.activated_at, r.promoted_at, r.failed_attempts, r.locked_at,
       r.first_name, r.last_name, r.birth_date, r.sex, r.doc_type, r.doc_number, r.doc_issued, r.doc_issuer,
       r.res_address, r.res_street_number, r.res_postcode, r.res_province, r.res_municipality, r.res_city,
       r.res_country, r.dom_care_of, r.dom_address, r.dom_street_number, r.dom_province, r.dom_municipality,
       r.dom_postcode, r.dom_send_mail, r.email, r.mobile, r.phone, r.operator_note, r.other_notes,
       rm.name AS res_municipality_name, rc.name AS res_country_name, dm.name AS dom_municipality_name,
       o.id AS op_id, o.kind AS op_kind, o.requested_at AS op_requested_at, o.ente AS op_ente,
       o.operator_id AS op_operator_id, o.status AS op_status,
       d.kind AS dg_kind, d.first_name AS dg_first_name, d.last_name AS dg_last_name,
       d.fiscal_code AS dg_fiscal_code, d.doc_type AS dg_doc_type, d.doc_number AS dg_doc_number,
       d.doc_issued AS dg_doc_issued, d.doc_issuer AS dg_doc_issuer, d.email AS dg_email, d.phone AS dg_phone
FROM public.registrations r
LEFT JOIN public.registration_credentials rk ON rk.registration_number = r.registration_number
LEFT JOIN public.municipalities rm ON rm.istat_code = r.res_municipality
LEFT JOIN public.municipalities dm ON dm.istat_code = r.dom_municipality
LEFT JOIN public.countries rc ON rc.belfiore = r.res_country
LEFT JOIN LATERAL (SELECT o.* FROM public.operations o WHERE o.registration_number = r.registration_number
                   ORDER BY o.requested_at DESC, o.id DESC LIMIT 1) o ON true
LEFT JOIN public.delegates d ON d.operation_id = o.id;
REVOKE ALL ON public.desk_registration FROM PUBLIC;
GRANT SELECT ON public.desk_registration TO sportello_api;

-- The personal-data columns a desk writes, with the name the audit details give each (the path
-- of the field in the client's record, as `edit` rows named them before).
CREATE FUNCTION public.sportello_personal_fields() RETURNS TABLE (ord int, col text, path text)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    VALUES (1, 'first_name', 'person.first_name'), (2, 'last_name', 'person.last_name'),
           (3, 'birth_date', 'person.birth_date'), (4, 'sex', 'person.sex'),
           (5, 'doc_type', 'document.doc_type'), (6, 'doc_number', 'document.number'),
           (7, 'doc_issued', 'document.issued'), (8, 'doc_issuer', 'document.issuer'),
           (9, 'res_address', 'residence.address'), (10, 'res_street_number', 'residence.street_number'),
           (11, 'res_postcode', 'residence.postcode'), (12, 'res_province', 'residence.province'),
           (13, 'res_municipality', 'residence.municipality'), (14, 'res_city', 'residence.city'),
           (15, 'res_country', 'residence.country'), (16, 'dom_care_of', 'domicile.care_of'),
           (17, 'dom_address', 'domicile.address'), (18, 'dom_street_number', 'domicile.street_number'),
           (19, 'dom_province', 'domicile.province'), (20, 'dom_municipality', 'domicile.municipality'),
           (21, 'dom_postcode', 'domicile.postcode'), (22, 'dom_send_mail', 'domicile.send_mail_here'),
           (23, 'email', 'contacts.email'), (24, 'mobile', 'contacts.mobile'), (25, 'phone', 'contacts.phone'),
           (26, 'operator_note', 'notes.operator_note'), (27, 'other_notes', 'notes.other_notes')
$$;

-- Personal data as the client sends it: one JSON object, a key per personal-data column. A key
-- that is not one of them (a state, a verification, an author) is refused, not ignored.
CREATE FUNCTION public.sportello_personal_data(p_data jsonb) RETURNS public.registrations
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra text;
BEGIN
    IF p_data IS NULL OR jsonb_typeof(p_data) <> 'object' THEN
        RAISE EXCEPTION 'personal data is one JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(k, ', ') INTO extra FROM jsonb_object_keys(p_data) k
     WHERE k NOT IN (SELECT f.col FROM public.sportello_personal_fields() f);
    IF extra IS NOT NULL THEN
        RAISE EXCEPTION 'not personal data: %', extra USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN jsonb_populate_record(NULL::public.registrations, p_data);
END $$;

-- The personal-data fields that differ between two versions of a registration (names, never values).
CREATE FUNCTION public.sportello_changed_fields(p_before public.registrations, p_after public.registrations)
RETURNS jsonb LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce(jsonb_agg(f.path ORDER BY f.ord), '[]'::jsonb)
      FROM public.sportello_personal_fields() f
     WHERE to_jsonb(p_before) -> f.col IS DISTINCT FROM to_jsonb(p_after) -> f.col
$$;

-- The registration `p_number`, locked for the rest of the transaction; refuses a number that is
-- none, and a record rejected (`respinto`: view only, rules::decide).
CREATE FUNCTION public.sportello_desk_lock(p_number bigint) RETURNS public.registrations
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.registrations;
BEGIN
    SELECT * INTO r FROM public.registrations WHERE registration_number = p_number FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no registration number %', p_number USING ERRCODE = 'no_data_found';
    END IF;
    IF r.state = 'respinto' THEN
        RAISE EXCEPTION 'registration % was rejected: it is only viewed', p_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN r;
END $$;

-- Refuses a municipality of residence outside the competence of operator `p_operator`.
CREATE FUNCTION public.sportello_desk_competence(p_operator text, p_municipality text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_municipality IS NULL OR NOT EXISTS (SELECT 1 FROM public.municipalities m WHERE m.istat_code = p_municipality) THEN
        RAISE EXCEPTION 'a registration has a known municipality of residence' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT public.sportello_within_competence(p_operator, '{}', ARRAY[p_municipality]) THEN
        RAISE EXCEPTION 'municipality % is outside the competence of operator %', p_municipality, p_operator
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- Is `p` a fiscal code: 16 letters and digits ending in the check character of the first 15
-- (domain::fiscal_code::check_character; omocodia variants are checked as they are written).
CREATE FUNCTION public.sportello_fiscal_code_valid(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(p ~ '^[A-Z0-9]{16}$' AND substr(p, 16, 1) = chr(65 + (
        SELECT sum(CASE WHEN s.i % 2 = 1
                        THEN ('{1,0,5,7,9,13,15,17,19,21,2,4,18,20,11,3,6,8,12,14,16,10,22,25,24,23}'::int[])[s.v + 1]
                        ELSE s.v END)::int % 26
          FROM (SELECT g.i, CASE WHEN substr(p, g.i, 1) ~ '[0-9]' THEN ascii(substr(p, g.i, 1)) - 48
                                 ELSE ascii(substr(p, g.i, 1)) - 65 END AS v
                  FROM generate_series(1, 15) AS g(i)) s)), false)
$$;

-- Refuses a booking on a record that lacks what its letters and the in-person check need
-- (PersonalData::missing_for_booking: the fields mandatory always, in Italy or abroad).
CREATE FUNCTION public.sportello_bookable_data(r public.registrations) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    abroad boolean := r.res_province = 'EE';
    missing text[];
BEGIN
    SELECT array_agg(f.col ORDER BY f.ord) INTO missing
      FROM public.sportello_personal_fields() f
     WHERE (f.col IN ('first_name', 'last_name', 'birth_date', 'doc_type', 'doc_number', 'doc_issued', 'doc_issuer',
                      'res_address', 'res_province', 'res_municipality', 'email')
            OR (NOT abroad AND f.col IN ('res_street_number', 'res_postcode'))
            OR (abroad AND f.col IN ('res_city', 'res_country')))
       AND nullif(btrim(coalesce(to_jsonb(r) ->> f.col, '')), '') IS NULL;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'registration % lacks % for a booking', r.registration_number, array_to_string(missing, ', ')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

-- The registration as the desk sees it after a write.
CREATE FUNCTION public.sportello_desk_view(p_number bigint) RETURNS public.desk_registration
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT * FROM public.desk_registration v WHERE v.registration_number = p_number
$$;

REVOKE ALL ON FUNCTION public.sportello_personal_fields(), public.sportello_personal_data(jsonb),
    public.sportello_changed_fields(public.registrations, public.registrations), public.sportello_desk_lock(bigint),
    public.sportello_desk_competence(text, text), public.sportello_desk_view(bigint),
    public.sportello_fiscal_code_valid(text), public.sportello_bookable_data(public.registrations) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_personal_fields(), public.sportello_personal_data(jsonb),
    public.sportello_changed_fields(public.registrations, public.registrations), public.sportello_desk_lock(bigint),
    public.sportello_desk_competence(text, text), public.sportello_desk_view(bigint),
    public.sportello_fiscal_code_valid(text), public.sportello_bookable_data(public.registrations) TO sportello_api;

-- REGISTER (SPEC §5): a desk registers a resident of its own competence, with a valid fiscal code
-- and no legacy account left, in the state the table's `register` row gives; the author and
-- time are the caller and now. Audit: `register`.
CREATE FUNCTION api.register(p_fiscal_code text, p_community text, p_data jsonb, p_prefilled_from text,
                             p_audit_name text) RETURNS public.desk_registration
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    d public.registrations := public.sportello_personal_data(p_data);
    t public.registration_transitions;
    n bigint;
BEGIN
    IF p_prefilled_from IS NOT NULL AND p_prefilled_from NOT IN ('cia', 'aura') THEN
        RAISE EXCEPTION 'data is pre-filled from CIA or AURA, not %', p_prefilled_from
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT public.sportello_fiscal_code_valid(p_fiscal_code) THEN
        RAISE EXCEPTION 'not a fiscal code: %', p_fiscal_code USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM public.legacy_accounts l WHERE l.fiscal_code = p_fiscal_code) THEN
        RAISE EXCEPTION 'the legacy account of % is deleted before a new registration', p_fiscal_code
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM public.sportello_desk_competence(me.id, d.res_municipality);
    SELECT * INTO STRICT t FROM public.registration_transitions
     WHERE event = 'register' AND role = 'sportello_desk';
    INSERT INTO public.registrations (fiscal_code, community, state, strong, created_by, updated_by,
        first_name, last_name, birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer,
        res_address, res_street_number, res_postcode, res_province, res_municipality, res_city, res_country,
        dom_care_of, dom_address, dom_street_number, dom_province, dom_municipality, dom_postcode, dom_send_mail,
        email, mobile, phone, operator_note, other_notes)
    VALUES (p_fiscal_code, p_community, t.to_state, t.to_strong, me.id, me.id,
        d.first_name, d.last_name, d.birth_date, d.sex, d.doc_type, d.doc_number, d.doc_issued, d.doc_issuer,
        d.res_address, d.res_street_number, d.res_postcode, d.res_province, d.res_municipality, d.res_city,
        d.res_country, d.dom_care_of, d.dom_address, d.dom_street_number, d.dom_province, d.dom_municipality,
        d.dom_postcode, coalesce(d.dom_send_mail, false), d.email, d.mobile, d.phone, d.operator_note, d.other_notes)
    RETURNING registration_number INTO n;
    PERFORM public.sportello_record('register', public.sportello_audit_name(n, p_audit_name),
        jsonb_build_object('prefilled_from', p_prefilled_from, 'community', p_community, 'registration_number', n));
    RETURN public.sportello_desk_view(n);
END $$;

-- EDIT (SPEC §5): personal data of any registration not rejected; the residence's municipality
-- and province move only by change_residence (which checks the competence). Audit: `edit`, the
-- fields changed.
CREATE FUNCTION api.edit(p_number bigint, p_data jsonb, p_audit_name text) RETURNS public.desk_registration
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    d public.registrations := public.sportello_personal_data(p_data);
    before public.registrations := public.sportello_desk_lock(p_number);
    after public.registrations;
BEGIN
    IF (d.res_province, d.res_municipality) IS DISTINCT FROM (before.res_province, before.res_municipality) THEN
        RAISE EXCEPTION 'the municipality of residence changes only with a change of residence'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.registrations SET
        (first_name, last_name, birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer,
         res_address, res_street_number, res_postcode, res_city, res_country,
         dom_care_of, dom_address, dom_street_number, dom_province, dom_municipality, dom_postcode, dom_send_mail,
         email, mobile, phone, operator_note, other_notes, updated_by, updated_at) =
        (d.first_name, d.last_name, d.birth_date, d.sex, d.doc_type, d.doc_number, d.doc_issued, d.doc_issuer,
         d.res_address, d.res_street_number, d.res_postcode, d.res_city, d.res_country,
         d.dom_care_of, d.dom_address, d.dom_street_number, d.dom_province, d.dom_municipality, d.dom_postcode,
         coalesce(d.dom_send_mail, false), d.email, d.mobile, d.phone, d.operator_note, d.other_notes, me.id, now())
    WHERE registration_number = p_number
    RETURNING * INTO after;
    PERFORM public.sportello_record('edit', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('fields', public.sportello_changed_fields(before, after), 'registration_number', p_number));
    RETURN public.sportello_desk_view(p_number);
END $$;

-- CHANGE OF RESIDENCE (SPEC §5): of any registration not rejected, only into a municipality of
-- the caller's competence; only the residence's columns change. Audit: `change-residence`.
CREATE FUNCTION api.change_residence(p_number bigint, p_data jsonb, p_audit_name text) RETURNS public.desk_registration
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    d public.registrations := public.sportello_personal_data(p_data);
    before public.registrations := public.sportello_desk_lock(p_number);
    after public.registrations;
BEGIN
    PERFORM public.sportello_desk_competence(me.id, d.res_municipality);
    IF d.res_province IS DISTINCT FROM (SELECT m.province FROM public.municipalities m WHERE m.istat_code = d.res_municipality) THEN
        RAISE EXCEPTION 'municipality % is not in province %', d.res_municipality, d.res_province
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE public.registrations SET
        (res_address, res_street_number, res_postcode, res_province, res_municipality, res_city, res_country,
         updated_by, updated_at) =
        (d.res_address, d.res_street_number, d.res_postcode, d.res_province, d.res_municipality, d.res_city,
         d.res_country, me.id, now())
    WHERE registration_number = p_number
    RETURNING * INTO after;
    PERFORM public.sportello_record('change-residence', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('fields', public.sportello_changed_fields(before, after), 'registration_number', p_number));
    RETURN public.sportello_desk_view(p_number);
END $$;

-- USERNAME RECOVERY AT THE DESK (SPEC §5): after the identity check, the username of an active
-- account, told only when the document shown is the one on record. The attempt is recorded
-- whatever its outcome (a refusal too: nothing is raised, so the row stays). Audit:
-- `username-recovery`, outcome ok, refused (another document) or not-found (no active account).
CREATE FUNCTION api.recover_username(p_number bigint, p_document text, p_audit_name text)
RETURNS TABLE (outcome text, username text, state text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    r public.registrations;
    result text;
BEGIN
    SELECT * INTO r FROM public.registrations g WHERE g.registration_number = p_number;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no registration number %', p_number USING ERRCODE = 'no_data_found';
    END IF;
    result := CASE WHEN upper(coalesce(r.doc_number, '')) <> upper(btrim(coalesce(p_document, ''))) THEN 'refused'
                   WHEN r.username IS NULL OR r.state <> 'attivato' THEN 'not-found'
                   ELSE 'ok' END;
    PERFORM public.sportello_record('username-recovery', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('registration_number', p_number), NULL, result);
    RETURN QUERY SELECT result, CASE WHEN result = 'ok' THEN r.username END, r.state;
END $$;

-- A delegate as the client sends it (JSON object with the columns of `delegates`), written for
-- operation `p_operation`.
CREATE FUNCTION public.sportello_put_delegate(p_operation bigint, p_delegate jsonb) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    g public.delegates := jsonb_populate_record(NULL::public.delegates, p_delegate);
BEGIN
    INSERT INTO public.delegates (operation_id, kind, first_name, last_name, fiscal_code, doc_type, doc_number,
                                  doc_issued, doc_issuer, email, phone)
    VALUES (p_operation, g.kind, g.first_name, g.last_name, g.fiscal_code, g.doc_type, g.doc_number,
            g.doc_issued, g.doc_issuer, g.email, g.phone)
    ON CONFLICT (operation_id) DO UPDATE SET kind = EXCLUDED.kind, first_name = EXCLUDED.first_name,
        last_name = EXCLUDED.last_name, fiscal_code = EXCLUDED.fiscal_code, doc_type = EXCLUDED.doc_type,
        doc_number = EXCLUDED.doc_number, doc_issued = EXCLUDED.doc_issued, doc_issuer = EXCLUDED.doc_issuer,
        email = EXCLUDED.email, phone = EXCLUDED.phone;
    RETURN g.kind;
END $$;
REVOKE ALL ON FUNCTION public.sportello_put_delegate(bigint, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_put_delegate(bigint, jsonb) TO sportello_api;

-- EDIT DELEGATE (SPEC §5): the delegate of the operation in progress (rules::decide: none for
-- a strong `registrato`, none without an operation). Audit: `edit-delegate`.
CREATE FUNCTION api.edit_delegate(p_number bigint, p_delegate jsonb, p_audit_name text) RETURNS public.desk_registration
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    r public.registrations := public.sportello_desk_lock(p_number);
    op public.operations;
    kind text;
BEGIN
    IF r.state = 'registrato' AND r.strong THEN
        RAISE EXCEPTION 'registration % takes no delegate', p_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO op FROM public.operations o WHERE o.registration_number = p_number AND o.status = 'A';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'registration % has no operation in progress', p_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    kind := public.sportello_put_delegate(op.id, p_delegate);
    PERFORM public.sportello_record('edit-delegate', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('operation', op.kind, 'kind', kind, 'registration_number', p_number));
    RETURN public.sportello_desk_view(p_number);
END $$;

-- How long a code may be valid (SPORTELLO_CODE_VALIDITY_DAYS is at most 3650): refuses an expiry
-- in the past or beyond.
CREATE FUNCTION public.sportello_code_expiry(p_expires timestamptz) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_expires IS NULL OR p_expires <= now() OR p_expires > now() + interval '3651 days' THEN
        RAISE EXCEPTION 'a code expires in the future, within 3650 days' USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;
-- A keyed hash as the client makes it (crate::secrets: a tag, the key's id, 32 bytes).
CREATE FUNCTION public.sportello_is_hash(p_hash bytea) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p_hash IS NOT NULL AND octet_length(p_hash) BETWEEN 32 AND 64
$$;
REVOKE ALL ON FUNCTION public.sportello_code_expiry(timestamptz), public.sportello_is_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_code_expiry(timestamptz), public.sportello_is_hash(bytea) TO sportello_api;

-- BOOK (SPEC §4): every write of a booking, in one call. The operation as the state table's
-- `book` rows allow it in the registration's state; at the caller's own ente, by the caller, now;
-- the active operation discarded and a postal letter withdrawn; a lockout ended; the new
-- secrets' hashes; for all but a revocation the in-person verification (the caller's ente, now)
-- and the state the `handover` row gives. Audit: `book`, naming the registration's citizen.
CREATE FUNCTION api.book(p_number bigint, p_operation text, p_pin_hash bytea, p_code_hash bytea,
                         p_code_expires_at timestamptz, p_delegate jsonb, p_audit_name text)
RETURNS public.desk_registration
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    r public.registrations := public.sportello_desk_lock(p_number);
    revocation boolean := p_operation = 'revocation';
    discarded bigint;
    op_id bigint;
    delegate_kind text;
    handed_to text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.registration_transitions t
                    WHERE t.event = 'book' AND t.operation = p_operation AND t.from_state = r.state
                      AND t.from_strong = r.strong AND t.role = 'sportello_desk') THEN
        RAISE EXCEPTION 'the desk cannot book % on registration % (%, strong %)', p_operation, p_number, r.state, r.strong
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT public.sportello_is_hash(p_code_hash) OR (revocation AND p_pin_hash IS NOT NULL)
       OR (NOT revocation AND NOT public.sportello_is_hash(p_pin_hash)) THEN
        RAISE EXCEPTION 'a booking takes the hash of a code, and of a PIN unless it is a revocation'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM public.sportello_code_expiry(p_code_expires_at);
    PERFORM public.sportello_bookable_data(r);

    -- The letters of the operation replaced are swept once this commits (operation_letters).
    UPDATE public.operations SET status = 'D', closed_at = now() WHERE registration_number = p_number AND status = 'A';
    GET DIAGNOSTICS discarded = ROW_COUNT;
    -- Ordinary post never completes what a desk checks in person. A row a postal run holds is
    -- skipped, not waited for: that run asks the postal rule again under the registration's
    -- lock, after this booking, and withholds the letter.
    DELETE FROM public.pin_letter_queue WHERE registration_number IN (
        SELECT q.registration_number FROM public.pin_letter_queue q WHERE q.registration_number = p_number
        FOR UPDATE SKIP LOCKED);
    INSERT INTO public.operations (registration_number, kind, ente, operator_id, pin_hash, revocation_code_hash,
                                   code_expires_at)
    VALUES (p_number, p_operation, me.ente, me.id, CASE WHEN revocation THEN NULL ELSE p_pin_hash END,
            CASE WHEN revocation THEN p_code_hash END, p_code_expires_at)
    RETURNING id INTO op_id;
    IF p_delegate IS NOT NULL THEN
        delegate_kind := public.sportello_put_delegate(op_id, p_delegate);
    END IF;
    -- Any new booking ends a lockout, a revocation's too.
    UPDATE public.registrations SET failed_attempts = 0, locked_at = NULL WHERE registration_number = p_number;
    INSERT INTO public.registration_credentials (registration_number) VALUES (p_number)
        ON CONFLICT (registration_number) DO NOTHING;
    IF revocation THEN
        UPDATE public.registration_credentials SET activation_code_hash = NULL, activation_code_expires_at = NULL
         WHERE registration_number = p_number;
        UPDATE public.registrations SET updated_at = now() WHERE registration_number = p_number;
    ELSE
        UPDATE public.registration_credentials
           SET activation_code_hash = p_code_hash, activation_code_expires_at = p_code_expires_at, pin_possessed = true
         WHERE registration_number = p_number;
        SELECT t.to_state INTO handed_to FROM public.registration_transitions t
         WHERE t.event = 'handover' AND t.operation = p_operation AND t.from_state = r.state AND t.from_strong = r.strong;
        UPDATE public.registrations SET state = coalesce(handed_to, r.state), verified_at = now(),
               verified_ente = me.ente, updated_by = me.id, updated_at = now()
         WHERE registration_number = p_number;
    END IF;
    PERFORM public.sportello_record('book', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('operation', p_operation, 'replaced_active', discarded > 0, 'delegate', delegate_kind,
                           'registration_number', p_number));
    RETURN public.sportello_desk_view(p_number);
END $$;

-- A NEW ACTIVATION CODE AT THE DESK (SPEC §5): the PIN unchanged, the old code no longer works;
-- only while an operation other than a revocation is in progress (rules::decide). Audit:
-- `regenerate-code`, channel desk.
CREATE FUNCTION api.regenerate_code(p_number bigint, p_code_hash bytea, p_code_expires_at timestamptz,
                                    p_audit_name text) RETURNS public.desk_registration
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    r public.registrations := public.sportello_desk_lock(p_number);
    active text;
BEGIN
    SELECT o.kind INTO active FROM public.operations o WHERE o.registration_number = p_number AND o.status = 'A';
    IF active IS NULL OR active = 'revocation' THEN
        RAISE EXCEPTION 'registration % has no operation in progress completed by an activation code', p_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT public.sportello_is_hash(p_code_hash) THEN
        RAISE EXCEPTION 'a new code comes as its hash' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM public.sportello_code_expiry(p_code_expires_at);
    INSERT INTO public.registration_credentials (registration_number) VALUES (p_number)
        ON CONFLICT (registration_number) DO NOTHING;
    UPDATE public.registration_credentials SET activation_code_hash = p_code_hash,
           activation_code_expires_at = p_code_expires_at
     WHERE registration_number = p_number;
    UPDATE public.registrations SET updated_by = me.id, updated_at = now() WHERE registration_number = p_number;
    PERFORM public.sportello_record('regenerate-code', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('channel', 'desk', 'registration_number', p_number));
    RETURN public.sportello_desk_view(p_number);
END $$;

-- A PIN LETTER BY POST (SPEC §5, a reprint request): queued for the next postal run, only where
-- ordinary post is the rule (transitions::postal_letter: a weak `registrato` with nothing but a
-- postal activation in progress, or an `attivato` with nothing in progress), never where a desk
-- checks in person. Audit: `pin-by-post`.
CREATE FUNCTION api.pin_by_post(p_number bigint, p_audit_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    r public.registrations := public.sportello_desk_lock(p_number);
    active text;
BEGIN
    SELECT o.kind INTO active FROM public.operations o WHERE o.registration_number = p_number AND o.status = 'A';
    IF NOT ((r.state = 'registrato' AND NOT r.strong AND (active IS NULL OR active = 'activation'))
            OR (r.state = 'attivato' AND active IS NULL)) THEN
        RAISE EXCEPTION 'registration % (%, strong %, % in progress) gets no PIN by post', p_number, r.state, r.strong,
            coalesce(active, 'nothing') USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO public.pin_letter_queue (registration_number, res_province) VALUES (p_number, r.res_province)
        ON CONFLICT DO NOTHING;
    PERFORM public.sportello_record('pin-by-post', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('registration_number', p_number));
END $$;

-- LETTERS PRINTED (SPEC §2: every print is recorded): the files written for a registration,
-- recorded with its active operation so that whoever sweeps their folder removes them once it
-- is over (V5; its trigger refuses a path outside the registration's folder). Audit: `print`.
CREATE FUNCTION api.record_prints(p_number bigint, p_files text[], p_paths text[], p_secret boolean[],
                                  p_audit_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.registrations WHERE registration_number = p_number) THEN
        RAISE EXCEPTION 'no registration number %', p_number USING ERRCODE = 'no_data_found';
    END IF;
    IF cardinality(p_paths) IS DISTINCT FROM cardinality(p_secret) THEN
        RAISE EXCEPTION 'one secret flag per letter' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM public.sportello_record('print', public.sportello_audit_name(p_number, p_audit_name),
        jsonb_build_object('files', to_jsonb(coalesce(p_files, '{}')), 'registration_number', p_number),
        cardinality(coalesce(p_files, '{}'))::bigint);
    -- A path already recorded stays with the registration it was recorded for.
    INSERT INTO public.operation_letters (operation_id, registration_number, path, secret)
    SELECT (SELECT o.id FROM public.operations o WHERE o.registration_number = p_number AND o.status = 'A'),
           p_number, f.path, f.secret
      FROM unnest(p_paths, p_secret) AS f(path, secret)
    ON CONFLICT DO NOTHING;
END $$;

-- LETTERS NO LONGER NEEDED under a folder (`p_prefix` ends in '/'): their operation is over or
-- their registration gone. Desk, helpdesk and portal processes sweep their own letters folder.
CREATE FUNCTION api.letters_due(p_prefix text) RETURNS TABLE (path text, registration_number bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk', 'helpdesk', 'portal']);
    IF p_prefix IS NULL OR p_prefix NOT LIKE '/%/' THEN
        RAISE EXCEPTION 'a letters folder is an absolute path ending in /' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT l.path, l.registration_number FROM public.operation_letters l
      LEFT JOIN public.operations o ON o.id = l.operation_id
     WHERE starts_with(l.path, p_prefix)
       AND (o.status IN ('S', 'D')
            OR NOT EXISTS (SELECT 1 FROM public.registrations r WHERE r.registration_number = l.registration_number));
END $$;

-- LETTERS REMOVED: forgets the rows of letters whose files the sweep removed. Only rows that are
-- due (above): a letter still needed cannot be forgotten, so never escapes its sweep.
CREATE FUNCTION api.letters_forget(p_paths text[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk', 'helpdesk', 'portal']);
    DELETE FROM public.operation_letters l
     WHERE l.path = ANY(p_paths)
       AND (EXISTS (SELECT 1 FROM public.operations o WHERE o.id = l.operation_id AND o.status IN ('S', 'D'))
            OR NOT EXISTS (SELECT 1 FROM public.registrations r WHERE r.registration_number = l.registration_number));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- A SPID TOKEN ISSUED AT THE DESK (guidelines §3.5, §3.9): only on the in-person identification
-- in progress (verification, promotion, reset, PIN), made by the caller within 30 minutes, with
-- the citizen's own document, no delegate (rules::spid_identification). The row says who identified whom and when, from the operation
-- itself; the token's ids, model and the IdP's answer are the client's. Audit: `spid-token`.
CREATE FUNCTION api.spid_token(p_number bigint, p_token jsonb, p_handed_over boolean, p_audit_name text)
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

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'api.register(text, text, jsonb, text, text)',
        'api.edit(bigint, jsonb, text)',
        'api.change_residence(bigint, jsonb, text)',
        'api.edit_delegate(bigint, jsonb, text)',
        'api.book(bigint, text, bytea, bytea, timestamptz, jsonb, text)',
        'api.regenerate_code(bigint, bytea, timestamptz, text)',
        'api.record_prints(bigint, text[], text[], boolean[], text)',
        'api.pin_by_post(bigint, text)',
        'api.recover_username(bigint, text, text)',
        'api.spid_token(bigint, jsonb, boolean, text)',
        'api.letters_due(text)',
        'api.letters_forget(text[])']
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO sportello_api', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO sportello_desk', f);
    END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION api.letters_due(text), api.letters_forget(text[]) TO sportello_helpdesk, sportello_portal;
