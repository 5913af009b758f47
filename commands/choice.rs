//! Command-line choices from the library's vocabularies (the library knows nothing of clap).

use clap::builder::{PossibleValuesParser, TypedValueParser};
use sportello::domain::Vocabulary;

/// A parser accepting exactly the values of `T`, listing them in `--help` and on a typo.
pub fn choice<T: Vocabulary>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::all().iter().map(|v| v.as_str()))
        .map(|s| T::all().iter().copied().find(|v| v.as_str() == s).expect("one of the possible values"))
}
