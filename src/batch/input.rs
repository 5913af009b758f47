//! Reading batch inputs (registry files, letter batches): text decoded from the file's encoding,
//! column names as people write them, and the physical line of a CSV record. Values are bounded
//! and refused with control characters by [`crate::domain::text`]; names and dates as people
//! write them are compared by [`crate::domain::as_written`].

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::i18n::Message;

/// The text encoding of an input file, as the WHATWG Encoding Standard names and decodes it.
///
/// Files saved by Windows programs (Excel, the municipalities' registry software) are
/// Windows-1252, and the Standard maps `latin1`, `iso-8859-1` and `cp1252` to it: the bytes
/// 0x80-0x9F are the typographic apostrophe, quotes, dashes and the euro sign, never the C1
/// control characters of ISO-8859-1 proper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding(&'static encoding_rs::Encoding);

impl Encoding {
    pub const UTF8: Encoding = Encoding(encoding_rs::UTF_8);
    pub const WINDOWS_1252: Encoding = Encoding(encoding_rs::WINDOWS_1252);

    /// The encoding a label names: any label of the Encoding Standard (`utf-8`, `windows-1252`,
    /// `cp1252`, `latin1`, `iso-8859-1`, `iso-8859-15`, `utf-16le`, ...), case and spaces aside,
    /// and `latin-1` as operators write it.
    pub fn from_label(label: &str) -> Option<Encoding> {
        let label = label.trim().to_ascii_lowercase();
        let label = match label.as_str() {
            "latin-1" | "latin_1" | "iso-latin-1" => "latin1",
            other => other,
        };
        // The "replacement" encoding decodes nothing: it is not a file's encoding.
        encoding_rs::Encoding::for_label(label.as_bytes()).filter(|e| *e != encoding_rs::REPLACEMENT).map(Encoding)
    }

    /// Its name in the Encoding Standard, in lower case (`utf-8`, `windows-1252`).
    pub fn name(self) -> String {
        self.0.name().to_ascii_lowercase()
    }
}

impl Default for Encoding {
    fn default() -> Encoding {
        Encoding::UTF8
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// Where a file stops being text of its encoding.
#[derive(Debug)]
pub struct Undecodable {
    pub encoding: Encoding,
    /// The physical line (from 1) and the first byte that cannot be decoded, if known.
    pub line: u64,
    pub byte: Option<u8>,
}

impl std::fmt::Display for Undecodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: not {} text", self.line, self.encoding)
    }
}

impl std::error::Error for Undecodable {}

impl Undecodable {
    /// The whole file refused, with the flag that reads it.
    pub fn message(&self, path: &Path) -> Message {
        let hint = if self.encoding == Encoding::UTF8 {
            crate::msg!("input-encoding-hint-windows")
        } else {
            crate::msg!("input-encoding-hint-other")
        };
        crate::msg!(
            "input-not-decodable",
            path = path,
            line = self.line,
            encoding = self.encoding.name(),
            byte = self.byte.map(|b| format!("0x{b:02X}")).unwrap_or_else(|| "?".into()),
            hint = hint
        )
    }

    /// The decoding failure an I/O error carries, if it is one.
    pub fn of(e: &std::io::Error) -> Option<&Undecodable> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<Undecodable>())
    }
}

/// The error a CSV reader's failure to read stands for: the file refused whole when it is not
/// text of its encoding, an I/O error otherwise. `None` for a record that is merely malformed.
pub fn csv_failure(path: &Path, e: &csv::Error) -> Option<Error> {
    match e.kind() {
        csv::ErrorKind::Io(io) => Some(match Undecodable::of(io) {
            Some(u) => Error::Invalid(u.message(path)),
            None => Error::io(crate::msg!("io-read", path = path))(std::io::Error::new(io.kind(), io.to_string())),
        }),
        _ => None,
    }
}

