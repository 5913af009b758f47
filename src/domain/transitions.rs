//! How a registration's state and strength change: beside the table of what is allowed
//! ([`super::rules::allowed`]), and applied by the store as values, never as SQL of its own.

use super::types::{OperationKind, State};

/// What a registration becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub state: State,
    pub strong: bool,
    /// The activation date is stamped (a new account: verification, reset).
    pub activated: bool,
    /// The promotion date is stamped.
    pub promoted: bool,
}

/// A resident pre-loaded from the municipal registry: checked against the registry only.
pub fn preloaded() -> (State, bool) {
    (State::Riscontrato, false)
}

/// The desk has handed over the PIN of a booking: the identity was checked in person, so a
/// registration that was only `registrato` becomes `riscontrato`; other states stay.
pub fn after_handover(state: State) -> State {
    match state {
        State::Registrato => State::Riscontrato,
        other => other,
    }
}

/// The citizen completed `kind` online with the codes (a revocation erases instead).
pub fn after_completion(kind: OperationKind, strong: bool) -> Option<Change> {
    use OperationKind::*;
    let change = |strong, activated, promoted| Change { state: State::Attivato, strong, activated, promoted };
    match kind {
        Verification | Reset => Some(change(true, true, false)),
        Promotion => Some(change(true, false, true)),
        Pin => Some(change(strong, false, false)),
        Revocation => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OperationKind::*;

    #[test]
    fn handover_marks_the_in_person_check() {
        assert_eq!(after_handover(State::Registrato), State::Riscontrato);
        for s in [State::Riscontrato, State::Attivato, State::Respinto] {
            assert_eq!(after_handover(s), s);
        }
    }

    #[test]
    fn completions_of_spec_section_4() {
        for strong in [false, true] {
            let v = after_completion(Verification, strong).unwrap();
            assert_eq!((v.state, v.strong, v.activated, v.promoted), (State::Attivato, true, true, false));
            let r = after_completion(Reset, strong).unwrap();
            assert_eq!((r.state, r.strong, r.activated, r.promoted), (State::Attivato, true, true, false));
            let p = after_completion(Promotion, strong).unwrap();
            assert_eq!((p.state, p.strong, p.activated, p.promoted), (State::Attivato, true, false, true));
            let pin = after_completion(Pin, strong).unwrap();
            assert_eq!((pin.state, pin.strong, pin.activated, pin.promoted), (State::Attivato, strong, false, false));
            assert_eq!(after_completion(Revocation, strong), None);
        }
    }

    #[test]
    fn a_preload_is_weak() {
        assert!(!preloaded().1);
    }
}
