//! The registry mirrors consulted at registration: municipal (CIA) first, then health (AURA).

use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::domain::{DocType, PersonalData, Sex};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Cia,
    Aura,
}

impl Source {
    pub fn table(self) -> &'static str {
        match self {
            Source::Cia => "cia_residents",
            Source::Aura => "aura_residents",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Cia => "CIA (municipal registry)",
            Source::Aura => "AURA (health-service registry)",
        }
    }
}

/// What a registry knows of a fiscal code, as pre-filled personal data.
pub async fn lookup(c: &impl GenericClient, source: Source, fiscal_code: &str) -> Result<Option<PersonalData>> {
    let sql = format!(
        "SELECT r.first_name, r.last_name, r.birth_date, r.sex, r.res_address, r.res_street_number,
                r.res_postcode, r.res_municipality, m.province, r.doc_type, r.doc_number, r.doc_issued,
                r.doc_issuer, m.name
         FROM {} r LEFT JOIN municipalities m ON m.istat_code = r.res_municipality
         WHERE r.fiscal_code = $1",
        source.table()
    );
    let Some(r) = c.query_opt(&sql, &[&fiscal_code]).await? else {
        return Ok(None);
    };
    let mut d = PersonalData::default();
    d.person.first_name = r.get(0);
    d.person.last_name = r.get(1);
    d.person.birth_date = r.get(2);
    d.person.sex = r.get::<_, Option<String>>(3).as_deref().and_then(Sex::parse);
    d.residence.address = r.get(4);
    d.residence.street_number = r.get(5);
    d.residence.postcode = r.get(6);
    d.residence.municipality = r.get(7);
    d.residence.province = r.get(8);
    d.residence.municipality_name = r.get(13);
    d.document.doc_type = r.get::<_, Option<String>>(9).as_deref().and_then(DocType::parse);
    d.document.number = r.get(10);
    d.document.issued = r.get(11);
    d.document.issuer = r.get(12);
    Ok(Some(d))
}

/// First registry that knows the fiscal code: CIA, then AURA.
pub async fn find(c: &impl GenericClient, fiscal_code: &str) -> Result<Option<(Source, PersonalData)>> {
    for source in [Source::Cia, Source::Aura] {
        if let Some(d) = lookup(c, source, fiscal_code).await? {
            return Ok(Some((source, d)));
        }
    }
    Ok(None)
}

/// Username of a legacy account not migrated into this database, if any.
pub async fn legacy_account(c: &impl GenericClient, fiscal_code: &str) -> Result<Option<Option<String>>> {
    Ok(c.query_opt("SELECT username FROM legacy_accounts WHERE fiscal_code = $1", &[&fiscal_code])
        .await?
        .map(|r| r.get(0)))
}
