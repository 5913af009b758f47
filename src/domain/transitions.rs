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

/// A registration made at a desk: `registrato`, weak; the booking that follows it checks the
/// identity in person ([`after_handover`]).
pub fn registered_at_desk() -> (State, bool) {
    (State::Registrato, false)
}

/// A resident pre-loaded from the municipal registry: checked against the registry only, never
/// in person, so a weak registration (`registrato`, strong N). The postal run opens its
/// activation ([`postal_letter`]).
pub fn preloaded() -> (State, bool) {
    (State::Registrato, false)
}

/// What a PIN letter printed by a postal run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostalLetter {
    /// A weak registration without credentials: the letter's PIN and an activation code that
    /// travels apart open a weak activation ([`OperationKind::Activation`]), replacing one
    /// opened by an earlier letter.
    OpensActivation,
    /// An active account with nothing in progress: the letter's PIN replaces the account's
    /// (a lost PIN). It never becomes the PIN of an operation.
    ReplacesPin,
}

/// What a postal PIN letter does to a registration in `state`, `strong`, with `in_progress`;
/// `None`: nothing goes by post. The one rule of every path that sends a secret by post (the
/// desk's request, the pre-load's queue, the postal run, which asks it again under the
/// registration's lock). Ordinary post never completes what a desk checked in person: a desk
/// booking in progress handed its own PIN, `riscontrato` was verified at a desk, a revocation
/// ends the credentials, `respinto` is only viewed.
pub fn postal_letter(state: State, strong: bool, in_progress: Option<OperationKind>) -> Option<PostalLetter> {
    match (state, strong, in_progress) {
        (State::Registrato, false, None | Some(OperationKind::Activation)) => Some(PostalLetter::OpensActivation),
        (State::Attivato, _, None) => Some(PostalLetter::ReplacesPin),
        _ => None,
    }
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
        // A weak activation (pre-loaded resident, PIN by post): a new account, weak.
        Activation => Some(change(false, true, false)),
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
            let a = after_completion(Activation, strong).unwrap();
            assert_eq!((a.state, a.strong, a.activated, a.promoted), (State::Attivato, false, true, false));
        }
    }

    #[test]
    fn a_preload_is_weak_and_its_postal_letter_opens_a_weak_activation() {
        assert_eq!(preloaded(), (State::Registrato, false), "no identity was checked in person");
        let (state, strong) = preloaded();
        assert_eq!(postal_letter(state, strong, None), Some(PostalLetter::OpensActivation));
        assert_eq!(postal_letter(state, strong, Some(Activation)), Some(PostalLetter::OpensActivation), "a new letter");
        // Completing it gives weak credentials; the desk can then book a promotion, which
        // makes them strong.
        let done = after_completion(Activation, strong).unwrap();
        assert_eq!((done.state, done.strong), (State::Attivato, false));
        assert!(super::super::rules::permits(
            done.state,
            done.strong,
            None,
            false,
            crate::domain::Action::Book(Promotion)
        ));
        let promoted = after_completion(Promotion, done.strong).unwrap();
        assert_eq!((promoted.state, promoted.strong), (State::Attivato, true));
    }

    #[test]
    fn an_active_account_gets_a_new_pin_by_post() {
        for strong in [false, true] {
            assert_eq!(postal_letter(State::Attivato, strong, None), Some(PostalLetter::ReplacesPin));
        }
    }

    /// Nothing by post where a desk checked (or is checking) the identity in person, where the
    /// credentials are being revoked, or for a rejected registration.
    #[test]
    fn nothing_by_post_after_a_desk_or_during_a_revocation() {
        for state in State::ALL.iter().copied() {
            for strong in [false, true] {
                for op in [Verification, Promotion, Reset, Pin, Revocation] {
                    assert_eq!(postal_letter(state, strong, Some(op)), None, "{state} {strong} {op:?}");
                }
            }
        }
        for (state, strong) in [
            (State::Registrato, true),
            (State::Riscontrato, false),
            (State::Riscontrato, true),
            (State::Respinto, false),
            (State::Respinto, true),
        ] {
            assert_eq!(postal_letter(state, strong, None), None, "{state} {strong}");
        }
    }
}
