//! The Italian fiscal code ("codice fiscale"): 16 characters, the unique key of a person.
//!
//! Layout: 6 letters (surname, name), 2 digits (year), 1 letter (month), 2 digits (day, +40
//! for women), 1 letter + 3 digits (place of birth), 1 check letter. When two people would
//! get the same code ("omocodia") digits are replaced by letters, right to left, using the
//! table `LMNPQRSTUV` for 0–9; such variants are valid codes of their own.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::i18n::Message;

/// Letters that replace digits 0–9 in omocodia variants.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
/// Month letters, January to December.
const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
/// Positions (0-based) that hold digits in the base code and may hold omocodia letters.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Values of characters in odd positions (1st, 3rd, ...) for the check character, A–Z;
/// digits 0–9 take the value of the letter at the same index.
const ODD_VALUES: [u32; 26] =
    [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/// Why a string is not a fiscal code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FiscalCodeError {
    Length(usize),
    /// `expected` is a catalogue key (`fc-expected-…`).
    Layout {
        position: usize,
        found: char,
        expected: &'static str,
    },
    CheckCharacter {
        expected: char,
        found: char,
    },
    Day(u32),
}

impl FiscalCodeError {
    pub fn message(&self) -> Message {
        match self {
            FiscalCodeError::Length(n) => crate::msg!("fc-length", count = n),
            FiscalCodeError::Layout { position, found, expected } => {
                let expected = match *expected {
                    "fc-expected-month" => crate::msg!("fc-expected-month"),
                    "fc-expected-digit" => crate::msg!("fc-expected-digit"),
                    _ => crate::msg!("fc-expected-letter"),
                };
                crate::msg!("fc-layout", position = position, found = *found, expected = expected)
            }
            FiscalCodeError::CheckCharacter { expected, found } => {
                crate::msg!("fc-check-character", expected = *expected, found = *found)
            }
            FiscalCodeError::Day(d) => crate::msg!("fc-day", day = d),
        }
    }
}

impl std::fmt::Display for FiscalCodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for FiscalCodeError {}

/// What an operator or a file gave that is not a fiscal code, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidFiscalCode {
    pub input: String,
    pub reason: FiscalCodeError,
}

impl InvalidFiscalCode {
    pub fn message(&self) -> Message {
        crate::msg!("fc-invalid", input = &self.input, reason = self.reason.message())
    }
}

impl std::fmt::Display for InvalidFiscalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for InvalidFiscalCode {}

/// A valid fiscal code, upper case, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FiscalCode(String);

impl FiscalCode {
    /// A code as a person types it (desk, portal), in groups or lower case like everywhere a
    /// citizen's data is read ([`super::as_written::fiscal_code`]), keeping the input for the
    /// message.
    pub fn parse_input(input: &str) -> Result<Self, InvalidFiscalCode> {
        super::as_written::fiscal_code(input)
            .map_err(|reason| InvalidFiscalCode { input: super::text::shown(input.trim(), 40), reason })
    }

    /// A code as stored, validated when it was written.
    pub fn from_stored(code: String) -> FiscalCode {
        FiscalCode(code)
    }

