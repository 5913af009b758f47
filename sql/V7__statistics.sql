-- sportello's baseline, 7 of 8: statistics for the Region (`sportello stats`).
--
-- Counters of what happened, kept by triggers in the same transaction as every write, so that
-- each writer (desk, citizen portal, batch jobs, and any written later) is counted without
-- knowing it, and a revocation stays counted after the registration's personal data is erased.
-- The tables are V1's (stats_counts, stats_rollup, stats_rollup_pending).
--
-- Events (kind in brackets):
--   registered                                        registrations inserted
--   booked / completed / discarded (operation kind)   operations booked, succeeded, replaced
--   activated, promoted, locked                       registrations.activated_at, promoted_at,
--                                                     locked_at set
--   letter-printed                                    PIN letters of postal runs
--                                                     (registration_credentials.pin_print_count)
--   revoked (desk | letter)                           revocation tombstones
--   helpdesk (honoured | refused)                     helpdesk requests decided
-- Events of the registration that a desk operation completes (activated, promoted, locked) are
-- attributed to the ente and operator of the operation in progress; postal letters, revocations
-- by letter and lockouts without an operation have no ente.
--
-- Each trigger adds its deltas with the same statement tail: grouped, in key order (two writers
-- take the counter rows' locks in the same order), added to what is there. They run as the
-- owner (SECURITY DEFINER): no application login writes the counters.

-- Rule: every registration is counted when made ('registered').
CREATE FUNCTION stats_registrations_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, n)
    SELECT (r.registered_at AT TIME ZONE 'Europe/Rome')::date, 'registered', '', coalesce(o.ente, ''),
           coalesce(r.created_by, ''), coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), r.community,
           r.state, CASE WHEN r.strong THEN 'Y' ELSE 'N' END, 0, count(*)
    FROM stats_new r LEFT JOIN operators o ON o.id = r.created_by
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
    DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_registrations_inserted AFTER INSERT ON registrations
    REFERENCING NEW TABLE AS stats_new FOR EACH STATEMENT EXECUTE FUNCTION stats_registrations_inserted();

-- Rule: activations, promotions and lockouts are counted when they happen.
CREATE FUNCTION stats_registrations_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, n)
    SELECT (e.at AT TIME ZONE 'Europe/Rome')::date, e.event, '',
           CASE WHEN e.by_desk THEN coalesce(op.ente, '') ELSE '' END,
           CASE WHEN e.by_desk THEN coalesce(op.operator_id, '') ELSE '' END,
           coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), r.community, r.state,
           CASE WHEN r.strong THEN 'Y' ELSE 'N' END, 0, sum(e.n)
    FROM stats_new r
    JOIN stats_old p ON p.registration_number = r.registration_number
    CROSS JOIN LATERAL (VALUES
        ('activated', r.activated_at, true,
         CASE WHEN r.activated_at IS NOT NULL AND r.activated_at IS DISTINCT FROM p.activated_at THEN 1 ELSE 0 END),
        ('promoted', r.promoted_at, true,
         CASE WHEN r.promoted_at IS NOT NULL AND r.promoted_at IS DISTINCT FROM p.promoted_at THEN 1 ELSE 0 END),
        ('locked', r.locked_at, true,
         CASE WHEN r.locked_at IS NOT NULL AND p.locked_at IS NULL THEN 1 ELSE 0 END)
    ) AS e(event, at, by_desk, n)
    LEFT JOIN operations op ON e.by_desk AND op.registration_number = r.registration_number AND op.status = 'A'
    WHERE e.n > 0
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
    DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_registrations_updated AFTER UPDATE ON registrations
    REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_registrations_updated();

-- Rule: every PIN letter of a postal run is counted ('letter-printed', the print count going
-- up), described by the registration as it is when the letter is printed. A new row counts its
-- prints; an updated one, what it gained.
CREATE FUNCTION stats_credentials_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, n)
        SELECT (k.pin_printed_at AT TIME ZONE 'Europe/Rome')::date, 'letter-printed', '', '', '',
               coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), r.community, r.state,
               CASE WHEN r.strong THEN 'Y' ELSE 'N' END, 0, sum(k.pin_print_count)
        FROM stats_new k JOIN registrations r ON r.registration_number = k.registration_number
        WHERE k.pin_printed_at IS NOT NULL AND k.pin_print_count > 0
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
        ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
        DO UPDATE SET n = s.n + EXCLUDED.n;
    ELSE
        INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, n)
        SELECT (k.pin_printed_at AT TIME ZONE 'Europe/Rome')::date, 'letter-printed', '', '', '',
               coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), r.community, r.state,
               CASE WHEN r.strong THEN 'Y' ELSE 'N' END, 0, sum(k.pin_print_count - p.pin_print_count)
        FROM stats_new k
        JOIN stats_old p ON p.registration_number = k.registration_number
        JOIN registrations r ON r.registration_number = k.registration_number
        WHERE k.pin_printed_at IS NOT NULL AND k.pin_print_count > p.pin_print_count
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
        ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
        DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_credentials_inserted AFTER INSERT ON registration_credentials
    REFERENCING NEW TABLE AS stats_new FOR EACH STATEMENT EXECUTE FUNCTION stats_credentials_changed();
