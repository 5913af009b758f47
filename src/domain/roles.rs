//! Who may run what: the operators' roles and the one table of the role each command needs.
//!
//! The database enforces the same split (group roles `sportello_<role>` granted to each
//! operator's login, sql/V4); the table here lets a command refuse first, with a clear message.

use serde::Serialize;

/// A role an operator may hold (several at once). In the database: the group role
/// [`Role::group`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Register, search, show, book, edit, regenerate codes, change residence, letters.
    Desk,
    /// The helpdesk mailbox and revocations by registered letter.
    Helpdesk,
    /// Registry imports and pre-loads, postal PIN runs (the cron job's login).
    Batch,
    /// Add operators, change their roles and competence, disable them (within their own).
    Admin,
    /// Read the audit log and the runs.
    Auditor,
    /// What the citizen completes online (the web portal's own login).
    Portal,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Desk, Role::Helpdesk, Role::Batch, Role::Admin, Role::Auditor, Role::Portal];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::Helpdesk => "helpdesk",
            Role::Batch => "batch",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::Portal => "portal",
        }
    }

    /// The group role of the database (cluster-wide names, hence the prefix).
    pub fn group(self) -> &'static str {
        match self {
            Role::Desk => "sportello_desk",
            Role::Helpdesk => "sportello_helpdesk",
            Role::Batch => "sportello_batch",
            Role::Admin => "sportello_admin",
            Role::Auditor => "sportello_auditor",
            Role::Portal => "sportello_portal",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.as_str() == s || r.group() == s)
    }

    pub fn from_group(group: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.group() == group)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every command and the roles that may run it (any one of them); an empty list: any enabled
/// operator. A command not in this table is refused.
pub const COMMANDS: &[(&str, &[Role])] = &[
    ("register", &[Role::Desk]),
    ("search", &[Role::Desk]),
    ("show", &[Role::Desk]),
    ("history", &[Role::Desk, Role::Helpdesk]),
    ("book", &[Role::Desk]),
    ("edit", &[Role::Desk]),
    ("edit-delegate", &[Role::Desk]),
    ("regenerate-code", &[Role::Desk]),
    ("change-residence", &[Role::Desk]),
    ("username", &[Role::Desk]),
    ("print-letters", &[Role::Desk]),
    ("spid-token", &[Role::Desk]),
    ("regenerate-code --mailbox", &[Role::Helpdesk]),
    ("suspend", &[Role::Desk, Role::Helpdesk]),
    ("reinstate", &[Role::Desk, Role::Helpdesk]),
    ("revoke", &[Role::Helpdesk]),
    ("import-cia", &[Role::Batch]),
    ("import-aura", &[Role::Batch]),
    ("print-letters --postal-run", &[Role::Batch]),
    ("runs", &[Role::Batch, Role::Helpdesk, Role::Auditor]),
    ("audit", &[Role::Auditor]),
    ("stats", &[Role::Auditor, Role::Admin]),
    ("operator add", &[Role::Admin]),
    ("operator grant", &[Role::Admin]),
    ("operator revoke-role", &[Role::Admin]),
    ("operator competence", &[Role::Admin]),
    ("operator disable", &[Role::Admin]),
    ("operator enable", &[Role::Admin]),
    ("operator list", &[Role::Admin, Role::Auditor]),
    ("operator show", &[Role::Admin, Role::Auditor]),
    ("operator whoami", &[]),
    ("citizen activate", &[Role::Portal]),
    ("citizen revoke", &[Role::Portal]),
];

/// The roles that may run `command` (any one of them), or None for a command not in the table.
pub fn required(command: &str) -> Option<&'static [Role]> {
    COMMANDS.iter().find(|(c, _)| *c == command).map(|(_, roles)| *roles)
}

/// May an operator holding `held` run `command`?
pub fn may_run(command: &str, held: &[Role]) -> bool {
    required(command).is_some_and(|needed| needed.is_empty() || needed.iter().any(|r| held.contains(r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_by_name_and_group() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(Role::parse(r.group()), Some(r));
            assert_eq!(Role::from_group(r.group()), Some(r));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn commands_need_their_role_and_unknown_ones_are_refused() {
        assert!(may_run("search", &[Role::Desk]));
        assert!(!may_run("search", &[Role::Batch, Role::Auditor]));
        assert!(!may_run("operator add", &[Role::Desk]));
        assert!(may_run("runs", &[Role::Auditor]));
        assert!(may_run("operator whoami", &[]));
        assert!(!may_run("drop everything", &Role::ALL));
        let mut names: Vec<&str> = COMMANDS.iter().map(|(c, _)| *c).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len(), "one row per command");
    }
}