/// A reader of a file's bytes that gives its text as UTF-8, decoded from `encoding` (a byte
/// order mark, UTF-8 or UTF-16, wins over it and is taken off). It fails at the first byte that
/// is not text of the encoding, with an [`Undecodable`]: a file in another encoding is refused
/// whole, with the flag that reads it, rather than row by row.
pub struct Decoded<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: Encoding,
    raw: Box<[u8]>,
    /// The bytes of `raw` not decoded yet.
    start: usize,
    end: usize,
    eof: bool,
    /// The decoder has been told the end and has given everything (it may not be called again).
    finished: bool,
    /// Lines ended in what was written so far, for the line of an undecodable byte.
    newlines: LineEnds,
    /// Text decoded but not given out yet (only to a caller with a buffer under 4 bytes).
    spill: Vec<u8>,
}

impl<R: Read> Decoded<R> {
    pub fn new(inner: R, encoding: Encoding) -> Decoded<R> {
        Decoded {
            inner,
            decoder: encoding.0.new_decoder(),
            encoding,
            raw: vec![0u8; 1 << 16].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            finished: false,
            newlines: LineEnds::default(),
            spill: Vec::new(),
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use encoding_rs::DecoderResult;
        if !self.spill.is_empty() {
            let n = out.len().min(self.spill.len());
            out[..n].copy_from_slice(&self.spill[..n]);
            self.spill.drain(..n);
            return Ok(n);
        }
        if out.len() < 4 {
            // Too small for some characters: decoded aside, given out in pieces.
            let mut one = [0u8; 4];
            let n = self.read(&mut one)?;
            if n == 0 {
                return Ok(0);
            }
            self.spill.extend_from_slice(&one[..n]);
            return self.read(out);
        }
        loop {
            if self.finished {
                return Ok(0);
            }
            if self.start == self.end && !self.eof {
                let n = loop {
                    match self.inner.read(&mut self.raw) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        other => break other?,
                    }
                };
                (self.start, self.end, self.eof) = (0, n, n == 0);
            }
            let input = &self.raw[self.start..self.end];
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(input, out, self.eof);
            self.newlines.count(&out[..written]);
            match result {
                DecoderResult::Malformed(bad, after) => {
                    let at = (self.start + read).checked_sub(after as usize + bad as usize);
                    let byte = at.filter(|&i| i >= self.start).map(|i| self.raw[i]);
                    let u = Undecodable { encoding: self.encoding, line: self.newlines.ended + 1, byte };
                    self.start += read;
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, u));
                }
                DecoderResult::OutputFull | DecoderResult::InputEmpty => {
                    self.start += read;
                    self.finished = self.eof && result == DecoderResult::InputEmpty;
                    if written > 0 || self.eof {
                        return Ok(written);
                    }
                }
            }
        }
    }
}

/// A file opened for reading as text of `encoding` (see [`Decoded`]), buffered.
pub fn open_text(path: &Path, encoding: Encoding) -> Result<BufReader<Decoded<std::fs::File>>> {
    let file = std::fs::File::open(path).map_err(Error::io(crate::msg!("io-read", path = path)))?;
    Ok(BufReader::with_capacity(1 << 20, Decoded::new(file, encoding)))
}

/// A whole file as text of `encoding`, in UTF-8 bytes; a file that is not is refused whole.
pub fn read_text(path: &Path, encoding: Encoding) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    open_text(path, encoding)?.read_to_end(&mut out).map_err(|e| read_failure(path, e))?;
    Ok(out)
}

/// The head of a buffered text, refused whole when it is not text of its encoding.
pub fn peek<'a, R: Read>(path: &Path, reader: &'a mut BufReader<R>) -> Result<&'a [u8]> {
    reader.fill_buf().map_err(|e| read_failure(path, e))
}

/// A failure to read a text file: refused whole when it is not text of its encoding.
pub(crate) fn read_failure(path: &Path, e: std::io::Error) -> Error {
    match Undecodable::of(&e) {
        Some(u) => Error::Invalid(u.message(path)),
        None => Error::io(crate::msg!("io-read", path = path))(e),
    }
}

