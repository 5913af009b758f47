//! The operator's language: English, or Italian when the locale says so.
//!
//! Every text an operator reads (errors and refusals, prompts, summaries, table headers,
//! notices) is a message of the catalogues `locales/en.ftl` and `locales/it.ftl` (Fluent,
//! compiled into the binary), named by a key and filled in with arguments: [`msg!`] makes a
//! [`Message`] (what library errors carry), [`tr!`] the text in the current language.
//!
//! The binary chooses the language once, at start ([`set`] with [`Lang::from_env`]); the default
//! is English, so a program or test that never chooses reads English. A [`Message`] keeps its
//! English text beside the operator's: the audit log, which must not depend on who read the
//! screen, records the English one ([`crate::Error::english`]).
//!
//! Never translated: JSON keys, CSV headers, exit codes, the audit log, the command line's own
//! tokens (commands, flags, choices such as `verification`), and the Italian letters and emails
//! to citizens.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The English catalogue.
pub const EN_FTL: &str = include_str!("../locales/en.ftl");
/// The Italian catalogue.
pub const IT_FTL: &str = include_str!("../locales/it.ftl");

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    It,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::It];

    /// The language of a POSIX locale value: `it`, `it_IT`, `it_IT.UTF-8`, `it_CH@euro` are
    /// Italian; anything else (`C`, `POSIX`, `en_US.UTF-8`, `de_DE`) is English.
    pub fn from_locale(value: &str) -> Lang {
        let language = value.split(['_', '.', '@', '-']).next().unwrap_or("");
        if language.eq_ignore_ascii_case("it") { Lang::It } else { Lang::En }
    }

    /// The language of the environment, with POSIX precedence: the first non-empty of
    /// `LC_ALL`, `LC_MESSAGES`, `LANG`; English when none is set.
    pub fn from_env() -> Lang {
        Lang::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_env`] over any source of variables.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| get(name))
            .find(|v| !v.is_empty())
            .map(|v| Lang::from_locale(&v))
            .unwrap_or(Lang::En)
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::It => "it",
        }
    }

    fn catalogue(self) -> &'static str {
        match self {
            Lang::En => EN_FTL,
            Lang::It => IT_FTL,
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Chooses the interface's language for the rest of the process (the binary, once, at start).
pub fn set(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The interface's language (English unless [`set`] chose another).
pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::It,
        _ => Lang::En,
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static BUNDLES: [OnceLock<Bundle>; 2] = [OnceLock::new(), OnceLock::new()];
    BUNDLES[lang as usize].get_or_init(|| {
        let id: unic_langid::LanguageIdentifier = lang.code().parse().expect("a valid language code");
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // No Unicode isolation marks around arguments: terminals and logs show them as noise.
        bundle.set_use_isolating(false);
        // A catalogue that does not parse fails the unit tests (`catalogues_parse`); here the
        // messages that did parse are still used.
        let resource = FluentResource::try_new(lang.catalogue().to_string()).unwrap_or_else(|(partial, _)| partial);
        let _ = bundle.add_resource(resource);
        bundle
    })
}

/// An argument of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Str(String),
    /// A number: Fluent chooses the plural form by it.
    Num(f64),
    /// A message of its own (an error inside another), shown in the same language.
    Msg(Message),
}

/// What can be an argument of [`msg!`] and [`tr!`].
pub trait IntoArg {
    fn into_arg(self) -> Arg;
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl IntoArg for $t {
            fn into_arg(self) -> Arg {
                Arg::Num(self as f64)
            }
        }
        impl IntoArg for &$t {
            fn into_arg(self) -> Arg {
                Arg::Num(*self as f64)
            }
        }
    )*};
}
number_args!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize, f64);

impl IntoArg for &str {
    fn into_arg(self) -> Arg {
        Arg::Str(self.to_string())
    }
}
impl IntoArg for String {
    fn into_arg(self) -> Arg {
        Arg::Str(self)
    }
}
impl IntoArg for &String {
    fn into_arg(self) -> Arg {
        Arg::Str(self.clone())
    }
}
impl IntoArg for char {
    fn into_arg(self) -> Arg {
        Arg::Str(self.to_string())
    }
}
impl IntoArg for &std::path::Path {
    fn into_arg(self) -> Arg {
        Arg::Str(self.display().to_string())
    }
}
impl IntoArg for &std::path::PathBuf {
    fn into_arg(self) -> Arg {
        Arg::Str(self.display().to_string())
    }
}
impl IntoArg for std::path::PathBuf {
    fn into_arg(self) -> Arg {
        Arg::Str(self.display().to_string())
    }
}
impl IntoArg for Message {
    fn into_arg(self) -> Arg {
        Arg::Msg(self)
    }
}
impl IntoArg for &Message {
    fn into_arg(self) -> Arg {
        Arg::Msg(self.clone())
    }
}
impl IntoArg for &crate::Error {
    fn into_arg(self) -> Arg {
        Arg::Msg(self.message())
    }
}
impl IntoArg for &crate::domain::FiscalCode {
    fn into_arg(self) -> Arg {
        Arg::Str(self.to_string())
    }
}
impl IntoArg for &std::io::Error {
    fn into_arg(self) -> Arg {
        Arg::Str(self.to_string())
    }
}

/// The text of `key` in `lang` with `args`; the key itself when a catalogue lacks it (the unit
/// tests make sure none does).
pub fn render(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, arg) in args {
        let value = match arg {
            Arg::Str(s) => FluentValue::from(s.clone()),
            Arg::Num(n) => FluentValue::from(*n),
            Arg::Msg(m) => FluentValue::from(m.get(lang).to_string()),
        };
        fluent_args.set(name.to_string(), value);
    }
    let mut errors = Vec::new();
    bundle.format_pattern(pattern, Some(&fluent_args), &mut errors).into_owned()
}

/// Does the catalogue of `lang` have `key`?
pub fn has(lang: Lang, key: &str) -> bool {
    bundle(lang).has_message(key)
}

/// A value of the library's vocabularies (operation, status, document, delegation) as people
/// read it in each language: `term-<value>` of the catalogues ("riscontro forte" in Italian,
/// "verification" in English), else the value itself.
pub fn term(value: &str) -> Message {
    let key = format!("term-{value}");
    if has(Lang::En, &key) && has(Lang::It, &key) { Message::new(&key, &[]) } else { Message::verbatim(value) }
}

/// The text of `key` in the current language (what [`tr!`] calls).
pub fn text(key: &str, args: &[(&str, Arg)]) -> String {
    render(current(), key, args)
}

/// A message in English and, when the interface speaks another language, in that one too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    en: String,
    local: Option<String>,
}

impl Message {
    /// `key` with `args` (what [`msg!`] calls).
    pub fn new(key: &str, args: &[(&str, Arg)]) -> Message {
        let en = render(Lang::En, key, args);
        let local = match current() {
            Lang::En => None,
            lang => Some(render(lang, key, args)),
        };
        Message { en, local }
    }

    /// Text that is the same in every language (a server's or the system's own words, a value).
    pub fn verbatim(text: impl Into<String>) -> Message {
        Message { en: text.into(), local: None }
    }

    /// A text already rendered in English and in the current language.
    pub fn localized(en: String, local: String) -> Message {
        let local = if local == en { None } else { Some(local) };
        Message { en, local }
    }

    /// The text in `lang` (English when it was not rendered in `lang`).
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.local) {
            (Lang::En, _) | (_, None) => &self.en,
            (_, Some(local)) => local,
        }
    }

    /// The English text (what the audit log records).
    pub fn english(&self) -> &str {
        &self.en
    }

    /// The text in the current language.
    pub fn as_str(&self) -> &str {
        self.get(current())
    }

    /// Several messages as one, each language joined with `sep`.
    pub fn join(parts: &[Message], sep: &str) -> Message {
        let en = parts.iter().map(|m| m.en.as_str()).collect::<Vec<_>>().join(sep);
        let local = if parts.iter().any(|m| m.local.is_some()) {
            Some(parts.iter().map(|m| m.get(current())).collect::<Vec<_>>().join(sep))
        } else {
            None
        };
        Message { en, local }
    }

    /// This message followed by `suffix` (e.g. a hint), in each language.
    pub fn append(mut self, suffix: &Message) -> Message {
        if self.local.is_some() || suffix.local.is_some() {
            let local = format!("{}{}", self.get(current()), suffix.get(current()));
            self.local = Some(local);
        }
        self.en.push_str(&suffix.en);
        self
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for Message {}

impl PartialEq<str> for Message {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::ops::Deref for Message {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Message {
    fn from(s: String) -> Message {
        Message::verbatim(s)
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Message {
        Message::verbatim(s)
    }
}

/// Is `answer` a yes in `lang`? English: `y`, `yes`; Italian: `s`, `si`, `sì`, and the
/// English ones (operators type both). Case and surrounding blanks do not matter.
pub fn is_yes(lang: Lang, answer: &str) -> bool {
    let a = answer.trim().to_lowercase();
    match lang {
        Lang::En => matches!(a.as_str(), "y" | "yes"),
        Lang::It => matches!(a.as_str(), "s" | "si" | "sì" | "sí" | "y" | "yes"),
    }
}

/// A [`Message`] from a catalogue key and named arguments:
/// `msg!("unknown-municipality", name = input)`.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Message::new($key, &[$((stringify!($name), $crate::i18n::IntoArg::into_arg($value))),*])
    };
}

/// The text of a catalogue key in the current language: `tr!("no-results")`.
#[macro_export]
macro_rules! tr {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::text($key, &[$((stringify!($name), $crate::i18n::IntoArg::into_arg($value))),*])
    };
}

/// The message keys and the variables each uses, in the order of a catalogue.
pub fn catalogue_entries(ftl: &str) -> Vec<(String, std::collections::BTreeSet<String>)> {
    let mut entries: Vec<(String, std::collections::BTreeSet<String>)> = Vec::new();
    for line in ftl.lines() {
        let starts_entry = line.starts_with(|c: char| c.is_ascii_alphabetic());
        if starts_entry && let Some((key, _)) = line.split_once('=') {
            entries.push((key.trim().to_string(), Default::default()));
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some((_, vars)) = entries.last_mut() {
            let mut rest = line;
            while let Some(i) = rest.find('$') {
                rest = &rest[i + 1..];
                let name: String =
                    rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
                if !name.is_empty() {
                    vars.insert(name);
                }
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn catalogues_parse() {
        for lang in Lang::ALL {
            if let Err((_, errors)) = FluentResource::try_new(lang.catalogue().to_string()) {
                panic!("locales/{}.ftl does not parse: {errors:?}", lang.code());
            }
        }
    }

    /// Every message has both languages, no key is in one catalogue only or twice in one, and
    /// both languages use the same variables.
    #[test]
    fn every_message_has_both_languages() {
        let en = catalogue_entries(EN_FTL);
        let it = catalogue_entries(IT_FTL);
        for (name, entries) in [("en", &en), ("it", &it)] {
            let mut seen = BTreeSet::new();
            for (k, _) in entries {
                assert!(seen.insert(k), "{k} twice in locales/{name}.ftl");
            }
        }
        let en: BTreeMap<_, _> = en.into_iter().collect();
        let it: BTreeMap<_, _> = it.into_iter().collect();
        let only_en: Vec<_> = en.keys().filter(|k| !it.contains_key(*k)).collect();
        let only_it: Vec<_> = it.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(only_en.is_empty(), "only in English: {only_en:?}");
        assert!(only_it.is_empty(), "only in Italian: {only_it:?}");
        for (k, vars) in &en {
            assert_eq!(vars, &it[k], "{k}: the two languages use different variables");
            for lang in Lang::ALL {
                assert!(has(lang, k), "{k} not loaded in {lang:?}");
            }
        }
    }

    /// Every key the code names (`msg!("…"` / `tr!("…"` / a `key: "…"` of a table) is in the
    /// catalogues.
    #[test]
    fn every_key_used_is_in_the_catalogues() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["src", "commands"] {
            collect_rs(&root.join(dir), &mut files);
        }
        let mut missing = Vec::new();
        let mut used = 0;
        for file in files.into_iter().filter(|f| !f.ends_with("i18n.rs")) {
            let source = std::fs::read_to_string(&file).expect("readable source");
            for marker in ["msg!(\"", "tr!(\"", "i18n_key!(\""] {
                let mut rest = source.as_str();
                while let Some(i) = rest.find(marker) {
                    let before = rest[..i].chars().next_back();
                    rest = &rest[i + marker.len()..];
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue; // include_str!("…"), not tr!("…")
                    }
                    let key: String = rest.chars().take_while(|c| *c != '"').collect();
                    used += 1;
                    if !has(Lang::En, &key) || !has(Lang::It, &key) {
                        missing.push(format!("{}: {key}", file.display()));
                    }
                }
            }
        }
        assert!(used > 100, "only {used} keys found: is the scan broken?");
        assert!(missing.is_empty(), "keys used but not in both catalogues:\n{}", missing.join("\n"));
    }

    /// Every column of a table (a field of a `#[derive(Tabled)]` struct of the binary, or a
    /// header of a grid) has its `col-…` header in both languages.
    #[test]
    fn every_table_column_has_a_header() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        collect_rs(&root.join("commands"), &mut files);
        let mut columns = BTreeSet::new();
        for file in files {
            let source = std::fs::read_to_string(&file).expect("readable source");
            let mut lines = source.lines();
            while let Some(line) = lines.next() {
                if !(line.trim_start().starts_with("#[derive(") && line.contains("Tabled")) {
                    continue;
                }
                for field in lines.by_ref() {
                    let field = field.trim();
                    if field.starts_with('}') {
                        break;
                    }
                    if let Some((name, _)) = field.strip_prefix("pub ").unwrap_or(field).split_once(':')
                        && !name.contains(' ')
                        && !name.starts_with("//")
                    {
                        columns.insert(name.to_string());
                    }
                }
            }
        }
        // The grids of `stats`: periods, dimensions, events and the records' columns.
        columns.extend(
            ["period", "event", "kind", "count", "median_days", "p90_days", "municipality_code", "pseudonym"]
                .map(String::from),
        );
        columns.extend(["birth_year", "sex", "registered", "verified", "activated", "revoked"].map(String::from));
        columns.extend(
            ["ente", "operator_id", "province", "municipality", "community", "state", "strong"].map(String::from),
        );
        assert!(columns.len() > 40, "only {} columns found: is the scan broken? {columns:?}", columns.len());
        let missing: Vec<_> =
            columns.iter().filter(|c| Lang::ALL.iter().any(|l| !has(*l, &format!("col-{c}")))).collect();
        assert!(missing.is_empty(), "columns without a header: {missing:?}");
        for c in &columns {
            assert_eq!(render(Lang::En, &format!("col-{c}"), &[]), *c, "English headers are the names");
        }
    }

    fn collect_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect_rs(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn the_locale_chooses_the_language() {
        for v in ["it", "it_IT", "it_IT.UTF-8", "it_CH", "it_IT@euro", "IT_it"] {
            assert_eq!(Lang::from_locale(v), Lang::It, "{v}");
        }
        for v in ["C", "POSIX", "", "en_US.UTF-8", "de_DE", "C.UTF-8", "italian"] {
            assert_eq!(Lang::from_locale(v), Lang::En, "{v}");
        }
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(Lang::from_vars(env(&[])), Lang::En);
        assert_eq!(Lang::from_vars(env(&[("LANG", "it_IT.UTF-8")])), Lang::It);
        assert_eq!(Lang::from_vars(env(&[("LANG", "it_IT.UTF-8"), ("LC_ALL", "C")])), Lang::En);
        assert_eq!(Lang::from_vars(env(&[("LANG", "C"), ("LC_MESSAGES", "it_IT")])), Lang::It);
        assert_eq!(Lang::from_vars(env(&[("LC_ALL", ""), ("LC_MESSAGES", "it_IT"), ("LANG", "C")])), Lang::It);
        assert_eq!(Lang::from_vars(env(&[("LC_ALL", "it"), ("LC_MESSAGES", "C")])), Lang::It);
    }

    #[test]
    fn italian_plurals_and_arguments() {
        let args = |n: i64| [("count", n.into_arg())];
        let shown = [("shown", "50".into_arg()), ("total", "1.234".into_arg())];
        assert_eq!(render(Lang::It, "search-shown", &shown), "risultati mostrati: 50 di 1.234");
        assert_eq!(render(Lang::En, "rows-count", &args(1)), "1 row");
        assert_eq!(render(Lang::En, "rows-count", &args(3)), "3 rows");
        assert_eq!(render(Lang::It, "rows-count", &args(1)), "1 riga");
        assert_eq!(render(Lang::It, "rows-count", &args(3)), "3 righe");
        assert_eq!(render(Lang::En, "no such key", &[]), "no such key");
        // Two counts in one phrase, each with its plural; a message that includes another
        // passes its arguments on.
        let deaths = |n: i64, r: i64| [("count", n.into_arg()), ("revoked", r.into_arg())];
        assert_eq!(render(Lang::En, "count-deaths", &deaths(1, 1)), "1 death (1 revoked)");
        assert_eq!(render(Lang::En, "import-deaths", &deaths(2, 2)), ", 2 deaths (2 revoked)");
        assert_eq!(render(Lang::It, "count-deaths", &deaths(1, 1)), "1 decesso (1 revocata)");
        assert_eq!(render(Lang::It, "import-deaths", &deaths(2, 2)), ", 2 decessi (2 revocate)");
        assert_eq!(render(Lang::It, "count-deaths", &deaths(2, 0)), "2 decessi (0 revocate)");
        // One of a kind is said in the singular, in both languages.
        for (lang, key, said) in [
            (Lang::En, "show-not-locked-wrong", "no (1 wrong code)"),
            (Lang::It, "show-not-locked-wrong", "no (1 codice errato)"),
            (Lang::En, "progress-preloaded", "1 resident pre-loaded"),
            (Lang::It, "progress-preloaded", "residenti precaricati: 1"),
            (Lang::En, "spid-wrong-passphrase", "wrong passphrase: 1 attempt left"),
            (Lang::It, "spid-wrong-passphrase", "passphrase errata: resta 1 tentativo"),
        ] {
            assert_eq!(render(lang, key, &[("count", 1.into_arg()), ("left", 1.into_arg())]), said, "{key}");
        }
        let summary = |lang, rows: i64| {
            let mut a = vec![("rows", rows.into_arg()), ("source", "AURA".into_arg()), ("dry", "".into_arg())];
            for k in ["new", "changed", "unchanged", "rejected"] {
                a.push((k, 0.into_arg()));
            }
            a.extend([("extra", "".into_arg()), ("run", "".into_arg())]);
            render(lang, "import-summary", &a)
        };
        assert!(summary(Lang::En, 1).starts_with("AURA: 1 row: "), "{}", summary(Lang::En, 1));
        assert!(summary(Lang::En, 2).starts_with("AURA: 2 rows: "), "{}", summary(Lang::En, 2));
        assert!(summary(Lang::It, 1).starts_with("AURA: 1 riga: "), "{}", summary(Lang::It, 1));
    }

    #[test]
    fn yes_in_each_language() {
        for a in ["y", "Yes", " YES "] {
            assert!(is_yes(Lang::En, a) && is_yes(Lang::It, a), "{a}");
        }
        for a in ["s", "si", "Sì", "SI"] {
            assert!(is_yes(Lang::It, a), "{a}");
            assert!(!is_yes(Lang::En, a), "{a}");
        }
        for a in ["", "n", "no", "N", "nope", "sino"] {
            assert!(!is_yes(Lang::En, a) && !is_yes(Lang::It, a), "{a}");
        }
    }
}
