//! Command-line choices from the library's vocabularies (the library knows nothing of clap).

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use sportello::domain::{Vocabulary, italian_names, typed_form};

/// A value as listed in `--help`, with its Italian names accepted (hidden) beside it.
pub fn possible(value: &'static str) -> PossibleValue {
    PossibleValue::new(value).aliases(italian_names(value).iter().copied())
}

/// A parser accepting the values of `T` and their Italian names, listing the values in
/// `--help` and on a typo.
pub fn choice<T: Vocabulary>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::all().iter().map(|v| possible(v.as_str()))).map(|s| find(T::all().iter().copied(), &s))
}

/// The value `typed` names (clap has already matched it to a value or an alias).
fn find<T: Vocabulary>(mut values: impl Iterator<Item = T>, typed: &str) -> T {
    let typed = typed_form(typed);
    values
        .find(|v| typed_form(v.as_str()) == typed || italian_names(v.as_str()).contains(&typed.as_str()))
        .expect("one of the possible values")
}

/// The operations a desk can book (a weak activation is opened by the postal run, never booked).
pub fn bookable() -> impl TypedValueParser<Value = sportello::domain::OperationKind> {
    use sportello::domain::OperationKind;
    let kinds = || OperationKind::ALL.iter().copied().filter(|k| *k != OperationKind::Activation);
    PossibleValuesParser::new(kinds().map(|k| possible(k.as_str()))).map(move |s| find(kinds(), &s))
}

/// `--encoding`: a label of the WHATWG Encoding Standard, or `latin-1` as operators write it.
pub fn encoding(label: &str) -> Result<sportello::batch::input::Encoding, String> {
    sportello::batch::input::Encoding::from_label(label).ok_or_else(|| tr!("encoding-unknown", label = label))
}
