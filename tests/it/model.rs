//! Model-based test of the seams between desk, batch, helpdesk and portal (issue 17 §1).
//!
//! proptest draws sequences of steps over a handful of citizens (register at the desk, pre-load
//! from the registry, postal run, every booking, regenerate-code at the desk and by the helpdesk
//! mailbox, activation online with the right, stale and wrong codes, revocation online and by
//! registered letter, edit, change of residence, PIN by post); each sequence runs through the
//! library on a real database of its own, beside a model of what each registration should be.
//! After every step the database (read as its owner) is checked against the model and against
//! the rules that hold whatever the sequence:
//!
//! - at most one PIN and one code in force per registration. The PIN that completes something is
//!   the active operation's `pin_hash` (the only one `portal::activate` checks; one operation in
//!   progress at most), and it is the PIN of the last letter the model read; the account's PIN
//!   (`registration_credentials.pin_hash`) is in force for an `attivato` registration and is the
//!   last one handed over or posted (an account with an operation booked keeps it until the
//!   operation completes and replaces it). A code in force is the active operation's
//!   `revocation_code_hash` or an `activation_code_hash` not expired, never both, and an
//!   activation code only with an operation to complete (not a revocation). Behind the hashes,
//!   the portal is tried with stale codes and PINs (a postal PIN after a desk booking): refused;
//! - strong only through a desk-booked verification, promotion or reset completed online;
//! - a PIN received by post never completes a strong verification (the bug of issue 17 §1);
//! - nothing left of a revoked registration but its tombstone;
//! - every secret issued (booking, regenerated code) has its audit row;
//! - every state, strength and operation in progress is in the state table
//!   (`registration_transitions`, the graph of src/domain/rules.rs and transitions.rs).
//!
//! Cases and steps: `PROPTEST_CASES` (default 32, about 2,000 steps) and `SPORTELLO_MODEL_STEPS` (default 160: each
//! case draws 1 to that many). A failing sequence is shrunk, each try on a fresh database, for at
//! most `SPORTELLO_MODEL_SHRINK_SECONDS` (default 60), and printed as a list of steps;
//! `SPORTELLO_MODEL_TRACE=1` prints each step with its time.

use std::collections::HashSet;
use std::path::PathBuf;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sportello::batch::{self, mailbox, postal, registry_import};
use sportello::desk::edit::{self, NewResidence};
use sportello::desk::handover::{Delivery, Desk};
use sportello::desk::{book, register, reprint};
use sportello::domain::{OperationKind, PersonalData, Sex, State};
use sportello::portal;
use sportello::session::Session;
use sportello::store::registrations::Key;

use crate::desk::{code_in, pdf_text};
use crate::fixtures::Citizen;
use crate::harness::TestDb;
use crate::lifecycle::{activation, code_in_file, pin_in_file, pin_of, postal_file_of};

/// Wrong attempts before a lockout (the harness's desk settings).
const MAX_ATTEMPTS: i32 = 5;

fn citizens() -> Vec<Citizen> {
    vec![
        Citizen::new("RSSMRA", "Mario", "Rossi", "1985-12-10", Sex::M),
        Citizen::new("BNCGLI", "Giulia", "Bianchi", "1992-04-18", Sex::F),
        Citizen::new("VRDLCU", "Luca", "Verdi", "1970-01-01", Sex::M),
        Citizen::new("FRRNNA", "Anna", "Ferrero", "1960-05-05", Sex::F),
    ]
}

/// Which codes the citizen types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Typed {
    /// The code and PIN in force, as the model knows them from the letters and emails.
    Right,
    /// A code that was in force before, with the PIN in force.
    StaleCode,
    /// The code in force with a PIN that was in force before (a postal PIN replaced by a desk's).
    StalePin,
    /// The code in force with a PIN never issued.
    WrongPin,
}

#[derive(Debug, Clone)]
enum Step {
    Register(usize),
    Preload,
    PostalRun,
    Book(usize, OperationKind),
    RegenerateAtDesk(usize),
    RegenerateByMail(usize),
    Activate(usize, Typed),
    Revoke(usize, bool),
    RegisteredLetter(usize),
    Edit(usize),
    ChangeResidence(usize),
    PinByPost(usize),
}

fn step(n: usize) -> impl Strategy<Value = Step> {
    let who = 0..n;
    let op = prop_oneof![
        Just(OperationKind::Verification),
        Just(OperationKind::Promotion),
        Just(OperationKind::Pin),
        Just(OperationKind::Reset),
        Just(OperationKind::Revocation),
    ];
    let typed = prop_oneof![
        4 => Just(Typed::Right),
        1 => Just(Typed::StaleCode),
        2 => Just(Typed::StalePin),
        1 => Just(Typed::WrongPin),
    ];
    prop_oneof![
        3 => who.clone().prop_map(Step::Register),
        1 => Just(Step::Preload),
        3 => Just(Step::PostalRun),
        10 => (who.clone(), op).prop_map(|(c, op)| Step::Book(c, op)),
        2 => who.clone().prop_map(Step::RegenerateAtDesk),
        2 => who.clone().prop_map(Step::RegenerateByMail),
        10 => (who.clone(), typed).prop_map(|(c, t)| Step::Activate(c, t)),
        2 => (who.clone(), prop::bool::weighted(0.8)).prop_map(|(c, right)| Step::Revoke(c, right)),
        1 => who.clone().prop_map(Step::RegisteredLetter),
        3 => who.clone().prop_map(Step::Edit),
        1 => who.clone().prop_map(Step::ChangeResidence),
        2 => who.prop_map(Step::PinByPost),
    ]
}

