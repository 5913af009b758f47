//! Rows encoded for `COPY ... FROM STDIN (FORMAT binary)` ahead of time, on any thread.
//!
//! tokio-postgres' `BinaryCopyInWriter` encodes row by row inside the connection's task; bulk
//! loads instead encode their rows on the validation threads, in parallel, and hand the
//! connection one finished buffer. The layout is PostgreSQL's documented binary COPY format
//! (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4): a signature and two
//! zero words, then per tuple a 16-bit field count and each field as a 32-bit length (-1 for
//! NULL) followed by the value in the type's binary send format, then a -1 trailer.

use chrono::NaiveDate;

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// A binary COPY payload being built.
#[derive(Debug, Default)]
pub struct CopyData {
    buf: Vec<u8>,
    tuples: u64,
}

impl CopyData {
    pub fn with_capacity(bytes: usize) -> CopyData {
        let mut buf = Vec::with_capacity(bytes + SIGNATURE.len() + 10);
        buf.extend_from_slice(SIGNATURE);
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
        buf.extend_from_slice(&0i32.to_be_bytes()); // no header extension
        CopyData { buf, tuples: 0 }
    }

    /// Appends tuples encoded by [`Tuple`] elsewhere.
    pub fn append(&mut self, tuples: &[u8], count: u64) {
        self.buf.extend_from_slice(tuples);
        self.tuples += count;
    }

    /// Completes the tuple appended last with one more field, an int8 (its [`Tuple::start`]
    /// counted it): a value known only where the tuples are gathered (a row's line in its file).
    pub fn append_int8(&mut self, value: i64) {
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    pub fn tuples(&self) -> u64 {
        self.tuples
    }

    /// The finished payload, trailer included.
    pub fn finish(mut self) -> bytes::Bytes {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf.into()
    }
}

/// The tuples of a finished payload, each as a payload of its own (signature, header, the
/// tuple, trailer): to send them one at a time.
pub fn split(payload: &[u8]) -> Vec<bytes::Bytes> {
    const HEADER: usize = SIGNATURE.len() + 8;
    let mut out = Vec::new();
    let mut at = HEADER;
    while at + 2 <= payload.len() {
        let fields = i16::from_be_bytes([payload[at], payload[at + 1]]);
        if fields < 0 {
            break; // the trailer
        }
        let start = at;
        at += 2;
        for _ in 0..fields {
            let len = i32::from_be_bytes(payload[at..at + 4].try_into().expect("4 bytes"));
            at += 4 + len.max(0) as usize;
        }
        let mut one = Vec::with_capacity(HEADER + (at - start) + 2);
        one.extend_from_slice(&payload[..HEADER]);
        one.extend_from_slice(&payload[start..at]);
        one.extend_from_slice(&(-1i16).to_be_bytes());
        out.push(one.into());
    }
    out
}

/// One tuple being appended to a buffer of tuples; fields must come in the COPY column order.
pub struct Tuple<'b>(&'b mut Vec<u8>);

impl<'b> Tuple<'b> {
    pub fn start(buf: &'b mut Vec<u8>, fields: i16) -> Tuple<'b> {
        buf.extend_from_slice(&fields.to_be_bytes());
        Tuple(buf)
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::types::{ToSql, Type};

    #[test]
    fn fields_are_encoded_as_the_driver_encodes_them() {
        let date = NaiveDate::from_ymd_opt(1985, 12, 10).unwrap();
        let mut tuples = Vec::new();
        Tuple::start(&mut tuples, 3).text(Some("Nicolò")).text(None).date(Some(date));
        let mut driver = bytes::BytesMut::new();
        date.to_sql(&Type::DATE, &mut driver).unwrap();
        let mut expected = vec![0, 3];
        expected.extend(7i32.to_be_bytes());
        expected.extend("Nicolò".as_bytes());
        expected.extend((-1i32).to_be_bytes());
        expected.extend(4i32.to_be_bytes());
        expected.extend(&driver[..]);
        assert_eq!(tuples, expected);

        let mut data = CopyData::with_capacity(tuples.len());
        data.append(&tuples, 1);
        let payload = data.finish();
        assert!(payload.starts_with(b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0"));
        assert!(payload.ends_with(&[0xff, 0xff]));
        assert_eq!(payload.len(), 19 + expected.len() + 2);

        let mut two = CopyData::with_capacity(0);
        two.append(&tuples, 1);
        let mut other = Vec::new();
        Tuple::start(&mut other, 2).text(Some("Ada")).bytes(Some(&[1, 2, 3]));
        two.append(&other, 1);
        let parts = split(&two.finish());
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], payload, "each tuple as a whole payload");
        assert!(parts[1].ends_with(&[0, 0, 0, 3, 1, 2, 3, 0xff, 0xff]));
    }
}
