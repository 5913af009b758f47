-- The trust boundary against operators' own logins in psql (issue 16, first part). Each rule
-- below answers an attack seen from a plain desk, helpdesk, portal, auditor or batch login.

-- 1. No object of a login's own can shadow ours. PUBLIC has TEMP on every new database: a
--    TEMP table named like one a trigger reads (`operator_competence`, `pg_roles`) was found
--    first, since a search_path without pg_temp searches it FIRST. No login may create
--    temporary objects, and every function of the schema, SECURITY DEFINER or trigger, runs
--    with its search_path pinned, pg_temp last (extension functions keep their own).
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

DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
           AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', f);
    END LOOP;
END $$;

-- 2. Erasure only through sportello_erase: it writes the tombstone and deletes the
--    registration together, or neither. A helpdesk or portal login could `DELETE FROM
--    registrations` and leave no tombstone. A registration is erased once: two runs over the
--    same letter, or a letter and the portal at once, make one tombstone, and the second is told
--    the registration is gone (no_data_found), not a second row every later batch trips on.
REVOKE DELETE ON registrations FROM sportello_helpdesk, sportello_portal;
REVOKE INSERT ON revocations FROM sportello_app, sportello_helpdesk, sportello_portal;
CREATE UNIQUE INDEX revocations_one_per_registration ON revocations (registration_number);

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

-- 3. One login cannot take the server's connections, nor hold the audit chain with an idle
--    transaction: existing operator logins get the limits sportello_operator_login gives new
--    ones (V10). A client may still SET its own timeout lower or higher within its session:
--    the connection limit is the bound it cannot lift.
DO $$
DECLARE
    o text;
BEGIN
    FOR o IN SELECT r.rolname FROM pg_roles r JOIN operators op ON lower(op.id) = r.rolname
              WHERE NOT r.rolsuper AND r.rolname <> current_user LOOP
        EXECUTE format('ALTER ROLE %I CONNECTION LIMIT 48', o);
        EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', o, '60s');
    END LOOP;
END $$;

-- 4. The registry import stages the rows it merges in an inbox, not in a temporary table of
--    its own (no login creates one now): the batch may only INSERT here (COPY keeps its speed),
--    and sportello_registry_merge merges what its own transaction staged into a mirror and
--    empties it. Rows never outlive the transaction that staged them.
CREATE UNLOGGED TABLE registry_inbox (
    fiscal_code text, first_name text, last_name text, birth_date date, sex text, res_address text,
    res_street_number text, res_postcode text, res_municipality text, doc_type text, doc_number text,
    doc_issued date, doc_issuer text, row_hash bytea
);
REVOKE ALL ON registry_inbox FROM PUBLIC;
GRANT INSERT ON registry_inbox TO sportello_batch;

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
