-- The batch's API (issue 16): runs, the registry import, the pre-load and the postal run, each
-- step one SECURITY DEFINER function that checks the caller and the run, does every write of
-- the step and writes its own audit row. What the batch login may still do outside a function:
-- COPY rows into the INSERT-only inbox (sql/V8), which only api.import_chunk reads.
--
-- A run is "held" by the process that holds its session advisory lock (`batch-run:KIND:CHECKSUM`,
-- taken on a connection of its own, so that it goes with the process however the process ends).
-- Every step of a run checks that a backend of the calling login holds that lock: a login cannot
-- write into, checkpoint or finish a run another process is working on.

-- ---- Runs: shared by the import, the postal run, the helpdesk mailbox and the letters ----

-- Who works a run of each kind (the role table of src/domain/roles.rs).
CREATE FUNCTION public.sportello_run_role(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT CASE WHEN p_kind IN ('import-cia', 'import-aura', 'postal-run') THEN 'batch'
                WHEN p_kind IN ('helpdesk-mailbox', 'revoke-letters') THEN 'helpdesk' END
$$;

-- Is the run lock of (kind, checksum) held by a backend of the calling login?
CREATE FUNCTION public.sportello_run_lock_held(p_kind text, p_checksum text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
         CROSS JOIN (SELECT hashtextextended('batch-run:' || p_kind || ':' || p_checksum, 0) AS k) key
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
           AND l.classid = ((key.k >> 32) & 4294967295)::oid AND l.objid = (key.k & 4294967295)::oid
           AND a.usename = session_user)
$$;

-- The run `p_run`, running, of a kind the caller's roles work, and held by the caller (above).
-- Rule: nobody writes into, checkpoints or finishes a run they are not working on.
CREATE FUNCTION public.sportello_run_held(p_run bigint, p_kinds text[]) RETURNS public.batch_runs
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
BEGIN
    SELECT * INTO r FROM public.batch_runs b WHERE b.id = p_run;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no run %', p_run USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM public.sportello_caller(ARRAY[public.sportello_run_role(r.kind)]);
    IF NOT r.kind = ANY (p_kinds) THEN
        RAISE EXCEPTION 'run % is a % run, not one of %', p_run, r.kind, array_to_string(p_kinds, ', ')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF r.state <> 'running' THEN
        RAISE EXCEPTION 'run % is %, not running', p_run, r.state USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT public.sportello_run_lock_held(r.kind, r.checksum) THEN
        RAISE EXCEPTION 'run % is not held by this login (its process holds the run''s lock)', p_run
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN r;
END $$;

-- Progress of a run: position reached, rows read/ok/rejected, rejects, counts summed key by key.
CREATE FUNCTION public.sportello_run_checkpoint(p_run bigint, p_position bigint, p_read bigint, p_ok bigint,
                                                p_lines bigint[], p_fields text[], p_values text[],
                                                p_reasons text[], p_counts jsonb, p_more_rejected bigint DEFAULT 0)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF coalesce(cardinality(p_lines), 0) > 0 THEN
        INSERT INTO public.batch_rejects (run_id, line, field, value, reason)
        SELECT p_run, u.l, u.f, u.v, u.r FROM unnest(p_lines, p_fields, p_values, p_reasons) AS u(l, f, v, r)
        ON CONFLICT DO NOTHING;
    END IF;
    UPDATE public.batch_runs SET position = p_position, rows_read = rows_read + p_read, rows_ok = rows_ok + p_ok,
        rows_rejected = rows_rejected + coalesce(cardinality(p_lines), 0) + p_more_rejected,
        counts = (SELECT coalesce(jsonb_object_agg(k, coalesce((counts->>k)::bigint, 0)
                                                       + coalesce((p_counts->>k)::bigint, 0)), '{}')
                  FROM (SELECT jsonb_object_keys(counts) UNION SELECT jsonb_object_keys(p_counts)) keys(k))
     WHERE id = p_run;
END $$;

REVOKE ALL ON FUNCTION public.sportello_run_role(text), public.sportello_run_lock_held(text, text),
    public.sportello_run_held(bigint, text[]),
    public.sportello_run_checkpoint(bigint, bigint, bigint, bigint, bigint[], text[], text[], text[], jsonb, bigint)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_run_role(text), public.sportello_run_lock_held(text, text),
    public.sportello_run_held(bigint, text[]),
    public.sportello_run_checkpoint(bigint, bigint, bigint, bigint, bigint[], text[], text[], text[], jsonb, bigint)
    TO sportello_api;

-- Starting a run: a new one, or the unfinished one of the same input whose process has gone
-- (taken over and resumed), or, with `p_once`, nothing when the same input was done before.
-- Rule: the caller holds the run's lock; the start (or take-over) is recorded by its kind.
CREATE FUNCTION api.run_start(p_kind text, p_input text, p_checksum text, p_options jsonb, p_once boolean,
                              p_pid integer, p_host text,
                              OUT run_id bigint, OUT run_position bigint, OUT resumed boolean, OUT done boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators;
    r public.batch_runs;
BEGIN
    IF public.sportello_run_role(p_kind) IS NULL THEN
        RAISE EXCEPTION 'no run kind %', p_kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
    me := public.sportello_caller(ARRAY[public.sportello_run_role(p_kind)]);
    IF NOT public.sportello_run_lock_held(p_kind, p_checksum) THEN
        RAISE EXCEPTION 'a run starts only under its lock' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_once THEN
        SELECT * INTO r FROM public.batch_runs b
         WHERE b.kind = p_kind AND b.checksum = p_checksum AND b.state = 'done' ORDER BY b.id DESC LIMIT 1;
        IF FOUND THEN
            run_id := r.id; run_position := r.position; resumed := false; done := true;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO r FROM public.batch_runs b WHERE b.kind = p_kind AND b.checksum = p_checksum AND b.state = 'running'
       FOR UPDATE;
    IF FOUND THEN
        UPDATE public.batch_runs SET pid = p_pid, host = p_host WHERE id = r.id;
        PERFORM public.sportello_record(p_kind, p_input,
            jsonb_build_object('run', r.id, 'resumed_at', r.position,
                               'taken_over_from', jsonb_build_object('pid', r.pid, 'host', r.host),
                               'pid', p_pid, 'host', p_host),
            NULL, 'resumed');
        run_id := r.id; run_position := r.position; resumed := true; done := false;
        RETURN;
    END IF;
    INSERT INTO public.batch_runs (kind, input, checksum, options, operator_id, pid, host)
    VALUES (p_kind, p_input, p_checksum, coalesce(p_options, '{}'), me.id, p_pid, p_host)
    RETURNING id INTO run_id;
    PERFORM public.sportello_record(p_kind, p_input,
        jsonb_build_object('run', run_id, 'options', p_options, 'pid', p_pid, 'host', p_host), NULL, 'started');
    run_position := 0; resumed := false; done := false;
END $$;

-- A run as `sportello runs` lists it (and its position).
CREATE TYPE public.sportello_run AS (
    id bigint, kind text, input text, operator_id text, started_at timestamptz, finished_at timestamptz,
    state text, rows_read bigint, rows_ok bigint, rows_rejected bigint, counts jsonb, pid integer, host text,
    "position" bigint);

-- The unfinished run of an input, to name it and its process to one that cannot start.
-- Rule: bookkeeping only (no personal data), for the roles that work runs of that kind.
CREATE FUNCTION api.run_running(p_kind text, p_checksum text) RETURNS SETOF public.sportello_run
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY[coalesce(public.sportello_run_role(p_kind), 'batch')]);
    RETURN QUERY SELECT b.id, b.kind, b.input, b.operator_id, b.started_at, b.finished_at, b.state, b.rows_read,
                        b.rows_ok, b.rows_rejected, b.counts, b.pid, b.host, b.position
                   FROM public.batch_runs b WHERE b.kind = p_kind AND b.checksum = p_checksum AND b.state = 'running';
END $$;

-- One run. Rule: the roles that may list runs (batch, helpdesk, auditor).
CREATE FUNCTION api.run_get(p_run bigint) RETURNS SETOF public.sportello_run
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['batch', 'helpdesk', 'auditor']);
    RETURN QUERY SELECT b.id, b.kind, b.input, b.operator_id, b.started_at, b.finished_at, b.state, b.rows_read,
                        b.rows_ok, b.rows_rejected, b.counts, b.pid, b.host, b.position
                   FROM public.batch_runs b WHERE b.id = p_run;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no run %', p_run USING ERRCODE = 'no_data_found';
    END IF;
