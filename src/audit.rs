//! Reading the audit log (writing happens through [`Session::record`]).

use serde_json::json;

use crate::error::Result;
use crate::session::Session;
use crate::store::audit::{self, Filter, Record};

/// The audit log, newest first. Reading it is itself recorded.
pub async fn list(session: &Session, filter: Filter) -> Result<Vec<Record>> {
    let client = session.db.client().await?;
    let rows = audit::list(&client, &filter).await?;
    session.record(&client, "audit-list", None, json!({ "filters": filter }), Some(rows.len() as i64), "ok").await?;
    Ok(rows)
}
