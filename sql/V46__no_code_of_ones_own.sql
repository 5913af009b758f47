-- What the second outside review found after V45, closed where the database can close it:
--   1. Any login could write a line that looks like an audit row's in the server log (sql/V42)
--      with a DO block (`RAISE LOG 'sportello-audit {...}'`), and so hide or invent rows for
--      `audit verify --server-log`. No application login runs code of its own: PL/pgSQL is
--      no longer PUBLIC's (the API's functions, already created, run as before).
--   2. A municipality of residence or domicile with no province got past V40's foreign key
--      (MATCH SIMPLE checks nothing when a column is NULL), and the record was missing from
--      its province's searches and batches.
--   3. api.registry_lookup (V40) gave a desk the registry's data of a resident of any province,
--      and told "already registered" by an exception that took its audit row back.
--   4. Not an attack: a full snapshot's chunk holding an unreadable record marked the run
--      before waiting for its turn, and deadlocked with the chunk before it (two writers).

-- 1. As V43's locks: effective where a superuser migrates; elsewhere these warn and the
--    superuser runs them (README, "Server deployment").
REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON LANGUAGE plpgsql TO sportello_api, %I', current_user);
END $$;

-- 2. Rule: a municipality is always given with its province (which V40 ties to it); a province
--    alone (abroad: EE) stays allowed. Checked for every write from now on; a row written
--    before, if any, is for the DBA to mend and VALIDATE.
ALTER TABLE public.registrations
    ADD CONSTRAINT registrations_res_municipality_has_province
        CHECK (res_municipality IS NULL OR res_province IS NOT NULL) NOT VALID,
    ADD CONSTRAINT registrations_dom_municipality_has_province
        CHECK (dom_municipality IS NULL OR dom_province IS NOT NULL) NOT VALID;

