-- The locks that keep runs and answers apart, taken only through the API (issue 16: "no login
-- can block others").
--
-- Runs, mailboxes and messages are kept apart by advisory locks, and PostgreSQL lets every
-- login take any advisory lock: a desk login took a cron job's run lock (its key is a hash of
-- what the run reads, which anyone can compute) and the postal run stopped with "another run is
-- starting"; the migration lock taken from psql made `db migrate` wait for ever. Now the clients
-- take their locks through the functions below, each for the roles whose work it is, and the
-- advisory-lock functions are no longer PUBLIC's.
--
-- For a DBA: revoking from PUBLIC on pg_catalog's functions takes a superuser. Migrated by a
-- superuser (the embedded cluster), it is done here; migrated by an owner that is not one (a
-- server), these REVOKEs only warn, and the superuser runs them once, in this database, as
-- written below (README, "Server deployment").

-- Rule: a session lock by name, for as long as the caller's connection lives (or until
-- api.unlock): `batch-run:KIND:CHECKSUM` for the roles that work runs of KIND (sql/V26,
-- sportello_run_role), `helpdesk-mailbox:DIR` and `helpdesk-message:ID` for the helpdesk. False:
-- another session holds it.
CREATE FUNCTION public.sportello_lock_role(p_name text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT CASE WHEN p_name LIKE 'batch-run:%' THEN public.sportello_run_role(split_part(p_name, ':', 2))
                WHEN p_name LIKE 'helpdesk-mailbox:%' OR p_name LIKE 'helpdesk-message:%' THEN 'helpdesk' END
$$;

CREATE FUNCTION api.try_lock(p_name text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.sportello_lock_role(p_name) IS NULL THEN
        RAISE EXCEPTION 'no lock named %', p_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM public.sportello_caller(ARRAY[public.sportello_lock_role(p_name)]);
    RETURN pg_catalog.pg_try_advisory_lock(pg_catalog.hashtextextended(p_name, 0));
END $$;

-- Rule: lets go of a lock api.try_lock took in this session (false: it did not hold it).
CREATE FUNCTION api.unlock(p_name text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.sportello_lock_role(p_name) IS NULL THEN
        RAISE EXCEPTION 'no lock named %', p_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM public.sportello_caller(ARRAY[public.sportello_lock_role(p_name)]);
    RETURN pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended(p_name, 0));
END $$;

-- Rule: the lock of an import's chunk ending at `p_to`, for the rest of the caller's transaction,
-- so that the chunk after it commits after it (api.import_chunk waits for it). The batch only,
-- on a run it holds.
CREATE FUNCTION api.lock_chunk(p_run bigint, p_to bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['import-cia', 'import-aura']);
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('batch-chunk:' || p_run || ':' || p_to, 0));
END $$;

ALTER FUNCTION api.try_lock(text) OWNER TO sportello_api;
ALTER FUNCTION api.unlock(text) OWNER TO sportello_api;
ALTER FUNCTION api.lock_chunk(bigint, bigint) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.try_lock(text), api.unlock(text), api.lock_chunk(bigint, bigint),
    public.sportello_lock_role(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.try_lock(text), api.unlock(text) TO sportello_batch, sportello_helpdesk;
GRANT EXECUTE ON FUNCTION api.lock_chunk(bigint, bigint) TO sportello_batch;
GRANT EXECUTE ON FUNCTION public.sportello_lock_role(text) TO sportello_api;

-- The advisory-lock functions: the API's definer and the owner (the migration lock) only.
-- In a database migrated by an owner that is not a superuser these statements warn and change
-- nothing; the superuser runs them.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'pg_catalog'::regnamespace
                AND p.proname ~ '^pg_(try_)?advisory_(xact_)?(lock|unlock)(_shared|_all)?$' LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO sportello_api, %I', f, current_user);
    END LOOP;
END $$;
