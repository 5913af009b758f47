//! What may be done to a registration, by state, strength, operation in progress (SPEC §4) and
//! suspension (issue 20).
//! [`decide`] is the only place this table lives: [`allowed`] lists what it permits, and the
//! desk refuses the rest with the reason it gives.

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
    /// Issue a SPID R.A.O. token on the in-person identification just made ([`spid_identification`]).
    SpidToken,
    /// Suspend the credentials (nothing completes, no code, no booking but a revocation).
    Suspend,
    /// End a suspension: everything is as it was before it.
    Reinstate,
}

impl Action {
    /// Every action, in the order they are listed.
    pub const ALL: &'static [Action] = &[
        Action::Book(OperationKind::Verification),
        Action::Book(OperationKind::Promotion),
        Action::Book(OperationKind::Pin),
        Action::Book(OperationKind::Reset),
        Action::Book(OperationKind::Revocation),
        Action::Book(OperationKind::Activation),
        Action::Edit,
        Action::RegenerateCode,
        Action::EditDelegate,
        Action::Print,
        Action::ChangeResidence,
        Action::PinByPost,
        Action::SpidToken,
        Action::Suspend,
        Action::Reinstate,
    ];

    /// What an operator types to do it (the subcommand and its flag, after `sportello`; the
    /// registration is then named with --cf or --number).
    pub fn label(self) -> String {
        match self {
            Action::Book(op) => format!("book --operation {}", op.as_str()),
            Action::Edit => "edit".into(),
            Action::EditDelegate => "edit-delegate".into(),
            Action::RegenerateCode => "regenerate-code".into(),
            Action::Print => "print-letters".into(),
            Action::ChangeResidence => "change-residence".into(),
            Action::PinByPost => "print-letters --pin-by-post".into(),
            Action::SpidToken => "spid-token".into(),
            Action::Suspend => "suspend".into(),
            Action::Reinstate => "reinstate".into(),
        }
    }

    /// [`Action::label`] as an Italian operator types it: a booking's operation by its Italian
    /// name (`book --operation riscontro`), which the command accepts as well as the English.
    pub fn italian_label(self) -> String {
        match self {
            Action::Book(op) => match super::types::italian_names(op.as_str()).first() {
                Some(name) => format!("book --operation {name}"),
                None => self.label(),
            },
            other => other.label(),
        }
    }

    /// The label in each language (a message argument).
    pub fn said(self) -> crate::i18n::Message {
        crate::i18n::Message::localized(self.label(), self.italian_label())
    }

    /// The action of a label (as listings carry them).
    pub fn of_label(label: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.label() == label)
    }
}

/// The operations a desk may book in a state (SPEC §4, first column), whatever is in progress:
/// a new booking replaces the operation in progress.
fn bookable_in(state: State, strong: bool) -> &'static [OperationKind] {
    use OperationKind::*;
    match (state, strong) {
        (State::Registrato, false) => &[Verification, Revocation],
        (State::Registrato, true) => &[Revocation],
        (State::Riscontrato, _) => &[Verification, Revocation],
        (State::Attivato, false) => &[Promotion, Reset, Revocation],
        (State::Attivato, true) => &[Pin, Reset, Revocation],
        (State::Respinto, _) => &[],
    }
}

/// May `action` be done to a registration in `state`, `strong`, with `in_progress` the active
/// operation (if any), its credentials `suspended` or not? `Err` carries the reason, for the
/// operator.
pub fn decide(
    state: State,
    strong: bool,
    in_progress: Option<OperationKind>,
    suspended: bool,
    action: Action,
) -> Result<(), crate::i18n::Message> {
    use OperationKind::*;
    if state == State::Respinto {
        return Err(crate::msg!("rule-rejected-view-only"));
    }
    // Suspended credentials complete nothing and get no code: what would issue or send one, or
    // open an operation other than a revocation, waits for reinstatement. The record itself may
    // still be corrected and printed (a suspension is not an erasure).
    let needs_credentials = match action {
        Action::Book(op) => op != Revocation,
        Action::RegenerateCode | Action::PinByPost | Action::SpidToken => true,
        _ => false,
    };
    if suspended && needs_credentials {
        return Err(crate::msg!("rule-suspended"));
    }
    match action {
        Action::Suspend if suspended => Err(crate::msg!("rule-already-suspended")),
        Action::Reinstate if !suspended => Err(crate::msg!("rule-not-suspended")),
        Action::Suspend | Action::Reinstate => Ok(()),
        Action::Book(Activation) => Err(crate::msg!("rule-activation-not-booked")),
        Action::Book(op) if bookable_in(state, strong).contains(&op) => Ok(()),
        Action::Book(op) => Err(crate::msg!(
            "rule-cannot-book",
            operation = crate::i18n::term(op.as_str()),
            state = state.to_string(),
            strong = if strong { "Y" } else { "N" }
        )),
        Action::Edit | Action::Print | Action::ChangeResidence => Ok(()),
        // Ordinary post follows the one postal rule (never where a desk checks in person).
        Action::PinByPost => match (super::transitions::postal_letter(state, strong, in_progress), in_progress) {
            (Some(_), _) => Ok(()),
            (None, Some(Revocation)) => Err(crate::msg!("rule-revocation-in-progress")),
            (None, Some(_)) => Err(crate::msg!("rule-post-desk-operation")),
            (None, None) => Err(crate::msg!("rule-post-checked-in-person")),
        },
        Action::EditDelegate => match (state, strong, in_progress) {
            (State::Registrato, true, _) => Err(crate::msg!("rule-no-delegate")),
            (_, _, None) => Err(crate::msg!("rule-delegate-needs-operation")),
            _ => Ok(()),
        },
        Action::RegenerateCode => match in_progress {
            None => Err(crate::msg!("rule-nothing-to-complete")),
            Some(Revocation) => Err(crate::msg!("rule-revocation-code")),
            Some(_) => Ok(()),
        },
        // The identification a SPID token rests on is the desk's own, in person: a booking that
        // checked the document at the desk (verification, promotion, reset, PIN) and is still in
        // progress. Its freshness and its operator are checked by [`spid_identification`].
        Action::SpidToken => match in_progress {
            Some(Verification | Promotion | Reset | Pin) => Ok(()),
            Some(Revocation) => Err(crate::msg!("rule-spid-revocation")),
            Some(Activation) | None => Err(crate::msg!("rule-spid-needs-identification")),
        },
    }
}

