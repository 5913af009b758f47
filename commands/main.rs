//! The `sportello` binary: parses the command line, calls the library, prints the result.
//! No SQL, PDF or email here.

#[macro_use]
extern crate sportello;

#[macro_use]
mod stdout;

mod audit;
mod book;
mod choice;
mod citizen;
mod codes;
mod completions;
mod confirm;
mod db;
mod doctor;
mod edit;
mod history;
mod import;
mod key;
mod logging;
mod man;
mod operator;
mod output;
mod people;
mod progress;
mod reference;
mod register;
mod runs;
mod search;
mod secret_input;
mod show;
mod spid_token;
mod stats;
mod suspend;
mod table_fit;

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};
use sportello::audit::Target;
use sportello::config::DeskSettings;
use sportello::desk::handover::Desk;
use sportello::error::exit;
use sportello::session::Session;
use sportello::store::{Database, Location};

use output::Format;

/// `0.1.0 (commit 0123abcd4567, built 2026-11-23)`, from build.rs.
pub const VERSION: &str = env!("SPORTELLO_VERSION");

/// The heading of the options every subcommand accepts.
pub const GLOBAL: &str = "Global options";

const AFTER_HELP: &str = "\
Examples:
  sportello db start
  sportello operator bootstrap --name 'Maria Rossi' \\
      --ente 'ASL TO4' --province TO --role desk
  sportello register --cf RSSMRA85T10L219G --province TO \\
      --municipality Torino --email mario.rossi@example.it
  sportello search --last-name ross --province TO --format json
  sportello show --cf RSSMRA85T10L219G
  sportello book --cf RSSMRA85T10L219G --operation pin
  sportello man book

The operator is the login the database authenticated: the OS user
on the embedded database (peer authentication), the certificate's CN
or the SCRAM user on a server. Each command needs a role (desk,
helpdesk, batch, admin, auditor, portal): `sportello operator whoami`.

Settings come from the flags, else the environment (SPORTELLO_*), else
the files /etc/sportello/config.toml and then
$XDG_CONFIG_HOME/sportello/config.toml (~/.config/sportello/config.toml);
SPORTELLO_CONFIG=FILE reads that file only.

Exit codes: 0 ok, 1 failure, 2 bad command line, 3 invalid input,
4 not found, 5 refused by a rule, 6 database unavailable (or stopped
with `db stop`), 7 already registered, 8 batch done with rejected rows,
9 audit log tampered with (`audit verify`).";