-- 3. As sql/V40, for a new citizen of the desk's competence only, every answer recorded.
CREATE OR REPLACE FUNCTION api.registry_lookup(p_fiscal_code text, p_audit_name text)
RETURNS TABLE (source text, first_name text, last_name text, birth_date date, sex text, res_address text,
               res_street_number text, res_postcode text, res_municipality text, res_province text,
               municipality_name text, doc_type text, doc_number text, doc_issued date, doc_issuer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    me public.operators := public.sportello_caller(ARRAY['desk']);
    found_in text;
    place text;
BEGIN
    IF p_audit_name IS NULL OR p_audit_name !~ '^cf:[0-9a-f]{32}$' THEN
        RAISE EXCEPTION 'an audit name is cf: and 32 hex digits' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A registered citizen is managed, not pre-filled again: nothing, and recorded as refused
    -- (an exception would take the row back, and the refusal itself tells who is registered).
    IF EXISTS (SELECT 1 FROM public.registrations r WHERE r.fiscal_code = p_fiscal_code) THEN
        PERFORM public.sportello_record('registry-read', p_audit_name, '{"refused": "registered"}', 0, 'refused');
        RETURN;
    END IF;
    -- Only a resident of the desk's competence: the registration that follows is refused outside it.
    SELECT x.res_municipality INTO place
      FROM (SELECT 1 AS rank, c.res_municipality FROM public.cia_residents c WHERE c.fiscal_code = p_fiscal_code
            UNION ALL
            SELECT 2, a.res_municipality FROM public.aura_residents a WHERE a.fiscal_code = p_fiscal_code) x
     ORDER BY x.rank LIMIT 1;
    IF place IS NOT NULL AND NOT public.sportello_within_competence(me.id, '{}', ARRAY[place::text]) THEN
        PERFORM public.sportello_record('registry-read', p_audit_name, '{"refused": "outside-competence"}', 0, 'refused');
        RETURN;
    END IF;
    -- CIA first, then AURA: the first that knows the fiscal code.
    RETURN QUERY
    SELECT x.source, x.first_name, x.last_name, x.birth_date, x.sex::text, x.res_address, x.res_street_number,
           x.res_postcode::text, x.res_municipality::text, m.province::text, m.name, x.doc_type, x.doc_number,
           x.doc_issued, x.doc_issuer
      FROM (SELECT 'cia'::text AS source, 1 AS rank, c.* FROM public.cia_residents c WHERE c.fiscal_code = p_fiscal_code
            UNION ALL
            SELECT 'aura'::text, 2, a.* FROM public.aura_residents a WHERE a.fiscal_code = p_fiscal_code) x
      LEFT JOIN public.municipalities m ON m.istat_code = x.res_municipality
     ORDER BY x.rank LIMIT 1;
    SELECT CASE WHEN EXISTS (SELECT 1 FROM public.cia_residents c WHERE c.fiscal_code = p_fiscal_code) THEN 'cia'
                WHEN EXISTS (SELECT 1 FROM public.aura_residents a WHERE a.fiscal_code = p_fiscal_code) THEN 'aura'
           END INTO found_in;
    PERFORM public.sportello_record('registry-read', p_audit_name, jsonb_strip_nulls(jsonb_build_object('source', found_in)),
                                    CASE WHEN found_in IS NULL THEN 0 ELSE 1 END,
                                    CASE WHEN found_in IS NULL THEN 'not-found' ELSE 'ok' END);
END $$;

-- 4. As sql/V35, the run marked in the chunk's turn.
CREATE OR REPLACE FUNCTION api.import_chunk(p_run bigint, p_from bigint, p_to bigint, p_read bigint, p_ok bigint,
                                 p_lines bigint[], p_fields text[], p_values text[], p_reasons text[],
                                 p_seen text[], p_unreadable boolean,
                                 p_fiscal_code text[], p_first_name text[], p_last_name text[],
                                 p_birth_date date[], p_sex text[], p_res_address text[],
                                 p_res_street_number text[], p_res_postcode text[], p_res_municipality text[],
                                 p_doc_type text[], p_doc_number text[], p_doc_issued date[], p_doc_issuer text[],
                                 p_row_hash bytea[], p_row_line bigint[],
                                 OUT inserted bigint, OUT updated bigint, OUT refused bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r public.batch_runs;
    mirror text;
    initial boolean;
    reached bigint;
    n constant integer := coalesce(cardinality(p_fiscal_code), 0);
    columns constant text := 'fiscal_code, first_name, last_name, birth_date, sex, res_address, res_street_number,
        res_postcode, res_municipality, doc_type, doc_number, doc_issued, doc_issuer, row_hash';
    merge text;
    ins bigint;
    upd bigint;
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
    -- unnest() pads shorter arrays with NULLs: columns of unequal lengths would shift rows.
    IF n > p_ok OR EXISTS (SELECT 1 FROM unnest(ARRAY[
           cardinality(p_first_name), cardinality(p_last_name), cardinality(p_birth_date), cardinality(p_sex),
           cardinality(p_res_address), cardinality(p_res_street_number), cardinality(p_res_postcode),
           cardinality(p_res_municipality), cardinality(p_doc_type), cardinality(p_doc_number),
           cardinality(p_doc_issued), cardinality(p_doc_issuer), cardinality(p_row_hash),
           cardinality(p_row_line)]) AS c(len) WHERE coalesce(c.len, 0) <> n) THEN
        RAISE EXCEPTION 'a chunk''s rows come as one array per column, all of one length, no more than its valid rows'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    inserted := 0; updated := 0; refused := 0;
    SELECT array_agg(m.istat_code::text) INTO places FROM public.municipalities m;

    -- A place must be one of the reference data (the pre-load registers from these rows): a row
    -- naming another is refused, alone (the known codes, a constant of the statement, are hashed
    -- once). The rows in the order the client sent them (by fiscal code: neighbouring pages of
    -- the primary key's index), the arrays walked side by side in the select list (which streams
    -- them, where unnest() in FROM would first copy each into a tuple store).
    merge := format('INSERT INTO public.%I AS t (%s)
        SELECT i.fiscal_code, i.first_name, i.last_name, i.birth_date, i.sex, i.res_address, i.res_street_number,
               i.res_postcode,
               CASE WHEN i.res_municipality IS NOT NULL AND NOT i.res_municipality = ANY ($15)
                    THEN public.sportello_refuse_row(''unknown municipality code '' || i.res_municipality)::bpchar
                    ELSE i.res_municipality END,
               i.doc_type, i.doc_number, i.doc_issued, i.doc_issuer, i.row_hash
          FROM (SELECT unnest($1) AS fiscal_code, unnest($2) AS first_name, unnest($3) AS last_name,
                       unnest($4) AS birth_date, unnest($5) AS sex, unnest($6) AS res_address,
                       unnest($7) AS res_street_number, unnest($8) AS res_postcode, unnest($9) AS res_municipality,
                       unnest($10) AS doc_type, unnest($11) AS doc_number, unnest($12) AS doc_issued,
                       unnest($13) AS doc_issuer, unnest($14) AS row_hash) AS i %%s',
        mirror, columns);
    IF initial THEN
        merge := format(merge, '');
    ELSE
        merge := format(merge, 'ON CONFLICT (fiscal_code) DO UPDATE SET
                 first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, birth_date = EXCLUDED.birth_date,
                 sex = EXCLUDED.sex, res_address = EXCLUDED.res_address, res_street_number = EXCLUDED.res_street_number,
                 res_postcode = EXCLUDED.res_postcode, res_municipality = EXCLUDED.res_municipality,
                 doc_type = EXCLUDED.doc_type, doc_number = EXCLUDED.doc_number, doc_issued = EXCLUDED.doc_issued,
                 doc_issuer = EXCLUDED.doc_issuer, row_hash = EXCLUDED.row_hash, updated_at = now()
             WHERE t.row_hash IS DISTINCT FROM EXCLUDED.row_hash');
    END IF;
    merge := 'WITH m AS (' || merge || ' RETURNING (xmax = 0) AS inserted)
              SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m';
    IF n > 0 THEN
        BEGIN
            EXECUTE merge INTO inserted, updated
                USING p_fiscal_code, p_first_name, p_last_name, p_birth_date, p_sex, p_res_address,
                      p_res_street_number, p_res_postcode, p_res_municipality, p_doc_type, p_doc_number,
                      p_doc_issued, p_doc_issuer, p_row_hash, places;
        EXCEPTION WHEN data_exception OR integrity_constraint_violation OR program_limit_exceeded THEN
            -- A row the server refuses for what it holds: the rows one by one, each on its own.
            inserted := 0; updated := 0;
            FOR k IN 1 .. n LOOP
                BEGIN
                    EXECUTE merge INTO ins, upd
                        USING ARRAY[p_fiscal_code[k]], ARRAY[p_first_name[k]], ARRAY[p_last_name[k]],
                              ARRAY[p_birth_date[k]], ARRAY[p_sex[k]], ARRAY[p_res_address[k]],
                              ARRAY[p_res_street_number[k]], ARRAY[p_res_postcode[k]],
                              ARRAY[p_res_municipality[k]], ARRAY[p_doc_type[k]], ARRAY[p_doc_number[k]],
                              ARRAY[p_doc_issued[k]], ARRAY[p_doc_issuer[k]], ARRAY[p_row_hash[k]], places;
                    inserted := inserted + ins; updated := updated + upd;
                EXCEPTION WHEN data_exception OR integrity_constraint_violation OR program_limit_exceeded THEN
                    INSERT INTO public.batch_rejects (run_id, line, field, value, reason)
                    VALUES (p_run, coalesce(p_row_line[k], 0), '', left(coalesce(p_fiscal_code[k], ''), 80),
                            left('refused by the database: ' || SQLERRM, 300))
                    ON CONFLICT DO NOTHING;
                    refused := refused + 1;
                END;
            END LOOP;
        END;
    END IF;

    -- A full snapshot's residents seen (rejected rows keep theirs); one whose fiscal code could
    -- not be read keeps everyone.
    IF coalesce((r.options->>'full_snapshot')::boolean, false) AND NOT initial THEN
        INSERT INTO public.import_seen (run_id, fiscal_code) SELECT p_run, unnest(p_seen) ON CONFLICT DO NOTHING;
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
    -- Only now, in its turn: written before, it locked the run's row while the chunk before,
    -- holding the lock this one waits for, needed the row too (a deadlock).
    IF p_unreadable AND coalesce((r.options->>'full_snapshot')::boolean, false) AND NOT initial THEN
        UPDATE public.batch_runs SET options = options || '{"departures_withheld": true}' WHERE id = p_run;
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
