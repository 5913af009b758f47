-- The credentials a registration is handed (PIN, activation code) move out of `registrations`
-- into a narrow table of their own, keyed by registration number.
--
-- Why: a postal run stores a new PIN hash for every letter it prints, a thousand registrations
-- in one statement. On `registrations` (wide rows, ten indexes of which three are trigram GIN,
-- a statistics trigger over old and new rows) every row of a page was updated at once, more than
-- the page's free space holds, so most updates were not HOT and rewrote every index: about 42 ms
-- for a thousand rows, the bound of the whole run. Here a thousand PINs take about 8 ms (one
-- narrow row each, one index), and `registrations` is left alone.
--
-- A registration without a row here holds no PIN and no activation code and has never had a
-- letter printed (readers LEFT JOIN and take the defaults); writers make the row first (an
-- empty one) and then update it. The row goes with its registration (ON DELETE CASCADE):
-- erasure leaves nothing behind.
--
-- The old columns stay in `registrations` (V18, after this one, names them in its grants and
-- its guard), emptied of their secrets and no longer written or read.

CREATE TABLE registration_credentials (
    registration_number        bigint PRIMARY KEY REFERENCES registrations(registration_number) ON DELETE CASCADE,
    pin_hash                   bytea,                 -- keyed hash of the PIN in force
    pin_possessed              boolean NOT NULL DEFAULT false,
    pin_printed_at             timestamptz,           -- last PIN letter of a postal run
    pin_print_count            integer NOT NULL DEFAULT 0,
    activation_code_hash       bytea,                 -- keyed hash of the activation code in force
    activation_code_expires_at timestamptz
) WITH (fillfactor = 80);  -- room on the page: a reprint or a new code is a HOT update

INSERT INTO registration_credentials (registration_number, pin_hash, pin_possessed, pin_printed_at, pin_print_count,
                                      activation_code_hash, activation_code_expires_at)
SELECT registration_number, pin_hash, pin_possessed, pin_printed_at, pin_print_count,
       activation_code_hash, activation_code_expires_at
FROM registrations
WHERE pin_hash IS NOT NULL OR pin_possessed OR pin_printed_at IS NOT NULL OR pin_print_count <> 0
   OR activation_code_hash IS NOT NULL OR activation_code_expires_at IS NOT NULL;

-- The statistics of registrations (V8) without the printed letters, which are counted below.
CREATE OR REPLACE FUNCTION stats_registrations_updated() RETURNS trigger
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

-- The secrets are kept in one place only.
UPDATE registrations SET pin_hash = NULL, activation_code_hash = NULL, activation_code_expires_at = NULL
WHERE pin_hash IS NOT NULL OR activation_code_hash IS NOT NULL OR activation_code_expires_at IS NOT NULL;

-- 'letter-printed': PIN letters of postal runs (the print count going up), described by the
-- registration as it is when the letter is printed. A new row counts its prints; an updated
-- one, what it gained.
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

-- Who reads and writes them, by column, as V18 grants `registrations`: nobody reads a PIN hash;
-- only the portal (which verifies it) reads the activation code's. Every writer may make the
-- empty row (store/credentials.rs ensure; the postal run makes it with the PIN it prints), then
-- update what its own paths do: the desk the PIN
-- handed over and the activation code (book, reprint), the helpdesk the activation code (the
-- mailbox), the postal run the printed PIN and the activation code it opens, the portal the
-- PIN that becomes active and the code it spends. Table-wide privileges are not granted.
GRANT SELECT (registration_number, pin_possessed, pin_printed_at, pin_print_count, activation_code_expires_at)
    ON registration_credentials TO sportello_desk, sportello_helpdesk, sportello_batch, sportello_portal;
GRANT SELECT (activation_code_hash) ON registration_credentials TO sportello_portal;
GRANT INSERT (registration_number)
    ON registration_credentials TO sportello_desk, sportello_helpdesk, sportello_batch, sportello_portal;
GRANT UPDATE (pin_possessed, activation_code_hash, activation_code_expires_at)
    ON registration_credentials TO sportello_desk;