/// Back office of the Piedmont strong-credential registration desks.
#[derive(Debug, Parser)]
#[command(name = "sportello", version = VERSION, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// PostgreSQL connection string; without it, the embedded cluster under --home is used.
    #[arg(long, global = true, help_heading = GLOBAL)]
    database_url: Option<String>,

    /// Directory of sportello's own files (embedded database, letters, keys).
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL)]
    home: Option<PathBuf>,

    /// Assert who you are: accepted only when it is the operator the database authenticated
    /// (refused, and recorded, otherwise). The operator is never chosen by this flag.
    #[arg(long, global = true, value_name = "ID", help_heading = GLOBAL)]
    operator: Option<String>,

    /// Output format of listings and details.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true, help_heading = GLOBAL)]
    format: Format,

    /// Tables with every column whole, however wide the terminal (else text is ellipsised and
    /// the last columns dropped to fit; codes, dates and numbers are never split).
    #[arg(long, global = true, help_heading = GLOBAL)]
    wide: bool,

    /// No header row in tables and CSV, for scripts.
    #[arg(long, global = true, help_heading = GLOBAL)]
    no_headers: bool,

    /// More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings).
    #[arg(short, long, action = ArgAction::Count, global = true, conflicts_with = "quiet", help_heading = GLOBAL)]
    verbose: u8,

    /// Only errors on standard error: no progress, no log below errors.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage the database: the embedded cluster and the migrations.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// The service key of the keyed hashes: create, compare, rotate.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Manage desk operators and their competence.
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    /// Register a citizen at the desk (pre-filled from the CIA and AURA registries).
    Register(register::RegisterArgs),
    /// Search registrations with the filters of the desk's search page.
    Search(search::SearchArgs),
    /// Show every field of one registration.
    Show(show::ShowArgs),
    /// List everything done on one registration: operations booked (ente, operator, delegate,
    /// outcome), letters printed, codes sent, edits, completions. Never a code.
    History(history::HistoryArgs),
    /// Book an operation (verification, promotion, reset, pin, revocation) and hand over its letters.
    Book(book::BookArgs),
    /// A new activation code (PIN unchanged; the old code stops working).
    RegenerateCode(codes::RegenerateArgs),
    /// Print again the summary, the rules, the proxy form or a new activation code.
    PrintLetters(codes::PrintArgs),
    /// Change the personal data of a registration.
    Edit(edit::EditArgs),
    /// Change the delegate of the active operation.
    EditDelegate(edit::EditDelegateArgs),
    /// Move the residence into a municipality of the operator's competence.
    ChangeResidence(edit::ChangeResidenceArgs),
    /// Tell a citizen their username, after the identity check.
    Username(edit::UsernameArgs),
    /// SPID: issue the in-person identification as an AgID R.A.O. token; `verify` checks one.
    SpidToken(spid_token::SpidTokenArgs),
    /// Suspend a registration's credentials, with a reason (nothing completes until reinstated).
    Suspend(suspend::SuspendArgs),
    /// End a suspension: everything is as it was before it.
    Reinstate(suspend::ReinstateArgs),
    /// Revoke credentials requested by registered letter (one, or a batch file).
    Revoke(runs::RevokeArgs),
    /// List batch runs (imports, postal runs, revocations, mailbox) and their counts.
    Runs(runs::RunsArgs),
    /// What the citizen completes online: activation, revocation.
    #[command(subcommand)]
    Citizen(citizen::CitizenCommand),
    /// List the audit log (who did what, when, from where).
    Audit(audit::AuditArgs),
    /// Import a municipal registry (CIA) export.
    ImportCia(import::ImportArgs),
    /// Import a health-service registry (AURA) export.
    ImportAura(import::ImportArgs),
    /// Statistics for the Region: counts by period and dimension, or records without identity.
    Stats(stats::StatsArgs),
    /// List the provinces, municipalities and foreign states sportello knows.
    #[command(subcommand)]
    Reference(reference::ReferenceCommand),
    /// Check this machine: settings and where they came from, connection, TLS, authentication,
    /// migrations, service key, letters and outbox directories, clock.
    Doctor(doctor::DoctorArgs),
    /// Print shell completions (bash, zsh, fish).
    Completions(completions::CompletionsArgs),
    /// Print the manual page of sportello or of one of its commands.
    Man(man::ManArgs),
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Db(_) => "db",
            Command::Key(k) => k.name(),
            Command::Operator(op) => op.name(),
            Command::Register(_) => "register",
            Command::Search(_) => "search",
            Command::Show(_) => "show",
            Command::History(_) => "history",
            Command::Book(_) => "book",
            Command::RegenerateCode(a) => a.command(),
            Command::PrintLetters(a) => a.command(),
            Command::Edit(_) => "edit",
            Command::EditDelegate(_) => "edit-delegate",
            Command::ChangeResidence(_) => "change-residence",
            Command::Username(_) => "username",
            Command::SpidToken(a) => a.name(),
            Command::Citizen(c) => c.name(),
            Command::Suspend(_) => "suspend",
            Command::Reinstate(_) => "reinstate",
            Command::Revoke(_) => "revoke",
            Command::Runs(_) => "runs",
            Command::Audit(_) => "audit",
            Command::ImportCia(_) => "import-cia",
            Command::ImportAura(_) => "import-aura",
            Command::Stats(_) => "stats",
            Command::Reference(_) => "reference",
            Command::Doctor(_) => "doctor",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }

    /// What the command names (a registration, an operator, a file), for the audit row of a
    /// refusal before it is looked up.
    fn target(&self) -> Target {
        match self {
            Command::Operator(op) => op.target(),
            Command::Register(a) => a.audit(),
            Command::Show(a) => a.audit(),
            Command::History(a) => a.audit(),
            Command::Book(a) => a.audit(),
            Command::RegenerateCode(a) => a.audit(),
            Command::PrintLetters(a) => a.audit(),
            Command::Edit(a) => a.audit(),
            Command::EditDelegate(a) => a.audit(),
            Command::ChangeResidence(a) => a.audit(),
            Command::Username(a) => a.audit(),
            Command::SpidToken(a) => a.audit(),
            Command::Suspend(a) => a.audit(),
            Command::Reinstate(a) => a.audit(),
            Command::Revoke(a) => a.audit(),
            Command::ImportCia(a) | Command::ImportAura(a) => a.audit(),
            Command::Citizen(c) => c.audit(),
            Command::Db(_)
            | Command::Key(_)
            | Command::Search(_)
            | Command::Runs(_)
            | Command::Audit(_)
            | Command::Stats(_)
            | Command::Reference(_)
            | Command::Doctor(_)
            | Command::Completions(_)
            | Command::Man(_) => Target::None,
        }
    }
}

