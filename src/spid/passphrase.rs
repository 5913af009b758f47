//! The passphrase of a token (guidelines §3.11): 12 characters from the CSPRNG, at least one
//! upper-case letter, one lower-case letter, one digit and one of `! $ ? # = * + - . :`,
//! none of the confusable characters; split 6 + 6, the first half printed on the letter handed
//! over at the desk, the second half emailed. Never stored, logged or shown again.

use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::secrets::Secret;

/// Upper-case letters without `L`, `O` (named by the guidelines) and `I` (which reads as `l`
/// and `1` in many fonts: the guidelines' list is "such as").
const UPPER: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ";
/// Lower-case letters without `i`, `l`, `o`.
const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
/// Digits without `0`, `1`.
const DIGITS: &[u8] = b"23456789";
/// The special characters the guidelines list.
const SPECIAL: &[u8] = b"!$?#=*+-.:";

pub const LENGTH: usize = 12;
pub const HALF: usize = LENGTH / 2;

fn alphabet() -> Vec<u8> {
    [UPPER, LOWER, DIGITS, SPECIAL].concat()
}

/// Does `p` have the shape the guidelines require?
pub fn well_formed(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == LENGTH
        && b.iter().all(|c| alphabet().contains(c))
        && [UPPER, LOWER, DIGITS, SPECIAL].iter().all(|class| b.iter().any(|c| class.contains(c)))
}

/// A new passphrase: uniform over the well-formed ones (12 characters drawn uniformly from the
/// alphabet, drawn again until every class is present).
pub fn new() -> Result<Secret> {
    let alphabet = alphabet();
    loop {
        let p = crate::secrets::draw(&alphabet, LENGTH)?;
        if well_formed(&p) {
            return Ok(Secret::new(p));
        }
    }
}

/// The two halves: the letter's, then the email's.
pub fn halves(p: &Secret) -> (Secret, Secret) {
    let (a, b) = p.expose().split_at(HALF);
    (Secret::new(a.to_string()), Secret::new(b.to_string()))
}

/// The 256-bit key of the JWE: SHA-256 of the passphrase (annex §4.4), as the citizen types
/// it at the IdP (the two halves joined, letter first).
pub fn key(passphrase: &str) -> [u8; 32] {
    Sha256::digest(passphrase.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_passphrase_has_the_four_classes_and_no_confusable() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let p = new().unwrap();
            let s = p.expose();
            assert!(well_formed(s), "{s}");
            assert!(!s.contains(['i', 'l', '1', 'L', 'o', '0', 'O', 'I']), "{s}");
            seen.extend(s.bytes());
            let (a, b) = halves(&p);
            assert_eq!(a.expose().len(), 6);
            assert_eq!(format!("{}{}", a.expose(), b.expose()), s);
        }
        assert_eq!(seen.len(), alphabet().len(), "every character of the alphabet is drawn");
    }

    #[test]
    fn shape() {
        assert!(well_formed("Ab3!Ab3!Ab3!"));
        assert!(!well_formed("Ab3!Ab3!Ab3"), "11 characters");
        assert!(!well_formed("Abc!Abcd!Abc"), "no digit");
        assert!(!well_formed("ab3!ab3!ab3!"), "no upper case");
        assert!(!well_formed("Ab3xAb3xAb3x"), "no special");
        assert!(!well_formed("Ab3!Ab3!Ab0!"), "a confusable");
        assert_eq!(hex::encode(key("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
