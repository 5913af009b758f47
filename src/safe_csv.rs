//! Every CSV file sportello writes goes through here, so that no cell can run as a formula when
//! the file is opened in a spreadsheet (the OWASP CSV-injection rule): a cell that starts with
//! `=`, `+`, `-`, `@`, a tab or a carriage return gets a single quote in front.
//!
//! Header names are sportello's own and are written as they are.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as it may be written to a CSV file: one that a spreadsheet would take for a formula
/// gets a single quote in front; every other cell is unchanged.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_START) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// A `csv::Writer` whose data cells are [`neutralise`]d.
pub struct Writer<W: Write> {
    inner: csv::Writer<W>,
    headers_written: bool,
}

impl Writer<std::fs::File> {
    pub fn from_path(path: &Path) -> csv::Result<Self> {
        Ok(Writer { inner: csv::Writer::from_path(path)?, headers_written: false })
    }
}

impl<W: Write> Writer<W> {
    pub fn from_writer(w: W) -> Self {
        Writer { inner: csv::Writer::from_writer(w), headers_written: false }
    }

    /// Writes the header line (as given).
    pub fn write_headers<I, T>(&mut self, headers: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.headers_written = true;
        self.inner.write_record(headers)
    }

    /// Writes one data line, each cell neutralised.
    pub fn write_record<I, T>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.headers_written = true;
        let cells: Vec<String> = cells.into_iter().map(|c| neutralise(c.as_ref()).into_owned()).collect();
        self.inner.write_record(&cells)
    }

    /// Writes a record as `csv::Writer::serialize` would (the header line from the field names
    /// before the first one), each data cell neutralised.
    pub fn serialize<S: Serialize>(&mut self, record: S) -> csv::Result<()> {
        // The csv crate turns the record into cells; they are read back and written neutralised.
        let mut scratch = csv::WriterBuilder::new().has_headers(!self.headers_written).from_writer(Vec::new());
        scratch.serialize(record)?;
        let bytes = scratch.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
        let mut cells = csv::StringRecord::new();
        let mut first = true;
        while reader.read_record(&mut cells)? {
            if first && !self.headers_written {
                self.write_headers(&cells)?;
            } else {
                self.write_record(&cells)?;
            }
            first = false;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    pub fn into_inner(self) -> std::io::Result<W> {
        self.inner.into_inner().map_err(|e| std::io::Error::other(e.error().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_quoted_and_the_rest_kept() {
        for bad in ["=HYPERLINK(\"http://x\")", "+39 333", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for good in ["Rossi", "", "D'Angelo", " =x", "1000001", "a=b", "'quoted"] {
            assert_eq!(neutralise(good), good);
        }
    }

    #[derive(Serialize)]
    struct Row<'a> {
        line: u64,
        value: &'a str,
        note: Option<&'a str>,
    }

    #[test]
    fn serialized_records_get_a_header_once_and_neutralised_cells() {
        let mut w = Writer::from_writer(Vec::new());
        w.serialize(Row { line: 1, value: "=1+1", note: None }).unwrap();
        w.serialize(Row { line: 2, value: "a,\"b\"\nc", note: Some("@x") }).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text, "line,value,note\n1,'=1+1,\n2,\"a,\"\"b\"\"\nc\",'@x\n");
    }

    #[test]
    fn an_empty_single_cell_survives() {
        #[derive(Serialize)]
        struct One {
            v: String,
        }
        let mut w = Writer::from_writer(Vec::new());
        w.serialize(One { v: String::new() }).unwrap();
        w.serialize(One { v: "-".into() }).unwrap();
        assert_eq!(String::from_utf8(w.into_inner().unwrap()).unwrap(), "v\n\"\"\n'-\n");
    }
}
