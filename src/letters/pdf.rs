//! Rendering letters to PDF with lopdf: A4, DejaVu Sans embedded as subset fonts (see
//! [`font`](super::font)), so every name the registry can hold prints and reads back; the address
//! block where a window envelope shows it.

use std::io::Write as _;

use lopdf::{Document, Object, Stream, dictionary};

use crate::error::{Error, Result};

use super::font::{self, Font, Used};
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

/// Splits text into lines that fit `width` points at `size`, measured with the font's own
/// advance widths.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let face = font.face();
    let space = face.width(" ", size);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split_whitespace() {
            let w = face.width(word, size);
            if !line.is_empty() && line_width + space + w > width {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            if !line.is_empty() {
                line.push(' ');
                line_width += space;
            }
            line.push_str(word);
            line_width += w;
        }
        lines.push(line);
    }
    lines
}

/// A number in a content stream, to the hundredth of a point.
fn number(out: &mut Vec<u8>, v: f32) {
    let hundredths = (v * 100.0).round() as i64;
    let (int, frac) = (hundredths / 100, (hundredths % 100).abs());
    if hundredths < 0 && int == 0 {
        out.push(b'-');
    }
    let _ = write!(out, "{int}");
    if frac != 0 {
        let _ = if frac % 10 == 0 { write!(out, ".{}", frac / 10) } else { write!(out, ".{frac:02}") };
    }
}

/// Lays out the pages of one letter as encoded content streams (letters are laid out in
/// parallel, then assembled into one document with the glyphs they used).
struct Writer {
    pages: Vec<Vec<u8>>,
    content: Vec<u8>,
    y: f32,
    used: [Used; 3],
}

impl Writer {
    fn new() -> Writer {
        Writer { pages: Vec::new(), content: Vec::with_capacity(8 << 10), y: TOP, used: Font::ALL.map(Used::new) }
    }

    fn text(&mut self, font: Font, size: f32, x: f32, y: f32, s: &str) {
        let out = &mut self.content;
        out.extend_from_slice(b"BT /");
        out.extend_from_slice(font.resource().as_bytes());
        out.push(b' ');
        number(out, size);
        out.extend_from_slice(b" Tf ");
        number(out, x);
        out.push(b' ');
        number(out, y);
        out.extend_from_slice(b" Td ");
        font::encode(font, s, &mut self.used[font as usize], out);
        out.extend_from_slice(b" Tj ET\n");
    }

    fn finish_page(&mut self) -> Result<()> {
        self.pages.push(std::mem::replace(&mut self.content, Vec::with_capacity(8 << 10)));
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

    fn lines(&mut self, font: Font, size: f32, x: f32, text: &str) -> Result<()> {
        for line in wrap(text, font, size, PAGE_W - MARGIN_R - x) {
            self.advance(size * 1.35)?;
            self.text(font, size, x, self.y, &line);
        }
        Ok(())
    }

    fn letter(&mut self, letter: &Letter) -> Result<()> {
        // Sender, top left.
        let mut y = TOP;
        for (i, line) in letter.sender.iter().enumerate() {
            self.text(if i == 0 { Font::Bold } else { Font::Regular }, 9.0, MARGIN_L, y, line);
            y -= 12.0;
        }
        // Recipient, in the envelope window.
        if let Some(address) = &letter.address {
            let mut y = WINDOW_TOP;
            for line in address {
                self.text(Font::Regular, 10.5, WINDOW_X, y, line);
                y -= 13.5;
            }
            self.y = WINDOW_TOP - 13.5 * 6.0;
        } else {
            self.y = y - 24.0;
        }
        self.advance(18.0)?;
        self.text(Font::Regular, 10.0, MARGIN_L, self.y, &letter.place_date);
        self.advance(10.0)?;
        self.lines(Font::Bold, 13.0, MARGIN_L, &letter.title)?;
        self.advance(6.0)?;
        for block in &letter.body {
            match block {
                Block::Heading(t) => {
                    self.advance(8.0)?;
                    self.lines(Font::Bold, 11.0, MARGIN_L, t)?;
                }
                Block::Para(t) => {
                    self.advance(5.0)?;
                    self.lines(Font::Regular, 10.0, MARGIN_L, t)?;
                }
                Block::Field(label, value) => {
                    self.advance(13.0)?;
                    self.text(Font::Regular, 9.5, MARGIN_L, self.y, &format!("{label}:"));
                    let value_lines = wrap(value, Font::Bold, 9.5, PAGE_W - MARGIN_R - 230.0);
                    for (i, line) in value_lines.iter().enumerate() {
                        if i > 0 {
                            self.advance(12.0)?;
                        }
                        self.text(Font::Bold, 9.5, 230.0, self.y, line);
                    }
                }
                Block::Secret(label, value) => {
                    self.advance(30.0)?;
                    self.text(Font::Regular, 11.0, MARGIN_L, self.y, &format!("{label}:"));
                    self.text(Font::Mono, 20.0, 250.0, self.y - 2.0, value);
                    self.advance(10.0)?;
                }
                Block::Signature(t) => {
                    self.advance(40.0)?;
                    self.text(Font::Regular, 10.0, 330.0, self.y, t);
                    self.advance(22.0)?;
                    self.text(Font::Regular, 10.0, 330.0, self.y, "______________________________");
                }
            }
        }
        self.finish_page()
    }
}

/// The encoded pages of one letter and the glyphs they use.
fn layout(letter: &Letter) -> Result<(Vec<Vec<u8>>, [Used; 3])> {
    let mut w = Writer::new();
    w.letter(letter)?;
    Ok((w.pages, w.used))
}

/// Puts pages (encoded content streams) into one document with the subsets of the fonts that
/// hold the glyphs they use.
fn assemble(pages: Vec<Vec<u8>>, used: &[Used; 3]) -> Result<Vec<u8>> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut fonts = lopdf::Dictionary::new();
    for font in Font::ALL {
        fonts.set(font.resource(), font::embed(&mut doc, font, &used[font as usize])?);
    }
    let resources_id = doc.add_object(dictionary! { "Font" => fonts });
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
    doc.save_to(&mut out).map_err(|e| Error::Io { context: crate::msg!("io-write-pdf"), source: e })?;
    Ok(out)
}

/// One PDF with the letters one after the other, each starting on a new page. The letters are
/// laid out in parallel; the fonts are subset once for the whole document.
pub fn render(letters: &[Letter]) -> Result<Vec<u8>> {
    use rayon::prelude::*;
    let laid_out: Vec<(Vec<Vec<u8>>, [Used; 3])> = letters.par_iter().map(layout).collect::<Result<_>>()?;
    let mut used = Font::ALL.map(Used::new);
    let mut pages = Vec::with_capacity(laid_out.len());
    for (letter_pages, letter_used) in laid_out {
        for (all, one) in used.iter_mut().zip(&letter_used) {
            all.union(one);
        }
        pages.extend(letter_pages);
    }
    assemble(pages, &used)
}

/// The text of every page of a PDF, for tests and checks.
pub fn extract_text(pdf: &[u8]) -> Result<String> {
    let doc =
        Document::load_mem(pdf).map_err(|e| Error::Invalid(crate::msg!("pdf-unreadable", detail = e.to_string())))?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).map_err(|e| Error::Invalid(crate::msg!("pdf-text-failed", detail = e.to_string())))
}