/// A record with every field empty (`;;;;` as a spreadsheet saves an empty row): a blank line,
/// skipped as one.
pub fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.trim_ascii().is_empty())
}

/// Trims the blanks (ASCII whitespace) at both ends of every field, as
/// [`csv::ByteRecord::trim`] does, but copies the record only when a field has some: nearly
/// every record of a registry file has none.
pub fn trim(record: &mut csv::ByteRecord) {
    if record
        .iter()
        .any(|f| f.first().is_some_and(u8::is_ascii_whitespace) || f.last().is_some_and(u8::is_ascii_whitespace))
    {
        record.trim();
    }
}

/// The lines ended in a text read piece by piece: each `\n`, `\r\n` or `\r` alone (old Mac
/// programs end lines so, and the csv crate reads them as such) ends one.
#[derive(Default)]
struct LineEnds {
    ended: u64,
    /// The last byte counted was a `\r`: a `\n` first in the next piece ends no line.
    after_cr: bool,
}

impl LineEnds {
    fn count(&mut self, piece: &[u8]) {
        self.each(piece, |_, _| {});
    }

    /// Counts the lines `piece` ends, telling `terminator` of each `\r` and `\n` in it (its
    /// place in the piece) whether it ends one.
    fn each(&mut self, piece: &[u8], mut terminator: impl FnMut(usize, bool)) {
        for i in memchr::memchr2_iter(b'\n', b'\r', piece) {
            let after_cr = if i == 0 { self.after_cr } else { piece[i - 1] == b'\r' };
            let ends = piece[i] == b'\r' || !after_cr;
            self.ended += u64::from(ends);
            terminator(i, ends);
        }
        if let Some(&last) = piece.last() {
            self.after_cr = last == b'\r';
        }
    }
}

/// The field delimiter of a CSV file, `;`, `,` or a tab (as Excel's "Unicode text" saves),
/// told by its header line.
pub fn delimiter(text: &[u8]) -> u8 {
    // The header is the first line with something on it (the reader skips blank lines too).
    let first = text.split(|&b| b == b'\n' || b == b'\r').find(|l| !l.trim_ascii().is_empty()).unwrap_or_default();
    let count = |sep: u8| first.iter().filter(|&&b| b == sep).count();
    let (semicolons, commas, tabs) = (count(b';'), count(b','), count(b'\t'));
    if tabs > semicolons.max(commas) {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// Column names as they are matched: `FISCAL_CODE`, ` Fiscal_Code ` and `fiscal_code` (after a
/// byte order mark left inside the file, too) are the same column.
pub fn column_names(headers: &csv::ByteRecord) -> csv::ByteRecord {
    headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect()
}

/// A name as compared with another: letters and digits only, accents taken off, upper case.
/// `Nicolo` and `NICOLÒ` are the same name, so are `DAngelo`, `D'Angelo` and `D’ANGELO`.
pub fn name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_uppercase());
            }
        } else if let Some(&(_, base)) = UNACCENTED.iter().find(|(from, _)| from.contains(c)) {
            out.push_str(base);
        } else {
            out.extend(c.to_uppercase().filter(|u| u.is_alphanumeric()));
        }
    }
    out
}