/// How long after the in-person identification the desk may issue a SPID token: the citizen is
/// still at the desk (guidelines §3.5: the operator hands over half of the passphrase).
pub const SPID_IDENTIFICATION_MINUTES: i64 = 30;

/// The second half of the rule for [`Action::SpidToken`]: the identification (the operation in
/// progress) was made by `operator` themselves, less than [`SPID_IDENTIFICATION_MINUTES`]
/// before `now`. The R.A.O. answers for who identified whom (guidelines §3.9): the clerk who
/// issues the token is the one who checked the document.
pub fn spid_identification(
    identification: &super::record::Operation,
    operator: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), crate::i18n::Message> {
    if identification.operator_id != operator {
        return Err(crate::msg!("rule-spid-other-operator", operator = &identification.operator_id));
    }
    // The token certifies that the citizen was recognised in person with their own document
    // (guidelines §3.5): a booking made through a proxy or a guardian is not that.
    if identification.delegate.is_some() {
        return Err(crate::msg!("rule-spid-delegate"));
    }
    let age = now - identification.requested_at;
    if age > chrono::Duration::minutes(SPID_IDENTIFICATION_MINUTES) || age < -chrono::Duration::minutes(5) {
        return Err(crate::msg!(
            "rule-spid-stale",
            minutes = SPID_IDENTIFICATION_MINUTES,
            at = identification.requested_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    Ok(())
}

/// The actions allowed (what `show` and `search` list).
pub fn allowed(state: State, strong: bool, in_progress: Option<OperationKind>, suspended: bool) -> Vec<Action> {
    Action::ALL.iter().copied().filter(|a| decide(state, strong, in_progress, suspended, *a).is_ok()).collect()
}

/// The operations that may be booked on credentials in force (the `Book` entries of [`allowed`]).
pub fn bookable(state: State, strong: bool) -> Vec<OperationKind> {
    allowed(state, strong, None, false)
        .iter()
        .filter_map(|a| match a {
            Action::Book(op) => Some(*op),
            _ => None,
        })
        .collect()
}

/// Is this action allowed?
pub fn permits(
    state: State,
    strong: bool,
    in_progress: Option<OperationKind>,
    suspended: bool,
    action: Action,
) -> bool {
    decide(state, strong, in_progress, suspended, action).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use OperationKind::*;

    #[test]
    fn a_spid_token_rests_only_on_the_citizens_own_fresh_identification() {
        use crate::domain::{Delegate, DelegateKind, OperationStatus};
        let now = chrono::Utc::now();
        let mut op = crate::domain::Operation {
            id: 1,
            kind: Verification,
            requested_at: now - chrono::Duration::minutes(5),
            ente: "ASL".into(),
            operator_id: "clerk".into(),
            status: OperationStatus::Active,
            delegate: None,
        };
        assert!(spid_identification(&op, "clerk", now).is_ok());
        assert!(spid_identification(&op, "other", now).is_err(), "another operator");
        op.requested_at = now - chrono::Duration::minutes(SPID_IDENTIFICATION_MINUTES + 1);
        assert!(spid_identification(&op, "clerk", now).is_err(), "stale");
        op.requested_at = now;
        op.delegate = Some(Delegate {
            kind: DelegateKind::Proxy,
            first_name: "Anna".into(),
            last_name: "Bianchi".into(),
            fiscal_code: "BNCNNA80A41L219X".into(),
            doc_type: crate::domain::DocType::IdentityCard,
            doc_number: "CA00000AA".into(),
            doc_issued: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            doc_issuer: "Comune di Torino".into(),
            email: None,
            phone: None,
        });
        let why = spid_identification(&op, "clerk", now).unwrap_err();
        assert!(why.contains("delegate"), "{why}");
    }

    #[test]
    fn table_of_spec_section_4() {
        let cases: [(State, bool, &[OperationKind]); 8] = [
            (State::Registrato, false, &[Verification, Revocation]),
            (State::Registrato, true, &[Revocation]),
            (State::Riscontrato, false, &[Verification, Revocation]),
            (State::Riscontrato, true, &[Verification, Revocation]),
            (State::Attivato, false, &[Promotion, Reset, Revocation]),
            (State::Attivato, true, &[Pin, Reset, Revocation]),
            (State::Respinto, false, &[]),
            (State::Respinto, true, &[]),
        ];
        for (state, strong, ops) in cases {
            assert_eq!(bookable(state, strong), ops, "{state:?} strong={strong}");
            for in_progress in std::iter::once(None).chain(OperationKind::ALL.iter().copied().map(Some)) {
                let bookable: Vec<OperationKind> = allowed(state, strong, in_progress, false)
                    .into_iter()
                    .filter_map(|a| if let Action::Book(op) = a { Some(op) } else { None })
                    .collect();
                assert_eq!(bookable, ops, "a new booking replaces whatever is in progress");
            }
        }
    }

    /// Every state × strength × operation in progress, and what is allowed besides booking:
    /// (edit, print, change-residence), pin-by-post, edit-delegate, regenerate-code.
    #[test]
    fn table_with_the_operation_in_progress() {
        let kinds = || std::iter::once(None).chain(OperationKind::ALL.iter().copied().map(Some));
        for state in State::ALL.iter().copied() {
            for strong in [false, true] {
                for (op, suspended) in kinds().flat_map(|op| [(op, false), (op, true)]) {
                    let live = state != State::Respinto;
                    // What suspended credentials may not do (issue 20).
                    let free = !suspended;
                    let expect = [
                        (Action::Edit, live),
                        (Action::Print, live),
                        (Action::ChangeResidence, live),
                        (
                            Action::PinByPost,
                            free && matches!(
                                (state, strong, op),
                                (State::Registrato, false, None | Some(Activation)) | (State::Attivato, _, None)
                            ),
                        ),
                        (Action::EditDelegate, live && op.is_some() && !(state == State::Registrato && strong)),
                        (Action::RegenerateCode, free && live && op.is_some() && op != Some(Revocation)),
                        (Action::Book(Activation), false),
                        (Action::SpidToken, free && live && matches!(op, Some(Verification | Promotion | Reset | Pin))),
                        (Action::Suspend, live && !suspended),
                        (Action::Reinstate, live && suspended),
                        (Action::Book(Revocation), live),
                    ];
                    for (action, ok) in expect {
                        let got = decide(state, strong, op, suspended, action);
                        assert_eq!(
                            got.is_ok(),
                            ok,
                            "{state} strong={strong} in progress {op:?} suspended={suspended}: {action:?} {got:?}"
                        );
                        assert_eq!(allowed(state, strong, op, suspended).contains(&action), ok);
                        if let Err(why) = got {
                            assert!(!why.is_empty());
                        }
                    }
                    // Suspended, nothing is booked but a revocation.
                    if suspended {
                        let booked: Vec<Action> = allowed(state, strong, op, true)
                            .into_iter()
                            .filter(|a| matches!(a, Action::Book(_)))
                            .collect();
                        assert!(booked.iter().all(|a| *a == Action::Book(Revocation)), "{booked:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_reasons_say_what_is_missing() {
        let why = decide(State::Registrato, false, None, false, Action::EditDelegate).unwrap_err();
        assert!(why.contains("no operation in progress"), "{why}");
        let why = decide(State::Attivato, true, None, false, Action::RegenerateCode).unwrap_err();
        assert!(why.contains("no operation in progress"), "{why}");
        let why = decide(State::Attivato, true, Some(Revocation), false, Action::RegenerateCode).unwrap_err();
        assert!(why.contains("revocation"), "{why}");
        assert!(decide(State::Registrato, false, Some(Activation), false, Action::RegenerateCode).is_ok());
        let why = decide(State::Respinto, false, None, false, Action::Print).unwrap_err();
        assert!(why.contains("only be viewed"), "{why}");
        let why = decide(State::Attivato, true, Some(Pin), true, Action::RegenerateCode).unwrap_err();
        assert!(why.contains("suspended"), "{why}");
        let why = decide(State::Attivato, true, None, false, Action::Reinstate).unwrap_err();
        assert!(why.contains("not suspended"), "{why}");
    }
}
