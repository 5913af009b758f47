//! The domain's vocabularies go to the database as their stored text.

use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use crate::domain::{Community, DelegateKind, DocType, OperationKind, OperationStatus, Sex, State, SuspensionReason};

macro_rules! as_text {
    ($($t:ty),+) => {$(
        impl ToSql for $t {
            fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
                self.as_str().to_sql(ty, out)
            }
            fn accepts(ty: &Type) -> bool {
                <&str as ToSql>::accepts(ty)
            }
            to_sql_checked!();
        }
    )+};
}

as_text!(State, OperationKind, OperationStatus, Community, DocType, Sex, DelegateKind, SuspensionReason);