/// The operation in progress, as the model knows it.
#[derive(Debug, Clone)]
struct Op {
    kind: OperationKind,
    pin: Option<String>,
    /// Opened by a postal letter (a weak activation), not booked at a desk.
    by_post: bool,
}

/// A registration, as the model expects it.
#[derive(Debug, Clone)]
struct Reg {
    number: i64,
    state: State,
    strong: bool,
    op: Option<Op>,
    /// The activation code in force, or the revocation code of a revocation in progress.
    code: Option<String>,
    /// The account's PIN and whether it came by post.
    account_pin: Option<(String, bool)>,
    queued: bool,
    email: bool,
    failed: i32,
    locked: bool,
    /// A desk-booked verification, promotion or reset was completed.
    strong_at_desk: bool,
    moved: bool,
    stale_codes: Vec<String>,
    stale_pins: Vec<String>,
}

impl Reg {
    fn new(number: i64, email: bool, queued: bool) -> Reg {
        Reg {
            number,
            state: State::Registrato,
            strong: false,
            op: None,
            code: None,
            account_pin: None,
            queued,
            email,
            failed: 0,
            locked: false,
            strong_at_desk: false,
            moved: false,
            stale_codes: vec![],
            stale_pins: vec![],
        }
    }

    /// The operation in progress ends or is replaced: its secrets become stale.
    fn close_op(&mut self) {
        if let Some(op) = self.op.take()
            && let Some(pin) = op.pin
        {
            self.stale_pins.push(pin);
        }
        if let Some(code) = self.code.take() {
            self.stale_codes.push(code);
        }
    }

    fn new_code(&mut self, code: String) {
        if let Some(old) = self.code.replace(code) {
            self.stale_codes.push(old);
        }
    }

    fn in_progress(&self) -> Option<OperationKind> {
        self.op.as_ref().map(|o| o.kind)
    }

    /// A wrong code typed: every attempt is counted before it is verified, whatever is in
    /// progress, until a lockout (the portal's answer and work are the same for every input).
    fn wrong_typed(&mut self, _revocation: bool) {
        if !self.locked {
            self.failed += 1;
            if self.failed >= MAX_ATTEMPTS {
                self.locked = true;
            }
        }
    }
}

/// A citizen of the model: the registration in force, and what is left of earlier ones.
struct Person {
    c: Citizen,
    reg: Option<Reg>,
    revoked: Vec<i64>,
    tombstone: bool,
    /// Secrets issued for this fiscal code (across its registrations): bookings, codes
    /// regenerated (desk and mailbox), postal letters.
    booked: i64,
    regenerated: i64,
    posted: i64,
}

/// SPEC §4, first column: what a desk may book (written out here, not asked of the library).
fn bookable(state: State, strong: bool, op: OperationKind) -> bool {
    use OperationKind::*;
    match (state, strong) {
        (State::Registrato, false) => matches!(op, Verification | Revocation),
        (State::Registrato, true) => op == Revocation,
        (State::Riscontrato, _) => matches!(op, Verification | Revocation),
        (State::Attivato, false) => matches!(op, Promotion | Reset | Revocation),
        (State::Attivato, true) => matches!(op, Pin | Reset | Revocation),
        (State::Respinto, _) => false,
    }
}

/// What ordinary post may do (issue 17 §1): open a weak activation for a weak registration
/// never seen at a desk, replace an active account's PIN; nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByPost {
    Opens,
    ReplacesPin,
}

fn by_post(r: &Reg) -> Option<ByPost> {
    match (r.state, r.strong, r.in_progress()) {
        (State::Registrato, false, None | Some(OperationKind::Activation)) => Some(ByPost::Opens),
        (State::Attivato, _, None) => Some(ByPost::ReplacesPin),
        _ => None,
    }
}

/// The activation code in a text (as `code_in` reads it), if any.
fn find_code(text: &str) -> Option<String> {
    let is_code = |t: &&str| {
        t.len() == 14
            && t.chars().enumerate().all(|(i, c)| match i {
                4 | 9 => c == '-',
                _ => c.is_ascii_uppercase() || c.is_ascii_digit(),
            })
    };
    text.split(char::is_whitespace).find(is_code).map(code_in)
}

struct World {
    db: TestDb,
    /// The owner's connection, to inspect.
    owner: tokio_postgres::Client,
    admin: Session,
    desk: Desk,
    people: Vec<Person>,
    cia: PathBuf,
    /// Outbox files already read.
    seen_mail: HashSet<PathBuf>,
    counter: u64,
    /// Postal runs that printed letters.
    postal_runs: i64,
}

type Outcome = Result<(), TestCaseError>;

macro_rules! check {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(TestCaseError::fail(format!($($arg)*)));
        }
    };
}

impl World {
    async fn new() -> World {
        let db = TestDb::new().await;
        let admin = db.admin().await;
        let desk = db.desk();
        let people: Vec<Person> = citizens()
            .into_iter()
            .map(|c| Person { c, reg: None, revoked: vec![], tombstone: false, booked: 0, regenerated: 0, posted: 0 })
            .collect();
        // The registry's export: the same people, as the municipality of Torino holds them.
        let mut csv = String::from(
            "fiscal_code;first_name;last_name;birth_date;sex;address;street_number;postcode;municipality;doc_type;doc_number;doc_issued;doc_issuer\n",
        );
        for p in &people {
            let c = &p.c;
            csv.push_str(&format!(
                "{};{};{};{};{};Via Po;10/B;10121;001272;identity-card;CA00000AA;2022-03-01;Comune di Torino\n",
                c.cf,
                c.first_name,
                c.last_name,
                c.birth,
                c.sex.as_str()
            ));
        }
        let cia = db.files.path().join("cia.csv");
        std::fs::write(&cia, csv).unwrap();
        let report = registry_import::import(
            &admin,
            sportello::store::registry::Source::Cia,
            &cia,
            &registry_import::Options::default(),
            &batch::Quiet,
        )
        .await
        .unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        let owner = db.owner().await;
        World { db, owner, admin, desk, people, cia, seen_mail: HashSet::new(), counter: 0, postal_runs: 0 }
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// Messages written to the outbox since the last call.
    fn new_mail(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(dir) = std::fs::read_dir(self.db.outbox()) else { return out };
        let mut files: Vec<PathBuf> = dir.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            if self.seen_mail.insert(f.clone()) {
                out.push(std::fs::read_to_string(&f).unwrap());
            }
        }
        out
    }

