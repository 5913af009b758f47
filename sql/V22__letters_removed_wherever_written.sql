-- The citizen's letters are removed wherever they were written (issue 17 §4, issue 20).
--
-- Each clerk writes letters in their own directory (SPORTELLO_LETTERS_DIR), files only their OS
-- user can remove; the portal, the helpdesk and other clerks complete and erase registrations
-- from other processes. So a letter is kept here by path with the registration it belongs to,
-- and its row outlives its operation and its registration: every process that has a letters
-- directory sweeps, after its own completions and erasures and at the start of each command
-- of a desk or helpdesk login, the rows under that directory whose operation is over or whose
-- registration is gone, removes the files and forgets the rows (src/desk/letter_files.rs).
--
-- Before: operation_letters (operation_id NOT NULL, cascade-deleted with the operation, so
-- with the registration; only letters of an active operation recorded).
-- After: operation_id nullable (a letter printed with no operation in progress; SET NULL when
-- the operation goes with an erasure), registration_number NOT NULL, one row per path.
ALTER TABLE operation_letters ADD COLUMN registration_number bigint;
UPDATE operation_letters l SET registration_number = o.registration_number
    FROM operations o WHERE o.id = l.operation_id;
ALTER TABLE operation_letters ALTER COLUMN registration_number SET NOT NULL;
ALTER TABLE operation_letters DROP CONSTRAINT operation_letters_pkey;
ALTER TABLE operation_letters DROP CONSTRAINT operation_letters_operation_id_fkey;
ALTER TABLE operation_letters ALTER COLUMN operation_id DROP NOT NULL;
ALTER TABLE operation_letters ADD CONSTRAINT operation_letters_operation_id_fkey
    FOREIGN KEY (operation_id) REFERENCES operations (id) ON DELETE SET NULL;
DELETE FROM operation_letters a USING operation_letters b
    WHERE a.path = b.path AND a.ctid > b.ctid;
ALTER TABLE operation_letters ADD PRIMARY KEY (path);
CREATE INDEX operation_letters_registration ON operation_letters (registration_number);
CREATE INDEX operation_letters_operation ON operation_letters (operation_id);

-- The helpdesk erases (registered letters) and so sweeps as well.
GRANT SELECT, DELETE ON operation_letters TO sportello_helpdesk;

-- A letter lies in its registration's folder (`<letters>/<number>/<file>`), and belongs to an
-- operation of that registration: a desk login planted a row naming another citizen's letter,
-- which the victim clerk's next booking then removed. (A relative path, or one with `..`, is
-- operation_letters_path_check's to refuse.)
CREATE FUNCTION operation_letters_in_their_folder() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.path LIKE '/%' AND NEW.path !~ '(^|/)\.\.(/|$)'
       AND (regexp_replace(NEW.path, '^.*/([^/]+)/[^/]+$', '\1') <> NEW.registration_number::text
            OR (NEW.operation_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM public.operations o
                                 WHERE o.id = NEW.operation_id AND o.registration_number = NEW.registration_number)))
    THEN
        RAISE EXCEPTION 'a letter of registration % lies in its folder and belongs to its operations', NEW.registration_number
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER operation_letters_in_their_folder BEFORE INSERT OR UPDATE ON operation_letters
    FOR EACH ROW EXECUTE FUNCTION operation_letters_in_their_folder();
