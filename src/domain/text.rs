//! Free text from outside (desk flags and prompts, registry files): bounded lengths, no control
//! characters. One function, [`check`], used by every validation point, desk and batch alike.

use crate::i18n::Message;

/// Longest value of each text field, in characters, by flag name (registry columns use the same
/// names with `_`; delegate and domicile flags drop their `delegate-`/`dom-` prefix). Generous for real data, far
/// below what the database's indexes hold (a name is indexed; an index row holds about 2,700
/// bytes).
const LIMITS: &[(&str, usize)] = &[
    ("first-name", 100),
    ("last-name", 100),
    ("doc-number", 40),
    ("doc-issuer", 150),
    ("address", 150),
    ("street-number", 20),
    ("care-of", 150),
    ("city", 100),
    ("country", 100),
    ("province", 100),
    ("municipality", 100),
    ("postcode", 10),
    ("email", 254), // RFC 5321's longest forward path
    ("mobile", 30),
    ("phone", 30),
    ("note", 1000),
    ("other-notes", 1000),
    ("name", 150),
    ("ente", 150),
    ("fiscal-code", 40),
];
/// Any other text field.
const DEFAULT_LIMIT: usize = 200;
/// No field's limit is lower: a value this short is within any, its field's not looked up
/// (a registry import checks six fields of every row).
const SHORTEST_LIMIT: usize = 10;

/// The longest value a field may hold, in characters.
pub fn limit(field: &str) -> usize {
    let field = ["delegate-", "delegate_", "dom-", "dom_"]
        .iter()
        .find_map(|prefix| field.strip_prefix(prefix))
        .unwrap_or(field);
    LIMITS
        .iter()
        .find(|(name, _)| {
            name.len() == field.len()
                && name.bytes().zip(field.bytes()).all(|(a, b)| a == b || (a == b'-' && b == b'_'))
        })
        .map_or(DEFAULT_LIMIT, |&(_, n)| n)
}

/// Unicode format characters (general category Cf, Unicode 15.1): invisible, they make two
/// equal-looking values differ or reorder what a terminal shows.
const FORMAT: &[(char, char)] = &[
    ('\u{AD}', '\u{AD}'),
    ('\u{600}', '\u{605}'),
    ('\u{61C}', '\u{61C}'),
    ('\u{6DD}', '\u{6DD}'),
    ('\u{70F}', '\u{70F}'),
    ('\u{890}', '\u{891}'),
    ('\u{8E2}', '\u{8E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// A control (Cc), format (Cf) or line/paragraph separator character: never part of a value.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || c == '\u{2028}'
        || c == '\u{2029}'
        || (c >= '\u{AD}' && FORMAT.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)))
}

/// A person's name: letters of any alphabet (accents typed apart too), spaces (a no-break one
/// pasted from a word processor too), apostrophes, hyphens, dots and the Catalan middle dot
/// (`D’Alessandro`, `Jean-Luc`, `St. John`, `Marcel·lí`); never a digit or a symbol
/// (`Giulia2`, an emoji), which no registry's name holds and a letter would print as typed.
pub fn check_name(field: &str, value: &str) -> Result<(), Message> {
    let allowed = |c: char| {
        c.is_alphabetic() || c.is_whitespace() || ('\u{300}'..='\u{36F}').contains(&c) || " '’‘ʼ`´-‐‑.·".contains(c)
    };
    match value.chars().find(|&c| !allowed(c)) {
        None => Ok(()),
        Some(c) => Err(crate::msg!(
            "name-character",
            field = field,
            char = c.to_string(),
            code = format!("U+{:04X}", c as u32)
        )),
    }
}

/// A telephone number as people write it: digits, with `+` first for a country code, and
/// spaces, dots, dashes, slashes or parentheses between (`+39 011 123 4567`, `011/1234567`);
/// 6 to 15 digits (E.164's most), a `00` for the `+` aside.
pub fn check_phone(field: &str, value: &str) -> Result<(), Message> {
    let number = value.trim_start().strip_prefix('+').unwrap_or(value.trim_start());
    let shaped = number.chars().all(|c| c.is_ascii_digit() || " .-/()".contains(c));
    // `00` before a country code is the `+` dialled.
    let digits = number.chars().filter(char::is_ascii_digit).count()
        - if number.starts_with("00") && !value.trim_start().starts_with('+') { 2 } else { 0 };
    if shaped && (6..=15).contains(&digits) {
        Ok(())
    } else {
        Err(crate::msg!("phone-invalid", field = field, value = value))
    }
}

/// Checks one text value: at most [`limit`] characters, no control or format character.
/// The reason names the field and never repeats the value.
pub fn check(field: &str, value: &str) -> Result<(), Message> {
    let count = if value.is_ascii() {
        if let Some(i) = value.bytes().position(|b| b < 0x20 || b == 0x7f) {
            return Err(forbidden(field, value.as_bytes()[i] as char, i + 1));
        }
        value.len()
    } else {
        let mut count = 0;
        for c in value.chars() {
            count += 1;
            if is_forbidden(c) {
                return Err(forbidden(field, c, count));
            }
        }
        count
    };
    if count <= SHORTEST_LIMIT {
        return Ok(());
    }
    let max = limit(field);
    if count > max { Err(too_long(field, count, max)) } else { Ok(()) }
}

