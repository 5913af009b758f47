-- sportello schema: registrations and everything hanging off them (SPEC §3), operators,
-- registry mirrors (CIA, AURA) and the append-only audit log.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE provinces (
    code        char(2) PRIMARY KEY,          -- sigla: TO, VC, ... ; 'EE' = STATO ESTERO
    name        text NOT NULL,
    istat_code  char(3)
);

CREATE TABLE municipalities (
    istat_code   char(6) PRIMARY KEY,
    belfiore     char(4) NOT NULL UNIQUE,     -- cadastral code, as in fiscal codes
    name         text NOT NULL,
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

CREATE TABLE operators (
    id          text PRIMARY KEY,
    full_name   text NOT NULL,
    ente        text NOT NULL,
    fse         boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text
);

-- Territorial competence: a whole province or a single municipality per row.
CREATE TABLE operator_competence (
    operator_id   text NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    province      char(2) REFERENCES provinces(code),
    municipality  char(6) REFERENCES municipalities(istat_code),
    CHECK ((province IS NULL) <> (municipality IS NULL))
);
CREATE UNIQUE INDEX operator_competence_uniq
    ON operator_competence (operator_id, coalesce(province, ''), coalesce(municipality, ''));

CREATE SEQUENCE registration_number_seq START 1000001;

CREATE TABLE registrations (
    registration_number  bigint PRIMARY KEY DEFAULT nextval('registration_number_seq'),
    fiscal_code          text NOT NULL UNIQUE CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
    community            text NOT NULL CHECK (community IN ('sistemapiemonte', 'torinofacile', 'torinofacile light')),
    registered_at        timestamptz NOT NULL DEFAULT now(),
    state                text NOT NULL CHECK (state IN ('registrato', 'riscontrato', 'attivato', 'respinto')),
    strong               boolean NOT NULL DEFAULT false,
    pin_possessed        boolean NOT NULL DEFAULT false,
    verified_at          timestamptz,
    verified_ente        text,
    username             text,
    pin_printed_at       timestamptz,
    pin_print_count      integer NOT NULL DEFAULT 0,
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
    -- bookkeeping
    created_by           text REFERENCES operators(id),
    updated_by           text REFERENCES operators(id),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- Search indexes. Results are listed by surname, first name, number in byte order (COLLATE "C",
-- the same on every server): the composite indexes below serve a surname prefix, or a
-- municipality/province with a state, in that order, so a page of results stops after its
-- rows instead of sorting every match. Substring matches (`*x*`) use the trigram indexes,
-- fiscal-code prefixes the pattern index.
CREATE INDEX registrations_last_name_trgm  ON registrations USING gin (upper(last_name) gin_trgm_ops);
CREATE INDEX registrations_first_name_trgm ON registrations USING gin (upper(first_name) gin_trgm_ops);
CREATE INDEX registrations_cf_trgm         ON registrations USING gin (fiscal_code gin_trgm_ops);
CREATE INDEX registrations_cf_prefix       ON registrations (fiscal_code text_pattern_ops);
CREATE INDEX registrations_name_order      ON registrations
    ((upper(last_name) COLLATE "C"), (upper(first_name) COLLATE "C"), registration_number);
CREATE INDEX registrations_municipality    ON registrations
    (res_municipality, state, (upper(last_name) COLLATE "C"), (upper(first_name) COLLATE "C"), registration_number);
CREATE INDEX registrations_province        ON registrations
    (res_province, state, (upper(last_name) COLLATE "C"), (upper(first_name) COLLATE "C"), registration_number);
CREATE INDEX registrations_date            ON registrations (registered_at);

-- Operations booked at a desk. At most one active ('A') per registration, enforced here.
CREATE TABLE operations (
    id                   bigserial PRIMARY KEY,
    registration_number  bigint NOT NULL REFERENCES registrations(registration_number) ON DELETE CASCADE,
    kind                 text NOT NULL CHECK (kind IN ('verification', 'promotion', 'reset', 'pin', 'revocation')),
    requested_at         timestamptz NOT NULL DEFAULT now(),
    ente                 text NOT NULL,
    operator_id          text NOT NULL REFERENCES operators(id),
    status               char(1) NOT NULL DEFAULT 'A' CHECK (status IN ('A', 'S', 'D')),
    closed_at            timestamptz
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

-- Accounts of the legacy system not migrated: a new registration needs the old one deleted first.
CREATE TABLE legacy_accounts (
    fiscal_code  text PRIMARY KEY,
    username     text,
    noted_at     timestamptz NOT NULL DEFAULT now()
);

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

-- Append-only record of every access: who, when, from where, what, on whom, how many results.
CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    operator_id   text,
    origin        text NOT NULL,
    command       text NOT NULL,
    action        text NOT NULL,
    target        text,
    details       jsonb NOT NULL DEFAULT '{}',
    result_count  bigint,
    outcome       text NOT NULL DEFAULT 'ok'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_operator ON audit_log (operator_id, at);
CREATE INDEX audit_log_target ON audit_log (target, at);

-- Even the owner cannot rewrite history: UPDATE, DELETE and TRUNCATE raise.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