CREATE TRIGGER stats_credentials_updated AFTER UPDATE ON registration_credentials
    REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_credentials_changed();

-- Rule: every operation is counted when booked ('booked').
CREATE FUNCTION stats_operations_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, n)
    SELECT (o.requested_at AT TIME ZONE 'Europe/Rome')::date, 'booked', o.kind, o.ente, o.operator_id,
           coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), coalesce(r.community, ''),
           coalesce(r.state, ''), CASE r.strong WHEN true THEN 'Y' WHEN false THEN 'N' ELSE '' END, 0, count(*)
    FROM stats_new o LEFT JOIN registrations r ON r.registration_number = o.registration_number
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
    DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_operations_inserted AFTER INSERT ON operations
    REFERENCING NEW TABLE AS stats_new FOR EACH STATEMENT EXECUTE FUNCTION stats_operations_inserted();

-- Rule: an operation leaving 'A' is counted: succeeded ('completed', with its days from
-- booking) or replaced ('discarded'). A desk revocation is never marked succeeded (its
-- registration is erased): the revocation trigger counts its completion.
CREATE FUNCTION stats_operations_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, n)
    SELECT (coalesce(o.closed_at, now()) AT TIME ZONE 'Europe/Rome')::date,
           CASE o.status WHEN 'S' THEN 'completed' ELSE 'discarded' END, o.kind, o.ente, o.operator_id,
           coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), coalesce(r.community, ''),
           coalesce(r.state, ''), CASE r.strong WHEN true THEN 'Y' WHEN false THEN 'N' ELSE '' END,
           CASE WHEN o.status = 'S' THEN greatest((coalesce(o.closed_at, now()) AT TIME ZONE 'Europe/Rome')::date
                                                  - (o.requested_at AT TIME ZONE 'Europe/Rome')::date, 0)
                ELSE 0 END,
           count(*)
    FROM stats_new o
    JOIN stats_old p ON p.id = o.id
    LEFT JOIN registrations r ON r.registration_number = o.registration_number
    WHERE p.status = 'A' AND o.status IN ('S', 'D')
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
    DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_operations_updated AFTER UPDATE ON operations
    REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_operations_updated();

-- Rule: every revocation is counted ('revoked'), and a desk revocation's completion. A
-- tombstone is written before its registration is deleted: the registration and the revocation
-- booked at the desk are still there to be described.
CREATE FUNCTION stats_revocations_inserted() RETURNS trigger
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
        ('revoked', CASE t.channel WHEN 'online' THEN 'desk' ELSE 'letter' END, true),
        ('completed', 'revocation', op.id IS NOT NULL)
    ) AS e(event, kind, happened)
    WHERE e.happened
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
    DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_revocations_inserted AFTER INSERT ON revocations
    REFERENCING NEW TABLE AS stats_new FOR EACH STATEMENT EXECUTE FUNCTION stats_revocations_inserted();

-- Rule: a helpdesk request counts while its outcome is 'honoured' or 'refused': a message
-- answered again after a crash moves from its old day and run to the new ones, one whose reply
-- could not be sent ('send-failed') stops counting. Counted as (new rows) minus (old rows).
CREATE FUNCTION stats_helpdesk_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, n)
        SELECT (h.processed_at AT TIME ZONE 'Europe/Rome')::date, 'helpdesk', h.outcome, coalesce(o.ente, ''),
               coalesce(b.operator_id, ''), count(*)
        FROM stats_new h LEFT JOIN batch_runs b ON b.id = h.run_id LEFT JOIN operators o ON o.id = b.operator_id
        WHERE h.outcome IN ('honoured', 'refused')
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
        DO UPDATE SET n = s.n + EXCLUDED.n;
    ELSE
        INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, n)
        SELECT (h.processed_at AT TIME ZONE 'Europe/Rome')::date, 'helpdesk', h.outcome, coalesce(o.ente, ''),
               coalesce(b.operator_id, ''), sum(h.sign)
        FROM (SELECT processed_at, outcome, run_id, 1 AS sign FROM stats_new
              UNION ALL SELECT processed_at, outcome, run_id, -1 FROM stats_old) h
        LEFT JOIN batch_runs b ON b.id = h.run_id LEFT JOIN operators o ON o.id = b.operator_id
        WHERE h.outcome IN ('honoured', 'refused')
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(h.sign) <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
        DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_helpdesk_inserted AFTER INSERT ON helpdesk_messages
    REFERENCING NEW TABLE AS stats_new FOR EACH STATEMENT EXECUTE FUNCTION stats_helpdesk_changed();