/// Latin letters used in Europe with their diacritics, and the letters they are compared as.
const UNACCENTED: &[(&str, &str)] = &[
    ("ÀÁÂÃÄÅĀĂĄǍàáâãäåāăąǎª", "A"),
    ("ÇĆĈĊČçćĉċč", "C"),
    ("ĎĐďđ", "D"),
    ("ÈÉÊËĒĔĖĘĚèéêëēĕėęě", "E"),
    ("ĜĞĠĢĝğġģ", "G"),
    ("ĤĦĥħ", "H"),
    ("ÌÍÎÏĨĪĬĮİǏìíîïĩīĭįıǐ", "I"),
    ("Ĵĵ", "J"),
    ("Ķķ", "K"),
    ("ĹĻĽĿŁĺļľŀł", "L"),
    ("ÑŃŅŇñńņň", "N"),
    ("ÒÓÔÕÖØŌŎŐǑòóôõöøōŏőǒº", "O"),
    ("ŔŖŘŕŗř", "R"),
    ("ŚŜŞŠȘśŝşšș", "S"),
    ("ŢŤŦȚţťŧț", "T"),
    ("ÙÚÛÜŨŪŬŮŰŲǓùúûüũūŭůűųǔ", "U"),
    ("Ŵŵ", "W"),
    ("ÝŸŶýÿŷ", "Y"),
    ("ŹŻŽźżž", "Z"),
    ("Ææ", "AE"),
    ("Œœ", "OE"),
    ("ß", "SS"),
];

/// Where the lines of a CSV input begin, for the physical line of its records.
///
/// The csv crate's own line count is the number of `\n` consumed when a record starts to be
/// read, which is one short when the line before ends in `\r\n` (the `\n` is consumed with the
/// next record) or when blank lines come before the record. [`Lines::wrap`] records, as the
/// reader reads, where the line terminators are; [`Lines::line_of`] then gives the physical line
/// of a record from its starting byte: the line of its first character.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<LineIndex>>);

#[derive(Default)]
struct LineIndex {
    /// Offsets of the terminators (`\r`, `\n`) read but not yet passed, and whether each ends a
    /// line (as [`LineEnds`] tells: the `\n` of a `\r\n` does not).
    terminators: VecDeque<(u64, bool)>,
    /// Lines ended by the terminators passed.
    newlines: u64,
    /// The terminators read, told apart.
    ends: LineEnds,
    /// Bytes read so far.
    read: u64,
}

impl Lines {
    /// A reader that records the terminators of what it reads into `self`.
    pub fn wrap<R: Read>(&self, inner: R) -> LineReader<R> {
        LineReader { inner, lines: self.clone() }
    }

    /// The physical line (from 1) of the record that starts at `byte` (csv's `Position::byte`,
    /// which may point at the terminators before it). Records must be asked in file order.
    pub fn line_of(&self, byte: u64) -> u64 {
        let mut index = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let LineIndex { terminators, newlines, .. } = &mut *index;
        let mut at = byte;
        while let Some(&(offset, ends)) = terminators.front() {
            if offset > at {
                break;
            }
            // A terminator where the record starts belongs to the lines before it.
            if offset == at {
                at += 1;
            }
            *newlines += u64::from(ends);
            terminators.pop_front();
        }
        *newlines + 1
    }
}

/// See [`Lines::wrap`].
pub struct LineReader<R> {
    inner: R,
    lines: Lines,
}