/// What every command gets: where the database is, who acts, how to print.
pub struct Env {
    pub home: PathBuf,
    pub location: Location,
    /// The operator named by --operator / SPORTELLO_OPERATOR: only checked against the login.
    pub operator: Option<String>,
    pub format: Format,
    pub command: &'static str,
    /// What the command names, for the audit row of a refusal.
    pub target: Target,
}

impl Env {
    pub async fn database(&self) -> sportello::Result<Database> {
        let context = (sportello::session::origin(), self.command.to_string());
        // The next commands find a warm connection (store/warm.rs), kept by this program; not
        // for a batch job, whose connections live as long as its run (a keeper that went would
        // take them along) and which a warm start does not speed.
        let keeper = [OsStr::new("--home"), self.home.as_os_str(), OsStr::new("db"), OsStr::new("keep-warm")];
        let batch = matches!(
            self.command,
            "import-cia" | "import-aura" | "print-letters --postal-run" | "regenerate-code --mailbox" | "revoke"
        );
        let keeper = sportello::store::warm::idle_time().filter(|_| !batch).map(|_| &keeper[..]);
        Database::open_in_context(&self.location, Some(context), keeper).await
    }

    /// Key, mailer and letters directory of the desk operations. Every command that opens
    /// them may write a letter or send an email (a notice at least): their directories are
    /// checked first.
    pub fn desk(&self) -> sportello::Result<Desk> {
        let mut desk = Desk::open(&DeskSettings::from_env(&self.home, &self.location)?)?;
        desk.check_dirs()?;
        desk.notice_not_sent = |said| eprintln!("sportello: {said}");
        Ok(desk)
    }

    /// The service key, for a command that sends nothing.
    pub fn key(&self) -> sportello::Result<sportello::secrets::SecretKey> {
        Ok(Desk::open(&DeskSettings::from_env(&self.home, &self.location)?)?.key)
    }

    /// Opens the database and the session of the operator it authenticated, refusing (and
    /// recording) one without the command's role. The session carries the key that names
    /// citizens in the audit log when it can be read (a command that records an action on a
    /// citizen without it is refused by the audit writer).
    pub async fn session(&self) -> sportello::Result<Session> {
        self.checked_session(async |_: &Session| Ok(())).await.map(|(session, ())| session)
    }

    /// The session as [`Env::session`], with the command's input checked by `check` before the
    /// role: input first (a misspelt country, a bad postcode, a fiscal code that is not one),
    /// then the role, then what the command does (competence, confirmation). `check` may read
    /// the reference data every login may; a failure is recorded like any other.
    pub async fn checked_session<V>(
        &self,
        check: impl AsyncFnOnce(&Session) -> sportello::Result<V>,
    ) -> sportello::Result<(Session, V)> {
        let settings = DeskSettings::from_env(&self.home, &self.location)?;
        let key = sportello::secrets::SecretKey::load(&settings.key_file, settings.create_key).ok();
        let db = self.database().await?;
        let session =
            Session::open_unauthorized(db, self.operator.as_deref(), self.command, self.target.clone(), key).await?;
        let input = match check(&session).await {
            Ok(input) => input,
            Err(e) => {
                // Best effort: the original error matters more than a failure to record it.
                let _ = session.record_failure(&e, self.target.clone()).await;
                return Err(e);
            }
        };
        let session = session.authorize(self.target.clone()).await?;
        // The clerk's letters that other processes could not remove (completed online, erased by
        // the helpdesk) go at the clerk's next command.
        if session.roles.iter().any(|r| matches!(r, sportello::domain::Role::Desk | sportello::domain::Role::Helpdesk))
        {
            sportello::desk::letter_files::sweep_after(&session.db, &settings.letters_dir).await;
        }
        Ok((session, input))
    }
}

/// Runs a command in a session; a failure is recorded in the audit log before it is returned.
pub async fn in_session<T>(env: &Env, f: impl AsyncFnOnce(&Session) -> sportello::Result<T>) -> sportello::Result<T> {
    in_checked_session(env, async |_: &Session| Ok(()), async |s, ()| f(s).await).await
}

