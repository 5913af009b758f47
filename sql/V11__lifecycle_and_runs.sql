-- Lifecycle and batch correctness (issue 11).

-- A pre-loaded resident's weak activation: opened by the postal PIN run (the PIN in the letter,
-- the activation code apart), completed online.
ALTER TABLE operations DROP CONSTRAINT operations_kind_check;
ALTER TABLE operations ADD CONSTRAINT operations_kind_check
    CHECK (kind IN ('verification', 'promotion', 'reset', 'pin', 'revocation', 'activation'));

-- One run per input at a time: the process that holds a run (its session keeps an advisory lock
-- for the life of the run), so that a second run can name it, and a run whose process has gone
-- is taken over by the next.
ALTER TABLE batch_runs
    ADD COLUMN pid  integer,
    ADD COLUMN host text;

-- The activation-code letters of a postal batch, for the residents without an email address:
-- a file of their own, never in the envelope of the PIN.
ALTER TABLE postal_batches
    ADD COLUMN codes_pdf      text,
    ADD COLUMN codes_manifest text,
    ADD COLUMN codes          integer NOT NULL DEFAULT 0;
