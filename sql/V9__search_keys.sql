-- Accent- and apostrophe-insensitive search (issue 12, item 7): `nicolo` finds NICOLÒ and
-- `dangelo` finds D'ANGELO.
--
-- search_key() folds a name into its search key: the accented Latin letters the registry can
-- hold become their base letter, apostrophes, spaces and hyphens go, and ASCII letters are
-- upper-cased. It is IMMUTABLE (the unaccent extension is not, and may be missing): translate()
-- and upper() under the "C" collation, which upper-cases ASCII only, the same on every server.
-- The Rust twin, sportello::search_key::search_key, applies the same table to what operators
-- type; a test checks that the two agree.
CREATE FUNCTION search_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN upper(translate(name, 'àÀáÁâÂãÃäÄåÅāĀăĂąĄçÇćĆĉĈċĊčČďĎđĐèÈéÉêÊëËēĒĕĔėĖęĘěĚĝĜğĞġĠģĢĥĤħĦìÌíÍîÎïÏĩĨīĪĭĬįĮıİĵĴķĶĺĹļĻľĽŀĿłŁñÑńŃņŅňŇòÒóÓôÔõÕöÖøØōŌŏŎőŐŕŔŗŖřŘśŚŝŜşŞšŠșȘţŢťŤŧŦțȚùÙúÚûÛüÜũŨūŪŭŬůŮűŰųŲŵŴýÝÿŸŷŶźŹżŻžŽ''’‘`´ -', 'AAAAAAAAAAAAAAAAAACCCCCCCCCCDDDDEEEEEEEEEEEEEEEEEEGGGGGGGGHHHHIIIIIIIIIIIIIIIIIIJJKKLLLLLLLLLLNNNNNNNNOOOOOOOOOOOOOOOOOORRRRRRSSSSSSSSSSTTTTTTTTUUUUUUUUUUUUUUUUUUUUWWYYYYYYZZZZZZ') COLLATE "C");

-- The keys of surname and first name, kept by the database itself, in byte order.
ALTER TABLE registrations
    ADD COLUMN last_name_key text COLLATE "C" GENERATED ALWAYS AS (search_key(last_name)) STORED,
    ADD COLUMN first_name_key text COLLATE "C" GENERATED ALWAYS AS (search_key(first_name)) STORED;

-- The search indexes of V1, now on the keys: results are listed by surname key, first-name key,
-- number; a key prefix, or a municipality/province with a state, walks an index in that order
-- and stops after its page; substring matches (`*x*`) use the trigrams.
DROP INDEX registrations_last_name_trgm;
DROP INDEX registrations_first_name_trgm;
DROP INDEX registrations_name_order;
DROP INDEX registrations_municipality;
DROP INDEX registrations_province;
CREATE INDEX registrations_last_name_key_trgm  ON registrations USING gin (last_name_key gin_trgm_ops);
CREATE INDEX registrations_first_name_key_trgm ON registrations USING gin (first_name_key gin_trgm_ops);
CREATE INDEX registrations_name_order          ON registrations (last_name_key, first_name_key, registration_number);
CREATE INDEX registrations_municipality        ON registrations
    (res_municipality, state, last_name_key, first_name_key, registration_number);
CREATE INDEX registrations_province            ON registrations
    (res_province, state, last_name_key, first_name_key, registration_number);