    /// Normalises (drops white space, upper-cases) and validates.
    pub fn parse(input: &str) -> Result<Self, FiscalCodeError> {
        // Sized once: a code is parsed for every row of a registry file.
        let mut code = String::with_capacity(input.len());
        code.extend(input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()));
        let len = code.chars().count();
        if len != 16 {
            return Err(FiscalCodeError::Length(len));
        }
        let bytes = code.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let ok = match i {
                0..=5 | 11 | 15 => b.is_ascii_uppercase(),
                8 => MONTHS.contains(&b),
                _ => b.is_ascii_digit() || OMOCODIA.contains(&b),
            };
            if !ok {
                let expected = match i {
                    0..=5 | 11 | 15 => "fc-expected-letter",
                    8 => "fc-expected-month",
                    _ => "fc-expected-digit",
                };
                let found = code.chars().nth(i).unwrap_or('?');
                return Err(FiscalCodeError::Layout { position: i + 1, found, expected });
            }
        }
        let expected = check_character(&bytes[..15]);
        if bytes[15] as char != expected {
            return Err(FiscalCodeError::CheckCharacter { expected, found: bytes[15] as char });
        }
        let fc = FiscalCode(code);
        let day = fc.day_field();
        if !(1..=31).contains(&day) && !(41..=71).contains(&day) {
            return Err(FiscalCodeError::Day(day));
        }
        Ok(fc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code with omocodia letters turned back into digits (check character recomputed).
    pub fn base_code(&self) -> FiscalCode {
        let mut bytes = self.0.as_bytes().to_vec();
        for &i in &DIGIT_POSITIONS {
            if let Some(d) = OMOCODIA.iter().position(|&c| c == bytes[i]) {
                bytes[i] = b'0' + d as u8;
            }
        }
        bytes[15] = check_character(&bytes[..15]) as u8;
        FiscalCode(String::from_utf8(bytes).expect("ASCII"))
    }

    /// True when some digit was replaced by a letter.
    pub fn is_omocodia(&self) -> bool {
        DIGIT_POSITIONS.iter().any(|&i| !self.0.as_bytes()[i].is_ascii_digit())
    }

    fn digit_at(&self, i: usize) -> u32 {
        let b = self.0.as_bytes()[i];
        match OMOCODIA.iter().position(|&c| c == b) {
            Some(d) => d as u32,
            None => (b - b'0') as u32,
        }
    }

    fn day_field(&self) -> u32 {
        self.digit_at(9) * 10 + self.digit_at(10)
    }

    /// Sex encoded in the code: days of women are increased by 40.
    pub fn sex(&self) -> char {
        if self.day_field() > 40 { 'F' } else { 'M' }
    }

    /// Cadastral (Belfiore) code of the place of birth: a municipality or a `Z` foreign state.
    pub fn birth_place(&self) -> String {
        let mut place = String::with_capacity(4);
        place.push(self.0.as_bytes()[11] as char);
        place.extend((12..15).map(|i| char::from_digit(self.digit_at(i), 10).unwrap_or('0')));
        place
    }

    /// Month and day of birth, and the two-digit year (the century is not in the code).
    pub fn birth_parts(&self) -> (u32, u32, u32) {
        let yy = self.digit_at(6) * 10 + self.digit_at(7);
        let month = MONTHS.iter().position(|&c| c == self.0.as_bytes()[8]).unwrap_or(0) as u32 + 1;
        (yy, month, self.day_field() % 40)
    }

    /// Does a full date of birth agree with the code?
    pub fn matches_birth_date(&self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        let (yy, m, d) = self.birth_parts();
        (date.year() % 100) as u32 == yy && date.month() == m && date.day() == d
    }
}

/// The check character of the first 15 characters.
pub fn check_character(first15: &[u8]) -> char {
    let sum: u32 = first15
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let idx = if b.is_ascii_digit() { (b - b'0') as usize } else { (b - b'A') as usize };
            // Positions are counted from 1: index 0 is an odd position.
            if i % 2 == 0 { ODD_VALUES[idx] } else { idx as u32 }
        })
        .sum();
    (b'A' + (sum % 26) as u8) as char
}

impl fmt::Display for FiscalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for FiscalCode {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FiscalCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for FiscalCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for FiscalCode {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<&str> for FiscalCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl FromStr for FiscalCode {
    type Err = FiscalCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FiscalCode::parse(s)
    }
}

impl TryFrom<String> for FiscalCode {
    type Error = FiscalCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        FiscalCode::parse(&s)
    }
}

