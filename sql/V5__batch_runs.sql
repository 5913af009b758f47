-- Batch jobs (imports, postal runs, registered-letter revocations, helpdesk mailbox): each run is
-- recorded with its progress so that a crashed run resumes where it committed last.

CREATE TABLE batch_runs (
    id             bigserial PRIMARY KEY,
    kind           text NOT NULL,
    input          text NOT NULL,            -- file or directory, or the options of a postal run
    checksum       text NOT NULL,            -- SHA-256 of the input (identifies a re-run)
    options        jsonb NOT NULL DEFAULT '{}',
    operator_id    text REFERENCES operators(id),
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    state          text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done')),
    position       bigint NOT NULL DEFAULT 0, -- input records committed so far
    rows_read      bigint NOT NULL DEFAULT 0,
    rows_ok        bigint NOT NULL DEFAULT 0,
    rows_rejected  bigint NOT NULL DEFAULT 0,
    counts         jsonb NOT NULL DEFAULT '{}'  -- what the job did (inserted, updated, printed, ...)
);
CREATE UNIQUE INDEX batch_runs_one_running ON batch_runs (kind, checksum) WHERE state = 'running';
CREATE INDEX batch_runs_kind ON batch_runs (kind, checksum, started_at DESC);

-- Bad input rows of a run, committed with the chunk they belong to.
CREATE TABLE batch_rejects (
    run_id  bigint NOT NULL REFERENCES batch_runs(id),
    line    bigint NOT NULL,
    field   text NOT NULL,
    value   text NOT NULL,
    reason  text NOT NULL,
    PRIMARY KEY (run_id, line, field)
);

-- Fiscal codes present in a full-snapshot import (to find the ceased residents at the end).
CREATE TABLE import_seen (
    run_id       bigint NOT NULL,
    fiscal_code  text NOT NULL,
    PRIMARY KEY (run_id, fiscal_code)
);

-- Registrations whose PIN letter is to be mailed (pre-loaded residents, reprint requests): a queue
-- of its own, so that printing updates no indexed column of registrations (HOT updates, with
-- the room the fill factor leaves in each page).
CREATE TABLE pin_letter_queue (
    registration_number  bigint PRIMARY KEY REFERENCES registrations(registration_number) ON DELETE CASCADE,
    res_province         char(2),
    queued_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pin_letter_queue_province ON pin_letter_queue (res_province, registration_number);
ALTER TABLE registrations SET (fillfactor = 85);

-- Postal-run batches: a PDF of letters and its manifest. 'committed' = PINs stored and the files
-- fsynced under temporary names; 'published' = renamed to their final names.
CREATE TABLE postal_batches (
    run_id    bigint NOT NULL REFERENCES batch_runs(id),
    batch_no  integer NOT NULL,
    pdf       text NOT NULL,
    manifest  text NOT NULL,
    letters   integer NOT NULL,
    state     text NOT NULL CHECK (state IN ('committed', 'published')),
    PRIMARY KEY (run_id, batch_no)
);

-- Helpdesk requests by email: each Message-ID is processed once.
CREATE TABLE helpdesk_messages (
    message_id    text PRIMARY KEY,
    run_id        bigint REFERENCES batch_runs(id),
    file          text NOT NULL,
    sender        text,
    fiscal_code_hash bytea,
    outcome       text NOT NULL,
    reason        text,
    processed_at  timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON batch_runs, postal_batches TO sportello_app;
GRANT SELECT, INSERT ON batch_rejects TO sportello_app;
GRANT SELECT, INSERT, UPDATE ON helpdesk_messages TO sportello_app;
GRANT SELECT, INSERT, DELETE ON import_seen TO sportello_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON pin_letter_queue TO sportello_app;
GRANT USAGE ON SEQUENCE batch_runs_id_seq TO sportello_app;
