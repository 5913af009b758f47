//! What may be done to a registration, by state and strength (SPEC §4).
//! `allowed` is the only place this table lives.

use serde::Serialize;

use super::types::{OperationKind, State};

/// Something an operator can do to a registration besides viewing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Book(OperationKind),
    Edit,
    EditDelegate,
    RegenerateCode,
    /// Print the summary, the rules, the proxy form again.
    Print,
    /// Move the residence (into a municipality of the operator's competence).
    ChangeResidence,
    /// Ask for a PIN letter by post (the next postal run prints it).
    PinByPost,
}

impl Action {
    /// The name an operator types (the subcommand that does it).
    pub fn label(self) -> String {
        match self {
            Action::Book(op) => format!("book {}", op.as_str()),
            Action::Edit => "edit".into(),
            Action::EditDelegate => "edit-delegate".into(),
            Action::RegenerateCode => "regenerate-code".into(),
            Action::Print => "print-letters".into(),
            Action::ChangeResidence => "change-residence".into(),
            Action::PinByPost => "pin-by-post".into(),
        }
    }
}

/// Operations that may be booked and other actions allowed, for a state and strong flag.
pub fn allowed(state: State, strong: bool) -> &'static [Action] {
    use Action::*;
    use OperationKind::*;
    match (state, strong) {
        (State::Registrato, false) => {
            &[Book(Verification), Book(Revocation), Edit, EditDelegate, Print, ChangeResidence, PinByPost]
        }
        (State::Registrato, true) => &[Book(Revocation), Edit, Print, ChangeResidence, PinByPost],
        (State::Riscontrato, _) => &[
            Book(Verification),
            Book(Revocation),
            Edit,
            RegenerateCode,
            EditDelegate,
            Print,
            ChangeResidence,
            PinByPost,
        ],
        (State::Attivato, false) => &[
            Book(Promotion),
            Book(Reset),
            Book(Revocation),
            Edit,
            RegenerateCode,
            EditDelegate,
            Print,
            ChangeResidence,
            PinByPost,
        ],
        (State::Attivato, true) => &[
            Book(Pin),
            Book(Reset),
            Book(Revocation),
            Edit,
            RegenerateCode,
            EditDelegate,
            Print,
            ChangeResidence,
            PinByPost,
        ],
        (State::Respinto, _) => &[],
    }
}

/// The operations that may be booked (the `Book` entries of [`allowed`]).
pub fn bookable(state: State, strong: bool) -> Vec<OperationKind> {
    allowed(state, strong)
        .iter()
        .filter_map(|a| match a {
            Action::Book(op) => Some(*op),
            _ => None,
        })
        .collect()
}

/// Is this action allowed?
pub fn permits(state: State, strong: bool, action: Action) -> bool {
    allowed(state, strong).contains(&action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OperationKind::*;

    #[test]
    fn table_of_spec_section_4() {
        let cases: [(State, bool, &[OperationKind], bool, bool); 8] = [
            // state, strong, bookable, regenerate code, edit delegate
            (State::Registrato, false, &[Verification, Revocation], false, true),
            (State::Registrato, true, &[Revocation], false, false),
            (State::Riscontrato, false, &[Verification, Revocation], true, true),
            (State::Riscontrato, true, &[Verification, Revocation], true, true),
            (State::Attivato, false, &[Promotion, Reset, Revocation], true, true),
            (State::Attivato, true, &[Pin, Reset, Revocation], true, true),
            (State::Respinto, false, &[], false, false),
            (State::Respinto, true, &[], false, false),
        ];
        for (state, strong, ops, regen, delegate) in cases {
            assert_eq!(bookable(state, strong), ops, "{state:?} strong={strong}");
            assert_eq!(permits(state, strong, Action::RegenerateCode), regen);
            assert_eq!(permits(state, strong, Action::EditDelegate), delegate);
            for action in [Action::Edit, Action::Print, Action::ChangeResidence, Action::PinByPost] {
                assert_eq!(permits(state, strong, action), state != State::Respinto, "{action:?}");
            }
        }
    }
}
