-- Statistics for the Region (`sportello stats`): counters of what happened, kept by triggers in
-- the same transaction as every write, so that each writer (desk, citizen portal, batch jobs,
-- and any written later) is counted without knowing it, and a revocation stays counted after
-- the registration's personal data is erased.
--
-- stats_counts holds one row per day and combination of dimensions: the actor (ente, operator)
-- and the registration as it was when the event happened (residence, community, state,
-- strength). `days` is the histogram of booking-to-completion days of 'completed' events (0 for
-- the others), so that medians and percentiles come out exact without the operations table.
-- No personal data is kept here: no fiscal code, no name, no registration number.
--
-- Events (kind in brackets):
--   registered                                        registrations inserted
--   booked / completed / discarded (operation kind)   operations booked, succeeded, replaced
--   activated, promoted, locked                       registrations.activated_at, promoted_at,
--                                                     locked_at set
--   letter-printed                                    PIN letters of postal runs (pin_print_count)
--   revoked (desk | letter)                           revocation tombstones
--   helpdesk (honoured | refused)                     helpdesk requests decided
-- Events of the registration that a desk operation completes (activated, promoted, locked) are
-- attributed to the ente and operator of the operation in progress; postal letters, revocations
-- by letter and lockouts without an operation have no ente.

CREATE TABLE stats_counts (
    day           date    NOT NULL,            -- Italian calendar day of the event
    event         text    NOT NULL,
    kind          text    NOT NULL DEFAULT '',
    ente          text    NOT NULL DEFAULT '',
    operator_id   text    NOT NULL DEFAULT '',
    province      text    NOT NULL DEFAULT '',
    municipality  text    NOT NULL DEFAULT '',  -- ISTAT code
    community     text    NOT NULL DEFAULT '',
    state         text    NOT NULL DEFAULT '',
    strong        text    NOT NULL DEFAULT '',  -- 'Y', 'N', '' when not known
    days          integer NOT NULL DEFAULT 0,
    n             bigint  NOT NULL,
    PRIMARY KEY (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
);

-- The same counts by month, in two roll-ups kept in one table: by province (community, state
-- and strong '*'), and by community, state and strength (province '*'). A monthly report by
-- province, or by community, state or strength, reads a few thousand rows whatever the volume;
-- the other reports read stats_counts (bounded by their days). Hot rows (every desk of a
-- province books into the same one) must not be locked by the writers, so the writers only
-- append deltas to stats_rollup_pending; each stats run folds them into stats_rollup
-- (stats_compact) and reads both.
CREATE TABLE stats_rollup (
    month      date    NOT NULL,            -- its first day
    event      text    NOT NULL,
    kind       text    NOT NULL,
    province   text    NOT NULL,
    community  text    NOT NULL,
    state      text    NOT NULL,
    strong     text    NOT NULL,
    days       integer NOT NULL,
    n          bigint  NOT NULL,
    PRIMARY KEY (month, event, kind, province, community, state, strong, days)
);
CREATE TABLE stats_rollup_pending (LIKE stats_rollup);

-- Each trigger below adds its deltas with the same statement tail: grouped, in key order (two
-- writers take the counter rows' locks in the same order), added to what is there.
-- They run as the owner (SECURITY DEFINER): the application role may read the counters, never
-- write them.

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
         CASE WHEN r.locked_at IS NOT NULL AND p.locked_at IS NULL THEN 1 ELSE 0 END),
        ('letter-printed', r.pin_printed_at, false,
         CASE WHEN r.pin_printed_at IS NOT NULL THEN greatest(r.pin_print_count - p.pin_print_count, 0) ELSE 0 END)
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

-- An operation leaving 'A': succeeded ('completed', with its days from booking) or replaced
-- ('discarded'). A desk revocation is never marked succeeded (its registration is erased): the
-- revocation trigger counts its completion.
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

-- A tombstone is written before its registration is deleted: the registration and the
-- revocation booked at the desk are still there to be described.
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

-- A helpdesk request counts while its outcome is 'honoured' or 'refused': a message answered
-- again after a crash moves from its old day and run to the new ones, one whose reply could
-- not be sent ('send-failed') stops counting. Counted as (new rows) minus (old rows).
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

-- Every change of stats_counts appends its delta to the pending roll-ups (an append never
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

REVOKE ALL ON FUNCTION stats_compact() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats_compact() TO sportello_app;
GRANT SELECT ON stats_counts, stats_rollup, stats_rollup_pending TO sportello_app;

-- What happened before this migration, rebuilt from the tables as well as they allow: a
-- registration is described as it is now, a revoked one only by its community, a postal
-- letter only by its last printing, a lockout only if still locked.
INSERT INTO stats_counts AS s (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, n)
SELECT day, event, kind, ente, operator_id, province, municipality, community, state, strong, days, sum(n)
FROM (
    SELECT (r.registered_at AT TIME ZONE 'Europe/Rome')::date AS day, 'registered' AS event, '' AS kind,
           coalesce(o.ente, '') AS ente, coalesce(r.created_by, '') AS operator_id,
           coalesce(r.res_province, '') AS province, coalesce(r.res_municipality, '') AS municipality,
           r.community, r.state, CASE WHEN r.strong THEN 'Y' ELSE 'N' END AS strong, 0 AS days, 1::bigint AS n
    FROM registrations r LEFT JOIN operators o ON o.id = r.created_by
    UNION ALL
    SELECT (e.at AT TIME ZONE 'Europe/Rome')::date, e.event, '', '', '', coalesce(r.res_province, ''),
           coalesce(r.res_municipality, ''), r.community, r.state, CASE WHEN r.strong THEN 'Y' ELSE 'N' END, 0, 1
    FROM registrations r
    CROSS JOIN LATERAL (VALUES ('activated', r.activated_at), ('promoted', r.promoted_at), ('locked', r.locked_at),
                               ('letter-printed', r.pin_printed_at)) AS e(event, at)
    WHERE e.at IS NOT NULL
    UNION ALL
    SELECT (o.requested_at AT TIME ZONE 'Europe/Rome')::date, 'booked', o.kind, o.ente, o.operator_id,
           coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), r.community, r.state,
           CASE WHEN r.strong THEN 'Y' ELSE 'N' END, 0, 1
    FROM operations o JOIN registrations r USING (registration_number)
    UNION ALL
    SELECT (o.closed_at AT TIME ZONE 'Europe/Rome')::date, CASE o.status WHEN 'S' THEN 'completed' ELSE 'discarded' END,
           o.kind, o.ente, o.operator_id, coalesce(r.res_province, ''), coalesce(r.res_municipality, ''), r.community,
           r.state, CASE WHEN r.strong THEN 'Y' ELSE 'N' END,
           CASE WHEN o.status = 'S' THEN greatest((o.closed_at AT TIME ZONE 'Europe/Rome')::date
                                                  - (o.requested_at AT TIME ZONE 'Europe/Rome')::date, 0) ELSE 0 END, 1
    FROM operations o JOIN registrations r USING (registration_number)
    WHERE o.status IN ('S', 'D') AND o.closed_at IS NOT NULL
    UNION ALL
    SELECT (t.revoked_at AT TIME ZONE 'Europe/Rome')::date, 'revoked',
           CASE t.channel WHEN 'online' THEN 'desk' ELSE 'letter' END, '', '', '', '', t.community, '', '', 0, 1
    FROM revocations t
    UNION ALL
    SELECT (h.processed_at AT TIME ZONE 'Europe/Rome')::date, 'helpdesk', h.outcome, coalesce(o.ente, ''),
           coalesce(b.operator_id, ''), '', '', '', '', '', 0, 1
    FROM helpdesk_messages h LEFT JOIN batch_runs b ON b.id = h.run_id LEFT JOIN operators o ON o.id = b.operator_id
    WHERE h.outcome IN ('honoured', 'refused')
) past
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
ON CONFLICT (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
DO UPDATE SET n = s.n + EXCLUDED.n;
SELECT stats_compact();
