//! Values encoded in PostgreSQL's binary format ahead of time, on any thread, then gathered into
//! array parameters, one per column.
//!
//! tokio-postgres encodes a `Vec<T>` parameter element by element inside the task that sends the
//! query; bulk loads instead encode each row's fields on the validation threads, in parallel, and
//! the gathering only copies bytes. An element of an array in binary is what a field of binary
//! COPY is — a 32-bit length (-1 for NULL) followed by the value in the type's send format — and
//! an array is a header (dimensions, has-nulls flag, element type, then length and lower bound of
//! its one dimension) followed by its elements (PostgreSQL's `array_recv`,
//! src/backend/utils/adt/arrayfuncs.c).

use bytes::BufMut;
use chrono::NaiveDate;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// Fields being appended to a buffer, each as an element of a binary array.
pub struct Fields<'b>(&'b mut Vec<u8>);

impl<'b> Fields<'b> {
    pub fn new(buf: &'b mut Vec<u8>) -> Fields<'b> {
        Fields(buf)
    }

    /// text, varchar, bpchar (their binary form is the UTF-8 text) and bytea.
    pub fn bytes(&mut self, value: Option<&[u8]>) -> &mut Self {
        match value {
            Some(v) => {
                self.0.extend_from_slice(&(v.len() as i32).to_be_bytes());
                self.0.extend_from_slice(v);
            }
            None => self.0.extend_from_slice(&(-1i32).to_be_bytes()),
        }
        self
    }

    pub fn text(&mut self, value: Option<&str>) -> &mut Self {
        self.bytes(value.map(str::as_bytes))
    }

    /// date: days since 2000-01-01.
    pub fn date(&mut self, value: Option<NaiveDate>) -> &mut Self {
        match value {
            Some(d) => {
                let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
                let days = (d - epoch).num_days() as i32;
                self.0.extend_from_slice(&4i32.to_be_bytes());
                self.0.extend_from_slice(&days.to_be_bytes());
            }
            None => self.0.extend_from_slice(&(-1i32).to_be_bytes()),
        }
        self
    }

    pub fn int8(&mut self, value: i64) -> &mut Self {
        self.0.extend_from_slice(&8i32.to_be_bytes());
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }
}

/// Splits the first encoded field off `fields`: (the field, length word included; the rest).
/// `None` when `fields` is empty or cut short.
pub fn next_field(fields: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = i32::from_be_bytes(fields.get(..4)?.try_into().ok()?);
    let end = 4 + usize::try_from(len).unwrap_or(0);
    (fields.len() >= end).then(|| fields.split_at(end))
}

/// A one-dimensional array of `element` values, as a query parameter in binary.
#[derive(Debug, Clone)]
pub struct Column {
    element: Type,
    len: i32,
    nulls: bool,
    elements: Vec<u8>,
}

impl Column {
    pub fn new(element: Type) -> Column {
        Column { element, len: 0, nulls: false, elements: Vec::new() }
    }

    /// Appends one element encoded by [`Fields`] (its length word included), of this column's type.
    pub fn push_encoded(&mut self, field: &[u8]) {
        self.nulls |= field.starts_with(&(-1i32).to_be_bytes());
        self.elements.extend_from_slice(field);
        self.len += 1;
    }

    /// Room for `bytes` more of encoded elements.
    pub fn reserve(&mut self, bytes: usize) {
        self.elements.reserve(bytes);
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl ToSql for Column {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        if !matches!(ty.kind(), tokio_postgres::types::Kind::Array(e) if *e == self.element) {
            return Err(format!("an array of {} is not a {ty}", self.element).into());
        }
        out.put_i32(1); // dimensions (an empty array too, as the driver sends one)
        out.put_i32(i32::from(self.nulls));
        out.put_u32(self.element.oid());
        out.put_i32(self.len);
        out.put_i32(1); // lower bound
        out.put_slice(&self.elements);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), tokio_postgres::types::Kind::Array(_))
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_is_encoded_as_the_driver_encodes_an_array() {
        let date = NaiveDate::from_ymd_opt(1985, 12, 10).unwrap();
        let mut row = Vec::new();
        Fields::new(&mut row).text(Some("Nicolò")).text(None).date(Some(date)).int8(7);
        let (first, rest) = next_field(&row).unwrap();
        let (second, rest) = next_field(rest).unwrap();
        let (third, rest) = next_field(rest).unwrap();
        let (fourth, rest) = next_field(rest).unwrap();
        assert!(rest.is_empty() && next_field(rest).is_none());
        assert!(next_field(&first[..5]).is_none(), "a field cut short");

        let mut texts = Column::new(Type::TEXT);
        texts.push_encoded(first);
        texts.push_encoded(second);
        let mut dates = Column::new(Type::DATE);
        dates.push_encoded(third);
        let mut ints = Column::new(Type::INT8);
        ints.push_encoded(fourth);
        let encode = |c: &dyn ToSql, ty: Type| {
            let mut out = bytes::BytesMut::new();
            c.to_sql_checked(&ty, &mut out).unwrap();
            out
        };
        assert_eq!(encode(&texts, Type::TEXT_ARRAY), encode(&vec![Some("Nicolò"), None], Type::TEXT_ARRAY));
        assert_eq!(encode(&dates, Type::DATE_ARRAY), encode(&vec![date], Type::DATE_ARRAY));
        assert_eq!(encode(&ints, Type::INT8_ARRAY), encode(&vec![7i64], Type::INT8_ARRAY));
        let empty = Column::new(Type::TEXT);
        assert_eq!(encode(&empty, Type::TEXT_ARRAY), encode(&Vec::<String>::new(), Type::TEXT_ARRAY));
        let mut out = bytes::BytesMut::new();
        assert!(texts.to_sql_checked(&Type::DATE_ARRAY, &mut out).is_err(), "texts are not dates");
    }
}