impl<R: Read> Read for LineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut index = self.lines.0.lock().unwrap_or_else(|e| e.into_inner());
        let LineIndex { terminators, ends, read, .. } = &mut *index;
        let start = *read;
        ends.each(&buf[..n], |i, line_end| terminators.push_back((start + i as u64, line_end)));
        *read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads all of `bytes` through [`Decoded`], `step` bytes of input and `out` of output at a time.
    fn decode(bytes: &[u8], encoding: Encoding, step: usize, out: usize) -> std::io::Result<String> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut reader = Decoded::new(Trickle(bytes, step), encoding);
        let (mut text, mut buf) = (Vec::new(), vec![0u8; out]);
        loop {
            match reader.read(&mut buf)? {
                0 => return Ok(String::from_utf8(text).expect("UTF-8 out")),
                n => text.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn labels_name_the_encodings_of_the_standard() {
        for label in ["latin-1", "Latin1", "ISO-8859-1", "cp1252", " windows-1252 ", "x-cp1252"] {
            assert_eq!(Encoding::from_label(label), Some(Encoding::WINDOWS_1252), "{label}");
        }
        assert_eq!(Encoding::from_label("UTF8"), Some(Encoding::UTF8));
        assert_eq!(Encoding::from_label("iso-8859-15").map(Encoding::name).as_deref(), Some("iso-8859-15"));
        assert_eq!(Encoding::from_label("iso-2022-kr"), None, "the replacement encoding reads no file");
        assert_eq!(Encoding::from_label("ansi"), None);
    }

    #[test]
    fn windows_1252_is_decoded_whatever_the_reads_and_a_bom_wins() {
        let text = "D’Alessandro;NICOLÒ;€ 5\r\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        assert_eq!(bytes[1], 0x92);
        for (step, out) in [(1, 1), (1, 4), (3, 2), (7, 64), (4096, 4096)] {
            assert_eq!(decode(&bytes, Encoding::WINDOWS_1252, step, out).unwrap(), text, "{step}/{out}");
            // UTF-8 split anywhere across reads, with a byte order mark taken off.
            let utf8 = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
            assert_eq!(decode(&utf8, Encoding::UTF8, step, out).unwrap(), text, "{step}/{out}");
            // A UTF-8 byte order mark wins over the encoding given.
            assert_eq!(decode(&utf8, Encoding::WINDOWS_1252, step, out).unwrap(), text, "{step}/{out}");
        }
    }

    #[test]
    fn the_first_byte_not_of_the_encoding_fails_with_its_line() {
        // Lines ended by CRLF, by CR alone (old Mac programs), by LF.
        for bytes in [&b"a;b\r\nc;d\r\nD\x92Angelo;x\r\n"[..], b"a;b\rc;d\rD\x92Angelo;x\r", b"a;b\nc;d\nD\x92A\n"] {
            for (step, out) in [(1, 1), (2, 5), (4096, 4096)] {
                let e = decode(bytes, Encoding::UTF8, step, out).unwrap_err();
                let u = Undecodable::of(&e).expect("undecodable");
                assert_eq!((u.line, u.byte), (3, Some(0x92)), "{bytes:?} {step}/{out}");
            }
        }
        // A sequence cut by the end of the file.
        let e = decode(b"ok\n\xC3", Encoding::UTF8, 4096, 4096).unwrap_err();
        assert_eq!(Undecodable::of(&e).map(|u| u.line), Some(2));
    }

    #[test]
    fn column_names_match_in_any_case() {
        let headers = csv::ByteRecord::from(vec![" FISCAL_CODE ", "\u{feff}First_Name", "Cognome"]);
        let names = column_names(&headers);
        assert_eq!(names.iter().collect::<Vec<_>>(), [b"fiscal_code".as_slice(), b"first_name", b"cognome"]);
    }

    #[test]
    fn physical_lines_of_records() {
        for (text, expected) in [
            ("h1,h2\na,b\nc,d\n", vec![2, 3]),
            ("h1,h2\r\na,b\r\nc,d\r\n", vec![2, 3]),
            ("h1,h2\r\na,\"b\r\nb\"\r\nc,d\r\n\r\n\r\ne,f", vec![2, 4, 7]),
            ("h1,h2\n\n\na,b\n", vec![4]),
            // Lines ended by `\r` alone, and one inside a CRLF file.
            ("h1,h2\ra,b\r\rc,d\r", vec![2, 4]),
            // A blank line before the header.
            ("\nh1,h2\na,b\n", vec![3]),
            ("\r\nh1,h2\r\na,b\r\n", vec![3]),
            ("h1,h2\r\na,b\rc,d\r\ne,f\r\n", vec![2, 3, 4]),
        ] {
            let lines = Lines::default();
            let mut csv = csv::ReaderBuilder::new().from_reader(lines.wrap(text.as_bytes()));
            let mut got = Vec::new();
            let mut record = csv::ByteRecord::new();
            while csv.read_byte_record(&mut record).unwrap() {
                got.push(lines.line_of(record.position().unwrap().byte()));
            }
            assert_eq!(got, expected, "{text:?}");
        }
    }
}
