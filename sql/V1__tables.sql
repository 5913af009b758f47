-- sportello's baseline, 1 of 8: the tables, their indexes and constraints (SPEC §3).
--
-- The baseline (V1–V8) is the schema as it stood before the database's API, one file per
-- concern: tables (here), reference data (V2), birthplaces (V3), roles and privileges (V4),
-- the rules of the registration lifecycle (V5), the audit chain (V6), statistics (V7), the
-- trust boundary (V8). Every later change is a migration after it (V23 onwards: the API).
-- Rules live in the files of their concern; a table here says which file guards it.
--
-- Who may reach what is V4's (and, from V30, nobody but the API's definer): no grant here.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- ---------------------------------------------------------------------------------------------
-- Reference data (filled by V2 and V3)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE provinces (
    code        char(2) PRIMARY KEY,          -- sigla: TO, VC, ... ; 'EE' = STATO ESTERO
    name        text NOT NULL,
    istat_code  char(3)
);

CREATE TABLE municipalities (
    istat_code   char(6) PRIMARY KEY,
    belfiore     char(4) NOT NULL UNIQUE,     -- cadastral code, as in fiscal codes
    name         text NOT NULL,               -- the current name (V3 renames)
    province     char(2) NOT NULL REFERENCES provinces(code),
    postcodes    text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX municipalities_name_idx ON municipalities (upper(name));
CREATE INDEX municipalities_province_idx ON municipalities (province);

CREATE TABLE countries (
    belfiore  char(4) PRIMARY KEY,            -- Z codes used in fiscal codes of people born abroad
    name      text NOT NULL,
    active    boolean NOT NULL
);

-- Birthplaces as the national registry (ANPR) lists them: every name a cadastral code has had.
CREATE TABLE birthplaces (
    belfiore    char(4) NOT NULL,   -- cadastral code, as in fiscal codes (Z...: foreign state)
    valid_from  date NOT NULL,      -- first day the code designated this place
    valid_to    date,               -- last day; NULL: still current
    name        text NOT NULL,
    province    char(2) NOT NULL,   -- sigla at the end of the period; EE: foreign state
    PRIMARY KEY (belfiore, valid_from)
);

-- Earlier names of Piedmont's municipalities (a search by an old name finds the current one).
CREATE TABLE municipality_former_names (
    istat_code  char(6) NOT NULL REFERENCES municipalities(istat_code),
    name        text NOT NULL,
    PRIMARY KEY (istat_code, name)
);
CREATE INDEX municipality_former_names_name_idx ON municipality_former_names (upper(name));

-- ---------------------------------------------------------------------------------------------
-- Operators (managed by the functions of V4)
-- ---------------------------------------------------------------------------------------------

-- Every operator is also a PostgreSQL login of the same name (V4). Operators keep their history
-- when disabled: the row stays, the login can no longer connect.
CREATE TABLE operators (
    id           text PRIMARY KEY,
    full_name    text NOT NULL,
    ente         text NOT NULL,
    fse          boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text,                        -- NULL: the bootstrap administrator
    disabled_at  timestamptz,
    disabled_by  text
);
-- One bootstrap administrator per database, whatever the concurrency (see
-- sportello_operator_bootstrap, V4, which also serialises on the table).
CREATE UNIQUE INDEX operators_one_bootstrap ON operators ((true)) WHERE created_by IS NULL;

-- Territorial competence: a whole province or a single municipality per row.
CREATE TABLE operator_competence (
    operator_id   text NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    province      char(2) REFERENCES provinces(code),
    municipality  char(6) REFERENCES municipalities(istat_code),
    CHECK ((province IS NULL) <> (municipality IS NULL))
);
CREATE UNIQUE INDEX operator_competence_uniq
    ON operator_competence (operator_id, coalesce(province, ''), coalesce(municipality, ''));

-- ---------------------------------------------------------------------------------------------
-- Registrations (guarded by V5; erased only by V8's sportello_erase)
-- ---------------------------------------------------------------------------------------------

-- Accent- and apostrophe-insensitive search: `nicolo` finds NICOLÒ and `dangelo` finds D'ANGELO.
-- search_key() folds a name into its search key: the accented Latin letters the registry can
-- hold become their base letter, apostrophes, spaces and hyphens go, and ASCII letters are
-- upper-cased. It is IMMUTABLE (the unaccent extension is not, and may be missing): translate()
-- and upper() under the "C" collation, which upper-cases ASCII only, the same on every server.
-- The Rust twin, sportello::search_key::search_key, applies the same table to what operators
-- type; a test checks that the two agree. Defined here: registrations' key columns compute it.
CREATE FUNCTION search_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, public, pg_temp
    RETURN upper(translate(name, 'àÀáÁâÂãÃäÄåÅāĀăĂąĄçÇćĆĉĈċĊčČďĎđĐèÈéÉêÊëËēĒĕĔėĖęĘěĚĝĜğĞġĠģĢĥĤħĦìÌíÍîÎïÏĩĨīĪĭĬįĮıİĵĴķĶĺĹļĻľĽŀĿłŁñÑńŃņŅňŇòÒóÓôÔõÕöÖøØōŌŏŎőŐŕŔŗŖřŘśŚŝŜşŞšŠșȘţŢťŤŧŦțȚùÙúÚûÛüÜũŨūŪŭŬůŮűŰųŲŵŴýÝÿŸŷŶźŹżŻžŽ''’‘`´ -', 'AAAAAAAAAAAAAAAAAACCCCCCCCCCDDDDEEEEEEEEEEEEEEEEEEGGGGGGGGHHHHIIIIIIIIIIIIIIIIIIJJKKLLLLLLLLLLNNNNNNNNOOOOOOOOOOOOOOOOOORRRRRRSSSSSSSSSSTTTTTTTTUUUUUUUUUUUUUUUUUUUUWWYYYYYYZZZZZZ') COLLATE "C");

CREATE SEQUENCE registration_number_seq START 1000001;

CREATE TABLE registrations (
    registration_number  bigint PRIMARY KEY DEFAULT nextval('registration_number_seq'),
    fiscal_code          text NOT NULL UNIQUE CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
    community            text NOT NULL CHECK (community IN ('sistemapiemonte', 'torinofacile', 'torinofacile light')),
    registered_at        timestamptz NOT NULL DEFAULT now(),
    -- state and strength move only along registration_transitions (V5)
    state                text NOT NULL CHECK (state IN ('registrato', 'riscontrato', 'attivato', 'respinto')),
    strong               boolean NOT NULL DEFAULT false,
    pin_possessed        boolean NOT NULL DEFAULT false,   -- unused: see registration_credentials
    verified_at          timestamptz,
    verified_ente        text,
    username             text,
    pin_printed_at       timestamptz,                      -- unused: see registration_credentials
    pin_print_count      integer NOT NULL DEFAULT 0,       -- unused: see registration_credentials
    activated_at         timestamptz,
    promoted_at          timestamptz,
    -- personal data
    first_name           text,
    last_name            text,
    birth_date           date,
    sex                  char(1) CHECK (sex IN ('M', 'F')),
    -- identity document
    doc_type             text CHECK (doc_type IN ('identity-card', 'passport', 'driving-licence', 'residence-permit', 'boat-licence')),
    doc_number           text,
    doc_issued           date,
    doc_issuer           text,
    -- residence: Italian (province + municipality) or abroad (province EE, city + country)
    res_address          text,
    res_street_number    text,
    res_postcode         char(5) CHECK (res_postcode ~ '^[0-9]{5}$'),
    res_province         char(2) REFERENCES provinces(code),
    res_municipality     char(6) REFERENCES municipalities(istat_code),
    res_city             text,
    res_country          char(4) REFERENCES countries(belfiore),
    -- domicile
    dom_care_of          text,
    dom_address          text,
    dom_street_number    text,
    dom_province         char(2) REFERENCES provinces(code),
    dom_municipality     char(6) REFERENCES municipalities(istat_code),
    dom_postcode         char(5) CHECK (dom_postcode ~ '^[0-9]{5}$'),
    dom_send_mail        boolean NOT NULL DEFAULT false,
    -- contacts
    email                text,
    mobile               text,
    phone                text,
    -- notes
    operator_note        text,
    other_notes          text,
    -- bookkeeping (stamped by registrations_guard, V5)
    created_by           text REFERENCES operators(id),
    updated_by           text REFERENCES operators(id),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- Credentials (SPEC §4). Secrets are stored only as keyed hashes (HMAC-SHA-256 with a key
    -- kept outside the database); passwords and answers as argon2id. The PIN and the activation
    -- code live in registration_credentials: the three columns below are no longer written.
    pin_hash                   bytea,                      -- unused: see registration_credentials
    activation_code_hash       bytea,                      -- unused: see registration_credentials
    activation_code_expires_at timestamptz,                -- unused: see registration_credentials
    password_hash              text,
    secret_question            text,
    secret_answer_hash         text,
    failed_attempts            integer NOT NULL DEFAULT 0,
    locked_at                  timestamptz,
    -- the search keys of surname and first name, kept by the database itself, in byte order
    last_name_key  text COLLATE "C" GENERATED ALWAYS AS (search_key(last_name)) STORED,
    first_name_key text COLLATE "C" GENERATED ALWAYS AS (search_key(first_name)) STORED
) WITH (fillfactor = 85);  -- room on the page for HOT updates (the printing queue is a table apart)
CREATE UNIQUE INDEX registrations_username ON registrations (lower(username)) WHERE username IS NOT NULL;
-- Search indexes. Results are listed by surname key, first-name key, number (byte order, the
-- same on every server): a key prefix, or a municipality/province with a state, walks an index
-- in that order and stops after its page instead of sorting every match. Substring matches
-- (`*x*`) use the trigram indexes, fiscal-code prefixes the pattern index.
CREATE INDEX registrations_cf_trgm         ON registrations USING gin (fiscal_code gin_trgm_ops);
CREATE INDEX registrations_cf_prefix       ON registrations (fiscal_code text_pattern_ops);
CREATE INDEX registrations_date            ON registrations (registered_at);
CREATE INDEX registrations_last_name_key_trgm  ON registrations USING gin (last_name_key gin_trgm_ops);
CREATE INDEX registrations_first_name_key_trgm ON registrations USING gin (first_name_key gin_trgm_ops);
CREATE INDEX registrations_name_order          ON registrations (last_name_key, first_name_key, registration_number);
CREATE INDEX registrations_municipality        ON registrations
    (res_municipality, state, last_name_key, first_name_key, registration_number);
CREATE INDEX registrations_province            ON registrations
    (res_province, state, last_name_key, first_name_key, registration_number);

-- The credentials a registration is handed (PIN, activation code), in a narrow table of their
-- own: a postal run stores a thousand PIN hashes a statement, which on `registrations` (wide
-- rows, many indexes, a statistics trigger) rewrote every index; here each is a HOT update of one
-- narrow row. A registration without a row holds no PIN and no code and has never had a letter
-- printed (readers LEFT JOIN and take the defaults); writers make the empty row first, then
-- update it (registration_credentials_guard, V5). The row goes with its registration.
CREATE TABLE registration_credentials (
    registration_number        bigint PRIMARY KEY REFERENCES registrations(registration_number) ON DELETE CASCADE,
    pin_hash                   bytea,                 -- keyed hash of the PIN in force
    pin_possessed              boolean NOT NULL DEFAULT false,
    pin_printed_at             timestamptz,           -- last PIN letter of a postal run
    pin_print_count            integer NOT NULL DEFAULT 0,
    activation_code_hash       bytea,                 -- keyed hash of the activation code in force
    activation_code_expires_at timestamptz
) WITH (fillfactor = 80);  -- room on the page: a reprint or a new code is a HOT update

-- Operations booked at a desk (or opened by the postal run: a weak 'activation'). At most one
-- active ('A') per registration, enforced here; the rest of their rules is operations_guard (V5).
CREATE TABLE operations (
    id                    bigserial PRIMARY KEY,
    registration_number   bigint NOT NULL REFERENCES registrations(registration_number) ON DELETE CASCADE,
    kind                  text NOT NULL CHECK (kind IN ('verification', 'promotion', 'reset', 'pin', 'revocation', 'activation')),
    requested_at          timestamptz NOT NULL DEFAULT now(),
    ente                  text NOT NULL,
    operator_id           text NOT NULL REFERENCES operators(id),
    status                char(1) NOT NULL DEFAULT 'A' CHECK (status IN ('A', 'S', 'D')),
    closed_at             timestamptz,
    pin_hash              bytea,        -- the new PIN handed out, in force once completed
    revocation_code_hash  bytea,
    code_expires_at       timestamptz
);
CREATE UNIQUE INDEX operations_one_active ON operations (registration_number) WHERE status = 'A';
CREATE INDEX operations_registration ON operations (registration_number, requested_at DESC);

-- Delegate who came to the desk for an operation.
CREATE TABLE delegates (
    operation_id   bigint PRIMARY KEY REFERENCES operations(id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('proxy', 'guardianship')),
    first_name     text NOT NULL,
    last_name      text NOT NULL,
    fiscal_code    text NOT NULL CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
    doc_type       text NOT NULL,
    doc_number     text NOT NULL,
    doc_issued     date NOT NULL,
    doc_issuer     text NOT NULL,
    email          text,
    phone          text
);

-- The citizen's letters, by path (the letters themselves are files, never in the database), so
-- those holding a PIN or a code are removed wherever they were written once their operation is
-- over or their registration gone: each process with a letters directory sweeps the rows under
-- it (src/desk/letter_files.rs). A row outlives its operation (SET NULL) and its registration.
-- A letter lies in its registration's folder (operation_letters_in_their_folder, V5).
CREATE TABLE operation_letters (
    operation_id         bigint REFERENCES operations (id) ON DELETE SET NULL,  -- NULL: none in progress
    path                 text PRIMARY KEY CHECK (path LIKE '/%' AND path !~ '(^|/)\.\.(/|$)'),
    secret               boolean NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    registration_number  bigint NOT NULL
);
CREATE INDEX operation_letters_registration ON operation_letters (registration_number);
CREATE INDEX operation_letters_operation ON operation_letters (operation_id);

-- Registrations whose PIN letter is to be mailed (pre-loaded residents, reprint requests): a queue
-- of its own, so that printing updates no indexed column of registrations.
CREATE TABLE pin_letter_queue (
    registration_number  bigint PRIMARY KEY REFERENCES registrations(registration_number) ON DELETE CASCADE,
    res_province         char(2),
    queued_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pin_letter_queue_province ON pin_letter_queue (res_province, registration_number);

-- What is left of a revoked registration: no personal data, only a keyed hash of the fiscal
-- code (to answer "was this person revoked?"), the statistics' person hash (V7: one pseudonym
-- for a citizen revoked and registered again) and the facts of the revocation. One per
-- registration: written only by sportello_erase (V8), which deletes the registration with it.
CREATE TABLE revocations (
    id                   bigserial PRIMARY KEY,
    registration_number  bigint NOT NULL,
    fiscal_code_hash     bytea NOT NULL,
    community            text NOT NULL,
    registered_at        timestamptz NOT NULL,
    revoked_at           timestamptz NOT NULL DEFAULT now(),
    channel              text NOT NULL CHECK (channel IN ('online', 'registered-letter')),
    letter_protocol      text,
    stats_person         bytea
);
CREATE INDEX revocations_fiscal_code_hash ON revocations (fiscal_code_hash);
CREATE UNIQUE INDEX revocations_one_per_registration ON revocations (registration_number);

-- Accounts of the legacy system not migrated: a new registration needs the old one deleted first.
CREATE TABLE legacy_accounts (
    fiscal_code  text PRIMARY KEY,
    username     text,
    noted_at     timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Registry mirrors
-- ---------------------------------------------------------------------------------------------

-- Mirrors of the two registries consulted at registration: municipal (CIA) and health (AURA).
-- Loaded only by the imports, which check every code against the reference data themselves
-- (no foreign key: a per-row trigger would halve the load rate). `row_hash` is a digest of the
-- row's content, so that an unchanged row is recognised without comparing every column.
CREATE TABLE cia_residents (
    fiscal_code        text PRIMARY KEY CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
    first_name         text NOT NULL,
    last_name          text NOT NULL,
    birth_date         date NOT NULL,
    sex                char(1) NOT NULL CHECK (sex IN ('M', 'F')),
    res_address        text,
    res_street_number  text,
    res_postcode       char(5),
    res_municipality   char(6),
    doc_type           text,
    doc_number         text,
    doc_issued         date,
    doc_issuer         text,
    row_hash           bytea,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE aura_residents (LIKE cia_residents INCLUDING ALL);

-- What a registry import stages before merging it into a mirror (sportello_registry_merge, V8):
-- INSERT-only for the batch, so COPY keeps its speed; rows never outlive their transaction.
CREATE UNLOGGED TABLE registry_inbox (
    fiscal_code text, first_name text, last_name text, birth_date date, sex text, res_address text,
    res_street_number text, res_postcode text, res_municipality text, doc_type text, doc_number text,
    doc_issued date, doc_issuer text, row_hash bytea
);

-- ---------------------------------------------------------------------------------------------
-- Batch runs (imports, postal runs, registered-letter revocations, helpdesk mailbox)
-- ---------------------------------------------------------------------------------------------

-- Each run is recorded with its progress, so that a crashed run resumes where it committed last.
-- One run per input at a time: the process that holds it (its session keeps an advisory lock for
-- the life of the run, pid and host say which), so that a second run can name it, and a run whose
-- process has gone is taken over by the next.
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
    counts         jsonb NOT NULL DEFAULT '{}', -- what the job did (inserted, updated, printed, ...)
    pid            integer,
    host           text
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

-- Postal-run batches: a PDF of letters and its manifest, and apart (never in the envelope of the
-- PIN) the activation-code letters of the residents without an email address. 'committed' = PINs
-- stored and the files fsynced under temporary names; 'published' = renamed to their final names.
CREATE TABLE postal_batches (
    run_id          bigint NOT NULL REFERENCES batch_runs(id),
    batch_no        integer NOT NULL,
    pdf             text NOT NULL,
    manifest        text NOT NULL,
    letters         integer NOT NULL,
    state           text NOT NULL CHECK (state IN ('committed', 'published')),
    codes_pdf       text,
    codes_manifest  text,
    codes           integer NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, batch_no)
);

-- Helpdesk requests by email: each Message-ID is processed once. A reply is sent after the
-- transaction that decided it has committed; until it is known to be sent (replied_at), a later
-- run answers the message again (a crash in between loses nothing).
CREATE TABLE helpdesk_messages (
    message_id        text PRIMARY KEY,
    run_id            bigint REFERENCES batch_runs(id),
    file              text NOT NULL,
    sender            text,
    fiscal_code_hash  bytea,
    outcome           text NOT NULL,
    reason            text,
    processed_at      timestamptz NOT NULL DEFAULT now(),
    replied_at        timestamptz
);

-- ---------------------------------------------------------------------------------------------
-- The audit log (stamped and chained by V6)
-- ---------------------------------------------------------------------------------------------

-- Append-only record of every access: who, when, from where, what, on whom, how many results.
-- `at`, `login` and the chain's columns (seq, prev_hash, hash) are the database's (V6).
-- A column added later must be nullable with no default, or the hashes of older rows break.
CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    operator_id   text,                     -- NULL: the citizen's own action (the portal's login)
    origin        text NOT NULL,
    command       text NOT NULL,
    action        text NOT NULL,
    target        text,
    details       jsonb NOT NULL DEFAULT '{}',
    result_count  bigint,
    outcome       text NOT NULL DEFAULT 'ok',
    login         text,                     -- session_user, stamped
    seq           bigint NOT NULL,          -- 1, 2, 3, ... with no gaps
    prev_hash     bytea NOT NULL,
    hash          bytea NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_operator ON audit_log (operator_id, at);
CREATE INDEX audit_log_target ON audit_log (target, at);
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);

-- The audit chain's append lock: one row, which no application login may read or lock.
CREATE TABLE audit_chain_lock (one boolean PRIMARY KEY DEFAULT true CHECK (one));

-- ---------------------------------------------------------------------------------------------
-- The lifecycle's graph (filled and applied by V5)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE registration_transitions (
    event        text NOT NULL CHECK (event IN ('register', 'preload', 'book', 'postal', 'handover', 'completion')),
    operation    text,
    from_state   text,
    from_strong  boolean,
    to_state     text NOT NULL,
    to_strong    boolean NOT NULL,
    role         text NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- Statistics (kept by the triggers of V7)
-- ---------------------------------------------------------------------------------------------

-- One row per day and combination of dimensions: the actor (ente, operator) and the
-- registration as it was when the event happened (residence, community, state, strength).
-- `days` is the histogram of booking-to-completion days of 'completed' events (0 for the
-- others), so that medians and percentiles come out exact without the operations table.
-- No personal data is kept here: no fiscal code, no name, no registration number.
CREATE TABLE stats_counts (
    day           date    NOT NULL,            -- Italian calendar day of the event
    event         text    NOT NULL,
    kind          text    NOT NULL DEFAULT '',
    ente          text    NOT NULL DEFAULT '',
    operator_id   text    NOT NULL DEFAULT '',
    province      text    NOT NULL DEFAULT '',
    municipality  text    NOT NULL DEFAULT '',  -- ISTAT code
    community     text    NOT NULL DEFAULT '',
    state         text    NOT NULL DEFAULT '',
    strong        text    NOT NULL DEFAULT '',  -- 'Y', 'N', '' when not known
    days          integer NOT NULL DEFAULT 0,
    n             bigint  NOT NULL,
    PRIMARY KEY (day, event, kind, ente, operator_id, province, municipality, community, state, strong, days)
);

-- The same counts by month, in two roll-ups kept in one table: by province (community, state
-- and strong '*'), and by community, state and strength (province '*'). Writers only append
-- deltas to stats_rollup_pending (hot rows are never locked by them); stats_compact (V7) folds
-- them into stats_rollup.
CREATE TABLE stats_rollup (
    month      date    NOT NULL,            -- its first day
    event      text    NOT NULL,
    kind       text    NOT NULL,
    province   text    NOT NULL,
    community  text    NOT NULL,
    state      text    NOT NULL,
    strong     text    NOT NULL,
    days       integer NOT NULL,
    n          bigint  NOT NULL,
    PRIMARY KEY (month, event, kind, province, community, state, strong, days)
);
CREATE TABLE stats_rollup_pending (LIKE stats_rollup);
