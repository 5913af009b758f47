-- Implicit revocation ("revoca implicita", issue 20; SPEC §8): a registry export (CIA or AURA)
-- that reports a resident's death (its optional `death_date` column) revokes the credentials and
-- erases the personal data of the resident's registration exactly as a revocation does (the
-- same sportello_erase_citizen: tombstone keyed by the hash of the fiscal code, deletion, the
-- helpdesk senders forgotten), and the citizen is never pre-loaded again, from any later import.
-- A departure from a full snapshot (a resident missing from the file) is not a death: it only
-- leaves the mirror (api.import_remove_departed), and nothing here is called for it.
--
-- Two more rules of issue 20 follow: api.revoke_letter gives the address of the record it erases
-- (the citizen's notice), and api.search filters suspended registrations (`search --suspended`).
--
-- The dead are not sent as mirror rows: the client calls api.import_deaths in the chunk's own
-- transaction, just before the chunk's rows (api.import_chunk, untouched), so a chunk killed at
-- any moment leaves neither its rows nor its deaths, and its re-run writes each once.

----------------------------------------------------------------------------------------------
-- The death record
----------------------------------------------------------------------------------------------

-- Rule: one death record per citizen, keyed by the tombstone's keyed hash of the fiscal code (the
-- code itself is not kept, as a revocation's tombstone does not keep it), written whether or not
-- the resident had a registration. A revocation's tombstone (public.revocations) describes an
-- erased registration (its number, community, registration date) and is counted by the
-- statistics as a revocation; a resident who died unregistered has no registration to describe,
-- yet a later pre-load must leave them out all the same: this record is what api.preload checks
-- besides the tombstones. Its primary key makes a death reported twice (a chunk re-run, another
-- import, the other registry) a no-op.
CREATE TABLE public.registry_deaths (
    fiscal_code_hash    bytea PRIMARY KEY CHECK (length(fiscal_code_hash) >= 16),
    source              text NOT NULL CHECK (source IN ('cia', 'aura')),
    -- The import run that acted on the death (recorded it, or erased a registration made since).
    run_id              bigint NOT NULL REFERENCES public.batch_runs (id),
    -- The registration it erased, if there was one (its tombstone names the same number).
    registration_number bigint,
    recorded_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.registry_deaths IS
    'deaths reported by a registry import: keyed hash of the fiscal code (no code), never pre-loaded again';
CREATE INDEX registry_deaths_run ON public.registry_deaths (run_id);
REVOKE ALL ON public.registry_deaths FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON public.registry_deaths TO sportello_api;

-- A tombstone says how the registration went: online (the citizen), by registered letter, or by
-- the registry's report of a death.
ALTER TABLE public.revocations DROP CONSTRAINT revocations_channel_check;
ALTER TABLE public.revocations ADD CONSTRAINT revocations_channel_check
    CHECK (channel IN ('online', 'registered-letter', 'registry-death'));

-- Rule (V8's, widened): erasure only through sportello_erase, tombstone and deletion together.
-- The helpdesk (registered letters) and the portal (the citizen) erase; the batch erases only
-- on a registry's report of a death (channel 'registry-death'), and nobody else erases that way.
CREATE OR REPLACE FUNCTION public.sportello_erase(p_number bigint, p_fiscal_code_hash bytea, p_stats_person bytea,
                                                  p_channel text, p_protocol text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    gone public.registrations%ROWTYPE;
BEGIN
    IF p_channel = 'registry-death' THEN
        IF NOT pg_has_role(session_user, 'sportello_batch', 'MEMBER') THEN
            RAISE EXCEPTION 'only the registry import erases for a death' USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NOT (pg_has_role(session_user, 'sportello_helpdesk', 'MEMBER')
               OR pg_has_role(session_user, 'sportello_portal', 'MEMBER')) THEN
        RAISE EXCEPTION 'only the helpdesk (registered letters) and the portal (the citizen) erase a registration'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_fiscal_code_hash IS NULL OR length(p_fiscal_code_hash) < 16 THEN
        RAISE EXCEPTION 'a tombstone keeps the keyed hash of the fiscal code' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO gone FROM public.registrations r WHERE r.registration_number = p_number FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'registration % is not there: already erased', p_number USING ERRCODE = 'no_data_found';
    END IF;
    -- The tombstone first: the statistics read the registration it replaces.
    INSERT INTO public.revocations (registration_number, fiscal_code_hash, stats_person, community, registered_at,
                                    channel, letter_protocol)
    VALUES (p_number, p_fiscal_code_hash, p_stats_person, gone.community, gone.registered_at, p_channel, p_protocol);
    DELETE FROM public.registrations r WHERE r.registration_number = p_number;
END $$;

-- Rule (V7's, one kind more): every revocation is counted ('revoked', by desk, letter or death),
-- and a desk revocation's completion.
CREATE OR REPLACE FUNCTION public.stats_revocations_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, n)
    SELECT (t.revoked_at AT TIME ZONE 'Europe/Rome')::date, e.event, e.kind,
           coalesce(op.ente, ''), coalesce(op.operator_id, ''),
           coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), t.community, coalesce(r.state, ''),
           CASE r.strong WHEN true THEN 'Y' WHEN false THEN 'N' ELSE '' END,
           CASE WHEN e.event = 'completed'
                THEN greatest((t.revoked_at AT TIME ZONE 'Europe/Rome')::date - (op.requested_at AT TIME ZONE 'Europe/Rome')::date, 0)
                ELSE 0 END,
           count(*)
    FROM stats_new t
    LEFT JOIN registrations r ON r.registration_number = t.registration_number
    LEFT JOIN operations op ON t.channel = 'online' AND op.registration_number = t.registration_number
                           AND op.status = 'A' AND op.kind = 'revocation'
    CROSS JOIN LATERAL (VALUES
        ('revoked', CASE t.channel WHEN 'online' THEN 'desk' WHEN 'registry-death' THEN 'death' ELSE 'letter' END, true),
        ('completed', 'revocation', op.id IS NOT NULL)
    ) AS e(event, kind, happened)
    WHERE e.happened
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
    DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END $$;

----------------------------------------------------------------------------------------------
-- The deaths of a chunk
----------------------------------------------------------------------------------------------

-- Rule: the deaths a registry export reports, in the chunk's transaction of the run the caller
-- holds (batch only). For each dead resident, given with the keyed hashes the client computes
-- with the service key (tombstone, statistics' person, helpdesk sender; the audit name):
--   * the death is recorded once (registry_deaths; a death already recorded is not again);
--   * the resident leaves the run's mirror. The mirror is the copy of its registry's residents,
--     and a dead person is no longer one: the desk is not offered their data to register them,
--     and the pre-load does not find them. The registry keeps its own data (SPEC §5: data held in
--     CIA and AURA is never erased by this system); the other registry's mirror reports the death
--     in its own export;
--   * their registration, if any, is erased as every revocation erases (sportello_erase_citizen,
--     channel 'registry-death': one tombstone, unique per registration; the suspension, queued
--     letters and credentials go with it) and recorded `revoke-death`, implicit, with the run;
--   * the chunk's deaths are recorded `import-deaths` with how many (no code, no hash).
-- Chunks are written side by side and commit in file order (api.import_chunk); an erasure
-- updates rows every erasure updates (the statistics' counters), so the deaths of a chunk wait
-- for the chunk before it (starting at `p_from`) to end: a chunk never waits for a lock a later
-- chunk holds, which would deadlock with the order of commits. Deaths are few: the wait costs
-- little.
-- Returns how many deaths the call recorded or acted on (`recorded`), how many registrations it
-- erased (`revoked`), how many were known already with nothing left to do (`known`: an
-- unchanged row, as the run counts it), and whom to tell (`told`: number, fiscal code, registered
-- address and name of each erased record that had an address): a death reported by mistake, or by the
-- author of a forged file, reaches the citizen, who can call the helpdesk.
-- Rule, against a file that reports deaths it should not (forged, or of another area): one run
-- revokes at most `p_max` registrations by deaths (NULL: 5% of the registrations, at least 10,
-- as a full snapshot's departures are bounded). The chunk that would pass it is refused whole
-- (SQLSTATE SPD01, the limit in DETAIL) and the run stops with its erasures bounded; the operator
-- resumes it with a higher limit once the deaths are known to be real.
CREATE FUNCTION api.import_deaths(p_run bigint, p_from bigint, p_max bigint, p_codes text[], p_hashes bytea[],
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

-- Rule: the run's deaths are counted once, when it ends (the chunks' calls above do not touch
-- the run's row, which chunks written side by side update in file order): `deaths` and
-- `deaths_revoked` in the run's counts, the dead rows among its rows ok. Only the process holding
-- the run, in the transaction that finishes it.
CREATE FUNCTION api.import_deaths_total(p_run bigint, OUT deaths bigint, OUT revoked bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['import-cia', 'import-aura']);
    IF r.counts ? 'deaths' THEN
        RAISE EXCEPTION 'run % has counted its deaths', p_run USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT count(*), count(*) FILTER (WHERE d.registration_number IS NOT NULL) INTO deaths, revoked
      FROM public.registry_deaths d WHERE d.run_id = p_run;
    PERFORM public.sportello_run_checkpoint(p_run, r.position, 0, deaths, NULL, NULL, NULL, NULL,
        jsonb_build_object('deaths', deaths, 'deaths_revoked', revoked));
END $$;

----------------------------------------------------------------------------------------------
-- The pre-load leaves out the dead
----------------------------------------------------------------------------------------------

-- V26's api.preload, whole, with one rule more. Registers residents of the areas from the
-- municipal mirror, as the domain says a pre-load does (transitions::preloaded: `registrato`,
-- weak; verified by the CIA), stamped with the caller, and queues their PIN letters.
-- Rules: only within an import-cia run the caller holds; only candidates (in the mirror, in the
-- areas, not registered, no legacy account); each with the keyed hash of its fiscal code, and
-- never one whose hash is a revocation's tombstone (a citizen who revoked is not pre-loaded
-- again) nor a death's record (implicit revocation: a dead resident is never registered again,
-- whatever a later import says and even if they never had a registration); recorded as a
-- `preload` with the registrations it made.
CREATE OR REPLACE FUNCTION api.preload(p_run bigint, p_provinces text[], p_municipalities text[], p_codes text[],
                                       p_hashes bytea[], p_withheld bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators;
    r public.batch_runs;
    n bigint;
    first_number bigint;
    last_number bigint;
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['import-cia']);
    me := public.sportello_caller(ARRAY['batch']);
    IF coalesce(cardinality(p_codes), 0) <> coalesce(cardinality(p_hashes), 0)
       OR EXISTS (SELECT 1 FROM unnest(p_hashes) h WHERE h IS NULL OR length(h) < 16) THEN
        RAISE EXCEPTION 'each resident to pre-load comes with the keyed hash of its fiscal code'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH wanted AS (
        SELECT u.code FROM unnest(p_codes, p_hashes) AS u(code, hash)
         WHERE NOT EXISTS (SELECT 1 FROM public.revocations v WHERE v.fiscal_code_hash = u.hash)
           AND NOT EXISTS (SELECT 1 FROM public.registry_deaths d WHERE d.fiscal_code_hash = u.hash)),
    loaded AS (
        INSERT INTO public.registrations (fiscal_code, community, state, strong, verified_at, verified_ente,
            first_name, last_name, birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer,
            res_address, res_street_number, res_postcode, res_province, res_municipality, created_by, updated_by)
        SELECT c.fiscal_code, 'sistemapiemonte', 'registrato', false, now(), 'CIA (anagrafe comunale)',
            c.first_name, c.last_name, c.birth_date, c.sex, c.doc_type, c.doc_number, c.doc_issued, c.doc_issuer,
            c.res_address, c.res_street_number, c.res_postcode, m.province, c.res_municipality, me.id, me.id
          FROM public.sportello_preload_candidates(p_provinces, p_municipalities) k
          JOIN wanted w ON w.code = k.fiscal_code
          JOIN public.cia_residents c ON c.fiscal_code = k.fiscal_code
          JOIN public.municipalities m ON m.istat_code = c.res_municipality
        ON CONFLICT (fiscal_code) DO NOTHING
        RETURNING registration_number, res_province),
    queued AS (
        INSERT INTO public.pin_letter_queue (registration_number, res_province)
        SELECT * FROM loaded RETURNING registration_number)
    SELECT count(*), min(registration_number), max(registration_number) INTO n, first_number, last_number FROM queued;
    PERFORM public.sportello_run_checkpoint(p_run, r.position, 0, 0, NULL, NULL, NULL, NULL,
        jsonb_build_object('preloaded', n, 'preload_withheld', greatest(coalesce(p_withheld, 0), 0)));
    PERFORM public.sportello_record('preload', r.input,
        jsonb_build_object('run', p_run, 'provinces', p_provinces, 'municipalities', p_municipalities,
                           'preloaded', n, 'withheld', p_withheld, 'first', first_number, 'last', last_number),
        n);
    RETURN n;
END $$;

----------------------------------------------------------------------------------------------
-- The notice of a revocation by registered letter
----------------------------------------------------------------------------------------------

-- V27's api.revoke_letter, whole, answering also the registered email address of the
-- registration it erased (the record is gone once it returns; the client tells the citizen,
-- after the commit, at that address: issue 20, "every revocation sends a notice"). Nothing
-- more leaves the database on this path: no address when the letter is refused.
-- Rule: a registered letter's decision on a registration found, recorded by the database: with
-- no field in `p_mismatches` the registration is erased (one tombstone, whatever runs at once:
-- a second erasure is no_data_found) and `revoke-letter` ok is written; otherwise the refusal is
-- written and nothing changes. Helpdesk only. The citizen is named by their stored audit name;
-- `p_described` is the letter as the audit log shows it (protocol and its date, personal data
-- already replaced by keyed hashes by the client, which holds the key); the outcome is derived here.
DROP FUNCTION api.revoke_letter(bigint, text, text, jsonb, text[], bytea, bytea, bytea);
CREATE FUNCTION api.revoke_letter(p_number bigint, p_audit_name text, p_protocol text, p_described jsonb,
                                  p_mismatches text[], p_tombstone bytea, p_stats_person bytea,
                                  p_helpdesk_hash bytea)
RETURNS TABLE (revoked boolean, email text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    target text;
    erase boolean := coalesce(cardinality(p_mismatches), 0) = 0;
    address text;
BEGIN
    PERFORM public.sportello_caller(ARRAY['helpdesk']);
    IF p_protocol IS NULL OR btrim(p_protocol) = '' THEN
        RAISE EXCEPTION 'a registered letter has its protocol' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT r.email INTO address FROM public.registrations r WHERE r.registration_number = p_number FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'registration % is not there: already erased', p_number USING ERRCODE = 'no_data_found';
    END IF;
    target := public.sportello_audit_name(p_number, p_audit_name);
    IF erase THEN
        PERFORM public.sportello_erase_citizen(p_number, p_tombstone, p_stats_person, p_helpdesk_hash,
                                               'registered-letter', btrim(p_protocol));
    END IF;
    PERFORM public.sportello_record('revoke-letter', target,
        jsonb_build_object('protocol', p_described -> 'protocol', 'protocol_date', p_described -> 'protocol_date',
                           'outcome', CASE WHEN erase
                                           THEN jsonb_build_object('revoked', jsonb_build_object('registration_number', p_number))
                                           ELSE jsonb_build_object('mismatch', jsonb_build_object('fields', to_jsonb(p_mismatches))) END),
        NULL, CASE WHEN erase THEN 'ok' ELSE 'refused' END);
    RETURN QUERY SELECT erase, CASE WHEN erase THEN address END;
END $$;
ALTER FUNCTION api.revoke_letter(bigint, text, text, jsonb, text[], bytea, bytea, bytea) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.revoke_letter(bigint, text, text, jsonb, text[], bytea, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.revoke_letter(bigint, text, text, jsonb, text[], bytea, bytea, bytea)
    TO sportello_helpdesk;

----------------------------------------------------------------------------------------------
-- The search filters suspended registrations
----------------------------------------------------------------------------------------------

-- V25's api.search, whole, with one filter more (its signature changes: dropped and made again).
DROP FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                         bigint, bigint, bigint, text, text, text);
-- Rule: only a desk searches, and every search is recorded (`search`, the filters with the
-- names and fiscal codes searched for as the client's keyed hashes `term:…`, never in clear,
-- and the number of rows of the page). A page holds at most 10,000 rows (a larger limit is
-- refused), and the total is counted up to 10,000 (beyond: "more than").
--
-- The filters come as the client prepares them (src/store/registrations.rs): a fiscal code
-- exact or as a LIKE pattern, a surname as a range of search keys or a pattern, a first name
-- as a pattern, province and municipality as codes. A filter on a name or fiscal code must
-- come with its term (the hash the log records), else nothing is searched.
--
-- The WHERE is built from the filters given and run with EXECUTE, so that each search is
-- planned for its own filters and values, as the client's statements were (a cached generic
-- plan would serve a surname prefix and a province with the same plan).
--
-- `p_suspended` (sql/V32, issue 20: `search --suspended`): true keeps the registrations whose
-- credentials are suspended (sql/V31), false those that are not, NULL both.
--
-- Returns the page, then one more row with no registration that carries the total.
CREATE FUNCTION api.search(
    p_community text, p_fiscal_code text, p_fiscal_code_like text,
    p_last_name_from text, p_last_name_to text, p_last_name_like text, p_first_name_like text,
    p_province text, p_municipality text, p_registered_from date, p_registered_to date,
    p_state text, p_strong boolean, p_number bigint, p_limit bigint, p_offset bigint,
    p_fiscal_code_term text, p_last_name_term text, p_first_name_term text, p_suspended boolean)
RETURNS TABLE (registration_number bigint, last_name text, first_name text, fiscal_code text,
               municipality text, province text, registration_date date, community text, state text,
               strong boolean, operation_in_progress text, municipality_code text,
               total bigint, total_exact boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    term_shape constant text := '^(term:[0-9a-f]{32}|<term>)$';
    cap constant bigint := 10000;
    lim bigint := p_limit;
    conds text[] := '{}';
    where_clause text := '';
    rows_on_page bigint;
    counted bigint;
    logged jsonb;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk']);
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > cap THEN
        RAISE EXCEPTION 'a page holds 1 to % results (limit %)', cap, p_limit USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_offset IS NULL OR p_offset < 0 THEN
        RAISE EXCEPTION 'an offset is 0 or more (%)', p_offset USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_registered_from > p_registered_to THEN
        RAISE EXCEPTION 'registered from % is after %', p_registered_from, p_registered_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (p_fiscal_code IS NOT NULL OR p_fiscal_code_like IS NOT NULL)
       AND coalesce(p_fiscal_code_term, '') !~ term_shape
       OR (p_last_name_from IS NOT NULL OR p_last_name_to IS NOT NULL OR p_last_name_like IS NOT NULL)
       AND coalesce(p_last_name_term, '') !~ term_shape
       OR p_first_name_like IS NOT NULL AND coalesce(p_first_name_term, '') !~ term_shape THEN
        RAISE EXCEPTION 'a name or fiscal code searched for comes with its term (term: and 32 hex digits)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_last_name_to IS NOT NULL AND p_last_name_from IS NULL THEN
        RAISE EXCEPTION 'a surname range has a lower bound' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- The conditions name the parameters by position ($1..$14 and $17, as in USING below); the
    -- codes of places compare as the columns' own type, so that their indexes serve them.
    IF p_community IS NOT NULL THEN conds := array_append(conds, 'r.community = $1'); END IF;
    IF p_fiscal_code IS NOT NULL THEN conds := array_append(conds, 'r.fiscal_code = $2'); END IF;
    IF p_fiscal_code_like IS NOT NULL THEN conds := array_append(conds, 'r.fiscal_code LIKE $3'); END IF;
    IF p_last_name_from IS NOT NULL THEN conds := array_append(conds, 'r.last_name_key >= $4'); END IF;
    IF p_last_name_to IS NOT NULL THEN conds := array_append(conds, 'r.last_name_key < $5'); END IF;
    IF p_last_name_like IS NOT NULL THEN conds := array_append(conds, 'r.last_name_key LIKE $6'); END IF;
    IF p_first_name_like IS NOT NULL THEN conds := array_append(conds, 'r.first_name_key LIKE $7'); END IF;
    IF p_province IS NOT NULL THEN conds := array_append(conds, 'r.res_province = $8::bpchar'); END IF;
    IF p_municipality IS NOT NULL THEN conds := array_append(conds, 'r.res_municipality = $9::bpchar'); END IF;
    -- Dates are calendar days in Italy.
    IF p_registered_from IS NOT NULL THEN
        conds := array_append(conds, $c$r.registered_at >= ($10::date)::timestamp AT TIME ZONE 'Europe/Rome'$c$);
    END IF;
    IF p_registered_to IS NOT NULL THEN
        conds := array_append(conds, $c$r.registered_at < ($11::date + 1)::timestamp AT TIME ZONE 'Europe/Rome'$c$);
    END IF;
    IF p_state IS NOT NULL THEN conds := array_append(conds, 'r.state = $12'); END IF;
    IF p_strong IS NOT NULL THEN conds := array_append(conds, 'r.strong = $13'); END IF;
    IF p_number IS NOT NULL THEN conds := array_append(conds, 'r.registration_number = $14'); END IF;
    IF p_suspended IS NOT NULL THEN
        conds := array_append(conds,
            'EXISTS (SELECT 1 FROM public.suspensions s WHERE s.registration_number = r.registration_number) = $17');
    END IF;
    IF cardinality(conds) > 0 THEN
        where_clause := 'WHERE ' || array_to_string(conds, ' AND ');
    END IF;

    -- The page is cut from registrations alone, walking an index in result order, and only its
    -- rows are joined: a join first would let the planner sort every match.
    RETURN QUERY EXECUTE format(
        $q$SELECT r.registration_number, r.last_name, r.first_name, r.fiscal_code, m.name, r.res_province::text,
                  (r.registered_at AT TIME ZONE 'Europe/Rome')::date, r.community, r.state, r.strong, o.kind,
                  r.res_municipality::text, NULL::bigint, NULL::boolean
           FROM (SELECT r.registration_number, r.last_name, r.first_name, r.fiscal_code, r.res_province,
                        r.registered_at, r.community, r.state, r.strong, r.res_municipality, r.last_name_key,
                        r.first_name_key
                 FROM public.registrations r
                 %s
                 ORDER BY r.last_name_key, r.first_name_key, r.registration_number
                 LIMIT $15 OFFSET $16) r
           LEFT JOIN public.municipalities m ON m.istat_code = r.res_municipality
           LEFT JOIN public.operations o ON o.registration_number = r.registration_number AND o.status = 'A'
           ORDER BY r.last_name_key, r.first_name_key, r.registration_number$q$, where_clause)
        USING p_community, p_fiscal_code, p_fiscal_code_like, p_last_name_from, p_last_name_to,
              p_last_name_like, p_first_name_like, p_province, p_municipality, p_registered_from,
              p_registered_to, p_state, p_strong, p_number, lim, p_offset, p_suspended;
    GET DIAGNOSTICS rows_on_page = ROW_COUNT;

    -- A page that is not full (and not past the end) tells the total by itself; else a count
    -- that stops past the cap, so that a broad search does not read the whole table.
    IF rows_on_page < lim AND (rows_on_page > 0 OR p_offset = 0) THEN
        total := p_offset + rows_on_page;
        total_exact := true;
    ELSE
        EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM public.registrations r %s LIMIT $15) matches',
                       where_clause)
            INTO counted
            USING p_community, p_fiscal_code, p_fiscal_code_like, p_last_name_from, p_last_name_to,
                  p_last_name_like, p_first_name_like, p_province, p_municipality, p_registered_from,
                  p_registered_to, p_state, p_strong, p_number, cap + 1, NULL::bigint, p_suspended;
        total := least(counted, cap);
        total_exact := counted <= cap;
    END IF;

    -- The filters as the client's SearchFilter serialises them, terms in place of names.
    logged := jsonb_strip_nulls(jsonb_build_object(
        'community', p_community,
        'fiscal_code', CASE WHEN p_fiscal_code IS NOT NULL OR p_fiscal_code_like IS NOT NULL
                            THEN p_fiscal_code_term END,
        'last_name', CASE WHEN p_last_name_from IS NOT NULL OR p_last_name_like IS NOT NULL
                          THEN p_last_name_term END,
        'first_name', CASE WHEN p_first_name_like IS NOT NULL THEN p_first_name_term END,
        'province', p_province,
        'municipality', p_municipality,
        'registered_from', p_registered_from,
        'registered_to', p_registered_to,
        'state', p_state,
        'strong', p_strong,
        'registration_number', p_number,
        'suspended', p_suspended,
        'limit', lim,
        'offset', nullif(p_offset, 0)));
    PERFORM public.sportello_record('search', NULL, jsonb_build_object('filters', logged), rows_on_page);

    registration_number := NULL; last_name := NULL; first_name := NULL; fiscal_code := NULL;
    municipality := NULL; province := NULL; registration_date := NULL; community := NULL;
    state := NULL; strong := NULL; operation_in_progress := NULL; municipality_code := NULL;
    RETURN NEXT;
END $$;
ALTER FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                          bigint, bigint, bigint, text, text, text, boolean) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                                  bigint, bigint, bigint, text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.search(text, text, text, text, text, text, text, text, text, date, date, text, boolean,
                                     bigint, bigint, bigint, text, text, text, boolean) TO sportello_desk;

----------------------------------------------------------------------------------------------
-- Ownership and who may execute
----------------------------------------------------------------------------------------------
ALTER FUNCTION api.import_deaths(bigint, bigint, bigint, text[], bytea[], bytea[], bytea[], text[]) OWNER TO sportello_api;
ALTER FUNCTION api.import_deaths_total(bigint) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.import_deaths(bigint, bigint, bigint, text[], bytea[], bytea[], bytea[], text[]),
    api.import_deaths_total(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.import_deaths(bigint, bigint, bigint, text[], bytea[], bytea[], bytea[], text[]),
    api.import_deaths_total(bigint) TO sportello_batch;
