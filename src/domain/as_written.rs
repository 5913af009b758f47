//! Citizens' data as they write it (an email to the helpdesk, a registered letter), compared
//! with the record: names, document numbers, fiscal codes and dates. One matcher for every path
//! that checks what a citizen typed against what is on record, so that the helpdesk mailbox and
//! the registered letters accept and refuse the same things.
//!
//! - **Names** are compared on a key: Unicode NFKC, then transliterated to ASCII (`deunicode`:
//!   `Ľubomír` is `Lubomir`, `Straße` is `Strasse`), upper case, letters and digits only. Spaces,
//!   hyphens and apostrophes of every kind (`'` `’` `‘` `` ` `` `´`, `-` `‐` `–` ...) are
//!   separators and count for nothing: `D’Alessandro`, `D' ALESSANDRO` and `Dalessandro` are
//!   `D'Alessandro`; `NICOLO'` (the apostrophe that stands for an accent on keyboards without
//!   one) and `Nicolo` are `Nicolò`. In free text a name must occupy whole words: `Rossi` is not
//!   found in `Rossini`.
//! - **Document numbers** the same way, without transliteration: `CA 12345 AA`, `ca-12345-aa`.
//! - **Fiscal codes** upper or lower case, in groups split by spaces, dots or dashes
//!   (`dll mgr 84b69 f335o`), then validated with their check character as everywhere else.
//! - **Dates** as Italians write them: `2.5.2019`, `02-05-2019`, `02/05/2019`, `2019-05-02`,
//!   `2 maggio 2019`, `2 Maggio 2019`, `1° maggio 2019`, `2 mag. 2019`, also glued to the words
//!   around them (`il02/05/2019`). A two-digit year is of this century (`02.05.19` is 2 May
//!   2019): the dates compared here are document issue dates and protocol dates, never earlier
//!   than 2000 for a document still valid; an earlier date is written with four digits.
//!
//! Loose matching of the way a value is written never stands alone: the callers compare every
//! field (names, fiscal code, document number and issue date, and for email the registered
//! sender), so two different people whose names fold to the same letters are still told apart.

use std::borrow::Cow;

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use super::fiscal_code::{FiscalCode, FiscalCodeError};
use crate::i18n::Message;

/// Apostrophes and the characters typed for them: ASCII, typographic (phone keyboards' default),
/// grave and acute accents, prime, modifier letters.
pub const APOSTROPHES: &[char] = &['\'', '’', '‘', '`', '´', 'ʼ', 'ʹ', '′', 'ˈ', '‛'];

/// Hyphens and dashes.
const HYPHENS: &[char] = &['-', '‐', '‑', '‒', '–', '—', '―', '−', '﹣', '－'];

/// Unicode NFKC: composed accents, compatibility forms (full-width letters, ligatures) folded.
fn nfkc(s: &str) -> Cow<'_, str> {
    if s.is_ascii() { Cow::Borrowed(s) } else { Cow::Owned(s.nfkc().collect()) }
}