END $$;

-- The runs, newest first, recorded as a `runs` listing. Rule: batch, helpdesk, auditor.
CREATE FUNCTION api.runs(p_kind text, p_limit bigint) RETURNS SETOF public.sportello_run
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM public.sportello_caller(ARRAY['batch', 'helpdesk', 'auditor']);
    RETURN QUERY SELECT b.id, b.kind, b.input, b.operator_id, b.started_at, b.finished_at, b.state, b.rows_read,
                        b.rows_ok, b.rows_rejected, b.counts, b.pid, b.host, b.position
                   FROM public.batch_runs b WHERE p_kind IS NULL OR b.kind = p_kind
                  ORDER BY b.id DESC LIMIT greatest(p_limit, 0);
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM public.sportello_record('runs', NULL, jsonb_build_object('kind', p_kind), n);
END $$;

-- The rejected input rows of a run, in input order. Rule: batch, helpdesk, auditor.
CREATE FUNCTION api.run_rejects(p_run bigint) RETURNS TABLE(line bigint, field text, value text, reason text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['batch', 'helpdesk', 'auditor']);
    RETURN QUERY SELECT j.line, j.field, j.value, j.reason FROM public.batch_rejects j WHERE j.run_id = p_run
                  ORDER BY j.line, j.field;
END $$;

-- Progress of a helpdesk or letters run (the import and the postal run checkpoint in their own
-- steps). Rule: only the process holding the run.
CREATE FUNCTION api.run_checkpoint(p_run bigint, p_position bigint, p_read bigint, p_ok bigint,
                                   p_lines bigint[], p_fields text[], p_values text[], p_reasons text[],
                                   p_counts jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['helpdesk-mailbox', 'revoke-letters']);
    IF p_read < 0 OR p_ok < 0 OR p_ok > p_read THEN
        RAISE EXCEPTION 'a checkpoint counts rows read and ok' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM public.sportello_run_checkpoint(p_run, p_position, p_read, p_ok, p_lines, p_fields, p_values,
                                            p_reasons, coalesce(p_counts, '{}'));
END $$;

-- The end of a helpdesk or letters run (each message or letter was recorded as it was
-- handled). The import and the postal run end in their own audited steps.
CREATE FUNCTION api.run_finish(p_run bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['helpdesk-mailbox', 'revoke-letters']);
    UPDATE public.batch_runs SET state = 'done', finished_at = now() WHERE id = p_run;
END $$;

-- ---- The registry import ----

-- The inbox carries each row's line in its file, so that a row the database refuses is
-- rejected by line in the run's report. It moves to a schema of its own, the one thing the
-- batch may use besides `api` (the tables' schema is nobody's): INSERT only, as sql/V8 granted.
ALTER TABLE public.registry_inbox ADD COLUMN line bigint;
CREATE SCHEMA inbox;
COMMENT ON SCHEMA inbox IS
    'the registry import''s INSERT-only inbox: COPY''s speed, read, merged and emptied only by api.import_chunk';