GRANT UPDATE (activation_code_hash, activation_code_expires_at) ON registration_credentials TO sportello_helpdesk;
GRANT UPDATE (pin_hash, pin_printed_at, pin_print_count, pin_possessed, activation_code_hash,
              activation_code_expires_at) ON registration_credentials TO sportello_batch;
GRANT INSERT (pin_hash, pin_printed_at, pin_print_count, pin_possessed) ON registration_credentials TO sportello_batch;
GRANT UPDATE (pin_hash, activation_code_hash, activation_code_expires_at) ON registration_credentials TO sportello_portal;

-- What V18's guard checks on `registrations`, for an application login (neither the owner nor
-- a superuser): a row is made empty (by the postal run: with its printed PIN); the PIN is possessed once handed over (a booking in the
-- same transaction) or printed (the postal run); an activation code completes an operation in
-- progress, never a revocation. The WHEN clauses keep the postal run's thousand rows a
-- statement out of PL/pgSQL.
CREATE FUNCTION registration_credentials_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me text := session_user;
    active_kind text;
    booked_here boolean;
BEGIN
    IF me = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
       OR coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = me), false) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.activation_code_hash IS NOT NULL OR NEW.activation_code_expires_at IS NOT NULL
           OR (NOT pg_has_role(me, 'sportello_batch', 'MEMBER')
               AND ((NEW.pin_hash, NEW.pin_printed_at) IS DISTINCT FROM (NULL::bytea, NULL::timestamptz)
                    OR NEW.pin_possessed OR NEW.pin_print_count <> 0)) THEN
            RAISE EXCEPTION 'the credentials of registration % are made empty, then written', NEW.registration_number
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.registration_number IS DISTINCT FROM OLD.registration_number THEN
        RAISE EXCEPTION 'the credentials of registration % stay with it', OLD.registration_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT o.kind, o.requested_at = now() INTO active_kind, booked_here
      FROM operations o WHERE o.registration_number = NEW.registration_number AND o.status = 'A';
    booked_here := coalesce(booked_here, false);
    IF NEW.pin_possessed IS DISTINCT FROM OLD.pin_possessed
       AND NOT (NEW.pin_possessed AND (booked_here OR pg_has_role(me, 'sportello_batch', 'MEMBER'))) THEN
        RAISE EXCEPTION 'registration % holds a PIN once one is handed over (a booking, a postal letter)',
            OLD.registration_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.activation_code_hash IS NOT NULL
       AND NEW.activation_code_hash IS DISTINCT FROM OLD.activation_code_hash
       AND (active_kind IS NULL OR active_kind = 'revocation') THEN
        RAISE EXCEPTION 'registration % has no operation in progress completed by an activation code',
            OLD.registration_number USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registration_credentials_guard_insert BEFORE INSERT ON registration_credentials
    FOR EACH ROW WHEN (NEW.activation_code_hash IS NOT NULL OR NEW.activation_code_expires_at IS NOT NULL
                       OR ((NEW.pin_hash IS NOT NULL OR NEW.pin_printed_at IS NOT NULL OR NEW.pin_possessed
                            OR NEW.pin_print_count <> 0)
                           AND NOT pg_has_role(session_user, 'sportello_batch', 'MEMBER')))
    EXECUTE FUNCTION registration_credentials_guard();
CREATE TRIGGER registration_credentials_guard_update BEFORE UPDATE ON registration_credentials
    FOR EACH ROW WHEN (NEW.registration_number IS DISTINCT FROM OLD.registration_number
                       OR (NEW.pin_possessed IS DISTINCT FROM OLD.pin_possessed
                           AND NOT pg_has_role(session_user, 'sportello_batch', 'MEMBER'))
                       OR (NEW.activation_code_hash IS NOT NULL
                           AND NEW.activation_code_hash IS DISTINCT FROM OLD.activation_code_hash))
    EXECUTE FUNCTION registration_credentials_guard();
REVOKE ALL ON FUNCTION registration_credentials_guard() FROM PUBLIC;
