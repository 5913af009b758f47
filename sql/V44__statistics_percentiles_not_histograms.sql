-- Statistics publish the days from booking to completion as their median and 90th percentile,
-- never as the histogram they come from (issue 16: small-cell suppression in the database).
-- sql/V28 returned, for every completion cell shown, its histogram of days (`days`, `ns`): a
-- cell of 5 with days {0, 9} and counts {1, 4} told an auditor in psql that one person
-- completed on the day of booking, a count of 1 the report itself would hide. The percentiles
-- are now computed here, as the client computed them.

-- The smallest day by which the completions reach the share `p` of the cell (at least one),
-- from its histogram of days (`p_days`, ascending or not) and counts (`p_ns`).
CREATE FUNCTION public.sportello_days_percentile(p_days integer[], p_ns bigint[], p double precision)
RETURNS integer
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.d FROM (SELECT u.d, sum(u.n) OVER (ORDER BY u.d) AS reached, sum(u.n) OVER () AS total
                       FROM unnest(p_days, p_ns) AS u(d, n)) s
     WHERE s.reached >= greatest(ceil(s.total * p), 1)
     ORDER BY s.d LIMIT 1
$$;
REVOKE ALL ON FUNCTION public.sportello_days_percentile(integer[], bigint[], double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sportello_days_percentile(integer[], bigint[], double precision) TO sportello_api;

DROP FUNCTION api.stats_report(text, text[], date, date, integer, text);

-- As sql/V28, the days of a completion cell shown as their median and 90th percentile.
CREATE FUNCTION api.stats_report(p_by text, p_group text[], p_from date, p_to date, p_min_cell integer, p_source text)
RETURNS TABLE (period date, vals text[], names text[], event text, kind text, n bigint, hidden text, min_cell integer,
               median_days integer, p90_days integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    k integer;
    cols text[] := '{}';
    d text;
    period_sql text;
    day_col text;
    src text;
    cond text := 'true';
    cells public.stats_cell[];
    f date;
    t date;
    hide integer[];
    hid boolean[];
    cnt bigint[];
    keys text[];
    nd integer;
    j integer;
    total bigint;
    muni integer;
BEGIN
    PERFORM public.sportello_caller(ARRAY['auditor', 'admin']);
    IF p_min_cell IS NULL OR p_min_cell < 1 THEN
        RAISE EXCEPTION 'the smallest count shown is at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_from IS NOT NULL AND p_to IS NOT NULL AND p_from > p_to THEN
        RAISE EXCEPTION 'from % is after to %', p_from, p_to USING ERRCODE = 'invalid_parameter_value';
    END IF;
    k := greatest(p_min_cell, (SELECT s.min_cell_floor FROM public.stats_policy s));
    -- Whole periods only: the bounds shrink to the weeks or months they hold, so that two
    -- reports whose bounds differ by a day do not give that day's cells by difference.
    f := CASE p_by WHEN 'week' THEN (date_trunc('week', p_from + 6))::date
                   WHEN 'month' THEN CASE WHEN extract(day FROM p_from) = 1 THEN p_from
                                          ELSE (date_trunc('month', p_from) + interval '1 month')::date END
                   ELSE p_from END;
    t := CASE p_by WHEN 'week' THEN (date_trunc('week', p_to + 1))::date - 1
                   WHEN 'month' THEN (date_trunc('month', p_to + 1))::date - 1
                   ELSE p_to END;
    -- Column names from a fixed list, never the caller's text.
    FOREACH d IN ARRAY coalesce(p_group, '{}') LOOP
        cols := cols || CASE d WHEN 'ente' THEN 'ente' WHEN 'operator' THEN 'operator_id' WHEN 'province' THEN 'province'
                               WHEN 'municipality' THEN 'municipality' WHEN 'community' THEN 'community'
                               WHEN 'state' THEN 'state' WHEN 'strength' THEN 'strong' END;
        IF cols[cardinality(cols)] IS NULL OR cardinality(array_positions(cols, cols[cardinality(cols)])) > 1 THEN
            RAISE EXCEPTION 'unknown or repeated dimension %', d USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    muni := array_position(cols, 'municipality');
    IF p_source = 'fine' THEN
        period_sql := CASE p_by WHEN 'day' THEN 'day' WHEN 'week' THEN 'date_trunc(''week'', day)::date'
                                WHEN 'month' THEN 'date_trunc(''month'', day)::date' END;
        day_col := 'day';
        src := 'public.stats_counts';
    ELSIF p_source IN ('province', 'state') AND p_by = 'month'
          AND (f IS NULL OR extract(day FROM f) = 1) AND (t IS NULL OR extract(day FROM t + 1) = 1)
          AND cols <@ (CASE p_source WHEN 'province' THEN ARRAY['province'] ELSE ARRAY['community', 'state', 'strong'] END)
    THEN
        PERFORM public.stats_compact();
        period_sql := 'month';
        day_col := 'month';
        src := format('(SELECT * FROM public.stats_rollup WHERE %1$s UNION ALL SELECT * FROM public.stats_rollup_pending WHERE %1$s)',
                      CASE p_source WHEN 'province' THEN 'community = ''*''' ELSE 'province = ''*''' END);
    ELSE
        RAISE EXCEPTION 'counters % cannot answer by % with %', p_source, p_by, p_group USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF period_sql IS NULL THEN
        RAISE EXCEPTION 'unknown period %: day, week or month', p_by USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF f IS NOT NULL THEN cond := cond || format(' AND %I >= %L::date', day_col, f); END IF;
    IF t IS NOT NULL THEN cond := cond || format(' AND %I <= %L::date', day_col, t); END IF;

    -- The cells, each with its days histogram; a municipality's province for its line.
    EXECUTE format(
        'SELECT coalesce(array_agg(ROW(g.period, g.vals, %s, g.event, g.kind, g.n, CASE WHEN g.n < $1 THEN ''small'' END,
                                       g.days, g.ns)::public.stats_cell), ''{}'')
           FROM (SELECT h.period, h.vals, h.event, h.kind, sum(h.n)::bigint AS n,
                        array_agg(h.days ORDER BY h.days) AS days, array_agg(h.n ORDER BY h.days) AS ns
                   FROM (SELECT %s AS period, ARRAY[%s]::text[] AS vals, event, kind, days, sum(n)::bigint AS n
                           FROM %s c WHERE %s GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0) h
                  GROUP BY 1, 2, 3, 4 HAVING sum(h.n) > 0) g
           LEFT JOIN public.municipalities m ON m.istat_code = g.vals[%s]',
        CASE WHEN muni IS NULL THEN 'NULL::text' ELSE 'm.province::text' END,
        period_sql,
        coalesce((SELECT string_agg(format('%I::text', x), ', ' ORDER BY o) FROM unnest(cols) WITH ORDINALITY u(x, o)), ''),
        src, cond, coalesce(muni, 0))
    INTO cells USING k;

    -- Complementary suppression, until every line holds. Each cell's lines are keyed once
    -- (one per dimension, and its municipality's province): `nd` keys per cell, in order.
    nd := cardinality(cols) + CASE WHEN muni IS NULL THEN 0 ELSE 1 END;
    hid := ARRAY(SELECT x.hidden IS NOT NULL FROM unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i) ORDER BY x.i);
    cnt := ARRAY(SELECT x.n FROM unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i) ORDER BY x.i);
    IF nd > 0 AND true = ANY(hid) THEN
        keys := ARRAY(
            SELECT concat_ws('|', x.period, x.event, x.kind, d,
                             CASE WHEN d > cardinality(cols) THEN x.province END,
                             array_to_string(x.vals[:least(d, cardinality(cols) + 1) - 1]
                                             || x.vals[least(d, cardinality(cols) + 1) + 1:], '|', ''))
              FROM unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i)
              CROSS JOIN generate_series(1, nd) d
             ORDER BY x.i, d);
        -- For the line of a municipality within its province, the municipality is what differs.
        IF muni IS NOT NULL THEN
            keys := ARRAY(
                SELECT CASE WHEN (o - 1) % nd + 1 = nd
                            THEN concat_ws('|', x.period, x.event, x.kind, nd, x.province,
                                           array_to_string(x.vals[:muni - 1] || x.vals[muni + 1:], '|', ''))
                            ELSE kk END
                  FROM unnest(keys) WITH ORDINALITY k(kk, o)
                  JOIN unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i)
                    ON x.i = (k.o - 1) / nd + 1
                 ORDER BY o);
        END IF;
        LOOP
            -- Joined, not subscripted: an array variable subscripted row by row is copied each time.
            WITH m AS (
                SELECT k.kk AS line, st.i, st.hb, st.cn
                  FROM unnest(keys) WITH ORDINALITY k(kk, o)
                  JOIN unnest(hid, cnt) WITH ORDINALITY st(hb, cn, i) ON st.i = (k.o - 1) / nd + 1),
            bad AS (
                SELECT m.line FROM m GROUP BY m.line
                HAVING bool_or(m.hb) AND NOT bool_or(m.hb AND m.cn >= k + 1) AND NOT bool_and(m.hb)),
            shown AS (
                SELECT m.line, m.i, m.cn AS n, bool_or(m.cn >= k + 1) OVER (PARTITION BY m.line) AS has_big
                  FROM m JOIN bad USING (line)
                 WHERE NOT m.hb),
            pick AS (
                SELECT s.i, s.has_big, row_number() OVER (PARTITION BY s.line ORDER BY s.n, s.i) AS r
                  FROM shown s WHERE NOT s.has_big OR s.n >= k + 1)
            SELECT array_agg(DISTINCT p.i) INTO hide FROM pick p WHERE NOT p.has_big OR p.r = 1;
            EXIT WHEN hide IS NULL;
            FOREACH j IN ARRAY hide LOOP
                hid[j] := true;
            END LOOP;
        END LOOP;
    END IF;

    RETURN QUERY
        SELECT x.period, x.vals,
               CASE WHEN muni IS NULL THEN NULL ELSE ARRAY[mu.name::text] END,
               x.event, x.kind,
               CASE WHEN NOT h.hb THEN x.n END,
               CASE WHEN x.n < k THEN 'small' WHEN h.hb THEN 'complementary' END, k,
               CASE WHEN NOT h.hb AND x.event = 'completed' THEN public.sportello_days_percentile(x.days, x.ns, 0.5) END,
               CASE WHEN NOT h.hb AND x.event = 'completed' THEN public.sportello_days_percentile(x.days, x.ns, 0.9) END
          FROM unnest(cells) WITH ORDINALITY x(period, vals, province, event, kind, n, hidden, days, ns, i)
          JOIN unnest(hid) WITH ORDINALITY h(hb, i) ON h.i = x.i
          LEFT JOIN public.municipalities mu ON muni IS NOT NULL AND mu.istat_code = x.vals[muni];
    GET DIAGNOSTICS total = ROW_COUNT;
    PERFORM public.sportello_record('stats', NULL,
        jsonb_build_object('records', false, 'by', p_by, 'group', to_jsonb(coalesce(p_group, '{}')),
                           'from', p_from, 'to', p_to, 'min_cell', p_min_cell), total);
END $$;
ALTER FUNCTION api.stats_report(text, text[], date, date, integer, text) OWNER TO sportello_api;
REVOKE ALL ON FUNCTION api.stats_report(text, text[], date, date, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.stats_report(text, text[], date, date, integer, text) TO sportello_auditor, sportello_admin;
