//! The place of birth in a fiscal code: a cadastral (Belfiore) code that must have designated
//! a municipality or a foreign state on the day of birth, as the national registry (ANPR) lists
//! them, ceased ones included (table `birthplaces`, see data/README.md).

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

/// A period during which a code designated one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    /// Last day; `None`: still current.
    pub to: Option<NaiveDate>,
    pub name: String,
    pub province: String,
}

impl Period {
    fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && self.to.is_none_or(|to| date <= to)
    }
}

/// Checks the birthplace `code` against its periods (in any order) on `birth_date`.
pub fn check(code: &str, birth_date: NaiveDate, periods: &[Period]) -> Result<(), crate::i18n::Message> {
    if periods.iter().any(|p| p.covers(birth_date)) {
        return Ok(());
    }
    if periods.is_empty() {
        return Err(crate::msg!("birthplace-unknown", code = code));
    }
    let mut sorted: Vec<&Period> = periods.iter().collect();
    sorted.sort_by_key(|p| p.from);
    let when: Vec<crate::i18n::Message> = sorted
        .iter()
        .map(|p| match p.to {
            Some(to) => crate::msg!(
                "birthplace-period",
                name = &p.name,
                province = &p.province,
                from = p.from.to_string(),
                to = to.to_string()
            ),
            None => crate::msg!("birthplace-since", name = &p.name, province = &p.province, from = p.from.to_string()),
        })
        .collect();
    Err(crate::msg!(
        "birthplace-not-then",
        code = code,
        date = birth_date.to_string(),
        designated = crate::i18n::Message::join(&when, "; ")
    ))
}

/// Every birthplace code with its periods, held in memory for a batch.
#[derive(Debug, Clone, Default)]
pub struct Birthplaces(FxHashMap<String, Vec<Period>>);

impl Birthplaces {
    pub fn insert(&mut self, code: String, period: Period) {
        self.0.entry(code).or_default().push(period);
    }

    pub fn check(&self, code: &str, birth_date: NaiveDate) -> Result<(), crate::i18n::Message> {
        check(code, birth_date, self.0.get(code).map_or(&[][..], Vec::as_slice))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn period(from: &str, to: Option<&str>) -> Period {
        Period { from: d(from), to: to.map(d), name: "X".into(), province: "TO".into() }
    }

    #[test]
    fn a_code_is_valid_only_within_its_periods() {
        let periods = [period("1861-03-17", Some("1929-03-25")), period("1947-07-09", None)];
        assert!(check("B419", d("1900-01-01"), &periods).is_ok());
        assert!(check("B419", d("1929-03-25"), &periods).is_ok(), "the last day counts");
        assert!(check("B419", d("1947-07-09"), &periods).is_ok(), "the first day counts");
        assert!(check("B419", d("2020-01-01"), &periods).is_ok());
        let e = check("B419", d("1935-01-01"), &periods).unwrap_err();
        assert!(e.contains("did not exist on the birth date 1935-01-01"), "{e}");
        assert!(check("B419", d("1861-03-16"), &periods).is_err(), "before it was created");
    }

    #[test]
    fn an_unknown_code_is_refused() {
        let e = Birthplaces::default().check("Z000", d("1980-01-01")).unwrap_err();
        assert!(e.contains("Z000 is neither a municipality nor a foreign state"), "{e}");
    }
}
