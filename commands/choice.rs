//! Command-line choices from the library's vocabularies (the library knows nothing of clap).

use clap::builder::{PossibleValuesParser, TypedValueParser};
use sportello::domain::Vocabulary;

/// A parser accepting exactly the values of `T`, listing them in `--help` and on a typo.
pub fn choice<T: Vocabulary>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::all().iter().map(|v| v.as_str()))
        .map(|s| T::all().iter().copied().find(|v| v.as_str() == s).expect("one of the possible values"))
}

/// The operations a desk can book (a weak activation is opened by the postal run, never booked).
pub fn bookable() -> impl TypedValueParser<Value = sportello::domain::OperationKind> {
    use sportello::domain::OperationKind;
    let kinds = || OperationKind::ALL.iter().copied().filter(|k| *k != OperationKind::Activation);
    PossibleValuesParser::new(kinds().map(|k| k.as_str()))
        .map(move |s| kinds().find(|k| k.as_str() == s).expect("one of the possible values"))
}

/// `--encoding`: a label of the WHATWG Encoding Standard, or `latin-1` as operators write it.
pub fn encoding(label: &str) -> Result<sportello::batch::input::Encoding, String> {
    sportello::batch::input::Encoding::from_label(label).ok_or_else(|| tr!("encoding-unknown", label = label))
}