/// The key a name is compared on: transliterated to ASCII, upper case, letters and digits only.
/// `Nicolò`, `NICOLO'` and `nicolo` have one key; so have `D’Alessandro` and `DALESSANDRO`.
pub fn name_key(name: &str) -> String {
    let name = nfkc(name);
    let ascii = if name.is_ascii() { Cow::Borrowed(&*name) } else { Cow::Owned(deunicode::deunicode(&name)) };
    ascii.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// Two names written differently but the same (see [`name_key`]). An empty name is no name.
pub fn same_name(written: &str, recorded: &str) -> bool {
    let key = name_key(written);
    !key.is_empty() && key == name_key(recorded)
}

/// The key a code (a document number) is compared on: ASCII letters and digits, upper case;
/// anything else (a letter that is not ASCII) is kept as it is, so it never matches an ASCII one.
pub fn code_key(code: &str) -> String {
    nfkc(code).chars().filter(|c| c.is_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Two document numbers written differently but the same: `CA 12345 AA` and `ca-12345-aa`.
pub fn same_code(written: &str, recorded: &str) -> bool {
    let key = code_key(written);
    !key.is_empty() && key == code_key(recorded)
}

/// A fiscal code as written: upper or lower case, in groups split by spaces, dots or dashes.
/// Validated (layout and check character) like every fiscal code.
pub fn fiscal_code(written: &str) -> Result<FiscalCode, FiscalCodeError> {
    let code: String = nfkc(written).chars().filter(|c| !is_group_separator(*c)).collect();
    FiscalCode::parse(&code)
}

/// What may split the groups of a code: white space, dots, dashes.
fn is_group_separator(c: char) -> bool {
    c.is_whitespace() || c == '.' || HYPHENS.contains(&c)
}

/// What may split the words of a name: white space, apostrophes, hyphens.
fn is_name_separator(c: char) -> bool {
    c.is_whitespace() || APOSTROPHES.contains(&c) || HYPHENS.contains(&c)
}

/// A date as written in a field (a letter's `doc_issued`): exactly one of the forms of the
/// module's documentation, nothing else around it.
pub fn date(written: &str) -> Result<NaiveDate, Message> {
    let tokens = Text::new(written.trim()).date_tokens();
    match date_spans(&tokens).as_slice() {
        [(0, end, d)] if *end == tokens.len() => Ok(*d),
        _ => Err(super::record::no_such_day(written)
            .unwrap_or_else(|| crate::msg!("written-date-invalid", input = super::text::shown(written.trim(), 40)))),
    }
}

/// A piece of free text: runs of letters and digits, and the characters between them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A run of letters and digits (after NFKC).
    Word(String),
    /// One character that is neither a letter, a digit nor white space.
    Mark(char),
    /// A run of white space.
    Space,
}

/// Free text (an email's subject and body) searched for a citizen's data.
#[derive(Debug, Clone)]
pub struct Text {
    tokens: Vec<Token>,
}

impl Text {
    pub fn new(text: &str) -> Text {
        let mut tokens = Vec::new();
        let mut word = String::new();
        // The ordinal signs of `1º`, `1ª` are the degree sign of `1°` (NFKC would make them letters).
        let text = if text.contains(['º', 'ª']) {
            Cow::Owned(text.replace(['º', 'ª'], "°"))
        } else {
            Cow::Borrowed(text)
        };
        for c in nfkc(&text).chars() {
            // A combining mark left alone (NFKC writes `´` as a space and U+0301) is no character.
            if ('\u{300}'..='\u{36f}').contains(&c) {
                continue;
            }
            if c.is_alphanumeric() {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                tokens.push(Token::Word(std::mem::take(&mut word)));
            }
            if c.is_whitespace() {
                if tokens.last() != Some(&Token::Space) {
                    tokens.push(Token::Space);
                }
            } else {
                tokens.push(Token::Mark(c));
            }
        }
        if !word.is_empty() {
            tokens.push(Token::Word(word));
        }
        Text { tokens }
    }

    /// Runs of words split only by separators: each run as its words, each word as its key.
    /// A run may begin at any of its words (a name or a code is sought at every start).
    fn runs(&self, separator: fn(char) -> bool, key: fn(&str) -> String) -> Vec<Vec<String>> {
        let mut runs = vec![];
        let mut run: Vec<String> = vec![];
        for t in &self.tokens {
            match t {
                Token::Word(w) => run.push(key(w)),
                Token::Space => {}
                Token::Mark(c) if separator(*c) => {}
                Token::Mark(_) => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        runs.retain(|r| !r.is_empty());
        runs
    }

    /// Whether whole consecutive words of the text, split only by `separator`s, make `key`.
    fn has(&self, key: &str, separator: fn(char) -> bool, word_key: fn(&str) -> String) -> bool {
        if key.is_empty() {
            return false;
        }
        self.runs(separator, word_key).iter().any(|run| {
            (0..run.len()).any(|start| {
                let mut joined = String::new();
                for w in &run[start..] {
                    joined.push_str(w);
                    if joined.len() >= key.len() {
                        break;
                    }
                }
                joined == key
            })
        })
    }

    /// Whether the text names `name` (see [`name_key`]) in whole words.
    pub fn mentions_name(&self, name: &str) -> bool {
        self.has(&name_key(name), is_name_separator, name_key)
    }

    /// Whether the text carries the document number `code` (see [`code_key`]) in whole words.
    pub fn mentions_code(&self, code: &str) -> bool {
        self.has(&code_key(code), is_group_separator, code_key)
    }

    /// Every valid fiscal code of the text, in order, each once: written whole or in groups,
    /// upper or lower case.
    pub fn fiscal_codes(&self) -> Vec<FiscalCode> {
        let mut found: Vec<FiscalCode> = vec![];
        let ascii = |w: &str| if w.is_ascii() { w.to_ascii_uppercase() } else { String::from("\u{0}") };
        for run in self.runs(is_group_separator, ascii) {
            for start in 0..run.len() {
                let mut joined = String::new();
                for w in &run[start..] {
                    joined.push_str(w);
                    if joined.len() >= 16 {
                        break;
                    }
                }
                if let Ok(fc) = FiscalCode::parse(&joined)
                    && !found.contains(&fc)
                {
                    found.push(fc);
                }
            }
        }
        found
    }

    /// Every date the text writes, in order.
    pub fn dates(&self) -> Vec<NaiveDate> {
        date_spans(&self.date_tokens()).into_iter().map(|(_, _, d)| d).collect()
    }

    /// Whether the text writes the date `d` in any of the usual forms.
    pub fn mentions_date(&self, d: NaiveDate) -> bool {
        self.dates().contains(&d)
    }

    /// The tokens with each word split where digits meet letters: a date glued to the word
    /// before or after it (`il02/05/2019`, `2maggio 2019`, as phone keyboards eat spaces) is
    /// still read. Only dates are read so: names and codes stay whole words.
    fn date_tokens(&self) -> Vec<Token> {
        let mut out = Vec::with_capacity(self.tokens.len());
        for t in &self.tokens {
            let Token::Word(w) = t else {
                out.push(t.clone());
                continue;
            };
            let mut piece = String::new();
            for c in w.chars() {
                if piece.chars().next_back().is_some_and(|p| p.is_ascii_digit() != c.is_ascii_digit()) {
                    out.push(Token::Word(std::mem::take(&mut piece)));
                }
                piece.push(c);
            }
            out.push(Token::Word(piece));
        }
        out
    }
}

/// The dates of a list of tokens: (first token, token after the last, date).
fn date_spans(t: &[Token]) -> Vec<(usize, usize, NaiveDate)> {
    let mut out = vec![];
    let mut i = 0;
    while i < t.len() {
        // A date begins a number that does not continue one (`1.2.3.2019` is no date).
        let continues =
            i >= 2 && matches!(t[i - 1], Token::Mark(c) if is_date_separator(c)) && number(&t[i - 2]).is_some();
        if !continues && let Some((end, d)) = numeric_date(t, i).or_else(|| date_in_words(t, i)) {
            out.push((i, end, d));
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

fn is_date_separator(c: char) -> bool {
    c == '/' || c == '.' || HYPHENS.contains(&c)
}

/// A word made of 1 to 4 ASCII digits: its value and its length.
fn number(t: &Token) -> Option<(u32, usize)> {
    match t {
        Token::Word(w) if (1..=4).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit()) => {
            w.parse().ok().map(|n| (n, w.len()))
        }
        _ => None,
    }
}

/// The index after any white space from `i`.
fn skip_space(t: &[Token], mut i: usize) -> usize {
    while matches!(t.get(i), Some(Token::Space)) {
        i += 1;
    }
    i
}

/// A two-digit year is of this century (see the module's documentation).
fn full_year(year: u32, digits: usize) -> Option<i32> {
    match digits {
        2 => Some(2000 + year as i32),
        4 => Some(year as i32),
        _ => None,
    }
}

/// `d.m.yyyy`, `d-m-yyyy`, `d/m/yyyy` (one separator twice, one or two digits for day and
/// month, two or four for the year, spaces around the separators allowed) and `yyyy-mm-dd`
/// (or with `/` or `.`), from token `i`; not followed by another separator and number.
fn numeric_date(t: &[Token], i: usize) -> Option<(usize, NaiveDate)> {
    let (a, a_len) = number(t.get(i)?)?;
    let sep_at = skip_space(t, i + 1);
    let Some(Token::Mark(sep)) = t.get(sep_at) else { return None };
    if !is_date_separator(*sep) {
        return None;
    }
    let b_at = skip_space(t, sep_at + 1);
    let (b, b_len) = number(t.get(b_at)?)?;
    let sep2_at = skip_space(t, b_at + 1);
    if t.get(sep2_at) != Some(&Token::Mark(*sep)) {
        return None;
    }
    let c_at = skip_space(t, sep2_at + 1);
    let (c, c_len) = number(t.get(c_at)?)?;
    let end = c_at + 1;
    // `02/05/2019/3` or `2.5.2019.1` are something else.
    if let (Some(Token::Mark(m)), Some(next)) = (t.get(end), t.get(end + 1))
        && is_date_separator(*m)
        && number(next).is_some()
    {
        return None;
    }
    let date = if a_len == 4 && b_len <= 2 && c_len <= 2 {
        NaiveDate::from_ymd_opt(a as i32, b, c)?
    } else if a_len <= 2 && b_len <= 2 {
        NaiveDate::from_ymd_opt(full_year(c, c_len)?, b, a)?
    } else {
        return None;
    };
    Some((end, date))
}

const MONTHS: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];

/// The month of an Italian month name, whole or in its usual abbreviation (`gen`, `feb`, `mar`,
/// `apr`, `mag`, `giu`, `lug`, `ago`, `set`, `ott`, `nov`, `dic`), in any case.
fn month(word: &str) -> Option<u32> {
    let w = word.to_lowercase();
    const SHORT: [&str; 12] = ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"];
    MONTHS.iter().position(|m| *m == w).or_else(|| SHORT.iter().position(|m| *m == w)).map(|i| i as u32 + 1)
}

/// `2 maggio 2019`, `02 Maggio 2019`, `1° maggio 2019`, `1º maggio 2019`, `2 mag. 2019`,
/// `2 maggio, 2019`, from token `i`.
fn date_in_words(t: &[Token], i: usize) -> Option<(usize, NaiveDate)> {
    let (day, day_len) = number(t.get(i)?)?;
    if day_len > 2 {
        return None;
    }
    let mut at = i + 1;
    // The ordinal of the first day: `1°` (and `1º`, read as `1°` by [`Text::new`]).
    if matches!(t.get(at), Some(Token::Mark('°'))) {
        at += 1;
    }
    at = skip_space(t, at);
    let Some(Token::Word(w)) = t.get(at) else { return None };
    let m = month(w)?;
    at += 1;
    if matches!(t.get(at), Some(Token::Mark('.'))) {
        at += 1;
    }
    at = skip_space(t, at);
    if matches!(t.get(at), Some(Token::Mark(','))) {
        at = skip_space(t, at + 1);
    }
    let (year, 4) = number(t.get(at)?)? else { return None };
    Some((at + 1, NaiveDate::from_ymd_opt(year as i32, m, day)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn names_as_written() {
        for (written, recorded) in [
            ("Nicolo", "NICOLÒ"),
            ("NICOLO'", "NICOLÒ"),
            ("NICOLO", "Nicolò"),
            ("nicolò", "NICOLÒ"),
            ("Lubomir Novak", "Ľubomír Novák"),
            ("D’Alessandro", "D'Alessandro"),
            ("D‘ALESSANDRO", "D'Alessandro"),
            ("D`Alessandro", "D'Alessandro"),
            ("D´Alessandro", "D'Alessandro"),
            ("Dalessandro", "D'Alessandro"),
            ("D' Alessandro", "D'Alessandro"),
            ("  de   luca ", "De Luca"),
            ("De-Luca", "DE LUCA"),
            ("Rossi–Bianchi", "Rossi-Bianchi"),
            ("Strasse", "Straße"),
            ("Çelik Ærø", "CELIK AERO"),
            ("Nicolo\u{300}", "NICOLÒ"),
            ("ＲＯＳＳＩ", "Rossi"),
            ("Łukasz", "LUKASZ"),
        ] {
            assert!(same_name(written, recorded), "{written} / {recorded}");
        }
        for (written, recorded) in [("Nicola", "NICOLÒ"), ("Rossi", "Rossini"), ("", ""), ("'", "-")] {
            assert!(!same_name(written, recorded), "{written} / {recorded}");
        }
    }

    #[test]
    fn names_in_free_text_are_whole_words() {
        let t = Text::new("Buongiorno, sono NICOLO' D’Alessandro (Lubomir Novak è mio cugino).");
        for name in ["Nicolò", "D'Alessandro", "DALESSANDRO", "Ľubomír", "Novák", "Nicolò D'Alessandro"] {
            assert!(t.mentions_name(name), "{name}");
        }
        for name in ["Nicola", "Alessandrini", "Rossi", "Nova", "Sono Nicola", "", "'"] {
            assert!(!t.mentions_name(name), "{name}");
        }
        assert!(!Text::new("Mario Rossini").mentions_name("Rossi"));
        assert!(!Text::new("Ros, si").mentions_name("Rossi"), "a comma ends a name");
    }

    #[test]
    fn document_numbers_as_written() {
        assert!(same_code("ca 12345 aa", "CA12345AA"));
        assert!(same_code("CA-12345-AA", "CA12345AA"));
        assert!(!same_code("CA12345AB", "CA12345AA"));
        assert!(!same_code("", ""));
        let t = Text::new("Documento: carta d'identità numero CA 12345 AA, rilasciata il 1/3/2022.");
        assert!(t.mentions_code("CA12345AA"));
        assert!(!t.mentions_code("A12345AA"), "whole words only");
        assert!(!t.mentions_code("CA12345A"));
        assert!(Text::new("n. ca-12345-aa").mentions_code("CA12345AA"));
    }

    #[test]
    fn fiscal_codes_as_written() {
        let code = "DLLMGR84B69F335O";
        assert_eq!(FiscalCode::parse(code).map(|c| c.as_str().to_string()), Ok(code.to_string()), "a valid code");
        for written in ["dll mgr 84b69 f335o", "DLL.MGR.84B69.F335O", "dll-mgr-84b69-f335o", " dllmgr84b69f335o "] {
            assert_eq!(fiscal_code(written).unwrap().as_str(), code, "{written}");
            assert_eq!(FiscalCode::parse_input(written).unwrap().as_str(), code, "desk and portal: {written}");
            let t = Text::new(&format!("Il mio codice fiscale è {written}, grazie"));
            assert_eq!(t.fiscal_codes().iter().map(|c| c.as_str()).collect::<Vec<_>>(), [code], "{written}");
        }
        assert!(fiscal_code("dll mgr 84b69 f335x").is_err(), "check character still checked");
        assert!(Text::new("dll mgr 84b69 f335x").fiscal_codes().is_empty());
        // Table cells apart, the code is found; run together with a label, it is not a code.
        assert_eq!(Text::new("Codice fiscale | DLLMGR84B69F335O |").fiscal_codes().len(), 1);
        assert!(Text::new("fiscaleDLLMGR84B69F335O").fiscal_codes().is_empty());
    }

    #[test]
    fn dates_as_italians_write_them() {
        let may2 = d(2019, 5, 2);
        for written in [
            "2.5.2019",
            "02-05-2019",
            "02/05/2019",
            "2/5/2019",
            "2019-05-02",
            "2 maggio 2019",
            "2 Maggio 2019",
            "02 MAGGIO 2019",
            "2 maggio, 2019",
            "2 mag 2019",
            "2 mag. 2019",
            "02.05.19",
            "2 / 5 / 2019",
            "2–5–2019",
            "2maggio2019",
        ] {
            assert_eq!(date(written), Ok(may2), "{written}");
            assert!(Text::new(&format!("rilasciata il {written}.")).mentions_date(may2), "{written}");
        }
        for written in ["1° marzo 2020", "1º marzo 2020", "1 marzo 2020", "01 Marzo 2020"] {
            assert_eq!(date(written), Ok(d(2020, 3, 1)), "{written}");
        }
        for bad in
            ["2.5-2019", "31/02/2019", "2019", "2 maggio", "maggio 2019", "ieri", "2/5/2019 e poi", "", "1.2.3.2019"]
        {
            assert!(date(bad).is_err(), "{bad}");
        }
        let glued = Text::new("rilasciata il02/05/2019dal Comune, CA12345AA");
        assert_eq!(glued.dates(), [may2]);
        assert!(!glued.mentions_code("CA12345") && glued.mentions_code("CA12345AA"), "codes stay whole");
        let t = Text::new("il 12 maggio 2019, il 2 giugno 2019, tel. 011.22.33, versione 1.2.3.2019, 02/05/2019/3");
        assert_eq!(t.dates(), [d(2019, 5, 12), d(2019, 6, 2)]);
        assert!(!t.mentions_date(may2));
    }

    #[test]
    fn the_error_names_the_input() {
        let e = date("2 mai 2019").unwrap_err();
        assert!(e.english().contains("2 mai 2019"), "{}", e.english());
    }

    proptest! {
        #[test]
        fn every_date_in_every_form(days in 0i64..40_000) {
            use chrono::Datelike;
            let x = d(1950, 1, 1) + chrono::Duration::days(days);
            let (y, m, day) = (x.year(), x.month(), x.day());
            let mut forms = vec![
                format!("{y}-{m:02}-{day:02}"),
                format!("{day} {} {y}", MONTHS[m as usize - 1]),
                format!("{day:02} {} {y}", MONTHS[m as usize - 1].to_uppercase()),
            ];
            for sep in ['.', '-', '/'] {
                forms.push(format!("{day}{sep}{m}{sep}{y}"));
                forms.push(format!("{day:02}{sep}{m:02}{sep}{y}"));
            }
            if y >= 2000 {
                forms.push(format!("{day:02}.{m:02}.{:02}", y % 100));
            }
            for f in forms {
                prop_assert_eq!(date(&f), Ok(x), "{}", f);
                prop_assert_eq!(Text::new(&format!("Data: {f}; grazie")).dates(), vec![x], "{}", f);
            }
        }

        #[test]
        fn written_variants_of_a_name_match_it(name in "[A-Za-zÀ-ÖØ-öø-ÿ' -]{1,30}") {
            prop_assume!(!name_key(&name).is_empty());
            let upper = name.to_uppercase();
            let curly = name.replace('\'', "’");
            let spaced = name.split_whitespace().collect::<Vec<_>>().join("  ");
            for v in [&upper, &curly, &spaced] {
                prop_assert!(same_name(v, &name), "{} / {}", v, name);
                prop_assert!(Text::new(&format!("io sono {v}, grazie")).mentions_name(&name), "{} / {}", v, name);
            }
        }

        #[test]
        fn another_letter_is_another_name(name in "[a-z]{2,12}", at in 0usize..12, c in "[a-z]") {
            let at = at % name.len();
            let mut other: Vec<char> = name.chars().collect();
            prop_assume!(other[at].to_string() != c);
            other[at] = c.chars().next().unwrap();
            let other: String = other.into_iter().collect();
            prop_assert!(!same_name(&other, &name));
            let text = format!("1: {}.", other);
            prop_assert!(!Text::new(&text).mentions_name(&name));
        }

        #[test]
        fn any_text_is_read_without_panic(s in "\\PC{0,200}") {
            let t = Text::new(&s);
            let _ = (t.dates(), t.fiscal_codes(), t.mentions_name("Rossi"), date(&s));
        }
    }
}
