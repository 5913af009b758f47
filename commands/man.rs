//! `sportello man`: the manual pages, generated from the clap definitions (clap_mangen), one per
//! command. They are also committed in `man/` (a test keeps them in sync) for packaging.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use clap::{Args, Command, CommandFactory};
use clap_mangen::Man;

#[derive(Debug, Args)]
#[command(after_help = "\
On a terminal the page is shown with man(1); otherwise, or with --roff,
its roff source is printed. The pages are also installed by the Debian
package (man sportello-book).

Examples:
  sportello man
  sportello man book
  sportello man db status
  sportello man import-cia --roff > sportello-import-cia.1
  sportello man --write man/")]
pub struct ManArgs {
    /// The command whose page to show (e.g. book, or db status); none: sportello's own page.
    #[arg(value_name = "COMMAND", conflicts_with = "write")]
    command: Vec<String>,
    /// Print the roff source even on a terminal.
    #[arg(long)]
    roff: bool,
    /// Write every page into this directory, as sportello*.1 files.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
}

/// sportello's command tree, built: global options propagated, display names set.
fn tree() -> Command {
    let mut cmd = crate::Cli::command();
    cmd.build();
    cmd
}

/// Every command that gets a page: sportello itself and each subcommand, depth first.
fn pages(cmd: &Command, out: &mut Vec<Command>) {
    out.push(cmd.clone());
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        pages(sub, out);
    }
}

/// The page's name: `sportello`, `sportello-book`, `sportello-db-status`.
fn page_name(cmd: &Command) -> String {
    cmd.get_display_name().unwrap_or_else(|| cmd.get_name()).to_string()
}

/// Text for roff: backslashes, minus signs (so that flags copy as ASCII) and control characters.
fn escape(line: &str) -> String {
    let text = line.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with('.') || text.starts_with('\'') { format!("\\&{text}") } else { text }
}

/// The text after the options (notes, examples, exit codes) in man's own layout: a line ending
/// in ':' alone starts a section (`Examples:` becomes EXAMPLES), indented lines are kept as they
/// are (commands are never refilled), the rest is filled text.
fn after_help(cmd: &Command, w: &mut Vec<u8>) {
    let Some(text) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) else { return };
    let text = text.to_string();
    let mut out = String::from(".SH NOTES\n");
    let mut verbatim = false;
    for line in text.lines() {
        let indented = line.starts_with(' ');
        if verbatim && !indented {
            out.push_str(".fi\n.RE\n");
            verbatim = false;
        }
        if line.trim().is_empty() {
            out.push_str(".PP\n");
        } else if !indented && line.ends_with(':') && !line.contains(". ") && line.split_whitespace().count() <= 3 {
            out.push_str(&format!(".SH {}\n", escape(&line[..line.len() - 1].to_uppercase())));
        } else if indented {
            if !verbatim {
                out.push_str(".RS 4\n.nf\n");
                verbatim = true;
            }
            out.push_str(&escape(line.strip_prefix("  ").unwrap_or(line)));
            out.push('\n');
        } else {
            out.push_str(&escape(line));
            out.push('\n');
        }
    }
    if verbatim {
        out.push_str(".fi\n.RE\n");
    }
    // A page that starts with a section needs no empty NOTES before it.
    let out = out.replace(".SH NOTES\n.SH ", ".SH ");
    w.extend_from_slice(out.as_bytes());
}

