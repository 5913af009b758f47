-- sportello's baseline, 8 of 8: the trust boundary against operators' own logins in psql.
-- Each rule answers an attack seen from a plain desk, helpdesk, portal, auditor or batch login.

-- Rule: no object of a login's own can shadow ours. PUBLIC has TEMP on every new database: a
-- TEMP table named like one a trigger reads (`operator_competence`, `pg_roles`) was found first,
-- since a search_path without pg_temp searches it FIRST. No login may create temporary objects,
-- and every function of the schema, SECURITY DEFINER or trigger, runs with its search_path
-- pinned, pg_temp last (extension functions keep their own): each function of this baseline
-- says so where it is defined.
-- A database's own privileges are not copied by CREATE DATABASE ... TEMPLATE nor restored by
-- pg_restore into a database made beforehand: `sportello db migrate` (and every automatic
-- migration) calls this after the migrations, every time.
CREATE FUNCTION sportello_secure_database() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END $$;
REVOKE ALL ON FUNCTION sportello_secure_database() FROM PUBLIC;
SELECT sportello_secure_database();

-- Rule: erasure only through sportello_erase: it writes the tombstone and deletes the
-- registration together, or neither. A registration is erased once: two runs over the same
-- letter, or a letter and the portal at once, make one tombstone (revocations_one_per_registration),
-- and the second is told the registration is gone (no_data_found).
CREATE FUNCTION sportello_erase(p_number bigint, p_fiscal_code_hash bytea, p_stats_person bytea,
                                p_channel text, p_protocol text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    gone public.registrations%ROWTYPE;
BEGIN
    IF NOT (pg_has_role(session_user, 'sportello_helpdesk', 'MEMBER')
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
REVOKE ALL ON FUNCTION sportello_erase(bigint, bytea, bytea, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sportello_erase(bigint, bytea, bytea, text, text) TO sportello_helpdesk, sportello_portal;

-- Rule: only the batch loads the registry mirrors. The import stages the rows it merges in
-- registry_inbox (V1: INSERT-only for the batch, COPY keeps its speed), and this merges what
-- its own transaction staged into a mirror and empties it: rows never outlive the transaction
-- that staged them.
CREATE FUNCTION sportello_registry_merge(p_mirror text, OUT inserted bigint, OUT updated bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT pg_has_role(session_user, 'sportello_batch', 'MEMBER') THEN
        RAISE EXCEPTION 'only the batch loads the registry mirrors' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_mirror NOT IN ('cia_residents', 'aura_residents') THEN
        RAISE EXCEPTION 'no registry mirror %', p_mirror USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format(
        'WITH m AS (
             INSERT INTO public.%I AS t (fiscal_code, first_name, last_name, birth_date, sex, res_address,
                 res_street_number, res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer, row_hash)
             SELECT fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number, res_postcode,
                    res_municipality, doc_type, doc_number, doc_issued, doc_issuer, row_hash
               FROM public.registry_inbox
             ON CONFLICT (fiscal_code) DO UPDATE SET
                 first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, birth_date = EXCLUDED.birth_date,
                 sex = EXCLUDED.sex, res_address = EXCLUDED.res_address, res_street_number = EXCLUDED.res_street_number,
                 res_postcode = EXCLUDED.res_postcode, res_municipality = EXCLUDED.res_municipality,
                 doc_type = EXCLUDED.doc_type, doc_number = EXCLUDED.doc_number, doc_issued = EXCLUDED.doc_issued,
                 doc_issuer = EXCLUDED.doc_issuer, row_hash = EXCLUDED.row_hash, updated_at = now()
             WHERE t.row_hash IS DISTINCT FROM EXCLUDED.row_hash
             RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m', p_mirror)
    INTO inserted, updated;
    DELETE FROM public.registry_inbox;
END $$;
REVOKE ALL ON FUNCTION sportello_registry_merge(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sportello_registry_merge(text) TO sportello_batch;