    /// The code delivered by a desk (emailed, or in a letter among `letters`).
    fn delivered_code(
        &mut self,
        delivery: &Delivery,
        letters: &[PathBuf],
        email: &str,
    ) -> Result<String, TestCaseError> {
        let mail = self.new_mail();
        match delivery {
            Delivery::Emailed { .. } => mail
                .iter()
                .filter(|m| m.contains(email))
                .find_map(|m| find_code(m))
                .ok_or_else(|| TestCaseError::fail(format!("no code emailed to {email}"))),
            _ => letters
                .iter()
                .filter(|p| !p.to_string_lossy().ends_with("-pin.pdf"))
                .find_map(|p| find_code(&pdf_text(p)))
                .ok_or_else(|| TestCaseError::fail(format!("no code letter among {letters:?}"))),
        }
    }

    async fn run(&mut self, step: &Step) -> Outcome {
        match *step {
            Step::Register(i) => self.register(i).await,
            Step::Preload => self.preload().await,
            Step::PostalRun => self.postal_run().await,
            Step::Book(i, op) => self.book(i, op).await,
            Step::RegenerateAtDesk(i) => self.regenerate_at_desk(i).await,
            Step::RegenerateByMail(i) => self.regenerate_by_mail(i).await,
            Step::Activate(i, typed) => self.activate(i, typed).await,
            Step::Revoke(i, right) => self.revoke(i, right).await,
            Step::RegisteredLetter(i) => self.registered_letter(i).await,
            Step::Edit(i) => self.edit(i).await,
            Step::ChangeResidence(i) => self.change_residence(i).await,
            Step::PinByPost(i) => self.pin_by_post(i).await,
        }
    }

    async fn register(&mut self, i: usize) -> Outcome {
        let p = &mut self.people[i];
        match register::prepare(&self.admin, p.c.request()).await {
            Ok(register::Prepared::New(draft)) => {
                check!(p.reg.is_none(), "{} registered twice", p.c.cf);
                let r =
                    register::register(&self.admin, *draft).await.map_err(|e| TestCaseError::fail(e.to_string()))?;
                p.reg = Some(Reg::new(r.registration_number, true, false));
            }
            Ok(register::Prepared::AlreadyRegistered(r)) => {
                check!(
                    p.reg.as_ref().map(|m| m.number) == Some(r.registration_number),
                    "already registered as {}, the model says {:?}",
                    r.registration_number,
                    p.reg.as_ref().map(|m| m.number)
                );
            }
            // SPEC §5: a citizen with strong credentials is not registered again.
            Err(e) => check!(p.reg.as_ref().is_some_and(|r| r.strong), "register refused: {e} ({:?})", p.reg),
        }
        Ok(())
    }

    async fn preload(&mut self) -> Outcome {
        let opts = registry_import::Options {
            force: true,
            preload: Some(registry_import::Preload { areas: vec!["001272".into()], key: self.db.key() }),
            ..Default::default()
        };
        let source = sportello::store::registry::Source::Cia;
        let report = registry_import::import(&self.admin, source, &self.cia, &opts, &batch::Quiet)
            .await
            .map_err(|e| TestCaseError::fail(format!("preload: {e}")))?;
        let owner = &self.owner;
        let mut expected = 0;
        for p in self.people.iter_mut().filter(|p| p.reg.is_none() && !p.tombstone) {
            let row = owner
                .query_one("SELECT registration_number FROM registrations WHERE fiscal_code = $1", &[&p.c.cf])
                .await
                .map_err(|e| TestCaseError::fail(format!("{} not pre-loaded: {e}", p.c.cf)))?;
            p.reg = Some(Reg::new(row.get(0), false, true));
            expected += 1;
        }
        check!(report.preloaded == expected, "pre-loaded {}, the model expects {expected}", report.preloaded);
        Ok(())
    }

