-- A pre-load's PIN letter goes to an address (found by an outside review): a resident whose
-- mirror row has no street or no postcode (a registry that leaves them empty) was pre-loaded all
-- the same, and the postal run printed a letter addressed to a municipality alone. The
-- candidates now say whether they have an address, and the pre-load (api.preload, V32, which
-- reads them with the default) registers only those that do, whatever a client sends; the
-- client counts those left out, as it counts a postcode not of the municipality.

DROP FUNCTION api.preload_candidates(bigint, text[], text[]);
DROP FUNCTION public.sportello_preload_candidates(text[], text[]);

-- Residents of the areas, in the municipal mirror, not registered and without a legacy account,
-- each with whether its residence has a street and a postcode to write on the envelope.
-- Rule: a resident without them is no candidate, unless asked for (to be counted apart).
CREATE FUNCTION public.sportello_preload_candidates(p_provinces text[], p_municipalities text[],
                                                    p_unaddressed boolean DEFAULT false)
RETURNS TABLE(fiscal_code text, municipality text, postcode text, addressed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT k.* FROM (
        SELECT c.fiscal_code, c.res_municipality::text, c.res_postcode::text,
               nullif(btrim(c.res_address), '') IS NOT NULL AND nullif(btrim(c.res_postcode), '') IS NOT NULL
          FROM public.cia_residents c JOIN public.municipalities m ON m.istat_code = c.res_municipality
         WHERE (m.province = ANY (p_provinces) OR c.res_municipality = ANY (p_municipalities))
           AND NOT EXISTS (SELECT 1 FROM public.registrations r WHERE r.fiscal_code = c.fiscal_code)
           AND NOT EXISTS (SELECT 1 FROM public.legacy_accounts l WHERE l.fiscal_code = c.fiscal_code)
    ) AS k (fiscal_code, municipality, postcode, addressed)
     WHERE k.addressed OR p_unaddressed
$$;
REVOKE ALL ON FUNCTION public.sportello_preload_candidates(text[], text[], boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_preload_candidates(text[], text[], boolean) TO sportello_api;

-- Who a pre-load of these areas would consider, with the place the client checks and whether
-- each has an address (those without are counted, never registered).
-- Rule: only within an import-cia run the caller holds (its start is recorded).
CREATE FUNCTION api.preload_candidates(p_run bigint, p_provinces text[], p_municipalities text[])
RETURNS TABLE(fiscal_code text, municipality text, postcode text, addressed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['import-cia']);
    RETURN QUERY SELECT * FROM public.sportello_preload_candidates(p_provinces, p_municipalities, true);
END $$;
ALTER FUNCTION api.preload_candidates(bigint, text[], text[]) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.preload_candidates(bigint, text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.preload_candidates(bigint, text[], text[]) TO sportello_batch;
