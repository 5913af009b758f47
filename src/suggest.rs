//! "Did you mean Torino?": the known names closest to a mistyped one.

use crate::search_key::search_key;

/// How alike two names must be (Jaro-Winkler over their search keys) to be suggested.
const THRESHOLD: f64 = 0.8;

/// How much less alike than the closest name another may be and still be suggested.
const MARGIN: f64 = 0.04;

/// Up to `n` of `candidates` closest to `input`, best first; none when nothing is close.
/// Case, accents, apostrophes, spaces and hyphens do not count.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let key = search_key(input.trim());
    if key.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&key, &search_key(c)), c))
        .filter(|(score, _)| *score >= THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    // Only the names about as close as the closest one.
    let best = scored.first().map(|(score, _)| *score).unwrap_or_default();
    scored.into_iter().take_while(|(score, _)| *score >= best - MARGIN).take(n).map(|(_, c)| c).collect()
}

/// ": did you mean A, B or C?" to end a message with, or "" when there is nothing close.
pub fn did_you_mean(suggestions: &[String]) -> crate::i18n::Message {
    match suggestions {
        [] => crate::i18n::Message::verbatim(""),
        [one] => crate::msg!("did-you-mean-one", one = one),
        [rest @ .., last] => crate::msg!("did-you-mean-many", rest = rest.join(", "), last = last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_the_name_and_nonsense_finds_nothing() {
        let names = ["Torino", "Torre Pellice", "Moncalieri", "Asti", "Trino"];
        assert_eq!(closest("Torno", names, 3)[0], "Torino");
        assert_eq!(closest("moncaleri", names, 3), ["Moncalieri"]);
        assert!(closest("Xyzzy", names, 3).is_empty());
        assert!(closest("", names, 3).is_empty());
    }

    #[test]
    fn the_question_reads_well() {
        assert_eq!(did_you_mean(&[]).english(), "");
        assert_eq!(did_you_mean(&["Torino".into()]).english(), ": did you mean Torino?");
        assert_eq!(did_you_mean(&["A".into(), "B".into(), "C".into()]).english(), ": did you mean A, B or C?");
    }
}