CREATE TRIGGER stats_helpdesk_updated AFTER UPDATE ON helpdesk_messages
    REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_helpdesk_changed();

-- Rule: every change of stats_counts appends its delta to the pending roll-ups (an append never
-- waits for another writer).
CREATE FUNCTION stats_counts_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stats_rollup_pending (month, event, kind, province, community, state, strong, days, n)
        SELECT date_trunc('month', day)::date, event, kind, coalesce(province, '*'), coalesce(community, '*'),
               coalesce(state, '*'), coalesce(strong, '*'), days, sum(n)
        FROM stats_new
        GROUP BY date_trunc('month', day), event, kind, days, GROUPING SETS ((province), (community, state, strong));
    ELSE
        INSERT INTO stats_rollup_pending (month, event, kind, province, community, state, strong, days, n)
        SELECT date_trunc('month', day)::date, event, kind, coalesce(province, '*'), coalesce(community, '*'),
               coalesce(state, '*'), coalesce(strong, '*'), days, sum(n)
        FROM (SELECT day, event, kind, province, community, state, strong, days, n FROM stats_new
              UNION ALL
              SELECT day, event, kind, province, community, state, strong, days, -n FROM stats_old) d
        GROUP BY date_trunc('month', day), event, kind, days, GROUPING SETS ((province), (community, state, strong))
        HAVING sum(n) <> 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_counts_inserted AFTER INSERT ON stats_counts
    REFERENCING NEW TABLE AS stats_new FOR EACH STATEMENT EXECUTE FUNCTION stats_counts_changed();
CREATE TRIGGER stats_counts_updated AFTER UPDATE ON stats_counts
    REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
    FOR EACH STATEMENT EXECUTE FUNCTION stats_counts_changed();

-- Folds the pending deltas into the roll-up. Safe beside writers and other stats runs: a delta
-- is moved by whoever deletes it first, and the roll-up rows are taken in key order.
CREATE FUNCTION stats_compact() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH moved AS (DELETE FROM stats_rollup_pending RETURNING *),
    folded AS (
        INSERT INTO stats_rollup AS s (month, event, kind, province, community, state, strong, days, n)
        SELECT month, event, kind, province, community, state, strong, days, sum(n)
        FROM moved GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (month, event, kind, province, community, state, strong, days) DO UPDATE SET n = s.n + EXCLUDED.n
        RETURNING 1)
    SELECT count(*) FROM moved;
$$;

-- ---------------------------------------------------------------------------------------------
-- The record-level export
-- ---------------------------------------------------------------------------------------------
--
-- The export reads registrations and tombstones, which the statistics' readers may not read:
-- it goes through stats_records(), which never returns a fiscal code, only a pseudonym computed
-- in the database:
--
--   person    = HMAC-SHA-256(person key, fiscal code)      -- the same live or revoked
--   pseudonym = HMAC-SHA-256(export key, person)[0..16]
--
-- The person key is derived by the client from the service key (it lets one compute no more
-- than the fiscal codes the database already holds); the export key is drawn by the database
-- for each call (the server's strong random generator, through gen_random_uuid) and never
-- leaves it: a caller choosing it could compute the pseudonym of any fiscal code. A tombstone
-- keeps `person` (revocations.stats_person) so that a citizen revoked and registered again is
-- one pseudonym within an export.

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

-- Rule: no record-level export happens unseen: it is refused unless the caller's own export
-- request is already committed in the audit log; no fiscal code leaves, only pseudonyms.
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

-- The counters and the export: the auditor and admin roles alone (revoked by V30).
REVOKE ALL ON FUNCTION stats_compact(), stats_hmac_pads(bytea), stats_records_count(date, date),
    stats_records(date, date, bytea) FROM PUBLIC;
GRANT SELECT ON stats_counts, stats_rollup, stats_rollup_pending TO sportello_auditor, sportello_admin;
GRANT EXECUTE ON FUNCTION stats_compact(), stats_records_count(date, date), stats_records(date, date, bytea)
    TO sportello_auditor, sportello_admin;
