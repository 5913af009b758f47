//! Rendering letters to PDF with lopdf: A4, Helvetica in WinAnsi encoding (Italian accents and
//! typographic apostrophes print right), the address block where a window envelope shows it.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

use crate::error::{Error, Result};

use super::{Block, Letter};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN_L: f32 = 62.0;
const MARGIN_R: f32 = 56.0;
const TOP: f32 = 790.0;
const BOTTOM: f32 = 60.0;
/// Window envelope (DL, window on the right): the address block starts 116 mm from the left
/// edge and 50 mm from the top.
const WINDOW_X: f32 = 329.0;
const WINDOW_TOP: f32 = 700.0;

/// Approximate width of Helvetica text, in em: good enough to wrap lines inside the margins.
fn width_em(s: &str) -> f32 {
    s.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '\'' | '’' | '.' | ',' | ':' | ';' | '!' | '|' | 'ì' | 'í' => 0.25,
            'f' | 't' | 'r' | 'I' | ' ' | '(' | ')' | '-' | '/' => 0.32,
            'm' | 'w' | 'M' | 'W' => 0.85,
            c if c.is_uppercase() => 0.68,
            c if c.is_ascii_digit() => 0.56,
            _ => 0.54,
        })
        .sum()
}

/// Splits text into lines that fit `width` points at `size`.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if width_em(&candidate) * size > width && !line.is_empty() {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}

/// Lays out the pages of one letter as encoded content streams (letters are laid out in
/// parallel, then assembled into one document).
struct Writer {
    pages: Vec<Vec<u8>>,
    ops: Vec<Operation>,
    y: f32,
    encoding: lopdf::Encoding<'static>,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            pages: Vec::new(),
            ops: Vec::new(),
            y: TOP,
            encoding: lopdf::Encoding::SimpleEncoding(b"WinAnsiEncoding"),
        }
    }

    fn text(&mut self, font: &str, size: f32, x: f32, y: f32, s: &str) {
        let bytes = self.encoding.string_to_bytes(s);
        self.ops.extend([
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec![font.into(), size.into()]),
            Operation::new("Td", vec![x.into(), y.into()]),
            Operation::new("Tj", vec![Object::String(bytes, lopdf::StringFormat::Literal)]),
            Operation::new("ET", vec![]),
        ]);
    }

    fn finish_page(&mut self) -> Result<()> {
        let content = Content { operations: std::mem::take(&mut self.ops) };
        let bytes = content.encode().map_err(|e| Error::Invalid(format!("cannot encode a PDF page: {e}")))?;
        self.pages.push(bytes);
        self.y = TOP;
        Ok(())
    }

    /// Moves down by `h`, starting a new page when the bottom is reached.
    fn advance(&mut self, h: f32) -> Result<()> {
        if self.y - h < BOTTOM {
            self.finish_page()?;
        }
        self.y -= h;
        Ok(())
    }

    fn lines(&mut self, font: &str, size: f32, x: f32, text: &str) -> Result<()> {
        for line in wrap(text, size, PAGE_W - MARGIN_R - x) {
            self.advance(size * 1.35)?;
            self.text(font, size, x, self.y, &line);
        }
        Ok(())
    }

    fn letter(&mut self, letter: &Letter) -> Result<()> {
        // Sender, top left.
        let mut y = TOP;
        for (i, line) in letter.sender.iter().enumerate() {
            self.text(if i == 0 { "F2" } else { "F1" }, 9.0, MARGIN_L, y, line);
            y -= 12.0;
        }
        // Recipient, in the envelope window.
        if let Some(address) = &letter.address {
            let mut y = WINDOW_TOP;
            for line in address {
                self.text("F1", 10.5, WINDOW_X, y, line);
                y -= 13.5;
            }
            self.y = WINDOW_TOP - 13.5 * 6.0;
        } else {
            self.y = y - 24.0;
        }
        self.advance(18.0)?;
        self.text("F1", 10.0, MARGIN_L, self.y, &letter.place_date);
        self.advance(10.0)?;
        self.lines("F2", 13.0, MARGIN_L, &letter.title)?;
        self.advance(6.0)?;
        for block in &letter.body {
            match block {
                Block::Heading(t) => {
                    self.advance(8.0)?;
                    self.lines("F2", 11.0, MARGIN_L, t)?;
                }
                Block::Para(t) => {
                    self.advance(5.0)?;
                    self.lines("F1", 10.0, MARGIN_L, t)?;
                }
                Block::Field(label, value) => {
                    self.advance(13.0)?;
                    self.text("F1", 9.5, MARGIN_L, self.y, &format!("{label}:"));
                    let value_lines = wrap(value, 9.5, PAGE_W - MARGIN_R - 230.0);
                    for (i, line) in value_lines.iter().enumerate() {
                        if i > 0 {
                            self.advance(12.0)?;
                        }
                        self.text("F2", 9.5, 230.0, self.y, line);
                    }
                }
                Block::Secret(label, value) => {
                    self.advance(30.0)?;
                    self.text("F1", 11.0, MARGIN_L, self.y, &format!("{label}:"));
                    self.text("F3", 20.0, 250.0, self.y - 2.0, value);
                    self.advance(10.0)?;
                }
                Block::Signature(t) => {
                    self.advance(40.0)?;
                    self.text("F1", 10.0, 330.0, self.y, t);
                    self.advance(22.0)?;
                    self.text("F1", 10.0, 330.0, self.y, "______________________________");
                }
            }
        }
        self.finish_page()
    }
}

/// The encoded pages of one letter.
fn layout(letter: &Letter) -> Result<Vec<Vec<u8>>> {
    let mut w = Writer::new();
    w.letter(letter)?;
    Ok(w.pages)
}

/// Puts pages (encoded content streams) into one document with the fonts they use.
fn assemble(pages: Vec<Vec<u8>>) -> Result<Vec<u8>> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = |name: &str| {
        dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => name,
            "Encoding" => "WinAnsiEncoding",
        }
    };
    let f1 = doc.add_object(font("Helvetica"));
    let f2 = doc.add_object(font("Helvetica-Bold"));
    let f3 = doc.add_object(font("Courier-Bold"));
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => f1, "F2" => f2, "F3" => f3 },
    });
    let mut kids: Vec<Object> = Vec::with_capacity(pages.len());
    for bytes in pages {
        let content_id = doc.add_object(Stream::new(dictionary! {}, bytes));
        let page_id = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    let tree = dictionary! {
        "Type" => "Pages",
        "Kids" => kids,
        "Count" => count,
        "Resources" => resources_id,
        "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
    };
    doc.objects.insert(pages_id, Object::Dictionary(tree));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| Error::Io { context: "cannot write a PDF".into(), source: e })?;
    Ok(out)
}

/// One PDF with the letters one after the other, each starting on a new page. The letters are
/// laid out in parallel.
pub fn render(letters: &[Letter]) -> Result<Vec<u8>> {
    use rayon::prelude::*;
    let laid_out: Vec<Vec<Vec<u8>>> = letters.par_iter().map(layout).collect::<Result<_>>()?;
    assemble(laid_out.into_iter().flatten().collect())
}

/// The text of every page of a PDF, for tests and checks.
pub fn extract_text(pdf: &[u8]) -> Result<String> {
    let doc = Document::load_mem(pdf).map_err(|e| Error::Invalid(format!("not a readable PDF: {e}")))?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).map_err(|e| Error::Invalid(format!("cannot extract the PDF text: {e}")))
}
