//! The secrets a citizen types (activation or revocation code, PIN, password, answer), never
//! taken from the command line: any local user reads a process's arguments in
//! `/proc/PID/cmdline`. On a terminal they are asked without echo; otherwise they are read from
//! standard input, one per line as `name=value` (names `code`, `pin`, `password`, `answer`;
//! blank lines and lines starting with `#` are skipped).

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};

use sportello::Error;

/// The names of the secrets, in the order they are asked; Italian names are accepted in a file.
pub const NAMES: &[(&str, &[&str])] =
    &[("code", &["codice"]), ("pin", &[]), ("password", &[]), ("answer", &["risposta"])];

/// Reads the secrets `wanted` (names of [`NAMES`]): prompted on a terminal, else from standard
/// input. A missing or unknown one is an input error naming it.
pub fn read(wanted: &[&str]) -> sportello::Result<BTreeMap<&'static str, String>> {
    if std::io::stdin().is_terminal() { prompt(wanted) } else { parse(std::io::stdin().lock(), wanted) }
}

fn canonical(name: &str) -> Option<&'static str> {
    let name = name.trim().to_lowercase();
    NAMES.iter().find(|(n, aliases)| *n == name || aliases.contains(&name.as_str())).map(|(n, _)| *n)
}

fn prompt(wanted: &[&str]) -> sportello::Result<BTreeMap<&'static str, String>> {
    let io = |e: std::io::Error| Error::Io { context: msg!("secret-read-failed"), source: e };
    let mut out = BTreeMap::new();
    for name in wanted {
        let name = canonical(name).expect("a known secret name");
        let label = prompt_label(name);
        let value = rpassword::prompt_password(format!("{label}: ")).map_err(io)?;
        if name == "password" {
            let again = rpassword::prompt_password(format!("{}: ", tr!("secret-prompt-password-again"))).map_err(io)?;
            if again != value {
                return Err(Error::Invalid(msg!("secret-password-mismatch")));
            }
        }
        out.insert(name, value);
    }
    Ok(out)
}

fn prompt_label(name: &str) -> String {
    match name {
        "code" => tr!("secret-prompt-code"),
        "pin" => tr!("secret-prompt-pin"),
        "password" => tr!("secret-prompt-password"),
        _ => tr!("secret-prompt-answer"),
    }
}

/// `name=value` lines: every wanted name once, no other name.
pub fn parse(input: impl BufRead, wanted: &[&str]) -> sportello::Result<BTreeMap<&'static str, String>> {
    let mut out = BTreeMap::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| Error::Io { context: msg!("secret-read-failed"), source: e })?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let lineno = i + 1;
        let Some((name, value)) = line.split_once('=') else {
            return Err(Error::Invalid(msg!("secret-line-malformed", line = lineno)));
        };
        let Some(name) = canonical(name).filter(|n| wanted.contains(n)) else {
            return Err(Error::Invalid(msg!(
                "secret-line-unknown",
                line = lineno,
                name = name.trim(),
                expected = wanted.join(", ")
            )));
        };
        if out.insert(name, value.to_string()).is_some() {
            return Err(Error::Invalid(msg!("secret-line-twice", line = lineno, name = name)));
        }
    }
    for name in wanted {
        if !out.contains_key(name) {
            return Err(Error::Invalid(msg!("secret-missing", name = *name)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_their_secrets_in_either_language() {
        let input = "# from the portal\ncodice=ABCD-EFGH-JKMN\n\npin=12345678\r\n";
        let got = parse(input.as_bytes(), &["code", "pin"]).unwrap();
        assert_eq!(got["code"], "ABCD-EFGH-JKMN");
        assert_eq!(got["pin"], "12345678");
    }

    #[test]
    fn a_missing_unknown_or_repeated_secret_is_refused_with_its_line() {
        sportello::i18n::set(sportello::i18n::Lang::En);
        let e = parse("code=A\n".as_bytes(), &["code", "pin"]).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("pin"), "{e}");
        let e = parse("code=A\nusername=x\n".as_bytes(), &["code", "pin"]).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse("code=A\ncode=B\npin=1".as_bytes(), &["code", "pin"]).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse("ABCD\n".as_bytes(), &["code"]).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
