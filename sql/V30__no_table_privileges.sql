-- No application login touches a table (issue 16): the last step of the api series.
--
-- Every use case has its function in schema `api` (V23–V29). What logins held before — table
-- and column privileges policed by triggers, USAGE on `public`, EXECUTE on the functions of
-- `public` — is revoked here, once, from every application role and from PUBLIC. The tables
-- stay in `public`, a schema only its owner and the definer `sportello_api` may use. One
-- exception, which DESIGN.md allows for bulk loads: the registry inbox (V26), INSERT-only for
-- batch in a schema of its own, which api.import_chunk checks, merges, audits and empties.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['sportello_app', 'sportello_desk', 'sportello_helpdesk', 'sportello_batch',
                             'sportello_admin', 'sportello_auditor', 'sportello_portal', 'PUBLIC'] LOOP
        -- A table-level REVOKE ALL takes back every column privilege of the table too.
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %s', r);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %s', r);
        EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %s', r);
        EXECUTE format('REVOKE ALL ON SCHEMA public FROM %s', r);
    END LOOP;
END $$;

-- The commit-time check of V5 policed desk writes made through table grants; none are left,
-- and every api function writes its own audit row.
DROP TRIGGER registrations_desk_recorded ON public.registrations;
DROP TRIGGER operations_desk_recorded ON public.operations;
DROP TRIGGER registration_credentials_desk_recorded ON public.registration_credentials;
DROP FUNCTION public.sportello_desk_write_recorded();

-- What a database holds of its own, which a copy or a restore does not bring back: V8's
-- function, run by every `db migrate`, now also keeps `public` out of PUBLIC's reach.
CREATE OR REPLACE FUNCTION public.sportello_secure_database() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    REVOKE ALL ON SCHEMA public FROM PUBLIC;
END $$;
