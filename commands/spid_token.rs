//! `sportello spid-token`: the desk's in-person identification issued as an AgID R.A.O.
//! pubblico token; `sportello spid-token verify FILE`: the IdP's checks of a token.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use sportello::error::exit;
use sportello::spid::desk::{self, Issued};
use sportello::spid::request_data::{AtTheDesk, Card};
use sportello::spid::verify::{Verdict, Verifier};
use sportello::spid::{Rao, Settings};

use crate::people::Target;
use crate::{Env, in_session, output};

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "\
Right after the in-person identification (a verification, promotion, reset
or PIN booked by you in the last 30 minutes and still in progress), issues
the citizen's SPID token: ICRequestData encrypted under a new 12-character
passphrase and sealed with the R.A.O.'s seal. The first half of the
passphrase is printed on a letter to hand over now; the second half is
emailed, with the token attached (model b) or, with --idp, after the token
was accepted by the identity provider the citizen chose (model a). Missing
data is listed and nothing is issued. The passphrase is never stored.

Configuration: spid_seal_cert, spid_seal_key, spid_ipa_code, and for model a
spid_idps and spid_ca (README, \"SPID from the desk\").

Examples:
  sportello spid-token --cf RSSMRA85T10L219G --doc-expiry 2031-03-01 \\
      --card ts --card-serial 80380001234567890123
  sportello spid-token --number 1000042 --doc-expiry 2031-03-01 \\
      --card cf --card-serial 12345678 --idp 'Poste Italiane'
  sportello spid-token verify token-spid.jwt --ca subca.pem < pass.txt"
)]
pub struct SpidTokenArgs {
    #[command(subcommand)]
    command: Option<SpidTokenCommand>,
    #[command(flatten)]
    target: Target,
    /// Expiry date of the identity document shown, YYYY-MM-DD or DD/MM/YYYY.
    #[arg(long, value_name = "DATE")]
    doc_expiry: Option<String>,
    /// The card read for the electronic identification: ts (health card) or cf (fiscal-code card).
    #[arg(long, value_parser = ["ts", "cf"])]
    card: Option<String>,
    /// Serial number of that card.
    #[arg(long, value_name = "SERIAL")]
    card_serial: Option<String>,
    /// Model a: the identity provider the citizen chose (name or entityID of the spid_idps file).
    #[arg(long, value_name = "IDP")]
    idp: Option<String>,
}

#[derive(Debug, Subcommand)]
enum SpidTokenCommand {
    /// Check a token as an identity provider does (annex §4.9), with the annex's response codes.
    #[command(after_help = "\
Reads the passphrase from the terminal (not echoed) or, when standard input
is not a terminal, from its first line; never from the command line. Five
wrong passphrases lock the token (counted per token under --attempts-dir).
Exit 0 for responseCode 1 (Ok), 3 for a wrong passphrase with attempts left,
5 for any other response code.

Examples:
  sportello spid-token verify token-spid.jwt --ca agid-rao-subca.pem
  sportello spid-token verify token.jwt --ca subca.pem \\
      --entity-id https://idp.example --receipt")]
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The token (a JWT in a text file).
    file: PathBuf,
    /// PEM file of AgID's sub-CA for R.A.O. seals (the trust anchor).
    #[arg(long, value_name = "FILE")]
    ca: PathBuf,
    /// This IdP's entityID (checked against aud of a model a token).
    #[arg(long, value_name = "ID")]
    entity_id: Option<String>,
    /// Only the checks on receipt (model a's /raoic): no passphrase, no decryption.
    #[arg(long)]
    receipt: bool,
    /// Where wrong passphrases are counted (default: SPORTELLO_HOME/spid-attempts).
    #[arg(long, value_name = "DIR")]
    attempts_dir: Option<PathBuf>,
}

impl SpidTokenArgs {
    /// The command's name in the role table and the audit log.
    pub fn name(&self) -> &'static str {
        match self.command {
            Some(SpidTokenCommand::Verify(_)) => "spid-token verify",
            None => "spid-token",
        }
    }

    pub fn audit(&self) -> sportello::audit::Target {
        match self.command {
            Some(_) => sportello::audit::Target::None,
            None => self.target.audit(),
        }
    }
}