/// What every command shares: the settings it reads from the environment, the files it reads
/// and writes, and its exit status (as README.md documents them).
const COMMON_SECTIONS: &str = r#".SH ENVIRONMENT
Every setting may also be written in a configuration file (see FILES), named in lower case
without SPORTELLO_ (letters_dir for SPORTELLO_LETTERS_DIR); a flag wins over the environment,
which wins over the files.
.TP
\fBSPORTELLO_DATABASE_URL\fR
PostgreSQL connection string; without it, the embedded cluster under SPORTELLO_HOME.
.TP
\fBSPORTELLO_HOME\fR
sportello's own files (embedded cluster, letters, key); default ~/.local/share/sportello.
.TP
\fBSPORTELLO_OPERATOR\fR
Optional assertion of who you are, checked against the login the database authenticated.
.TP
\fBSPORTELLO_CONFIG\fR
Read this configuration file only (empty: none).
.TP
\fBSPORTELLO_KEY_FILE\fR
The key of the keyed hashes of PINs and codes; default SPORTELLO_HOME/secret.key.
.TP
\fBSPORTELLO_LETTERS_DIR\fR
Where letters are written; default SPORTELLO_HOME/letters. Each clerk needs one of their own.
.TP
\fBSPORTELLO_SMTP_URL\fR, \fBSPORTELLO_OUTBOX\fR, \fBSPORTELLO_MAIL_FROM\fR
The SMTP server, else the spool directory of .eml files (default SPORTELLO_HOME/outbox); the sender.
.TP
\fBSPORTELLO_PG_BIN\fR, \fBSPORTELLO_POSTAL_GROUP\fR, \fBSPORTELLO_CODE_VALIDITY_DAYS\fR, \fBSPORTELLO_MAX_ATTEMPTS\fR
Server binaries; the print shop's group; validity of codes (30 days); wrong codes before a lockout (5).
.TP
\fBLC_ALL\fR, \fBLC_MESSAGES\fR, \fBLANG\fR
The operator's language: Italian for it_*, else English.
.TP
\fBCOLUMNS\fR
The width tables fit (else the terminal's; no limit when the output is not a terminal).
.TP
\fBRUST_LOG\fR
The log on standard error when no -v or -q is given.
.SH FILES
.TP
\fI/etc/sportello/config.toml\fR, \fI~/.config/sportello/config.toml\fR
The machine's and the user's settings (the user's win).
.TP
\fISPORTELLO_HOME/postgres\fR, \fISPORTELLO_HOME/secret.key\fR
The embedded cluster; the key of the keyed hashes.
.TP
\fISPORTELLO_LETTERS_DIR/NUMBER/TIME\-DOCUMENT.pdf\fR
The letters of a registration, 0600 in 0700 directories.
.SH "EXIT STATUS"
0 ok, 1 failure, 2 bad command line, 3 invalid input, 4 not found, 5 refused by a rule,
6 database unavailable (or stopped with db stop), 7 already registered, 8 batch done with
rejected rows, 9 audit log tampered with (audit verify).
"#;

/// One page, as roff.
fn render(cmd: &Command, all: &[Command]) -> std::io::Result<Vec<u8>> {
    // The version without commit and date: the committed pages stay the same from build to build.
    let man = Man::new(cmd.clone())
        .title(page_name(cmd))
        .source(format!("sportello {}", env!("CARGO_PKG_VERSION")))
        .manual("sportello manual");
    let mut w = Vec::new();
    man.render_title(&mut w)?;
    man.render_name_section(&mut w)?;
    man.render_synopsis_section(&mut w)?;
    man.render_description_section(&mut w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut w)?;
    }
    after_help(cmd, &mut w);
    w.extend_from_slice(COMMON_SECTIONS.as_bytes());
    let name = page_name(cmd);
    let see: Vec<String> = all
        .iter()
        .map(page_name)
        .filter(|n| *n != name && (n == "sportello" || n.starts_with(&format!("{name}-")) || name.starts_with(n)))
        .map(|n| format!("\\fB{}\\fR(1)", escape(&n)))
        .collect();
    if !see.is_empty() {
        w.extend_from_slice(format!(".SH \"SEE ALSO\"\n{}\n", see.join(", ")).as_bytes());
    }
    Ok(w)
}

/// Writes every page into `dir`; returns the files written.
pub fn write_all(dir: &Path) -> sportello::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(sportello::Error::io(sportello::msg!("io-create", path = dir)))?;
    let mut all = Vec::new();
    pages(&tree(), &mut all);
    let mut written = Vec::new();
    for cmd in &all {
        let path = dir.join(format!("{}.1", page_name(cmd)));
        let page = render(cmd, &all).map_err(sportello::Error::io(msg!("man-render-failed")))?;
        std::fs::write(&path, page).map_err(sportello::Error::io(sportello::msg!("io-write", path = &*path)))?;
        written.push(path);
    }
    Ok(written)
}

