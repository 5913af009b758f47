-- No registration of a person a registry reported dead. The deaths an import reports are kept
-- by keyed hash (sql/V32, registry_deaths) and leave the mirror, so that neither the pre-load nor
-- the desk's pre-filled data offers them; but a clerk could still register the fiscal code by
-- hand (a dead person's identity is a classic of identity fraud). Each death now keeps the
-- citizen's audit name too (cf: and the keyed hash the desk computes for every registration),
-- and api.register refuses a name a death carries. Deaths recorded before this migration have
-- none and are not protected this way.

ALTER TABLE public.registry_deaths ADD COLUMN audit_name text CHECK (audit_name ~ '^cf:[0-9a-f]{32}$');
COMMENT ON COLUMN public.registry_deaths.audit_name IS
    'the citizen as the audit log names them (sql/V38; NULL for deaths recorded before)';
CREATE INDEX registry_deaths_audit_name ON public.registry_deaths (audit_name);

-- REGISTER, as sql/V24, and (new) refused for a person a registry reported dead (SQLSTATE
-- SPD02).
CREATE OR REPLACE FUNCTION api.register(p_fiscal_code text, p_community text, p_data jsonb, p_prefilled_from text,
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
    -- New (sql/V38): not a person a registry reported dead.
    IF EXISTS (SELECT 1 FROM public.registry_deaths x WHERE x.audit_name = p_audit_name) THEN
        RAISE EXCEPTION 'a registry reported the death of %: no registration', p_fiscal_code
            USING ERRCODE = 'SPD02';
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

-- The deaths of a chunk, as sql/V32, each death (new) with the citizen's audit name.
CREATE OR REPLACE FUNCTION api.import_deaths(p_run bigint, p_from bigint, p_max bigint, p_codes text[], p_hashes bytea[],
                                  p_stats_persons bytea[], p_helpdesk_hashes bytea[], p_audit_names text[],
                                  OUT recorded bigint, OUT revoked bigint, OUT known bigint, OUT told jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
    source text;
    d record;
    fresh boolean;
    number bigint;
    gone public.registrations;
    n integer := coalesce(cardinality(p_codes), 0);
    bound bigint;
    run_revoked bigint;
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['import-cia', 'import-aura']);
    source := substring(r.kind FROM 8);
    IF n <> coalesce(cardinality(p_hashes), 0) OR n <> coalesce(cardinality(p_stats_persons), 0)
       OR n <> coalesce(cardinality(p_helpdesk_hashes), 0) OR n <> coalesce(cardinality(p_audit_names), 0)
       OR EXISTS (SELECT 1 FROM unnest(p_codes, p_hashes, p_audit_names) AS u(code, hash, name)
                   WHERE u.code IS NULL OR u.code !~ '^[A-Z0-9]{16}$' OR u.hash IS NULL OR length(u.hash) < 16
                      OR u.name IS NULL OR u.name !~ '^cf:[0-9a-f]{32}$') THEN
        RAISE EXCEPTION 'each death comes with its fiscal code, the keyed hashes of it and its audit name'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    recorded := 0; revoked := 0; known := 0; told := '[]';
    IF n = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('batch-chunk:' || p_run || ':' || p_from, 0));
    FOR d IN SELECT * FROM unnest(p_codes, p_hashes, p_stats_persons, p_helpdesk_hashes, p_audit_names)
                        AS u(code, hash, person, helpdesk, name) LOOP
        INSERT INTO public.registry_deaths (fiscal_code_hash, source, run_id) VALUES (d.hash, source, p_run)
        ON CONFLICT (fiscal_code_hash) DO NOTHING;
        fresh := FOUND;
        -- New (sql/V38): the death is found by the citizen's audit name too, as the desk names them.
        UPDATE public.registry_deaths SET audit_name = d.name WHERE fiscal_code_hash = d.hash AND audit_name IS NULL;
        EXECUTE format('DELETE FROM public.%I t WHERE t.fiscal_code = $1', public.sportello_mirror(r.kind))
            USING d.code;
        SELECT * INTO gone FROM public.registrations x WHERE x.fiscal_code = d.code FOR UPDATE;
        number := gone.registration_number;
        IF FOUND THEN
            IF gone.email IS NOT NULL THEN
                told := told || jsonb_build_object('registration_number', number, 'fiscal_code', gone.fiscal_code,
                                                   'email', gone.email, 'first_name', gone.first_name,
                                                   'last_name', gone.last_name);
            END IF;
            PERFORM public.sportello_record('revoke-death', public.sportello_audit_name(number, d.name),
                jsonb_build_object('implicit', true, 'run', p_run, 'source', source,
                                   'outcome', jsonb_build_object('revoked',
                                              jsonb_build_object('registration_number', number))));
            PERFORM public.sportello_erase_citizen(number, d.hash, d.person, d.helpdesk, 'registry-death', NULL);
            -- A death recorded before and a registration made since: this run acted on it.
            UPDATE public.registry_deaths SET run_id = p_run, registration_number = number
             WHERE fiscal_code_hash = d.hash;
            revoked := revoked + 1;
            recorded := recorded + 1;
        ELSIF fresh THEN
            recorded := recorded + 1;
        ELSE
            known := known + 1;
        END IF;
    END LOOP;
    IF revoked > 0 THEN
        -- The default share is of the registrations there were when the run first needed it,
        -- counted once and kept with the run (a count per chunk would scan them all each time).
        bound := coalesce(p_max, (SELECT (b.options->>'deaths_bound')::bigint FROM public.batch_runs b WHERE b.id = p_run));
        IF bound IS NULL THEN
            bound := greatest(ceil(0.05 * ((SELECT count(*) FROM public.registrations) + revoked))::bigint, 10);
            UPDATE public.batch_runs SET options = options || jsonb_build_object('deaths_bound', bound) WHERE id = p_run;
        END IF;
        SELECT count(*) INTO run_revoked FROM public.registry_deaths x
         WHERE x.run_id = p_run AND x.registration_number IS NOT NULL;
        IF run_revoked > bound THEN
            RAISE EXCEPTION 'the deaths of run % would revoke % registrations, more than %', p_run, run_revoked, bound
                USING ERRCODE = 'SPD01', DETAIL = bound::text;
        END IF;
    END IF;
    IF recorded > 0 THEN
        PERFORM public.sportello_record('import-deaths', r.input,
            jsonb_build_object('run', p_run, 'kind', r.kind, 'deaths', recorded, 'revoked', revoked), recorded);
    END IF;
END $$;
