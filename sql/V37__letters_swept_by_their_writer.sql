-- A letter's row is forgotten only by the login that recorded it. Until now any desk, helpdesk
-- or portal login could forget the due rows of another clerk's letters (api.letters_forget
-- asked only that they be due): the files, PIN letters among them, then escaped that clerk's
-- sweep and stayed on disk for good.

-- Who recorded the letter: the login of the api.record_prints call (its definer's INSERT keeps
-- session_user). The rows recorded before this column have none, and stay anyone's to sweep as
-- before (the default is set after the column is added, so that they are not all given the
-- migrating owner's name).
ALTER TABLE public.operation_letters ADD COLUMN recorded_by text;
ALTER TABLE public.operation_letters ALTER COLUMN recorded_by SET DEFAULT session_user;
COMMENT ON COLUMN public.operation_letters.recorded_by IS
    'the login that recorded the letter: only it sweeps the letter (NULL: recorded before sql/V37, anyone)';

-- LETTERS NO LONGER NEEDED under a folder (`p_prefix` ends in '/'), recorded by the caller:
-- their operation is over or their registration gone. Desk, helpdesk and portal processes
-- sweep their own letters folder.
CREATE OR REPLACE FUNCTION api.letters_due(p_prefix text) RETURNS TABLE (path text, registration_number bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk', 'helpdesk', 'portal']);
    IF p_prefix IS NULL OR p_prefix NOT LIKE '/%/' THEN
        RAISE EXCEPTION 'a letters folder is an absolute path ending in /' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT l.path, l.registration_number FROM public.operation_letters l
      LEFT JOIN public.operations o ON o.id = l.operation_id
     WHERE starts_with(l.path, p_prefix)
       AND coalesce(l.recorded_by = session_user, true)
       AND (o.status IN ('S', 'D')
            OR NOT EXISTS (SELECT 1 FROM public.registrations r WHERE r.registration_number = l.registration_number));
END $$;

-- LETTERS REMOVED: forgets the rows of letters whose files the caller's sweep removed. Only rows
-- that are due (above) and the caller's own: a letter still needed, or another login's, cannot
-- be forgotten, so never escapes its sweep.
CREATE OR REPLACE FUNCTION api.letters_forget(p_paths text[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM public.sportello_caller(ARRAY['desk', 'helpdesk', 'portal']);
    DELETE FROM public.operation_letters l
     WHERE l.path = ANY(p_paths)
       AND coalesce(l.recorded_by = session_user, true)
       AND (EXISTS (SELECT 1 FROM public.operations o WHERE o.id = l.operation_id AND o.status IN ('S', 'D'))
            OR NOT EXISTS (SELECT 1 FROM public.registrations r WHERE r.registration_number = l.registration_number));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