    async fn postal_run(&mut self) -> Outcome {
        let n = self.next();
        let out = self.db.files.path().join(format!("postal-{n}"));
        let opts = postal::Options {
            province: None,
            limit: None,
            batch_size: 3,
            out: out.clone(),
            dry_run: false,
            group: None,
        };
        // Only what the run sends is its mail (an activation's confirmation may be unread).
        self.new_mail();
        let report = postal::run(&self.admin, &self.desk, &opts, &batch::Quiet)
            .await
            .map_err(|e| TestCaseError::fail(format!("postal run: {e}")))?;
        let mail = self.new_mail();
        let (mut letters, mut withheld) = (0u64, 0u64);
        for p in &mut self.people {
            let Some(r) = p.reg.as_mut() else { continue };
            let pin_file = postal_file_of(&out, "postal-", &p.c.cf);
            let code_file = postal_file_of(&out, "codes-", &p.c.cf);
            let email = p.c.data().contacts.email.unwrap();
            let emailed: Vec<&String> = mail.iter().filter(|m| m.contains(&email)).collect();
            if !std::mem::take(&mut r.queued) {
                check!(pin_file.is_none(), "{}: a PIN by post never asked for", p.c.cf);
                continue;
            }
            match by_post(r) {
                None => {
                    withheld += 1;
                    check!(
                        pin_file.is_none() && code_file.is_none() && emailed.is_empty(),
                        "{} in {:?} strong {} with {:?} in progress got a letter by post",
                        p.c.cf,
                        r.state,
                        r.strong,
                        r.in_progress()
                    );
                }
                Some(what) => {
                    letters += 1;
                    p.posted += 1;
                    let Some(pin_file) = pin_file else {
                        return Err(TestCaseError::fail(format!("{}: no PIN letter ({what:?})", p.c.cf)));
                    };
                    let pin = pin_in_file(&pin_file, &p.c.cf);
                    if let Some((old, _)) = r.account_pin.replace((pin.clone(), true)) {
                        r.stale_pins.push(old);
                    }
                    if what == ByPost::Opens {
                        let code = if r.email {
                            check!(code_file.is_none(), "{}: a code letter beside the email", p.c.cf);
                            emailed.iter().find_map(|m| find_code(m))
                        } else {
                            code_file.map(|f| code_in_file(&f, &p.c.cf))
                        };
                        let Some(code) = code else {
                            return Err(TestCaseError::fail(format!("{}: no activation code", p.c.cf)));
                        };
                        r.close_op();
                        r.op = Some(Op { kind: OperationKind::Activation, pin: Some(pin), by_post: true });
                        r.code = Some(code);
                        r.failed = 0;
                        r.locked = false;
                    } else {
                        check!(code_file.is_none() && emailed.is_empty(), "{}: a code with a new account PIN", p.c.cf);
                    }
                }
            }
        }
        check!(
            (report.letters, report.withheld) == (letters, withheld),
            "postal run: {} letters, {} withheld; the model expects {letters}, {withheld}",
            report.letters,
            report.withheld
        );
        if report.letters > 0 {
            self.postal_runs += 1;
        }
        Ok(())
    }

    async fn book(&mut self, i: usize, op: OperationKind) -> Outcome {
        let Some(number) = self.people[i].reg.as_ref().map(|r| r.number) else { return Ok(()) };
        let req = book::Request { key: Key::Number(number), operation: op, delegate: None, print_code: false };
        let result = book::book(&self.admin, &self.desk, req).await;
        let email = self.people[i].c.data().contacts.email.unwrap();
        let r = self.people[i].reg.clone().unwrap();
        let allowed = bookable(r.state, r.strong, op);
        let has_email = r.email;
        match result {
            Ok(booked) => {
                check!(allowed && has_email, "booked {op:?} in {:?} strong {} (email {has_email})", r.state, r.strong);
                let pin = booked
                    .letters
                    .iter()
                    .find(|p| p.to_string_lossy().ends_with("-pin.pdf"))
                    .map(|p| pin_of(&pdf_text(p)));
                check!(pin.is_some() == (op != OperationKind::Revocation), "{op:?}: PIN letter {pin:?}");
                let code = self.delivered_code(&booked.code, &booked.letters, &email)?;
                let p = &mut self.people[i];
                p.booked += 1;
                let r = p.reg.as_mut().unwrap();
                r.close_op();
                r.op = Some(Op { kind: op, pin, by_post: false });
                r.code = Some(code);
                r.queued = false;
                r.failed = 0;
                r.locked = false;
                if op != OperationKind::Revocation && r.state == State::Registrato {
                    r.state = State::Riscontrato;
                }
            }
            Err(e) => {
                self.new_mail();
                check!(!(allowed && has_email), "book {op:?} refused in {:?} strong {}: {e}", r.state, r.strong);
            }
        }
        Ok(())
    }

    /// May a new activation code be drawn (desk or mailbox)?
    fn regenerable(r: &Reg) -> bool {
        matches!(r.in_progress(), Some(k) if k != OperationKind::Revocation)
    }

    async fn regenerate_at_desk(&mut self, i: usize) -> Outcome {
        let Some(number) = self.people[i].reg.as_ref().map(|r| r.number) else { return Ok(()) };
        let result = reprint::regenerate_code(&self.admin, &self.desk, &Key::Number(number), false).await;
        let email = self.people[i].c.data().contacts.email.unwrap();
        let allowed = World::regenerable(self.people[i].reg.as_ref().unwrap());
        match result {
            Ok(done) => {
                check!(
                    allowed,
                    "regenerated with {:?} in progress",
                    self.people[i].reg.as_ref().unwrap().in_progress()
                );
                let code = self.delivered_code(&done.code, &done.letters, &email)?;
                let p = &mut self.people[i];
                p.regenerated += 1;
                p.reg.as_mut().unwrap().new_code(code);
            }
            Err(e) => check!(!allowed, "regenerate-code refused: {e}"),
        }
        Ok(())
    }