/// Runs a command whose input is checked against the database's reference data before the
/// role (see [`Env::checked_session`]): `check`'s result is what `f` gets.
pub async fn in_checked_session<V, T>(
    env: &Env,
    check: impl AsyncFnOnce(&Session) -> sportello::Result<V>,
    f: impl AsyncFnOnce(&Session, V) -> sportello::Result<T>,
) -> sportello::Result<T> {
    let (session, input) = env.checked_session(check).await?;
    let result = f(&session, input).await;
    if let Err(e) = &result {
        // Best effort: the original error matters more than a failure to record it.
        let _ = session.record_failure(e, env.target.clone()).await;
    }
    result
}

async fn run(cli: Cli) -> sportello::Result<i32> {
    let home = cli.home.clone().unwrap_or_else(sportello::config::default_home);
    let env = Env {
        location: sportello::config::location(cli.database_url.as_deref(), home.clone()),
        home,
        operator: cli.operator.clone(),
        format: cli.format,
        command: cli.command.name(),
        target: cli.command.target(),
    };
    match cli.command {
        Command::Db(c) => db::run(&env, c).await,
        Command::Key(c) => key::run(&env, c).await,
        Command::Operator(c) => operator::run(&env, c).await,
        Command::Register(a) => register::run(&env, a).await,
        Command::Search(a) => search::run(&env, a).await,
        Command::Show(a) => show::run(&env, a).await,
        Command::History(a) => history::run(&env, a).await,
        Command::Book(a) => book::run(&env, a).await,
        Command::RegenerateCode(a) => codes::regenerate(&env, a).await,
        Command::PrintLetters(a) => codes::print(&env, a).await,
        Command::Edit(a) => edit::edit(&env, a).await,
        Command::EditDelegate(a) => edit::edit_delegate(&env, a).await,
        Command::ChangeResidence(a) => edit::change_residence(&env, a).await,
        Command::Username(a) => edit::username(&env, a).await,
        Command::SpidToken(a) => spid_token::run(&env, a).await,
        Command::Citizen(c) => citizen::run(&env, c).await,
        Command::Suspend(a) => suspend::suspend(&env, a).await,
        Command::Reinstate(a) => suspend::reinstate(&env, a).await,
        Command::Revoke(a) => runs::revoke(&env, a).await,
        Command::Runs(a) => runs::runs(&env, a).await,
        Command::Audit(a) => audit::run(&env, a).await,
        Command::ImportCia(a) => import::run(&env, sportello::store::registry::Source::Cia, a).await,
        Command::ImportAura(a) => import::run(&env, sportello::store::registry::Source::Aura, a).await,
        Command::Stats(a) => stats::run(&env, a).await,
        Command::Reference(c) => reference::run(&env, c).await,
        Command::Doctor(a) => doctor::run(&env, a, CONFIG_WARNINGS.get().map(Vec::as_slice).unwrap_or_default()).await,
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
    }
}

/// The global flags given on the command line, as (environment variable, flag, value), and the
/// configuration files' warnings: what `doctor` tells about where settings came from.
static FLAGS_GIVEN: std::sync::OnceLock<Vec<(&'static str, &'static str, String)>> = std::sync::OnceLock::new();
static CONFIG_WARNINGS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

pub fn flags_given() -> Vec<(&'static str, &'static str, String)> {
    FLAGS_GIVEN.get().cloned().unwrap_or_default()
}

/// The global flags that stand for a setting: (clap id, environment variable, flag).
const SETTING_FLAGS: [(&str, &str, &str); 3] = [
    ("database_url", "SPORTELLO_DATABASE_URL", "--database-url"),
    ("home", "SPORTELLO_HOME", "--home"),
    ("operator", "SPORTELLO_OPERATOR", "--operator"),
];

/// The command line, with the environment's value, else the configuration files', as the
/// default of the flag that stands for a setting: flags > environment > files. Not clap's
/// `env`: clap counts a value from the environment as typed, and its usage lines then show
/// `--home <DIR>` as if the operator had to type it. `--help` names the variable as clap would
/// (never its value).
fn parse_command_line() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let mut cmd = Cli::command();
    for (id, env, _) in SETTING_FLAGS {
        cmd = cmd.mut_arg(id, |a| {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            a.help(format!("{help} [env: {env}]"))
        });
        let value =
            std::env::var(env).ok().filter(|v| !v.is_empty()).or_else(|| sportello::config_file::from_files(env));
        if let Some(value) = value {
            let value: &'static str = Box::leak(value.into_boxed_str());
            // Hidden: the database URL may hold a password.
            cmd = cmd.mut_arg(id, |a| a.default_value(value).hide_default_value(true));
        }
    }
    let matches = cmd.try_get_matches().unwrap_or_else(|e| usage_error(e));
    let given = SETTING_FLAGS
        .into_iter()
        .filter(|(id, _, _)| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
        .filter_map(|(id, env, flag)| {
            let value = matches.get_raw(id)?.next()?.to_string_lossy().into_owned();
            Some((env, flag, value))
        })
        .collect();
    let _ = FLAGS_GIVEN.set(given);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| usage_error(e))
}

