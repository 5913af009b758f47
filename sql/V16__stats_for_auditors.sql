-- Statistics for the auditor and admin roles alone, enforced by the database (issues 9 and 10).
--
-- V8 granted the counters to every application login. Here they go to sportello_auditor and
-- sportello_admin only. The record-level export reads registrations and tombstones, which those
-- roles may not read: it goes through stats_records(), a SECURITY DEFINER function that never
-- returns a fiscal code, only a pseudonym computed in the database:
--
--   person    = HMAC-SHA-256(person key, fiscal code)      -- the same live or revoked
--   pseudonym = HMAC-SHA-256(export key, person)[0..16]
--
-- The person key is derived by the client from the service key (it lets one compute no more
-- than the fiscal codes the database already holds); the export key is drawn by the database
-- for each call (the server's strong random generator, through gen_random_uuid) and never
-- leaves it: a caller choosing it could compute the pseudonym of any fiscal code. A tombstone
-- keeps `person` (stats_person) so that a citizen revoked and registered again is one pseudonym
-- within an export; tombstones written before this migration have none and stand for themselves
-- (their keyed fiscal code hash).
--
-- No export happens unseen: stats_records() refuses unless the caller's own record-level
-- export request is already committed in the audit log (written by sportello just before).

REVOKE ALL ON stats_counts, stats_rollup, stats_rollup_pending FROM sportello_app;
REVOKE ALL ON FUNCTION stats_compact() FROM sportello_app;
GRANT SELECT ON stats_counts, stats_rollup, stats_rollup_pending TO sportello_auditor, sportello_admin;
GRANT EXECUTE ON FUNCTION stats_compact() TO sportello_auditor, sportello_admin;

ALTER TABLE revocations ADD COLUMN stats_person bytea;

-- The inner and outer padded keys of HMAC-SHA-256 (RFC 2104), computed once per export.
CREATE FUNCTION stats_hmac_pads(key bytea, OUT ipad bytea, OUT opad bytea)
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k bytea := CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END;
BEGIN
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    ipad := k;
    opad := k;
    FOR i IN 0..63 LOOP
        ipad := set_byte(ipad, i, get_byte(k, i) # 54);  -- 0x36
        opad := set_byte(opad, i, get_byte(k, i) # 92);  -- 0x5c
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION stats_hmac_pads(bytea) FROM PUBLIC;

-- How many registrations (live and revoked) were registered between the days given (Rome).
CREATE FUNCTION stats_records_count(p_from date, p_to date) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT (SELECT count(*) FROM registrations
             WHERE (p_from IS NULL OR registered_at >= p_from::timestamp AT TIME ZONE 'Europe/Rome')
               AND (p_to IS NULL OR registered_at < (p_to + 1)::timestamp AT TIME ZONE 'Europe/Rome'))
         + (SELECT count(*) FROM revocations
             WHERE (p_from IS NULL OR registered_at >= p_from::timestamp AT TIME ZONE 'Europe/Rome')
               AND (p_to IS NULL OR registered_at < (p_to + 1)::timestamp AT TIME ZONE 'Europe/Rome'));
$$;

CREATE FUNCTION stats_records(p_from date, p_to date, p_person_key bytea)
RETURNS TABLE (pseudonym bytea, birth_year int, sex text, province text, municipality text, community text,
               state text, strong boolean, registered date, verified date, activated date, revoked date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    export_key bytea := decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');
    pi bytea; po bytea; ei bytea; eo bytea;
BEGIN
    IF p_person_key IS NULL OR length(p_person_key) < 32 THEN
        RAISE EXCEPTION 'the person key of an export is at least 32 bytes' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM audit_log a
         WHERE a.login = session_user AND a.action = 'stats' AND a.outcome = 'ok'
           AND a.details @> jsonb_build_object('records', true)
           AND a.details->'from' IS NOT DISTINCT FROM coalesce(to_jsonb(p_from), 'null'::jsonb)
           AND a.details->'to' IS NOT DISTINCT FROM coalesce(to_jsonb(p_to), 'null'::jsonb)
           AND a.at > clock_timestamp() - interval '10 minutes'
           -- written before this transaction began, so committed: a row written here and
           -- rolled back with the export would prove nothing.
           AND a.at < now())
    THEN
        RAISE EXCEPTION 'a record-level export is first recorded in the audit log (by sportello stats --records)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT h.ipad, h.opad INTO pi, po FROM stats_hmac_pads(p_person_key) h;
    SELECT h.ipad, h.opad INTO ei, eo FROM stats_hmac_pads(export_key) h;
    export_key := NULL;
    RETURN QUERY
        SELECT substring(sha256(eo || sha256(ei || sha256(po || sha256(pi || convert_to(r.fiscal_code, 'UTF8')))))
                         FROM 1 FOR 16),
               extract(year FROM r.birth_date)::int, r.sex::text, r.res_province::text, r.res_municipality::text,
               r.community::text, r.state::text, r.strong,
               (r.registered_at AT TIME ZONE 'Europe/Rome')::date, (r.verified_at AT TIME ZONE 'Europe/Rome')::date,
               (r.activated_at AT TIME ZONE 'Europe/Rome')::date, NULL::date
          FROM registrations r
         WHERE (p_from IS NULL OR r.registered_at >= p_from::timestamp AT TIME ZONE 'Europe/Rome')
           AND (p_to IS NULL OR r.registered_at < (p_to + 1)::timestamp AT TIME ZONE 'Europe/Rome')
        UNION ALL
        SELECT substring(sha256(eo || sha256(ei || coalesce(t.stats_person, t.fiscal_code_hash))) FROM 1 FOR 16),
               NULL, NULL, NULL, NULL, t.community::text, NULL, NULL,
               (t.registered_at AT TIME ZONE 'Europe/Rome')::date, NULL, NULL,
               (t.revoked_at AT TIME ZONE 'Europe/Rome')::date
          FROM revocations t
         WHERE (p_from IS NULL OR t.registered_at >= p_from::timestamp AT TIME ZONE 'Europe/Rome')
           AND (p_to IS NULL OR t.registered_at < (p_to + 1)::timestamp AT TIME ZONE 'Europe/Rome');
END $$;

REVOKE ALL ON FUNCTION stats_records_count(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats_records(date, date, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats_records_count(date, date), stats_records(date, date, bytea)
    TO sportello_auditor, sportello_admin;