pub fn run(a: ManArgs) -> sportello::Result<i32> {
    if let Some(dir) = &a.write {
        for path in write_all(dir)? {
            println!("{}", path.display());
        }
        return Ok(0);
    }
    let mut all = Vec::new();
    pages(&tree(), &mut all);
    let wanted = match a.command.as_slice() {
        [] => "sportello".to_string(),
        words => {
            let joined = words.join("-");
            if joined.starts_with("sportello") { joined } else { format!("sportello-{joined}") }
        }
    };
    let Some(cmd) = all.iter().find(|c| page_name(c) == wanted) else {
        let names: Vec<String> = all.iter().map(page_name).map(|n| n.replacen("sportello-", "", 1)).collect();
        return Err(sportello::Error::NotFound(msg!(
            "man-not-found",
            command = a.command.join(" "),
            names = names[1..].join(", ")
        )));
    };
    let page = render(cmd, &all).map_err(sportello::Error::io(msg!("man-render-failed")))?;
    if !a.roff
        && std::io::stdout().is_terminal()
        && let Ok(mut child) = Process::new("man").args(["-l", "-"]).stdin(Stdio::piped()).spawn()
    {
        if let Some(mut stdin) = child.stdin.take() {
            // man may quit before reading it all (q in the pager): not an error.
            let _ = stdin.write_all(&page);
        }
        let status = child.wait().map_err(sportello::Error::io(msg!("io-run", path = "man")))?;
        return Ok(if status.success() { 0 } else { sportello::error::exit::FAILURE });
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&page).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        r => r.map(|_| 0).map_err(sportello::Error::io(msg!("io-write-output"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Command> {
        let mut all = Vec::new();
        pages(&tree(), &mut all);
        all
    }

    #[test]
    fn every_argument_is_described() {
        let mut bare = Vec::new();
        for cmd in all() {
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                if arg.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                    bare.push(format!("{} {}", page_name(&cmd), arg.get_id()));
                }
            }
        }
        assert!(bare.is_empty(), "arguments without a description: {bare:#?}");
    }

    #[test]
    fn every_page_has_environment_files_and_exit_status() {
        let all = all();
        for cmd in &all {
            let page = String::from_utf8(render(cmd, &all).unwrap()).unwrap();
            for section in [".SH ENVIRONMENT", ".SH FILES", ".SH \"EXIT STATUS\"", "SPORTELLO_LETTERS_DIR"] {
                assert!(page.contains(section), "{}: no {section}", page_name(cmd));
            }
        }
    }

    #[test]
    fn notes_and_examples_fit_80_columns_so_clap_never_wraps_them() {
        let mut long = Vec::new();
        for cmd in all() {
            let text = cmd.get_after_long_help().or_else(|| cmd.get_after_help()).map(|t| t.to_string());
            for line in text.unwrap_or_default().lines().filter(|l| l.chars().count() > 78) {
                long.push(format!("{}: {line}", page_name(&cmd)));
            }
        }
        assert!(long.is_empty(), "lines over 78 columns: {long:#?}");
    }

    #[test]
    fn every_command_has_a_page_and_examples() {
        let all = all();
        assert!(all.len() > 20, "{}", all.len());
        for cmd in &all {
            let page = String::from_utf8(render(cmd, &all).unwrap()).unwrap();
            assert!(page.starts_with(".ie") && page.contains(&format!(".TH {} 1", page_name(cmd))), "{page}");
            let grouping = cmd.get_subcommands().next().is_some();
            assert!(grouping || page.contains(".SH EXAMPLES\n"), "{} has no examples", page_name(cmd));
        }
    }
}