pub async fn run(env: &Env, a: SpidTokenArgs) -> sportello::Result<i32> {
    if let Some(SpidTokenCommand::Verify(v)) = a.command {
        return verify(env, v);
    }
    let card = match (&a.card, &a.card_serial) {
        (Some(kind), Some(serial)) => Some(Card { kind: kind.to_uppercase(), serial: serial.trim().to_string() }),
        _ => None,
    };
    let doc_expiry =
        a.doc_expiry.as_deref().map(sportello::domain::parse_date).transpose().map_err(sportello::Error::Invalid)?;
    let request = desk::Request { key: a.target.key()?, at_desk: AtTheDesk { doc_expiry, card }, idp: a.idp };
    let tools = env.desk()?;
    let rao = Rao::open(&Settings::from_env())?;
    let issued = in_session(env, async |s| desk::issue(s, &tools, &rao, request).await).await?;
    report(env, &issued)?;
    Ok(if issued.handed_over { 0 } else { exit::REFUSED })
}

fn report(env: &Env, i: &Issued) -> sportello::Result<()> {
    if env.format == output::Format::Json {
        return output::json(i);
    }
    if let Some(o) = &i.idp {
        // The IdP's words, in Italian whatever the operator's language (the message table's).
        println!("{}", tr!("spid-idp-answer", idp = &o.idp, message = &o.message));
    }
    if !i.handed_over {
        println!("{}", tr!("spid-not-handed-over", number = i.registration_number.to_string(), token = &i.token_id));
        return Ok(());
    }
    println!(
        "{}",
        tr!(
            "spid-issued",
            token = &i.token_id,
            number = i.registration_number.to_string(),
            model = format!("{:?}", i.model).to_lowercase(),
            until = output::local(&i.expires)
        )
    );
    for p in &i.letters {
        println!("{}", tr!("letter-written", path = p));
    }
    if let Some(d) = &i.email {
        crate::book::delivery(d);
    }
    Ok(())
}

/// The passphrase: from the terminal without echo, else the first line of standard input.
fn read_passphrase() -> sportello::Result<String> {
    let failed = |e: std::io::Error| {
        sportello::Error::Invalid(sportello::msg!("spid-passphrase-unread", detail = e.to_string()))
    };
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(tr!("spid-passphrase-prompt")).map_err(failed);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(failed)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn verify(env: &Env, v: VerifyArgs) -> sportello::Result<i32> {
    let text =
        std::fs::read_to_string(&v.file).map_err(sportello::Error::io(sportello::msg!("io-read", path = &*v.file)))?;
    let verifier = Verifier {
        anchors: sportello::spid::certs::Anchors::read(&v.ca)?,
        entity_id: v.entity_id,
        attempts_dir: v.attempts_dir.unwrap_or_else(|| env.home.join("spid-attempts")),
    };
    let passphrase = if v.receipt { None } else { Some(read_passphrase()?) };
    let verdict = verifier.verify(&text, chrono::Utc::now(), passphrase.as_deref())?;
    print_verdict(env, &verdict)?;
    Ok(match (verdict.code, verdict.attempts_left) {
        (Some(sportello::spid::responses::ResponseCode::Ok), _) => 0,
        (None, Some(_)) => exit::INVALID,
        _ => exit::REFUSED,
    })
}

fn print_verdict(env: &Env, v: &Verdict) -> sportello::Result<()> {
    if env.format == output::Format::Json {
        return output::json(v);
    }
    for c in &v.checks {
        let mark = if c.ok { "ok  " } else { "FAIL" };
        match &c.detail {
            Some(d) => println!("{mark} {}: {d}", c.check),
            None => println!("{mark} {}", c.check),
        }
    }
    match (v.code, v.attempts_left) {
        (Some(code), _) => println!("responseCode {} ({}): {}", code.code(), code.kind(), code.message()),
        (None, Some(left)) => println!("{}", tr!("spid-wrong-passphrase", left = left)),
        (None, None) => {}
    }
    Ok(())
}