REVOKE ALL ON SCHEMA inbox FROM PUBLIC;
GRANT USAGE ON SCHEMA inbox TO sportello_batch, sportello_api;
ALTER TABLE public.registry_inbox SET SCHEMA inbox;
-- Its rows live only inside the transaction that copied them (api.import_chunk merges and
-- deletes them before it commits): nothing in it survives a crash that matters, so it writes
-- no WAL (the import pays for the mirror's rows once, not three times) and a standby has none.
ALTER TABLE inbox.registry_inbox SET UNLOGGED;

-- Refuses the row being written, for `p_reason` (a check only the database can make).
CREATE FUNCTION public.sportello_refuse_row(p_reason text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '%', p_reason USING ERRCODE = 'check_violation';
END $$;
REVOKE ALL ON FUNCTION public.sportello_refuse_row(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_refuse_row(text) TO sportello_api;

-- The mirror a run of `p_kind` loads.
CREATE FUNCTION public.sportello_mirror(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT CASE p_kind WHEN 'import-cia' THEN 'cia_residents' WHEN 'import-aura' THEN 'aura_residents' END
$$;
REVOKE ALL ON FUNCTION public.sportello_mirror(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_mirror(text) TO sportello_api;

-- How the run writes its chunks, decided once: a first load into an empty mirror (plain
-- inserts, nothing can have ceased) or a merge. Rule: only the process holding the run.
CREATE FUNCTION api.import_begin(p_run bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
    empty boolean;
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['import-cia', 'import-aura']);
    IF r.options ? 'initial_load' THEN
        RETURN (r.options->>'initial_load')::boolean;
    END IF;
    EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM public.%I)', public.sportello_mirror(r.kind)) INTO empty;
    UPDATE public.batch_runs SET options = options || jsonb_build_object('initial_load', empty) WHERE id = p_run;
    RETURN empty;
END $$;

-- Fiscal code and content digest of every row of a mirror: an import recognises unchanged rows
-- without sending them, a dry run tells what an import would do. Rule: the batch; within a run,
-- only the process holding it; the read is recorded (`registry-read`, with how many rows).
CREATE FUNCTION api.registry_digests(p_source text, p_run bigint)
RETURNS TABLE(fiscal_code text, row_hash bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    kind text := 'import-' || p_source;
    n bigint;
BEGIN
    IF public.sportello_mirror(kind) IS NULL THEN
        RAISE EXCEPTION 'no registry %', p_source USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM public.sportello_caller(ARRAY['batch']);
    IF p_run IS NOT NULL THEN
        PERFORM public.sportello_run_held(p_run, ARRAY[kind]);
    END IF;
    RETURN QUERY EXECUTE format('SELECT t.fiscal_code, t.row_hash FROM public.%I t', public.sportello_mirror(kind));
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM public.sportello_record('registry-read', NULL,
                                    jsonb_build_object('source', p_source, 'run', p_run, 'what', 'digests'), n);
END $$;

-- One chunk of a run: the rows the caller COPYed into the inbox in this transaction are checked
-- and merged into the run's mirror, the inbox emptied, the fiscal codes seen kept (full
-- snapshot), then — in file order — the checkpoint and the chunk's audit row.
-- Rules: only the process holding the run; only rows of this transaction (rows someone else
-- left in the inbox are thrown away, never merged); a row the database refuses is rejected by
-- line, the rest of the chunk goes in; chunks commit in file order (the caller holds the lock
-- `batch-chunk:RUN:TO` from the start of its transaction; this waits for the one of the chunk
-- before and refuses if that chunk did not commit), so a resume never skips nor repeats a row.
CREATE FUNCTION api.import_chunk(p_run bigint, p_from bigint, p_to bigint, p_read bigint, p_ok bigint,
                                 p_lines bigint[], p_fields text[], p_values text[], p_reasons text[],
                                 p_seen text[], p_unreadable boolean,
                                 OUT inserted bigint, OUT updated bigint, OUT refused bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
    mirror text;
    initial boolean;
    reached bigint;
    one record;
    columns constant text := 'fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number,
        res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer, row_hash';
    merge text;
    ins bigint;
    upd bigint;
    mine constant xid := pg_current_xact_id()::xid;
    places text[];
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['import-cia', 'import-aura']);
    mirror := public.sportello_mirror(r.kind);
    IF NOT r.options ? 'initial_load' THEN
        RAISE EXCEPTION 'run % has not begun its chunks (api.import_begin)', p_run
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    initial := (r.options->>'initial_load')::boolean;
    IF p_from < 0 OR p_to < p_from OR p_read < 0 OR p_ok < 0 OR p_ok > p_read THEN
        RAISE EXCEPTION 'a chunk covers input records [from, to) and counts rows read and ok'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    inserted := 0; updated := 0; refused := 0;
    SELECT array_agg(m.istat_code::text) INTO places FROM public.municipalities m;

    -- Only this transaction's rows: rows another transaction committed to the inbox are nobody's
    -- chunk, and go with the inbox's emptying below. (The caller COPYs its rows in this
    -- transaction outside any savepoint: their xmin is this transaction's.) A place must be one
    -- of the reference data (the pre-load registers from these rows): a row naming another is
    -- refused, alone (the known codes, a constant of the statement, are hashed once). One pass over
    -- the inbox, in the order the client sent the rows (by fiscal code: neighbouring pages of the
    -- primary key's index), and one to empty it.
    merge := format('INSERT INTO public.%I AS t (%s)
        SELECT i.fiscal_code, i.first_name, i.last_name, i.birth_date, i.sex, i.res_address, i.res_street_number,
               i.res_postcode,
               CASE WHEN i.res_municipality IS NOT NULL AND NOT i.res_municipality = ANY ($3)
                    THEN public.sportello_refuse_row(''unknown municipality code '' || i.res_municipality)::bpchar
                    ELSE i.res_municipality END,
               i.doc_type, i.doc_number, i.doc_issued, i.doc_issuer, i.row_hash
          FROM inbox.registry_inbox i
         WHERE i.xmin = $1 %%s %%s', mirror, columns);
    IF initial THEN
        merge := format(merge, '%s', '');
    ELSE
        merge := format(merge, '%s', 'ON CONFLICT (fiscal_code) DO UPDATE SET
                 first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, birth_date = EXCLUDED.birth_date,
                 sex = EXCLUDED.sex, res_address = EXCLUDED.res_address, res_street_number = EXCLUDED.res_street_number,
                 res_postcode = EXCLUDED.res_postcode, res_municipality = EXCLUDED.res_municipality,
                 doc_type = EXCLUDED.doc_type, doc_number = EXCLUDED.doc_number, doc_issued = EXCLUDED.doc_issued,
                 doc_issuer = EXCLUDED.doc_issuer, row_hash = EXCLUDED.row_hash, updated_at = now()
             WHERE t.row_hash IS DISTINCT FROM EXCLUDED.row_hash');
    END IF;
    merge := 'WITH m AS (' || merge || ' RETURNING (xmax = 0) AS inserted)
              SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m';
    BEGIN
        EXECUTE format(merge, '') INTO inserted, updated USING mine, NULL::tid, places;
    EXCEPTION WHEN data_exception OR integrity_constraint_violation OR program_limit_exceeded THEN
        -- A row the server refuses for what it holds: the rows one by one, each on its own.
        inserted := 0; updated := 0;
        FOR one IN SELECT i.ctid AS at, i.line, i.fiscal_code FROM inbox.registry_inbox i WHERE i.xmin = mine
                    ORDER BY i.line LOOP
            BEGIN
                EXECUTE format(merge, 'AND i.ctid = $2') INTO ins, upd USING mine, one.at, places;
                inserted := inserted + ins; updated := updated + upd;
            EXCEPTION WHEN data_exception OR integrity_constraint_violation OR program_limit_exceeded THEN
                INSERT INTO public.batch_rejects (run_id, line, field, value, reason)
                VALUES (p_run, coalesce(one.line, 0), '', left(coalesce(one.fiscal_code, ''), 80),
                        left('refused by the database: ' || SQLERRM, 300))
                ON CONFLICT DO NOTHING;
                refused := refused + 1;
            END;
        END LOOP;
    END;
    DELETE FROM inbox.registry_inbox;

    -- A full snapshot's residents seen (rejected rows keep theirs); one whose fiscal code could
    -- not be read keeps everyone.
    IF coalesce((r.options->>'full_snapshot')::boolean, false) AND NOT initial THEN
        INSERT INTO public.import_seen (run_id, fiscal_code) SELECT p_run, unnest(p_seen) ON CONFLICT DO NOTHING;
        IF p_unreadable THEN
            UPDATE public.batch_runs SET options = options || '{"departures_withheld": true}' WHERE id = p_run;
        END IF;
    END IF;

    -- In file order: the chunk before has committed (its transaction ended and its position is
    -- where this chunk starts), or this one fails too.
    -- (NO KEY UPDATE: the rejects a later chunk already wrote hold KEY SHARE on the run's row
    -- through their foreign key, and must not be waited for.)
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('batch-chunk:' || p_run || ':' || p_from, 0));
    SELECT b.position INTO reached FROM public.batch_runs b WHERE b.id = p_run FOR NO KEY UPDATE;
    IF reached <> p_from THEN
        RAISE EXCEPTION 'run % is at record %, this chunk starts at %: the chunk before it did not commit',
            p_run, reached, p_from USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM public.sportello_run_checkpoint(p_run, p_to, p_read, p_ok - refused, p_lines, p_fields, p_values,
        p_reasons, jsonb_build_object('inserted', inserted, 'updated', updated,
                                      'unchanged', p_ok - refused - inserted - updated), refused);
    PERFORM public.sportello_record('import-chunk', r.input,
        jsonb_build_object('run', p_run, 'kind', r.kind, 'from', p_from, 'to', p_to, 'read', p_read,
                           'ok', p_ok - refused, 'rejected', coalesce(cardinality(p_lines), 0) + refused,
                           'inserted', inserted, 'updated', updated),
        p_read);
END $$;

-- How many residents the mirror of run `p_run` holds, and how many of them the run did not list.
CREATE FUNCTION public.sportello_import_unseen(p_run bigint, p_kind text, OUT mirror bigint, OUT leaving bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    EXECUTE format('SELECT count(*), count(*) FILTER (WHERE NOT EXISTS
                        (SELECT 1 FROM public.import_seen s WHERE s.run_id = $1 AND s.fiscal_code = t.fiscal_code))
                    FROM public.%I t', public.sportello_mirror(p_kind))
       INTO mirror, leaving USING p_run;
END $$;
REVOKE ALL ON FUNCTION public.sportello_import_unseen(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_import_unseen(bigint, text) TO sportello_api;

-- How many residents the mirror holds and how many a full snapshot did not list (the client
-- tells the operator, in their language, when that is more than they expect).
-- Rule: only the process holding the run.
CREATE FUNCTION api.import_departures(p_run bigint, OUT mirror bigint, OUT leaving bigint, OUT withheld boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['import-cia', 'import-aura']);
    withheld := coalesce((r.options->>'departures_withheld')::boolean, false);
    SELECT u.mirror, u.leaving INTO mirror, leaving FROM public.sportello_import_unseen(p_run, r.kind) u;
END $$;

-- Removes the residents a full snapshot did not list (they have ceased), returns their fiscal
-- codes. Rules: only a full snapshot that is not a first load; none when a rejected row's fiscal
-- code could not be read; never more than `p_max` (or, without it, 5 per cent of the mirror,
-- rounded up: registry_import::DEFAULT_MAX_REMOVALS_PERCENT).
CREATE FUNCTION api.import_remove_departed(p_run bigint, p_max bigint) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
    d record;
    gone text[];
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['import-cia', 'import-aura']);
    IF NOT coalesce((r.options->>'full_snapshot')::boolean, false)
       OR coalesce((r.options->>'initial_load')::boolean, true) THEN
        RAISE EXCEPTION 'run % is not a full snapshot over a loaded mirror', p_run
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce((r.options->>'departures_withheld')::boolean, false) THEN
        DELETE FROM public.import_seen WHERE run_id = p_run;
        PERFORM public.sportello_run_checkpoint(p_run, r.position, 0, 0, NULL, NULL, NULL, NULL,
                                                '{"departures_withheld": 1}');
        RETURN;
    END IF;
    SELECT * INTO d FROM public.sportello_import_unseen(p_run, r.kind);
    IF d.leaving > coalesce(p_max, (d.mirror * 5 + 99) / 100) THEN
        RAISE EXCEPTION 'the snapshot would remove % of % residents, more than %', d.leaving, d.mirror,
            coalesce(p_max, (d.mirror * 5 + 99) / 100) USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('WITH g AS (DELETE FROM public.%I t WHERE NOT EXISTS
                        (SELECT 1 FROM public.import_seen s WHERE s.run_id = $1 AND s.fiscal_code = t.fiscal_code)
                    RETURNING t.fiscal_code) SELECT coalesce(array_agg(fiscal_code ORDER BY fiscal_code), ''{}'') FROM g',
                   public.sportello_mirror(r.kind))
       INTO gone USING p_run;
    DELETE FROM public.import_seen WHERE run_id = p_run;
    PERFORM public.sportello_run_checkpoint(p_run, r.position, 0, 0, NULL, NULL, NULL, NULL,
                                            jsonb_build_object('ceased', cardinality(gone)));
    -- Residents leaving the mirror are a write of their own: recorded with how many (no codes).
    PERFORM public.sportello_record('import-departures', NULL,
                                    jsonb_build_object('run', p_run, 'kind', r.kind, 'ceased', cardinality(gone)),
                                    cardinality(gone));
    RETURN QUERY SELECT unnest(gone);
END $$;

-- The end of an import run, recorded by its kind with what it did.
-- Rule: only the process holding the run; a full snapshot's seen codes are gone with it.
CREATE FUNCTION api.import_finish(p_run bigint, p_max_removals bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['import-cia', 'import-aura']);
    DELETE FROM public.import_seen WHERE run_id = p_run;
    UPDATE public.batch_runs SET state = 'done', finished_at = now() WHERE id = p_run RETURNING * INTO r;
    PERFORM public.sportello_record(r.kind, r.input,
        jsonb_build_object('run', r.id, 'counts', r.counts, 'rows', r.rows_read, 'rejected', r.rows_rejected,
                           'max_removals', p_max_removals),
        r.rows_read);
END $$;

-- ---- The pre-load (SPEC §5 "Pre-loaded residents") ----

-- Residents of the areas, in the municipal mirror, not registered and without a legacy account.
CREATE FUNCTION public.sportello_preload_candidates(p_provinces text[], p_municipalities text[])
RETURNS TABLE(fiscal_code text, municipality text, postcode text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT c.fiscal_code, c.res_municipality::text, c.res_postcode::text
      FROM public.cia_residents c JOIN public.municipalities m ON m.istat_code = c.res_municipality
     WHERE (m.province = ANY (p_provinces) OR c.res_municipality = ANY (p_municipalities))
       AND NOT EXISTS (SELECT 1 FROM public.registrations r WHERE r.fiscal_code = c.fiscal_code)
       AND NOT EXISTS (SELECT 1 FROM public.legacy_accounts l WHERE l.fiscal_code = c.fiscal_code)
$$;
REVOKE ALL ON FUNCTION public.sportello_preload_candidates(text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_preload_candidates(text[], text[]) TO sportello_api;

-- Who a pre-load of these areas would register, with the place the client checks.
-- Rule: only within an import-cia run the caller holds (its start is recorded).
CREATE FUNCTION api.preload_candidates(p_run bigint, p_provinces text[], p_municipalities text[])
RETURNS TABLE(fiscal_code text, municipality text, postcode text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['import-cia']);
    RETURN QUERY SELECT * FROM public.sportello_preload_candidates(p_provinces, p_municipalities);
END $$;

-- Registers residents of the areas from the municipal mirror, as the domain says a pre-load
-- does (transitions::preloaded: `registrato`, weak; verified by the CIA), stamped with the
-- caller, and queues their PIN letters for the next postal run.
-- Rules: only within an import-cia run the caller holds; only candidates (in the mirror, in the
-- areas, not registered, no legacy account); each with the keyed hash of its fiscal code, and
-- never one whose hash is a revocation's tombstone (a citizen who revoked is not pre-loaded
-- again); recorded as a `preload` with the registrations it made.
CREATE FUNCTION api.preload(p_run bigint, p_provinces text[], p_municipalities text[], p_codes text[],
                            p_hashes bytea[], p_withheld bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators;
    r public.batch_runs;
    n bigint;
    first_number bigint;
    last_number bigint;
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['import-cia']);
    me := public.sportello_caller(ARRAY['batch']);
    IF coalesce(cardinality(p_codes), 0) <> coalesce(cardinality(p_hashes), 0)
       OR EXISTS (SELECT 1 FROM unnest(p_hashes) h WHERE h IS NULL OR length(h) < 16) THEN
        RAISE EXCEPTION 'each resident to pre-load comes with the keyed hash of its fiscal code'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH wanted AS (
        SELECT u.code FROM unnest(p_codes, p_hashes) AS u(code, hash)
         WHERE NOT EXISTS (SELECT 1 FROM public.revocations v WHERE v.fiscal_code_hash = u.hash)),
    loaded AS (
        INSERT INTO public.registrations (fiscal_code, community, state, strong, verified_at, verified_ente,
            first_name, last_name, birth_date, sex, doc_type, doc_number, doc_issued, doc_issuer,
            res_address, res_street_number, res_postcode, res_province, res_municipality, created_by, updated_by)
        SELECT c.fiscal_code, 'sistemapiemonte', 'registrato', false, now(), 'CIA (anagrafe comunale)',
            c.first_name, c.last_name, c.birth_date, c.sex, c.doc_type, c.doc_number, c.doc_issued, c.doc_issuer,
            c.res_address, c.res_street_number, c.res_postcode, m.province, c.res_municipality, me.id, me.id
          FROM public.sportello_preload_candidates(p_provinces, p_municipalities) k
          JOIN wanted w ON w.code = k.fiscal_code
          JOIN public.cia_residents c ON c.fiscal_code = k.fiscal_code
          JOIN public.municipalities m ON m.istat_code = c.res_municipality
        ON CONFLICT (fiscal_code) DO NOTHING
        RETURNING registration_number, res_province),
    queued AS (
        INSERT INTO public.pin_letter_queue (registration_number, res_province)
        SELECT * FROM loaded RETURNING registration_number)
    SELECT count(*), min(registration_number), max(registration_number) INTO n, first_number, last_number FROM queued;
    PERFORM public.sportello_run_checkpoint(p_run, r.position, 0, 0, NULL, NULL, NULL, NULL,
        jsonb_build_object('preloaded', n, 'preload_withheld', greatest(coalesce(p_withheld, 0), 0)));
    PERFORM public.sportello_record('preload', r.input,
        jsonb_build_object('run', p_run, 'provinces', p_provinces, 'municipalities', p_municipalities,
                           'preloaded', n, 'withheld', p_withheld, 'first', first_number, 'last', last_number),
        n);
    RETURN n;
END $$;

-- ---- The postal run ----

-- What a postal PIN letter does to a registration (transitions::postal_letter, kept equal by a
-- test): 'opens-activation', 'replaces-pin', or NULL (nothing goes by post).
CREATE FUNCTION public.sportello_postal_letter(p_state text, p_strong boolean, p_in_progress text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT CASE
        WHEN p_state = 'registrato' AND NOT p_strong AND (p_in_progress IS NULL OR p_in_progress = 'activation')
            THEN 'opens-activation'
        WHEN p_state = 'attivato' AND p_in_progress IS NULL THEN 'replaces-pin'
    END
$$;

-- The letters a transaction took out of the queue, and what each does: what api.postal_batch
-- stores secrets for, and nothing else.
CREATE TABLE public.postal_taken (
    run_id bigint NOT NULL REFERENCES public.batch_runs (id),
    registration_number bigint NOT NULL,
    letter text NOT NULL CHECK (letter IN ('opens-activation', 'replaces-pin')),
    taken_by xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (taken_by, registration_number)
);
REVOKE ALL ON public.postal_taken FROM PUBLIC;

-- Letters due, in one province or everywhere. Rule: the batch.
CREATE FUNCTION api.postal_due(p_province text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['batch']);
    RETURN (SELECT count(*) FROM public.pin_letter_queue q WHERE p_province IS NULL OR q.res_province = p_province);
END $$;

-- Takes up to `p_limit` letters due (province and number order), skipping those another batch
-- holds, and asks the postal rule of each under its registration's lock: a desk booking, a
-- revocation or an erasure since the letter was queued withholds it (its queue row goes now).
-- Returns the letters taken: the rule's answer, NULL for one withheld. The letters that go
-- stay in the queue, locked, until api.postal_batch of this transaction prints them.
-- Rule: only the process holding a postal run.
CREATE FUNCTION api.postal_take(p_run bigint, p_province text, p_limit bigint)
RETURNS TABLE(registration_number bigint, letter text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    numbers bigint[];
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['postal-run']);
    SELECT coalesce(array_agg(q.registration_number ORDER BY q.res_province, q.registration_number), '{}')
      INTO numbers FROM (
        SELECT q.registration_number, q.res_province FROM public.pin_letter_queue q
         WHERE (p_province IS NULL OR q.res_province = p_province)
           AND NOT EXISTS (SELECT 1 FROM public.postal_taken t
                            WHERE t.taken_by = pg_current_xact_id() AND t.registration_number = q.registration_number)
         ORDER BY q.res_province, q.registration_number LIMIT greatest(p_limit, 0)
           FOR UPDATE SKIP LOCKED) q;
    PERFORM 1 FROM public.registrations r WHERE r.registration_number = ANY (numbers)
     ORDER BY r.registration_number FOR UPDATE;
    -- Data-modifying parts of a WITH run to completion whatever the query reads of them.
    RETURN QUERY
    WITH ruled AS (
        SELECT k.n AS number, k.i,
               public.sportello_postal_letter(r.state, r.strong,
                   (SELECT o.kind FROM public.operations o WHERE o.registration_number = k.n AND o.status = 'A')) AS letter
          FROM unnest(numbers) WITH ORDINALITY AS k(n, i) LEFT JOIN public.registrations r ON r.registration_number = k.n),
    kept AS (
        INSERT INTO public.postal_taken (run_id, registration_number, letter)
        SELECT p_run, ruled.number, ruled.letter FROM ruled WHERE ruled.letter IS NOT NULL RETURNING 1),
    withheld AS (
        DELETE FROM public.pin_letter_queue q USING ruled
         WHERE q.registration_number = ruled.number AND ruled.letter IS NULL RETURNING 1)
    SELECT ruled.number, ruled.letter FROM ruled ORDER BY ruled.i;
END $$;

-- The registrations of the letters this transaction took, as the letters print them (no hash of
-- any secret). Rule: only the process holding the postal run, only the letters it took; the
-- postal-batch row that commits with them names every registration printed.
CREATE FUNCTION api.postal_letters(p_run bigint)
RETURNS TABLE(letter text, reg public.registrations, pin_possessed boolean, pin_printed_at timestamptz,
              pin_print_count integer, res_municipality_name text, res_country_name text,
              dom_municipality_name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    one record;
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['postal-run']);
    FOR one IN
        SELECT t.letter, r AS reg, coalesce(rk.pin_possessed, false) AS possessed, rk.pin_printed_at AS printed,
               coalesce(rk.pin_print_count, 0) AS print_count, rm.name AS rm, rc.name AS rc, dm.name AS dm
          FROM public.postal_taken t
          JOIN public.registrations r ON r.registration_number = t.registration_number
          LEFT JOIN public.registration_credentials rk ON rk.registration_number = r.registration_number
          LEFT JOIN public.municipalities rm ON rm.istat_code = r.res_municipality
          LEFT JOIN public.municipalities dm ON dm.istat_code = r.dom_municipality
          LEFT JOIN public.countries rc ON rc.belfiore = r.res_country
         WHERE t.taken_by = pg_current_xact_id() AND t.run_id = p_run
         ORDER BY r.res_province, r.registration_number
    LOOP
        letter := one.letter;
        reg := one.reg;
        reg.pin_hash := NULL;
        reg.activation_code_hash := NULL;
        reg.password_hash := NULL;
        reg.secret_answer_hash := NULL;
        pin_possessed := one.possessed;
        pin_printed_at := one.printed;
        pin_print_count := one.print_count;
        res_municipality_name := one.rm;
        res_country_name := one.rc;
        dom_municipality_name := one.dm;
        RETURN NEXT;
    END LOOP;
END $$;

-- A batch printed: the PINs' hashes stored as the accounts' PINs (a postal PIN never becomes the
-- PIN of a desk operation), the weak activations the letters open (an `activation` operation
-- with the letter's PIN, replacing the one in progress; the activation code in force; a lockout
-- ends), the batch's files, the checkpoint and the `postal-batch` row naming every registration
-- printed and every activation opened.
-- Rules: only the process holding the run; exactly the letters this transaction took and the
-- postal rule let go, each with its PIN's hash; activations opened exactly for the letters the
-- rule says open one, with the same PIN and a code expiring within the configurable validity
-- (at most 3650 days); batches numbered one after the other; stamped with the caller and ente.
CREATE FUNCTION api.postal_batch(p_run bigint, p_batch integer, p_numbers bigint[], p_pin_hashes bytea[],
                                 p_opened bigint[], p_code_hashes bytea[], p_expires timestamptz,
                                 p_pdf text, p_manifest text, p_codes_pdf text, p_codes_manifest text,
                                 p_code_letters integer, p_codes_to_email integer, p_withheld bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators;
    r public.batch_runs;
    n integer := coalesce(cardinality(p_numbers), 0);
    opened_pins bytea[];
BEGIN
    r := public.sportello_run_held(p_run, ARRAY['postal-run']);
    me := public.sportello_caller(ARRAY['batch']);
    IF n = 0 OR n <> coalesce(cardinality(p_pin_hashes), 0)
       OR coalesce(cardinality(p_opened), 0) <> coalesce(cardinality(p_code_hashes), 0)
       OR EXISTS (SELECT 1 FROM unnest(p_pin_hashes || p_code_hashes) h WHERE h IS NULL OR length(h) < 16)
       OR (SELECT count(DISTINCT x) FROM unnest(p_numbers) x) <> n THEN
        RAISE EXCEPTION 'a batch stores one PIN hash per letter, one code hash per activation opened'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_batch IS DISTINCT FROM (SELECT coalesce(max(b.batch_no), 0) + 1 FROM public.postal_batches b
                                  WHERE b.run_id = p_run) THEN
        RAISE EXCEPTION 'batch % of run % is not the next one', p_batch, p_run USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The letters taken by this transaction and let go by the postal rule, and only those.
    IF EXISTS (SELECT 1 FROM public.postal_taken t WHERE t.taken_by = pg_current_xact_id() AND t.run_id = p_run
                  AND NOT t.registration_number = ANY (p_numbers))
       OR n <> (SELECT count(*) FROM public.postal_taken t WHERE t.taken_by = pg_current_xact_id()
                   AND t.run_id = p_run AND t.registration_number = ANY (p_numbers)) THEN
        RAISE EXCEPTION 'a batch prints exactly the letters its transaction took out of the queue'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM public.postal_taken t WHERE t.taken_by = pg_current_xact_id() AND t.run_id = p_run
                  AND (t.letter = 'opens-activation') <> (t.registration_number = ANY (coalesce(p_opened, '{}')))) THEN
        RAISE EXCEPTION 'activations open exactly for the letters the postal rule says open one'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF coalesce(cardinality(p_opened), 0) > 0
       AND (p_expires IS NULL OR p_expires <= now() OR p_expires > now() + interval '3650 days') THEN
        RAISE EXCEPTION 'an activation code expires in the future, within 3650 days'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM public.postal_taken t WHERE t.taken_by = pg_current_xact_id() AND t.run_id = p_run;
    DELETE FROM public.pin_letter_queue q WHERE q.registration_number = ANY (p_numbers);

    -- The PINs. Most have no credentials row yet: it is made with the PIN.
    INSERT INTO public.registration_credentials (registration_number, pin_hash, pin_printed_at, pin_print_count,
                                                 pin_possessed)
    SELECT u.n, u.h, now(), 1, true FROM unnest(p_numbers, p_pin_hashes) AS u(n, h)
    ON CONFLICT (registration_number) DO UPDATE SET pin_hash = EXCLUDED.pin_hash, pin_printed_at = now(),
        pin_print_count = registration_credentials.pin_print_count + 1, pin_possessed = true;

    IF coalesce(cardinality(p_opened), 0) > 0 THEN
        SELECT array_agg(u.h ORDER BY o.i) INTO opened_pins
          FROM unnest(p_opened) WITH ORDINALITY AS o(n, i) JOIN unnest(p_numbers, p_pin_hashes) AS u(n, h) ON u.n = o.n;
        UPDATE public.operations SET status = 'D', closed_at = now()
         WHERE registration_number = ANY (p_opened) AND status = 'A';
        INSERT INTO public.operations (registration_number, kind, ente, operator_id, pin_hash, code_expires_at)
        SELECT u.n, 'activation', me.ente, me.id, u.h, p_expires FROM unnest(p_opened, opened_pins) AS u(n, h);
        UPDATE public.registration_credentials k SET activation_code_hash = u.h, activation_code_expires_at = p_expires
          FROM unnest(p_opened, p_code_hashes) AS u(n, h) WHERE k.registration_number = u.n;
        -- Only the locked out (or with wrong codes counted) are touched.
        UPDATE public.registrations SET failed_attempts = 0, locked_at = NULL
         WHERE registration_number = ANY (p_opened) AND (failed_attempts <> 0 OR locked_at IS NOT NULL);
    END IF;

    INSERT INTO public.postal_batches (run_id, batch_no, pdf, manifest, letters, state, codes_pdf, codes_manifest, codes)
    VALUES (p_run, p_batch, p_pdf, p_manifest, n, 'committed',
            CASE WHEN p_code_letters > 0 THEN p_codes_pdf END, CASE WHEN p_code_letters > 0 THEN p_codes_manifest END,
            greatest(coalesce(p_code_letters, 0), 0));
    PERFORM public.sportello_run_checkpoint(p_run, p_batch, n, n, NULL, NULL, NULL, NULL,
        jsonb_build_object('letters', n, 'batches', 1, 'code_letters', greatest(coalesce(p_code_letters, 0), 0),
                           'codes_to_email', greatest(coalesce(p_codes_to_email, 0), 0),
                           'withheld', greatest(coalesce(p_withheld, 0), 0)));
    PERFORM public.sportello_record('postal-batch', p_pdf,
        jsonb_build_object('run', p_run, 'batch', p_batch, 'registrations', to_jsonb(p_numbers),
                           'activations_opened', to_jsonb(coalesce(p_opened, '{}'))),
        n);
END $$;

-- Where a postal run stands: its batches, their letters, state and files (a resume finishes the
-- committed ones whose files have not their final names yet). Rule: only the process holding it.
CREATE FUNCTION api.postal_resume(p_run bigint)
RETURNS TABLE(batch_no integer, state text, letters integer, files text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['postal-run']);
    RETURN QUERY
    SELECT b.batch_no, b.state, b.letters, array_remove(ARRAY[b.pdf, b.manifest, b.codes_pdf, b.codes_manifest], NULL)
      FROM public.postal_batches b WHERE b.run_id = p_run ORDER BY b.batch_no;
END $$;

-- A batch's files have their final names. Rule: only the process holding the run.
CREATE FUNCTION api.postal_published(p_run bigint, p_batch integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['postal-run']);
    UPDATE public.postal_batches SET state = 'published' WHERE run_id = p_run AND batch_no = p_batch;
END $$;

-- The end of a postal run, recorded as `postal-run` with its counts.
-- Rule: only the process holding the run.
CREATE FUNCTION api.postal_finish(p_run bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
BEGIN
    PERFORM public.sportello_run_held(p_run, ARRAY['postal-run']);
    UPDATE public.batch_runs SET state = 'done', finished_at = now() WHERE id = p_run RETURNING * INTO r;
    PERFORM public.sportello_record('postal-run', r.input, jsonb_build_object('run', r.id, 'counts', r.counts),
                                    r.rows_ok);
END $$;

-- ---- Ownership and grants ----
REVOKE ALL ON FUNCTION public.sportello_postal_letter(text, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_postal_letter(text, boolean, text) TO sportello_api;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.postal_taken TO sportello_api;

DO $$
DECLARE
    f record;
    grants constant jsonb := '{
        "run_start": "sportello_batch, sportello_helpdesk", "run_running": "sportello_batch, sportello_helpdesk",
        "run_get": "sportello_batch, sportello_helpdesk, sportello_auditor",
        "runs": "sportello_batch, sportello_helpdesk, sportello_auditor",
        "run_rejects": "sportello_batch, sportello_helpdesk, sportello_auditor",
        "run_checkpoint": "sportello_helpdesk", "run_finish": "sportello_helpdesk",
        "import_begin": "sportello_batch", "registry_digests": "sportello_batch", "import_chunk": "sportello_batch",
        "import_departures": "sportello_batch", "import_remove_departed": "sportello_batch",
        "import_finish": "sportello_batch", "preload_candidates": "sportello_batch", "preload": "sportello_batch",
        "postal_due": "sportello_batch", "postal_take": "sportello_batch", "postal_letters": "sportello_batch",
        "postal_batch": "sportello_batch", "postal_resume": "sportello_batch", "postal_published": "sportello_batch",
        "postal_finish": "sportello_batch"}';
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS sig, p.proname FROM pg_proc p
              WHERE p.pronamespace = 'api'::regnamespace AND grants ? p.proname LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO sportello_api', f.sig);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f.sig);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', f.sig, grants->>f.proname);
    END LOOP;
END $$;
