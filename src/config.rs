//! Where sportello keeps its files and finds its database.

use std::path::PathBuf;

use crate::store::Location;

/// `SPORTELLO_HOME`, else `$XDG_DATA_HOME/sportello`, else `~/.local/share/sportello`.
pub fn default_home() -> PathBuf {
    if let Some(h) = std::env::var_os("SPORTELLO_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(x).join("sportello");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/sportello")
}

/// The database: the URL when one is given, else the embedded cluster under `home`.
pub fn location(database_url: Option<&str>, home: PathBuf) -> Location {
    match database_url.filter(|u| !u.trim().is_empty()) {
        Some(url) => Location::Url(url.to_string()),
        None => Location::Embedded(home),
    }
}
