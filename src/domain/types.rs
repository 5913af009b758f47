//! The small vocabularies of the domain, each with the text stored in the database and the
//! Italian label printed for people.

use serde::{Deserialize, Serialize};

/// A closed set of values, each with the text stored in the database and typed by people.
pub trait Vocabulary: Copy + Send + Sync + 'static {
    fn all() -> &'static [Self];
    fn as_str(self) -> &'static str;
}

/// Declares an enum whose variants map to a stored text and an Italian label.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $db:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(
                #[serde(rename = $db)]
                $variant,
            )+
        }

        impl Vocabulary for $name {
            fn all() -> &'static [$name] {
                Self::ALL
            }
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text stored in the database and used in JSON/CSV output.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $db),+ }
            }

            /// The Italian label for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// What an operator types, in either language: the stored value or one of its
            /// Italian names ([`italian_names`]), case, accents, spaces and apostrophes aside.
            pub fn parse_typed(s: &str) -> Option<Self> {
                // The stored value itself (what a registry file usually writes, on every row): no copy.
                if let Some(v) = Self::parse(s) {
                    return Some(v);
                }
                static TYPED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
                let forms = TYPED.get_or_init(|| Self::ALL.iter().map(|v| typed_form(v.as_str())).collect());
                let typed = typed_form(s);
                Self::ALL
                    .iter()
                    .zip(forms)
                    .find(|(v, form)| **form == typed || italian_names(v.as_str()).contains(&typed.as_str()))
                    .map(|(v, _)| *v)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The Italian words a desk types for a value, beside the stored (English) one:
/// `--doc-type passaporto`, `--operation riscontro`. Written in [`typed_form`].
pub fn italian_names(value: &str) -> &'static [&'static str] {
    match value {
        "identity-card" => &["carta-identita", "carta-d-identita", "ci", "cie"],
        "passport" => &["passaporto"],
        "driving-licence" => &["patente", "patente-di-guida"],
        "residence-permit" => &["permesso", "permesso-di-soggiorno"],
        "boat-licence" => &["patente-nautica"],
        "verification" => &["riscontro", "riscontro-forte"],
        "promotion" => &["promozione"],
        "pin" => &["rigenerazione-pin"],
        "revocation" => &["revoca"],
        "activation" => &["attivazione"],
        "proxy" => &["delega"],
        "guardianship" => &["tutela"],
        "citizen-request" => &["richiesta-cittadino", "richiesta-del-cittadino"],
        "lost-pin-letter" => &["lettera-pin-smarrita", "pin-smarrito"],
        "suspected-fraud" => &["sospetta-frode", "frode"],
        _ => &[],
    }
}

/// A typed value compared without case, accents, apostrophes or spaces (`Carta d'identità` is
/// `carta-d-identita`).
pub fn typed_form(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().to_lowercase().chars() {
        let c = match c {
            'à' | 'á' => 'a',
            'è' | 'é' => 'e',
            'ì' | 'í' => 'i',
            'ò' | 'ó' => 'o',
            'ù' | 'ú' => 'u',
            ' ' | '\'' | '’' | '_' => '-',
            c => c,
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    // An apostrophe typed for an accent (`IDENTITA'`, as upper-case exports write it) is the accent.
    if out.ends_with('-') && s.trim_end().ends_with(['\'', '’']) {
        out.pop();
    }
    out
}

vocabulary! {
    /// State of a registration.
    State {
        Registrato => "registrato", "registrato";
        Riscontrato => "riscontrato", "riscontrato";
        Attivato => "attivato", "attivato";
        Respinto => "respinto", "respinto";
    }
}

vocabulary! {
    /// Operations booked at a desk.
    OperationKind {
        Verification => "verification", "riscontro forte";
        Promotion => "promotion", "promozione delle credenziali";
        Reset => "reset", "reset delle credenziali";
        Pin => "pin", "rigenerazione del PIN";
        Revocation => "revocation", "revoca delle credenziali";
        Activation => "activation", "attivazione delle credenziali deboli (PIN per posta)";
    }
}

vocabulary! {
    /// Status of an operation: active, succeeded, discarded.
    OperationStatus {
        Active => "A", "attiva";
        Succeeded => "S", "conclusa con successo";
        Discarded => "D", "scartata";
    }
}

vocabulary! {
    /// Community the citizen registered with; fixed at registration.
    Community {
        SistemaPiemonte => "sistemapiemonte", "Sistema Piemonte";
        TorinoFacile => "torinofacile", "TorinoFacile";
        TorinoFacileLight => "torinofacile light", "TorinoFacile light";
    }
}

vocabulary! {
    /// Identity documents accepted at the desk.
    DocType {
        IdentityCard => "identity-card", "carta d'identità";
        Passport => "passport", "passaporto";
        DrivingLicence => "driving-licence", "patente di guida";
        ResidencePermit => "residence-permit", "permesso di soggiorno";
        BoatLicence => "boat-licence", "patente nautica";
    }
}

vocabulary! {
    Sex {
        M => "M", "maschile";
        F => "F", "femminile";
    }
}

vocabulary! {
    /// Kind of delegation presented by a delegate.
    DelegateKind {
        Proxy => "proxy", "modulo delega";
        Guardianship => "guardianship", "dichiarazione sostitutiva per soggetti tutelati o impossibilitati alla firma";
    }
}

vocabulary! {
    /// Why a registration's credentials are suspended (issue 20): the citizen asks at a desk,
    /// the PIN letter was lost, the helpdesk suspects fraud.
    SuspensionReason {
        CitizenRequest => "citizen-request", "richiesta del cittadino";
        LostPinLetter => "lost-pin-letter", "lettera del PIN smarrita";
        SuspectedFraud => "suspected-fraud", "sospetta frode";
    }
}

/// Province code of residents abroad, and the pseudo-municipality that goes with it.
pub const ABROAD_PROVINCE: &str = "EE";
pub const ABROAD_MUNICIPALITY: &str = "999999";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_in_english_or_italian() {
        for (typed, doc) in [
            ("passaporto", DocType::Passport),
            ("Carta d'identità", DocType::IdentityCard),
            ("carta-identita", DocType::IdentityCard),
            ("patente", DocType::DrivingLicence),
            ("permesso", DocType::ResidencePermit),
            ("patente nautica", DocType::BoatLicence),
            ("passport", DocType::Passport),
        ] {
            assert_eq!(DocType::parse_typed(typed), Some(doc), "{typed}");
        }
        for (typed, reason) in [
            ("richiesta-cittadino", SuspensionReason::CitizenRequest),
            ("Lettera PIN smarrita", SuspensionReason::LostPinLetter),
            ("sospetta frode", SuspensionReason::SuspectedFraud),
            ("suspected-fraud", SuspensionReason::SuspectedFraud),
        ] {
            assert_eq!(SuspensionReason::parse_typed(typed), Some(reason), "{typed}");
        }
        for (typed, op) in [
            ("riscontro", OperationKind::Verification),
            ("promozione", OperationKind::Promotion),
            ("reset", OperationKind::Reset),
            ("pin", OperationKind::Pin),
            ("revoca", OperationKind::Revocation),
        ] {
            assert_eq!(OperationKind::parse_typed(typed), Some(op), "{typed}");
        }
        assert_eq!(DocType::parse_typed("tessera"), None);
        // Every Italian name is in its typed form, and names one value only.
        for v in DocType::ALL.iter().map(|v| v.as_str()).chain(OperationKind::ALL.iter().map(|v| v.as_str())) {
            for name in italian_names(v) {
                assert_eq!(typed_form(name), *name);
            }
        }
    }
}