    /// The citizen asks the helpdesk mailbox for a new code, from the address they gave at the
    /// desk, with every datum the mailbox checks.
    async fn regenerate_by_mail(&mut self, i: usize) -> Outcome {
        let n = self.next();
        let dir = self.db.files.path().join(format!("mailbox-{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        let c = &self.people[i].c;
        let email = c.data().contacts.email.unwrap();
        let message = format!(
            "From: {first} {last} <{email}>\r\nTo: assistenza@sistemapiemonte.it\r\n\
             Subject: Richiesta nuovo codice di attivazione\r\nMessage-ID: <model-{n}-{pid}@example.it>\r\n\
             Date: Mon, 23 Nov 2026 09:12:00 +0100\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n\
             Buongiorno,\r\nsono {first} {last}, codice fiscale {cf}. Vi chiedo un nuovo codice di attivazione.\r\n\
             Carta d'identita' n. CA00000AA rilasciata il 01/03/2022 dal Comune di Torino.\r\n\r\nGrazie\r\n",
            first = c.first_name,
            last = c.last_name,
            cf = c.cf,
            pid = std::process::id(),
        );
        std::fs::write(dir.join("request.eml"), message).unwrap();
        let report = mailbox::process(&self.admin, &self.desk, &dir, false, &batch::Quiet)
            .await
            .map_err(|e| TestCaseError::fail(format!("mailbox: {e}")))?;
        let mail = self.new_mail();
        let outcome = &report.messages[0].outcome;
        let honour = self.people[i].reg.as_ref().is_some_and(|r| r.email && World::regenerable(r));
        check!(
            (*outcome == mailbox::Outcome::Honoured) == honour,
            "mailbox: {outcome:?}, the model expects honoured {honour} ({:?})",
            self.people[i].reg
        );
        if honour {
            let code = mail.iter().filter(|m| m.contains(&email)).find_map(|m| find_code(m));
            let Some(code) = code else { return Err(TestCaseError::fail("no code emailed by the helpdesk")) };
            let p = &mut self.people[i];
            p.regenerated += 1;
            p.reg.as_mut().unwrap().new_code(code);
        } else {
            check!(mail.iter().all(|m| find_code(m).is_none()), "a code in the helpdesk's refusal");
        }
        Ok(())
    }

    async fn activate(&mut self, i: usize, typed: Typed) -> Outcome {
        let n = self.next();
        let p = &self.people[i];
        let Some(r) = p.reg.as_ref() else {
            // Someone who is not registered (or was revoked) gets the one refusal.
            let a = activation(&p.c.cf, "AAAA-AAAA-AAAA", "12345678");
            check!(portal::activate(&self.db.db, &self.desk, a).await.is_err(), "activated without a registration");
            return Ok(());
        };
        let current_pin = r.op.as_ref().and_then(|o| o.pin.clone());
        let wrong_code = "ZZZZ-ZZZZ-ZZZ2".to_string();
        let wrong_pin = "13572468".to_string();
        let code = r.code.clone().unwrap_or(wrong_code.clone());
        let pin = current_pin.clone().unwrap_or(wrong_pin.clone());
        let (code, pin) = match typed {
            Typed::Right => (code, pin),
            Typed::StaleCode => (r.stale_codes.last().cloned().unwrap_or(wrong_code), pin),
            // A postal PIN the citizen still holds, else any PIN in force before.
            Typed::StalePin => {
                let posted = r.account_pin.as_ref().filter(|(p, post)| *post && Some(p) != current_pin.as_ref());
                (code, posted.map(|(p, _)| p.clone()).or_else(|| r.stale_pins.last().cloned()).unwrap_or(wrong_pin))
            }
            Typed::WrongPin => (code, wrong_pin),
        };
        let pin_by_post = r.account_pin.as_ref().is_some_and(|(p, post)| *post && *p == pin);
        let completes = r.op.as_ref().is_some_and(|o| o.kind != OperationKind::Revocation)
            && !r.locked
            && r.code.as_deref() == Some(code.as_str())
            && current_pin.as_deref() == Some(pin.as_str());
        let mut a = activation(&p.c.cf, &code, &pin);
        a.username = Some(format!("u{}n{n}", r.number));
        let result = portal::activate(&self.db.db, &self.desk, a).await;
        let r = self.people[i].reg.as_mut().unwrap();
        match result {
            Ok(done) => {
                let op = r.op.clone().unwrap();
                check!(completes, "activated with {typed:?} codes ({:?} in progress, locked {})", op.kind, r.locked);
                // The bug of issue 17 §1: a PIN that came by post never completes anything strong.
                check!(
                    !(pin_by_post || op.by_post) || (!done.strong && done.operation == OperationKind::Activation),
                    "a PIN received by post completed {:?}, strong {}",
                    done.operation,
                    done.strong
                );
                check!(done.operation == op.kind, "completed {:?}, the model has {:?}", done.operation, op.kind);
                use OperationKind::*;
                r.strong = match op.kind {
                    Verification | Reset | Promotion => true,
                    Pin => r.strong,
                    Activation => false,
                    Revocation => unreachable!(),
                };
                if matches!(op.kind, Verification | Reset | Promotion) && !op.by_post {
                    r.strong_at_desk = true;
                }
                r.state = State::Attivato;
                if let Some(old) = r.code.take() {
                    r.stale_codes.push(old);
                }
                r.op = None;
                if let Some((old, _)) = r.account_pin.replace((op.pin.unwrap(), op.by_post)) {
                    r.stale_pins.push(old);
                }
                r.failed = 0;
                check!(
                    (done.state, done.strong) == (r.state, r.strong),
                    "activated as {:?} strong {}, the model expects {:?} {}",
                    done.state,
                    done.strong,
                    r.state,
                    r.strong
                );
            }
            Err(e) => {
                check!(!completes, "the right codes were refused: {e} ({:?})", r);
                r.wrong_typed(false);
            }
        }
        Ok(())
    }

    async fn revoke(&mut self, i: usize, right: bool) -> Outcome {
        let p = &self.people[i];
        let Some(r) = p.reg.as_ref() else {
            check!(
                portal::revoke(&self.db.db, &self.desk, &p.c.cf, "AAAA-AAAA-AAAA").await.is_err(),
                "revoked without a registration"
            );
            return Ok(());
        };
        let revoking = r.in_progress() == Some(OperationKind::Revocation);
        let code = match (right, &r.code) {
            (true, Some(c)) => c.clone(),
            _ => "ZZZZ-ZZZZ-ZZZ2".into(),
        };
        let completes = revoking && !r.locked && r.code.as_deref() == Some(code.as_str());
        let result = portal::revoke(&self.db.db, &self.desk, &p.c.cf, &code).await;
        let p = &mut self.people[i];
        match result {
            Ok(number) => {
                check!(completes, "revoked without the right code ({:?})", p.reg);
                check!(number == p.reg.as_ref().unwrap().number, "revoked {number}");
                p.revoked.push(number);
                p.reg = None;
                p.tombstone = true;
            }
            Err(e) => {
                check!(!completes, "the right revocation code was refused: {e}");
                p.reg.as_mut().unwrap().wrong_typed(true);
            }
        }
        Ok(())
    }

    async fn registered_letter(&mut self, i: usize) -> Outcome {
        use sportello::batch::letter_revocations::{Outcome as Letter, revoke_one};
        let n = self.next();
        let letter = self.people[i].c.letter(&format!("PROT-{n}"));
        let outcome = revoke_one(&self.admin, &self.desk, letter)
            .await
            .map_err(|e| TestCaseError::fail(format!("registered letter: {e}")))?;
        let p = &mut self.people[i];
        match (&p.reg, outcome) {
            (Some(r), Letter::Revoked { registration_number }) => {
                check!(registration_number == r.number, "the letter revoked {registration_number}, not {}", r.number);
                p.revoked.push(r.number);
                p.reg = None;
                p.tombstone = true;
            }
            (None, Letter::AlreadyRevoked) => check!(p.tombstone, "already revoked, without a tombstone"),
            (None, Letter::NotFound) => check!(!p.tombstone, "not found, with a tombstone"),
            (reg, other) => return Err(TestCaseError::fail(format!("letter: {other:?} for {reg:?}"))),
        }
        Ok(())
    }

    async fn edit(&mut self, i: usize) -> Outcome {
        let p = &mut self.people[i];
        let Some(r) = p.reg.as_mut() else { return Ok(()) };
        let mut changes = PersonalData::default();
        if r.email {
            changes.contacts.mobile = Some(format!("333{:07}", r.number % 10_000_000));
        } else {
            changes.contacts.email = p.c.data().contacts.email;
        }
        edit::edit(&self.admin, &Key::Number(r.number), changes)
            .await
            .map_err(|e| TestCaseError::fail(format!("edit: {e}")))?;
        r.email = true;
        Ok(())
    }

    async fn change_residence(&mut self, i: usize) -> Outcome {
        let Some(r) = self.people[i].reg.as_mut() else { return Ok(()) };
        let new = if r.moved {
            NewResidence {
                province: "TO".into(),
                municipality: "Torino".into(),
                address: "Via Po".into(),
                street_number: Some("10/B".into()),
                postcode: Some("10121".into()),
                city: None,
                country: None,
            }
        } else {
            NewResidence {
                province: "TO".into(),
                municipality: "Moncalieri".into(),
                address: "Strada Revigliasco".into(),
                street_number: Some("1".into()),
                postcode: Some("10024".into()),
                city: None,
                country: None,
            }
        };
        edit::change_residence(&self.admin, &Key::Number(r.number), new)
            .await
            .map_err(|e| TestCaseError::fail(format!("change-residence: {e}")))?;
        r.moved = !r.moved;
        Ok(())
    }

    async fn pin_by_post(&mut self, i: usize) -> Outcome {
        let Some(r) = self.people[i].reg.as_mut() else { return Ok(()) };
        let allowed = by_post(r).is_some();
        match reprint::request_pin_by_post(&self.admin, &Key::Number(r.number)).await {
            Ok(_) => {
                check!(allowed, "PIN by post queued in {:?} strong {} with {:?}", r.state, r.strong, r.in_progress());
                r.queued = true;
            }
            Err(e) => check!(!allowed, "PIN by post refused: {e}"),
        }
        Ok(())
    }

    /// The database against the model and the rules, after every step (a few queries, on the
    /// owner's connection held for the case).
    async fn check(&self) -> Outcome {
        let owner = &self.owner;
        let key = &self.desk.key;
        let fail = |e: tokio_postgres::Error| TestCaseError::fail(e.to_string());
        // Every state and strength in the table; every operation in progress one that the table
        // lets the desk book or the post open in that state. The postal runs are audited.
        let row = owner
            .query_one(
                "SELECT (SELECT count(*) FROM registrations r
                         LEFT JOIN operations o ON o.registration_number = r.registration_number AND o.status = 'A'
                         WHERE NOT EXISTS (SELECT 1 FROM registration_transitions t
                                           WHERE t.to_state = r.state AND t.to_strong = r.strong)
                            OR (o.id IS NOT NULL AND NOT EXISTS (
                                  SELECT 1 FROM registration_transitions t
                                  WHERE t.event IN ('book', 'postal') AND t.operation = o.kind
                                    AND t.from_state = r.state AND t.from_strong = r.strong))),
                        (SELECT count(*) FROM audit_log WHERE action = 'postal-run' AND outcome = 'ok')",
                &[],
            )
            .await
            .map_err(fail)?;
        let (outside, runs): (i64, i64) = (row.get(0), row.get(1));
        check!(outside == 0, "{outside} registrations outside the state table");
        check!(runs >= self.postal_runs, "{runs} postal runs audited, {} printed letters", self.postal_runs);

        // Nothing left of a revoked registration but its tombstone.
        let revoked: Vec<i64> = self.people.iter().flat_map(|p| p.revoked.iter().copied()).collect();
        if !revoked.is_empty() {
            let left: i64 = owner
                .query_one(
                    "SELECT (SELECT count(*) FROM registrations WHERE registration_number = ANY($1))
                          + (SELECT count(*) FROM operations WHERE registration_number = ANY($1))
                          + (SELECT count(*) FROM registration_credentials WHERE registration_number = ANY($1))
                          + (SELECT count(*) FROM pin_letter_queue WHERE registration_number = ANY($1))",
                    &[&revoked],
                )
                .await
                .map_err(fail)?
                .get(0);
            check!(left == 0, "{left} rows left of the revoked registrations {revoked:?}");
            let tombs: Vec<(i64, Vec<u8>)> = owner
                .query(
                    "SELECT registration_number, fiscal_code_hash FROM revocations WHERE registration_number = ANY($1)",
                    &[&revoked],
                )
                .await
                .map_err(fail)?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            for p in &self.people {
                let hash = portal::tombstone_hash(key, &p.c.cf);
                for number in &p.revoked {
                    let n = tombs.iter().filter(|(t, h)| t == number && *h == hash).count();
                    check!(n == 1, "revoked registration {number} of {}: {n} tombstones", p.c.cf);
                }
            }
        }

        // Every secret issued has its audit row.
        let targets: Vec<String> =
            self.people.iter().map(|p| sportello::audit::fiscal_code_target(key, &p.c.cf)).collect();
        let audited: Vec<(String, i64, i64, i64)> = owner
            .query(
                "SELECT target, count(*) FILTER (WHERE action = 'book'),
                        count(*) FILTER (WHERE action = 'regenerate-code'),
                        count(*) FILTER (WHERE details->>'channel' = 'postal-run')
                 FROM audit_log WHERE target = ANY($1) AND outcome = 'ok' GROUP BY target",
                &[&targets],
            )
            .await
            .map_err(fail)?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        for (p, target) in self.people.iter().zip(&targets) {
            let (booked, regenerated, posted) =
                audited.iter().find(|a| &a.0 == target).map(|a| (a.1, a.2, a.3)).unwrap_or_default();
            check!(
                (booked, regenerated) == (p.booked, p.regenerated),
                "{}: audit rows book {booked}, regenerate-code {regenerated}; secrets issued {}, {}",
                p.c.cf,
                p.booked,
                p.regenerated
            );
            let _ = posted;
            // A postal run records each batch with the registrations it printed a PIN for.
            let numbers: Vec<i64> = p.reg.iter().map(|r| r.number).chain(p.revoked.iter().copied()).collect();
            let posted: i64 = owner
                .query_one(
                    "SELECT count(*) FROM audit_log a WHERE a.action = 'postal-batch' AND a.outcome = 'ok'
                       AND EXISTS (SELECT 1 FROM jsonb_array_elements(a.details->'registrations') e
                                    WHERE e::text::bigint = ANY($1))",
                    &[&numbers],
                )
                .await
                .map_err(fail)?
                .get(0);
            check!(posted >= p.posted, "{}: {posted} audit rows of postal letters, {} sent", p.c.cf, p.posted);
        }

        // Each registration as the model expects it, with at most one PIN and one code in force.
        let codes: Vec<&str> = self.people.iter().map(|p| p.c.cf.as_str()).collect();
        let rows = owner
            .query(
                "SELECT r.state, r.strong, o.kind, o.pin_hash, o.revocation_code_hash,
                        k.activation_code_hash, coalesce(k.activation_code_expires_at > now(), false), k.pin_hash,
                        (SELECT count(*) FROM operations WHERE registration_number = r.registration_number AND status = 'A'),
                        EXISTS (SELECT 1 FROM pin_letter_queue q WHERE q.registration_number = r.registration_number),
                        r.email IS NOT NULL, r.locked_at IS NOT NULL, r.failed_attempts, r.fiscal_code,
                        r.registration_number
                 FROM registrations r
                 LEFT JOIN operations o ON o.registration_number = r.registration_number AND o.status = 'A'
                 LEFT JOIN registration_credentials k ON k.registration_number = r.registration_number
                 WHERE r.fiscal_code = ANY($1)",
                &[&codes],
            )
            .await
            .map_err(fail)?;
        let registered = self.people.iter().filter(|p| p.reg.is_some()).count();
        check!(rows.len() == registered, "{} registrations, the model has {registered}", rows.len());
        for row in rows {
            let cf: String = row.get(13);
            let number: i64 = row.get(14);
            let Some(m) = self.people.iter().find(|p| p.c.cf == cf).and_then(|p| p.reg.as_ref()) else {
                return Err(TestCaseError::fail(format!("{cf} is registered, the model says not")));
            };
            let who = format!("{cf} (registration {number})");
            check!(number == m.number, "{who}: the model has registration {}", m.number);
            let state = State::parse(row.get::<_, &str>(0)).unwrap();
            let strong: bool = row.get(1);
            let kind = row.get::<_, Option<&str>>(2).and_then(OperationKind::parse);
            let op_pin: Option<Vec<u8>> = row.get(3);
            let op_code: Option<Vec<u8>> = row.get(4);
            let activation_code: Option<Vec<u8>> = row.get(5);
            let code_valid: bool = row.get(6);
            let account_pin: Option<Vec<u8>> = row.get(7);
            let active: i64 = row.get(8);
            let queued: bool = row.get(9);
            let email: bool = row.get(10);
            let locked: bool = row.get(11);
            let failed: i32 = row.get(12);
            check!(
                (state, strong, kind) == (m.state, m.strong, m.in_progress()),
                "{who}: {state:?} strong {strong} with {kind:?} in progress; the model expects {:?} {} {:?}",
                m.state,
                m.strong,
                m.in_progress()
            );
            check!(
                (queued, email, locked, failed) == (m.queued, m.email, m.locked, m.failed),
                "{who}: queued {queued}, email {email}, locked {locked}, failed {failed}; the model: {m:?}"
            );
            // At most one PIN completes something: the operation's (the unique index makes it
            // one operation; its PIN is the one the portal checks). The account's PIN is in force
            // for an active account, until an operation booked for it completes and replaces it.
            check!(active <= 1, "{who}: {active} operations in progress");
            let account_in_force = state == State::Attivato && account_pin.is_some();
            check!(
                account_in_force || state != State::Attivato || m.account_pin.is_none(),
                "{who}: an active account without its PIN"
            );
            // At most one code in force, and an activation code only with something to complete.
            let in_force_code = activation_code.is_some() && code_valid;
            let codes = usize::from(op_code.is_some()) + usize::from(in_force_code);
            check!(codes <= 1, "{who}: {codes} codes in force");
            check!(
                !in_force_code || matches!(kind, Some(k) if k != OperationKind::Revocation),
                "{who}: an activation code in force with {kind:?} in progress"
            );
            check!(
                op_code.is_some() == (kind == Some(OperationKind::Revocation)),
                "{who}: a revocation code with {kind:?} in progress"
            );
            check!(m.code.is_none() || in_force_code || op_code.is_some(), "{who}: the model's code is not in force");
            let op_has_pin = m.op.as_ref().is_some_and(|o| o.pin.is_some());
            check!(
                op_pin.is_some() == op_has_pin,
                "{who}: operation PIN stored {}, the model {op_has_pin}",
                op_pin.is_some()
            );
            // The PINs in force are the ones the model read in their letters.
            let pin = sportello::secrets::Purpose::Pin;
            if let (Some(hash), Some(p)) = (&op_pin, m.op.as_ref().and_then(|o| o.pin.as_ref())) {
                check!(key.verify(pin, &cf, p, hash), "{who}: the operation's PIN is not its letter's");
            }
            if let (true, Some(hash), Some((p, _))) = (account_in_force, &account_pin, &m.account_pin) {
                check!(key.verify(pin, &cf, p, hash), "{who}: the account's PIN is not the last one handed or posted");
            }
            // Strong only through a desk-booked verification, promotion or reset completed.
            check!(!strong || m.strong_at_desk, "{who}: strong without a desk-booked verification completed");
        }
        Ok(())
    }

    /// Adds what this case did to [`TALLY`].
    async fn tally(&self) {
        let owner = &self.owner;
        let rows = owner
            .query(
                "SELECT action || ' ' || outcome || coalesce(' ' || (details->>'operation'), ''), count(*)
                 FROM audit_log WHERE action IN ('book', 'regenerate-code', 'citizen-activate', 'citizen-revoke',
                     'citizen-wrong-code', 'revoke-letter', 'pin-by-post', 'postal-run', 'import-cia')
                 GROUP BY 1",
                &[],
            )
            .await
            .unwrap();
        let strong: i64 = owner.query_one("SELECT count(*) FROM registrations WHERE strong", &[]).await.unwrap().get(0);
        let mut tally = TALLY.lock().unwrap();
        for r in rows {
            *tally.entry(r.get(0)).or_default() += r.get::<_, i64>(1);
        }
        *tally.entry("strong at the end".into()).or_default() += strong;
    }

    /// Drops this case's database (a shrinking run makes many).
    async fn drop_database(self) {
        let World { db, owner, admin, desk, .. } = self;
        drop((owner, admin, desk));
        let mut config = db.config.clone();
        config.dbname("postgres");
        let client = sportello::store::connect(&config).await.unwrap();
        let name = db.name.clone();
        drop(db);
        let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
    }
}

async fn run_case(steps: &[Step]) -> Outcome {
    let mut world = World::new().await;
    let mut result = Ok(());
    for (i, step) in steps.iter().enumerate() {
        STEPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = std::time::Instant::now();
        let ran = world.run(step).await;
        let t_step = t.elapsed();
        let done = match ran {
            Ok(()) => world.check().await,
            Err(e) => Err(e),
        };
        if std::env::var_os("SPORTELLO_MODEL_TRACE").is_some() {
            eprintln!("{i}: {step:?} {t_step:.1?} + check {:.1?}", t.elapsed() - t_step);
        }
        if let Err(e) = done {
            result = Err(TestCaseError::fail(format!("step {i} {step:?}: {e}")));
            break;
        }
    }
    world.tally().await;
    world.drop_database().await;
    result
}

/// What the cases did, from their audit logs (so that a run that exercised nothing shows).
static STEPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

static TALLY: std::sync::Mutex<std::collections::BTreeMap<String, i64>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn random_interleavings_keep_the_credentials_rules() {
    let cases = env_number("PROPTEST_CASES", 32);
    let steps = env_number("SPORTELLO_MODEL_STEPS", 160) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Shrinking runs each try on a fresh database: bounded in time (SPORTELLO_MODEL_SHRINK_SECONDS).
    let shrink = env_number("SPORTELLO_MODEL_SHRINK_SECONDS", 60);
    let config = Config {
        cases,
        max_shrink_iters: if shrink == 0 { 0 } else { 10_000 },
        max_shrink_time: shrink * 1000,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let started = std::time::Instant::now();
    let result =
        runner.run(&prop::collection::vec(step(citizens().len()), 1..=steps), |steps| rt.block_on(run_case(&steps)));
    eprintln!(
        "model: {cases} cases of up to {steps} steps, {} steps run (shrinking included) in {:.1?}",
        STEPS.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed()
    );
    for (what, n) in TALLY.lock().unwrap().iter() {
        eprintln!("  {what}: {n}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}