/// A malformed command line (exit 2): clap's own words in English; in Italian the same facts
/// in Italian, so one language is spoken at a time (help and version are printed as they are).
fn usage_error(e: clap::Error) -> ! {
    use clap::error::{ContextKind, ErrorKind};
    let italian = sportello::i18n::current() == sportello::i18n::Lang::It;
    let context = |k: ContextKind| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let text = match e.kind() {
        _ if !italian || !e.use_stderr() => e.exit(),
        ErrorKind::InvalidValue => tr!(
            "usage-invalid-value",
            value = context(ContextKind::InvalidValue),
            arg = context(ContextKind::InvalidArg),
            valid = context(ContextKind::ValidValue)
        ),
        ErrorKind::ValueValidation => tr!(
            "usage-value-validation",
            value = context(ContextKind::InvalidValue),
            arg = context(ContextKind::InvalidArg),
            reason = std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default()
        ),
        ErrorKind::UnknownArgument => tr!("usage-unknown-argument", arg = context(ContextKind::InvalidArg)),
        ErrorKind::InvalidSubcommand => tr!("usage-unknown-command", name = context(ContextKind::InvalidSubcommand)),
        ErrorKind::MissingRequiredArgument => tr!("usage-missing", args = context(ContextKind::InvalidArg)),
        ErrorKind::ArgumentConflict => {
            tr!("usage-conflict", arg = context(ContextKind::InvalidArg), other = context(ContextKind::PriorArg))
        }
        _ => e.exit(),
    };
    let suggested = [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg, ContextKind::SuggestedValue]
        .into_iter()
        .map(context)
        .find(|s| !s.is_empty());
    let text = match suggested {
        Some(s) => format!("{text}{}", tr!("usage-did-you-mean", suggestion = s)),
        None => text,
    };
    // The usage line, as clap's English error has it: what the command takes.
    let usage = context(ContextKind::Usage);
    let usage = usage.trim().strip_prefix("Usage:").unwrap_or(usage.trim()).trim();
    let text = match usage {
        "" => text,
        usage => format!("{text}\n\n{}", tr!("usage-line", usage = usage)),
    };
    eprintln!("{}", tr!("usage-error", text = text));
    std::process::exit(exit::USAGE)
}

fn main() -> ExitCode {
    // The operator's language, once, before anything is said (LC_ALL, LC_MESSAGES, LANG).
    sportello::i18n::set(sportello::i18n::Lang::from_env());
    // The configuration files fill in what the environment lacks: flags > environment > files.
    let config = match sportello::config_file::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sportello: {e}");
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    sportello::config_file::install(&config);
    let _ = CONFIG_WARNINGS.set(config.warnings.clone());
    let from_files: Vec<(String, String)> =
        config.missing_from_environment().into_iter().map(|s| (s.key.clone(), s.file.display().to_string())).collect();
    let cli = parse_command_line();
    logging::init(cli.quiet, cli.verbose);
    progress::set_quiet(cli.quiet);
    output::set_layout(output::Layout { wide: cli.wide, no_headers: cli.no_headers });
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    for (key, file) in &from_files {
        tracing::debug!(setting = %key, file = %file, "setting from the configuration file");
    }
    let command = cli.command.name();
    tracing::info!(command, version = VERSION, "started");
    let started = std::time::Instant::now();
    // The batch role's jobs (imports, the postal run) overlap reading with writing on worker
    // threads; every other command is a few round trips in a row, which one thread serves
    // without starting workers or waking one thread for another at each reply.
    let mut builder = if sportello::domain::roles::required(command) == Some(&[sportello::domain::Role::Batch]) {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sportello: {}", tr!("runtime-failed", detail = e.to_string()));
            return ExitCode::from(exit::FAILURE as u8);
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sportello: {e}");
            e.exit_code()
        }
    };
    // A batch job's Prometheus metrics (metrics_dir): their failure is said, the job's exit stays.
    if let Err(e) = sportello::metrics::finish(command, code, started.elapsed()) {
        tracing::warn!("{e}");
    }
    tracing::info!(command, exit = code, elapsed_ms = started.elapsed().as_millis() as u64, "finished");
    ExitCode::from(code as u8)
}
