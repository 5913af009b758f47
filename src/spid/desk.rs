//! Issuing a token at the desk (guidelines §3.5): only on the in-person identification just
//! made (the state table, [`crate::domain::rules`]), for a citizen of age with every attribute of
//! ICRequestData; the passphrase split between a letter handed over now and an email; the token
//! sent to the IdP the citizen chose (model a) or attached to the email (model b); one audit row
//! for every token (who identified whom, when, the token's id, the model, the IdP's outcome),
//! naming the citizen only by registration number and keyed hash, as every row does, so that
//! revoking or erasing the citizen leaves the evidence (guidelines §3.9).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::request_data::{self, AtTheDesk, Header, Places};
use super::responses::ResponseCode;
use super::{Rao, idp, passphrase, token};
use crate::desk::handover::{Delivery, Desk, Staged, record_prints, send_code_email};
use crate::desk::require;
use crate::domain::{Action, rules};
use crate::error::{Error, Result};
use crate::letters::{self, SpidDelivery};
use crate::session::Session;
use crate::store::reference;
use crate::store::registrations::{self, Key};

#[derive(Debug, Clone)]
pub struct Request {
    pub key: Key,
    pub at_desk: AtTheDesk,
    /// Model a: the IdP the citizen chose (its name or entityID in the registry); none: model b.
    pub idp: Option<String>,
}

/// Model a or b (guidelines §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    A,
    B,
}

/// What the IdP answered in model a.
#[derive(Debug, Clone, Serialize)]
pub struct IdpOutcome {
    pub idp: String,
    pub entity_id: String,
    /// The response code, or none when no verified answer came (unreachable, not sealed).
    pub code: Option<u16>,
    /// The message to show the clerk, in Italian (the table's, or why there was no answer).
    pub message: String,
    pub accepted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    pub registration_number: i64,
    pub token_id: String,
    pub request_id: String,
    pub model: Model,
    pub expires: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp: Option<IdpOutcome>,
    /// The passphrase was handed over (letter and email): false when the IdP refused the token.
    pub handed_over: bool,
    pub letters: Vec<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Delivery>,
}

/// Issues a token for the registration of `req`, on the identification just made.
pub async fn issue(session: &Session, desk: &Desk, rao: &Rao, req: Request) -> Result<Issued> {
    let chosen = req.idp.as_deref().map(|name| idp::find(&rao.idps, name)).transpose()?.cloned();
    let mut client = session.db.client().await?;
    let tx = client.transaction().await?;
    let now = Utc::now();
    // A refusal rolls back at once: the registration's row lock must not outlive it.
    let (r, _, data, today) = match prepare(&tx, session, rao, &req, now).await {
        Ok(prepared) => prepared,
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(e);
        }
    };
    let secret = passphrase::new()?;
    let (model, aud) = match &chosen {
        Some(i) => (Model::A, i.entity_id.clone()),
        None => (Model::B, String::new()),
    };
    let sealed = token::seal(&rao.seal, &data, &secret, &aud)?;
    let outcome = match &chosen {
        Some(i) => Some(idp::send(rao, i, &sealed).await),
        None => None,
    };
    let handed_over = outcome.as_ref().is_none_or(|o| o.accepted);
    // Who identified whom and when is the database's to say, from the operation in progress
    // (sql/V24 `api.spid_token`, which writes the `spid-token` row and checks the rule again).
    let token = json!({
        "token_id": sealed.jti,
        "request_id": sealed.sub,
        "model": model,
        "idp": chosen.as_ref().map(|i| &i.entity_id),
        "idp_response_code": outcome.as_ref().and_then(|o| o.code),
        "issued_at": sealed.iat,
        "expires": sealed.exp,
    });
    let audit_name = crate::desk::audit_name(session, r.fiscal_code.as_str())?;
    crate::store::operations::spid_token(&tx, r.registration_number, &token, handed_over, &audit_name).await?;

    let mut issued = Issued {
        registration_number: r.registration_number,
        token_id: sealed.jti.clone(),
        request_id: sealed.sub.clone(),
        model,
        expires: sealed.exp,
        idp: outcome,
        handed_over,
        letters: Vec::new(),
        email: None,
    };
    if !handed_over {
        // The IdP did not take the token: nothing is handed over, the attempt is recorded.
        tx.commit().await?;
        return Ok(issued);
    }
    let (letter_half, email_half) = passphrase::halves(&secret);
    let delivery = match &chosen {
        Some(i) => SpidDelivery::ToIdp(i.name.clone()),
        None => SpidDelivery::ByEmail,
    };
    let letter = letters::spid_letter(&desk.office, &r, &letter_half, &sealed.jti, &delivery, sealed.exp, today);
    let staged = Staged::write(&desk.letters_dir, r.registration_number, vec![letter]).await?;
    if let Err(e) = tx.commit().await {
        staged.discard();
        return Err(e.into());
    }
    issued.letters = staged.publish()?;
    record_prints(session, &r, &issued.letters).await?;
    let to = r.data.contacts.email.clone().unwrap_or_default();
    issued.email = Some(
        match crate::mail::spid_message(&desk.mail_from, &to, &r, &email_half, &delivery, &sealed.token, sealed.exp) {
            Ok(m) => send_code_email(session, desk, &r, "spid-passphrase", m).await,
            Err(e) => Delivery::Failed { reason: e.to_string() },
        },
    );
    Ok(issued)
}

/// The rule, the data and the request, under the registration's row lock.
async fn prepare(
    tx: &deadpool_postgres::Transaction<'_>,
    session: &Session,
    rao: &Rao,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<(crate::domain::Registration, crate::domain::Operation, request_data::IcRequestData, chrono::NaiveDate)> {
    let r = registrations::lock(tx, &req.key, crate::desk::key_audit_name(session, &req.key).as_deref()).await?;
    require(&r, Action::SpidToken)?;
    let identification =
        r.last_operation.clone().ok_or_else(|| Error::Refused(crate::msg!("rule-spid-needs-identification")))?;
    rules::spid_identification(&identification, &session.operator.id, now).map_err(|why| {
        Error::Refused(crate::msg!("spid-refused", number = r.registration_number.to_string(), why = why))
    })?;

    let places = Places {
        county_of_birth: match r.data.person.birth_date {
            Some(b) => reference::birthplace_province(tx, &r.fiscal_code.birth_place(), b).await?,
            None => None,
        },
        residence_cadastral: match &r.data.residence.municipality {
            Some(istat) if !r.data.residence.is_abroad() => {
                reference::municipality(tx, istat).await?.map(|m| m.belfiore)
            }
            _ => None,
        },
    };
    let header = Header {
        id: uuid::Uuid::new_v4().simple().to_string(),
        issued_at: now,
        issuer_code: rao.ipa_code.clone(),
        // Meaningful to this R.A.O. only (annex §4.2): the registration number, which the
        // audit rows keep after an erasure.
        internal_reference: r.registration_number.to_string(),
    };
    let today = now.with_timezone(&chrono_tz::Europe::Rome).date_naive();
    let data = request_data::build(&r, &req.at_desk, &places, &header, today).map_err(|missing| {
        Error::Invalid(crate::msg!(
            "spid-missing",
            number = r.registration_number.to_string(),
            fields = missing.join(", ")
        ))
    })?;

    Ok((r, identification, data, today))
}

/// The clerk's words for an IdP's answer: the table's message, in Italian.
pub fn idp_message(code: ResponseCode) -> String {
    format!("{} ({}, {})", code.message(), code.code(), code.kind())
}
