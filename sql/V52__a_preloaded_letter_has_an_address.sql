-- A pre-load's PIN letter goes to an address (issue 17's seams, found by an outside review): a
-- resident whose mirror row has no street or no postcode (a registry that leaves them empty)
-- was pre-loaded all the same, and the postal run printed a letter addressed to a municipality
-- alone. The candidates now say whether they have an address; the client leaves out those
-- without, as it leaves out a postcode not of the municipality, and says how many.

DROP FUNCTION api.preload_candidates(bigint, text[], text[]);

-- Who a pre-load of these areas would register, with the place the client checks and whether
-- the residence has a street and a postcode to write on the envelope.
-- Rule: only within an import-cia run the caller holds (its start is recorded).
CREATE FUNCTION api.preload_candidates(p_run bigint, p_provinces text[], p_municipalities text[])
RETURNS TABLE(fiscal_code text, municipality text, postcode text, addressed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['import-cia']);
    RETURN QUERY
        SELECT k.fiscal_code, k.municipality, k.postcode,
               nullif(btrim(c.res_address), '') IS NOT NULL AND nullif(btrim(c.res_postcode), '') IS NOT NULL
          FROM public.sportello_preload_candidates(p_provinces, p_municipalities) k
          JOIN public.cia_residents c ON c.fiscal_code = k.fiscal_code;
END $$;
ALTER FUNCTION api.preload_candidates(bigint, text[], text[]) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.preload_candidates(bigint, text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.preload_candidates(bigint, text[], text[]) TO sportello_batch;
