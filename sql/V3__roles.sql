-- The application role: what every command runs as (SET ROLE after connecting).
-- It may read and write the working tables but only append to the audit log.
DO $$
BEGIN
    CREATE ROLE sportello_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- roles are cluster-wide: another database of the cluster made it already
END $$;

GRANT USAGE ON SCHEMA public TO sportello_app;
GRANT SELECT ON provinces, municipalities, countries TO sportello_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    operators, operator_competence, registrations, operations, delegates,
    legacy_accounts, cia_residents, aura_residents TO sportello_app;
GRANT SELECT, INSERT ON audit_log TO sportello_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO sportello_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM sportello_app;
