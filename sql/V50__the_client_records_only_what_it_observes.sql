-- api.record (sql/V23, V45) lets a client record what it observed itself. V45 refused the
-- actions the database writes, a list of what must not be said; any other name went through, so
-- a desk login could write a row saying `operator-add` or `audit-verify`, outcome ok, that no
-- administrator or auditor did (the login column still named the desk, but a reader filtering
-- by action would not see it). Now it is the other way round: the five things a client observes
-- are the only actions it may record, in rows of a bounded size (a row is hashed by whoever
-- links it into the chain, sql/V49, and one near jsonb's limit could not be compared).

-- Rule (V23, V45, and now): a client records, under its own login, only what it observed itself:
--   command        a command that failed or was refused before it could say more;
--   email          a notice it sent or could not send (desk, portal, postal run);
--   register       a registration it found already there (outcome exists);
--   revoke-letter  a registered letter it could not act on (no such citizen, unreadable);
--   audit-verify   the verification of the chain it ran (an auditor's only, as the command).
-- The citizen's own rows (p_citizen) are the portal's only. Details are 64 kB at most as text, the
-- target 1 kB, the outcome 64 bytes.
CREATE OR REPLACE FUNCTION api.record(p_action text, p_target text, p_details jsonb, p_count bigint, p_outcome text,
                                      p_citizen boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_action IS NULL OR NOT p_action = ANY (ARRAY['command', 'email', 'register', 'revoke-letter', 'audit-verify']) THEN
        RAISE EXCEPTION 'action % is not one a client records (command, email, register, revoke-letter, audit-verify)',
            coalesce(left(p_action, 64), 'NULL') USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_action = 'audit-verify' AND NOT pg_has_role(session_user, 'sportello_auditor', 'MEMBER') THEN
        RAISE EXCEPTION 'only an auditor verifies the audit log' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF octet_length(p_details::text) > 65536 OR octet_length(p_target) > 1024 OR octet_length(p_outcome) > 64 THEN
        RAISE EXCEPTION 'a recorded event''s details are 64 kB at most, its target 1 kB and its outcome 64 bytes'
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    -- Anyone who logs in may say what happened to them, even a login that is not (or no longer)
    -- an operator: its refusal is recorded under its login, with no operator.
    PERFORM public.sportello_record(p_action, p_target, p_details, p_count, p_outcome,
                                    p_citizen AND pg_has_role(session_user, 'sportello_portal', 'MEMBER'));
END $$;