impl From<FiscalCode> for String {
    fn from(fc: FiscalCode) -> String {
        fc.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_codes() {
        for code in ["RSSMRA85T10A562S", "BNCLRA80A41L219V", "VRDGPP13R10B594Z"] {
            let fc = FiscalCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(fc.as_str(), code);
        }
    }

    #[test]
    fn normalises_case_and_spaces() {
        let fc = FiscalCode::parse(" rssmra 85t10 a562s ").unwrap();
        assert_eq!(fc.as_str(), "RSSMRA85T10A562S");
    }

    #[test]
    fn decodes_birth_data() {
        let fc = FiscalCode::parse("BNCLRA80A41L219V").unwrap();
        assert_eq!(fc.sex(), 'F');
        assert_eq!(fc.birth_parts(), (80, 1, 1));
        assert_eq!(fc.birth_place(), "L219");
        assert!(fc.matches_birth_date(NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()));
    }

    #[test]
    fn rejects_bad_check_character() {
        assert_eq!(
            FiscalCode::parse("RSSMRA85T10A562T"),
            Err(FiscalCodeError::CheckCharacter { expected: 'S', found: 'T' })
        );
    }

    #[test]
    fn rejects_bad_layout() {
        assert!(matches!(FiscalCode::parse("RSSMRA85T10A562"), Err(FiscalCodeError::Length(15))));
        assert!(matches!(FiscalCode::parse("RSSMRA85Z10A562S"), Err(FiscalCodeError::Layout { position: 9, .. })));
        assert!(matches!(FiscalCode::parse("1SSMRA85T10A562S"), Err(FiscalCodeError::Layout { position: 1, .. })));
        assert!(FiscalCode::parse("RSSMRA85T99A562S").is_err());
    }

    #[test]
    fn omocodia_variant_is_valid_and_maps_back() {
        // Last digit of the place code (2) replaced by N.
        let first15 = b"RSSMRA85T10A56N";
        let code = format!("{}{}", std::str::from_utf8(first15).unwrap(), check_character(first15));
        let fc = FiscalCode::parse(&code).unwrap();
        assert!(fc.is_omocodia());
        assert_eq!(fc.base_code().as_str(), "RSSMRA85T10A562S");
        assert_eq!(fc.birth_place(), "A562");
    }

    fn arb_code() -> impl Strategy<Value = String> {
        ("[A-Z]{6}", 0u32..100, 0usize..12, prop_oneof![1u32..=28, 41u32..=68], "[A-Z]", 0u32..1000).prop_map(
            |(letters, yy, m, d, pl, num)| {
                let first15 = format!("{letters}{yy:02}{}{d:02}{pl}{num:03}", MONTHS[m] as char);
                format!("{first15}{}", check_character(first15.as_bytes()))
            },
        )
    }

    proptest! {
        #[test]
        fn generated_codes_are_valid(code in arb_code()) {
            let fc = FiscalCode::parse(&code).unwrap();
            prop_assert_eq!(fc.base_code(), fc.clone());
        }

        #[test]
        fn any_single_substitution_is_caught(code in arb_code(), pos in 0usize..15, c in "[A-Z0-9]") {
            let mut bytes = code.into_bytes();
            let new = c.as_bytes()[0];
            prop_assume!(bytes[pos] != new);
            bytes[pos] = new;
            let altered = String::from_utf8(bytes).unwrap();
            // Either the layout or the check character must refuse it... unless the change
            // is a digit <-> omocodia-letter swap at a digit position, which is a valid variant
            // only if the check character also agrees (it cannot: we kept the old one).
            prop_assert!(FiscalCode::parse(&altered).is_err());
        }

        #[test]
        fn omocodia_variants_are_valid(code in arb_code(), mask in 1u8..128) {
            let mut bytes = code.as_bytes()[..15].to_vec();
            for (k, &i) in DIGIT_POSITIONS.iter().enumerate() {
                if mask & (1 << k) != 0 {
                    bytes[i] = OMOCODIA[(bytes[i] - b'0') as usize];
                }
            }
            let check = check_character(&bytes);
            bytes.push(check as u8);
            let variant = FiscalCode::parse(std::str::from_utf8(&bytes).unwrap()).unwrap();
            prop_assert!(variant.is_omocodia());
            prop_assert_eq!(variant.base_code().to_string(), code);
        }

        #[test]
        fn lower_case_and_spaces_normalise(code in arb_code()) {
            let messy = format!("  {} {} ", &code[..8].to_lowercase(), &code[8..]);
            prop_assert_eq!(FiscalCode::parse(&messy).unwrap().to_string(), code);
        }
    }
}
