-- Credentials and the secrets of the desk operations (SPEC §4). Secrets are stored only as
-- keyed hashes (HMAC-SHA-256 with a key kept outside the database); passwords as argon2id.

ALTER TABLE registrations
    ADD COLUMN pin_hash                   bytea,        -- the PIN in force
    ADD COLUMN activation_code_hash       bytea,        -- the activation code in force
    ADD COLUMN activation_code_expires_at timestamptz,
    ADD COLUMN password_hash              text,
    ADD COLUMN secret_question            text,
    ADD COLUMN secret_answer_hash         text,
    ADD COLUMN failed_attempts            integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_at                  timestamptz;
CREATE UNIQUE INDEX registrations_username ON registrations (lower(username)) WHERE username IS NOT NULL;

ALTER TABLE operations
    ADD COLUMN pin_hash              bytea,        -- the new PIN handed out, in force once completed
    ADD COLUMN revocation_code_hash  bytea,
    ADD COLUMN code_expires_at       timestamptz;

-- What is left of a revoked registration: no personal data, only a keyed hash of the fiscal
-- code (to answer "was this person revoked?") and the facts of the revocation.
CREATE TABLE revocations (
    id                   bigserial PRIMARY KEY,
    registration_number  bigint NOT NULL,
    fiscal_code_hash     bytea NOT NULL,
    community            text NOT NULL,
    registered_at        timestamptz NOT NULL,
    revoked_at           timestamptz NOT NULL DEFAULT now(),
    channel              text NOT NULL CHECK (channel IN ('online', 'registered-letter')),
    letter_protocol      text
);
CREATE INDEX revocations_fiscal_code_hash ON revocations (fiscal_code_hash);

GRANT SELECT, INSERT ON revocations TO sportello_app;
GRANT USAGE ON SEQUENCE revocations_id_seq TO sportello_app;
