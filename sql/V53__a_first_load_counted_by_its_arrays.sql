-- A registry import's first load counted without its rows coming back (sql/V46's
-- api.import_chunk, otherwise unchanged). A chunk into an empty mirror only inserts, each row
-- it is given or none, so it counts them by the length of its arrays; the merge into a mirror
-- that has rows still tells inserted rows from updated ones by what the statement returns.

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
    -- Into an empty mirror every row the statement reads is inserted, or the statement fails:
    -- the count is the arrays' length, and no row comes back through RETURNING into a tuple
    -- store (a tuple formed, stored and read again for each row) only to be counted.
    IF initial THEN
        merge := 'WITH m AS (' || merge || ') SELECT cardinality($1)::bigint, 0::bigint';
    ELSE
        merge := 'WITH m AS (' || merge || ' RETURNING (xmax = 0) AS inserted)
                  SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m';
    END IF;
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
