-- api.record (sql/V23) lets a client record what it observed itself (a refusal before anything
-- was written, a run's start). V23 said no check counts on those rows; one did: an export of
-- records (sql/V7) looks for the login's committed `stats` request, and any login could write
-- that row through api.record, claiming 0 rows, and export for ten minutes. The portal could
-- likewise write rows identical to a citizen's own activation. Now the actions the database
-- writes itself, on which a check or a citizen's history relies, are refused here.

-- As sql/V23, refusing the database's own actions.
CREATE OR REPLACE FUNCTION api.record(p_action text, p_target text, p_details jsonb, p_count bigint, p_outcome text,
                                      p_citizen boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_action = ANY (ARRAY['stats', 'citizen-activate', 'citizen-revoke', 'citizen-wrong-code', 'view', 'search',
                             'registration-read', 'registry-read', 'history']) THEN
        RAISE EXCEPTION 'action % is written by the database itself, never by a client', p_action
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Anyone who logs in may say what happened to them, even a login that is not (or no longer)
    -- an operator: its refusal is recorded under its login, with no operator.
    PERFORM public.sportello_record(p_action, p_target, p_details, p_count, p_outcome,
                                    p_citizen AND pg_has_role(session_user, 'sportello_portal', 'MEMBER'));
END $$;