fn forbidden(field: &str, c: char, position: usize) -> Message {
    crate::msg!("text-forbidden", field = field, code = format!("U+{:04X}", c as u32), position = position)
}

fn too_long(field: &str, len: usize, max: usize) -> Message {
    crate::msg!("text-too-long", field = field, len = len, max = max)
}

/// A value as it may be shown back (a report, a message): forbidden characters written as
/// `\u{..}`, cut after `max` characters.
pub fn shown(value: &str, max: usize) -> String {
    let mut out = String::with_capacity(value.len().min(max + 8));
    for (i, c) in value.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if is_forbidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// An operator id as typed: `[a-z0-9._-]`, compared case-insensitively, so returned in lower
/// case (`OP1` and `op1` are the same operator).
pub fn operator_id(input: &str) -> Result<String, Message> {
    let id = input.trim();
    if id.is_empty() {
        return Err(crate::msg!("operator-id-empty"));
    }
    if id.len() > 63 {
        return Err(crate::msg!("operator-id-too-long", id = shown(id, 63)));
    }
    if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(crate::msg!("operator-id-characters", id = shown(id, 63), code = format!("U+{:04X}", c as u32)));
    }
    Ok(id.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_limit_is_below_the_shortest() {
        assert!(LIMITS.iter().map(|&(_, n)| n).chain([DEFAULT_LIMIT]).all(|n| n >= SHORTEST_LIMIT));
        assert!(check("postcode", &"1".repeat(SHORTEST_LIMIT)).is_ok());
        assert!(check("postcode", &"1".repeat(SHORTEST_LIMIT + 1)).is_err());
    }

    #[test]
    fn phone_numbers_as_people_write_them() {
        for ok in
            ["+39 011 123 4567", "011/1234567", "333-1234567", "(011) 12.34.56", "3331234567", "0049 1512 34567890"]
        {
            assert!(check_phone("mobile", ok).is_ok(), "{ok}");
        }
        for bad in ["abc", "12345", "+39 333 12345678901234", "333 1234567 int. 2", "39+333"] {
            assert!(check_phone("mobile", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_hold_letters_of_any_alphabet_never_digits_or_symbols() {
        for name in [
            "D’Alessandro Parè",
            "Jean-Luc",
            "St. John",
            "Ľubomír",
            "Αικατερίνη",
            "Ольга",
            "Nicolo\u{300}",
            "O'Neill",
            "Marcel·lí",
            "Maria\u{A0}Grazia",
        ] {
            assert!(check_name("last-name", name).is_ok(), "{name}");
        }
        for (name, bad) in [("Giulia2", '2'), ("Rossi 😀", '😀'), ("Mario_", '_'), ("Anna (Mia)", '(')] {
            let e = check_name("first-name", name).unwrap_err();
            assert!(e.contains(&format!("'{bad}'")), "{name}: {e}");
        }
    }

    #[test]
    fn control_and_format_characters_are_refused() {
        for bad in
            ["Ma\x1b[31mrio", "Mario\x07", "Ma\0rio", "Mario\u{200b}", "Ma\u{202e}rio", "\u{feff}Mario", "A\u{85}B"]
        {
            let e = check("first-name", bad).unwrap_err();
            assert!(e.starts_with("first-name contains a control"), "{bad:?}: {e}");
            assert!(!e.contains("Mario"), "the value is not repeated: {e}");
        }
        for good in ["Mario", "Nicolò", "D'Amico", "Müller-Lüdenscheidt", "Łukasz", "Zoë Ñúñez", "王小明"] {
            assert_eq!(check("first-name", good), Ok(()), "{good}");
        }
    }

    #[test]
    fn lengths_are_bounded_in_characters() {
        assert!(check("first-name", &"a".repeat(100)).is_ok());
        assert_eq!(
            check("first-name", &"a".repeat(101)).unwrap_err(),
            "first-name is too long: 101 characters, at most 100"
        );
        assert!(check("last-name", &"à".repeat(100)).is_ok(), "characters, not bytes");
        assert!(check("last_name", &"x".repeat(102_400)).unwrap_err().contains("102400 characters, at most 100"));
        assert_eq!(limit("delegate-first-name"), 100);
        assert_eq!(limit("doc_issuer"), 150);
        assert_eq!((limit("dom-care-of"), limit("note"), limit("other-notes")), (150, 1000, 1000));
        assert_eq!(limit("anything-else"), DEFAULT_LIMIT);
    }

    #[test]
    fn shown_values_are_escaped_and_cut() {
        assert_eq!(shown("a\x1bb\0", 10), "a\\u{1b}b\\u{0}");
        assert_eq!(shown(&"x".repeat(50), 5), "xxxxx…");
    }

    #[test]
    fn operator_ids() {
        assert_eq!(operator_id(" OP1 ").as_deref(), Ok("op1"));
        assert_eq!(operator_id("mario.rossi-2_x").as_deref(), Ok("mario.rossi-2_x"));
        for bad in ["op\u{200b}1", "op 1", "opé", "op1\x1b", "", "op/1", "оp1"] {
            assert!(operator_id(bad).is_err(), "{bad:?}");
        }
        assert!(operator_id(&"a".repeat(64)).is_err());
    }
}
