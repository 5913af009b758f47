-- The foreign states' names as Italian writes them (found by an outside review): the source
-- package capitalised every word and wrote accents as apostrophes (`Stati Uniti D'America`,
-- `Sao Tome' E Principe`), and the data summary a citizen checks and signs printed them so.
-- Articles, prepositions and conjunctions inside a name are lower case; a final accented vowel
-- is the accented letter, as ISTAT writes them. The codes are unchanged.

-- Each state's name once; the countries, and the same states as birthplaces under their current
-- names (former names stay as they were), in one statement.
WITH fixed (belfiore, name) AS (VALUES
    ('Z106', 'Stato della Città del Vaticano'),
    ('Z148', 'Macedonia del Nord'),
    ('Z161', 'Territori dell''Autonomia Palestinese'),
    ('Z213', 'Repubblica di Corea'),
    ('Z214', 'Repubblica Popolare Democratica di Corea'),
    ('Z312', 'Repubblica Democratica del Congo'),
    ('Z313', 'Costa d''Avorio'),
    ('Z341', 'Sao Tomé e Principe'),
    ('Z403', 'Saint Pierre e Miquelon'),
    ('Z404', 'Stati Uniti d''America'),
    ('Z519', 'Isole Turks e Caicos'),
    ('Z528', 'Saint Vincent e Grenadine'),
    ('Z532', 'Antigua e Barbuda'),
    ('Z533', 'Saint Kitts e Nevis'),
    ('Z611', 'Perù'),
    ('Z612', 'Trinidad e Tobago'),
    ('Z729', 'Isole Wallis e Futuna'),
    ('Z735', 'Stati Federati di Micronesia')),
countries AS (
    UPDATE public.countries AS c SET name = f.name FROM fixed f WHERE c.belfiore = f.belfiore RETURNING c.belfiore)
UPDATE public.birthplaces AS b SET name = f.name
  FROM fixed f
 WHERE b.belfiore = f.belfiore AND b.valid_to IS NULL;
