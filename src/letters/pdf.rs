//! Rendering letters to PDF with lopdf: A4, DejaVu Sans embedded as subset fonts (see
//! [`font`](super::font)), so every name the registry can hold prints and reads back; the address
//! block where a window envelope shows it; tagged (structure tree, marked content, language
//! Italian, a title), so that screen readers read the letters.

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
/// The helpdesk line, under the text.
const FOOTER_Y: f32 = 36.0;
/// Window envelope (DL, window on the right): the address block starts 116 mm from the left
/// edge and 50 mm from the top.
const WINDOW_X: f32 = 329.0;
const WINDOW_TOP: f32 = 700.0;
/// The window's width for the address (to the right margin, inside a DL window's 90 mm).
const WINDOW_W: f32 = PAGE_W - MARGIN_R - WINDOW_X;
/// The address's size, and the least it is shrunk to so that its longest line fits the window
/// whole (a line still too long then goes on to the next line, never past the window).
const ADDRESS_SIZE: f32 = 10.5;
const ADDRESS_MIN_SIZE: f32 = 8.0;
/// Where the signature's label and line start, right of "Luogo e data".
const SIGNATURE_X: f32 = 330.0;

/// The lines of an envelope's address as printed in the window, and their size: every line
/// whole at the usual size when it fits, else smaller, else wrapped.
fn window_lines(address: &[String]) -> (f32, Vec<String>) {
    let face = Font::Regular.face();
    let widest = address.iter().map(|l| face.width(l, ADDRESS_SIZE)).fold(0.0f32, f32::max);
    // A hair under the exact fit: the line measured word by word must not round past it.
    let size =
        if widest > WINDOW_W { (ADDRESS_SIZE * WINDOW_W / widest * 0.99).max(ADDRESS_MIN_SIZE) } else { ADDRESS_SIZE };
    let lines =
        address.iter().flat_map(|l| wrap(l, Font::Regular, size, WINDOW_W)).flat_map(|l| cut(&l, size)).collect();
    (size, lines)
}

/// A line still wider than the window (one word longer than it, at the least size) cut between
/// characters: the window shows all of it.
fn cut(line: &str, size: f32) -> Vec<String> {
    let face = Font::Regular.face();
    let mut out = vec![String::new()];
    for c in line.chars() {
        let last = out.last_mut().expect("one line at least");
        let mut wider = last.clone();
        wider.push(c);
        if !last.is_empty() && face.width(&wider, size) > WINDOW_W {
            out.push(c.to_string());
        } else {
            *last = wider;
        }
    }
    out
}

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

/// An element of the structure tree (PDF 32000-1 §14.7): a heading, a paragraph..., with the
/// marked-content sequences that hold its text, as (page of the letter, MCID on that page).
struct Elem {
    tag: &'static str,
    parts: Vec<(usize, i64)>,
}

/// Lays out the pages of one letter as encoded content streams (letters are laid out in
/// parallel, then assembled into one document with the glyphs they used). Every piece of text
/// is marked content of an element of the structure tree, so screen readers read the letter
/// in order and the document is tagged.
struct Writer {
    pages: Vec<Vec<u8>>,
    content: Vec<u8>,
    y: f32,
    used: [Used; 3],
    elems: Vec<Elem>,
    /// The next MCID on the page being written.
    mcid: i64,
    /// The element whose marked content is open (closed at a page break, reopened after it).
    open: Option<usize>,
    /// Printed at the foot of every page: whom to ask.
    footer: String,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            pages: Vec::new(),
            content: Vec::with_capacity(8 << 10),
            y: TOP,
            used: Font::ALL.map(Used::new),
            elems: Vec::with_capacity(48),
            mcid: 0,
            open: None,
            footer: String::new(),
        }
    }

    /// Starts a new element: the text written until [`Writer::end`] is its content.
    fn begin(&mut self, tag: &'static str) {
        self.end();
        self.elems.push(Elem { tag, parts: Vec::with_capacity(1) });
        self.mark(self.elems.len() - 1);
    }

    fn mark(&mut self, elem: usize) {
        let out = &mut self.content;
        out.push(b'/');
        out.extend_from_slice(self.elems[elem].tag.as_bytes());
        out.extend_from_slice(b" <</MCID ");
        let _ = write!(out, "{}", self.mcid);
        out.extend_from_slice(b">> BDC\n");
        self.elems[elem].parts.push((self.pages.len(), self.mcid));
        self.mcid += 1;
        self.open = Some(elem);
    }

    fn end(&mut self) {
        if self.open.take().is_some() {
            self.content.extend_from_slice(b"EMC\n");
        }
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

    /// Ends the page: its footer, then a new page (an element cut by the break goes on there).
    fn finish_page(&mut self) -> Result<()> {
        let cut = self.open;
        self.end();
        if !self.footer.is_empty() {
            self.begin("P");
            let footer = std::mem::take(&mut self.footer);
            for (i, line) in wrap(&footer, Font::Regular, 8.0, PAGE_W - MARGIN_R - MARGIN_L).iter().enumerate() {
                self.text(Font::Regular, 8.0, MARGIN_L, FOOTER_Y - 10.0 * i as f32, line);
            }
            self.footer = footer;
            self.end();
        }
        self.pages.push(std::mem::replace(&mut self.content, Vec::with_capacity(8 << 10)));
        self.y = TOP;
        self.mcid = 0;
        if let Some(elem) = cut {
            self.mark(elem);
        }
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
        self.footer.clone_from(&letter.helpdesk);
        // Sender, top left; under it the reference.
        let mut y = TOP;
        self.begin("P");
        for (i, line) in letter.sender.iter().enumerate() {
            self.text(if i == 0 { Font::Bold } else { Font::Regular }, 9.0, MARGIN_L, y, line);
            y -= 12.0;
        }
        y -= 6.0;
        self.begin("P");
        for line in &letter.reference {
            self.text(Font::Regular, 9.0, MARGIN_L, y, line);
            y -= 12.0;
        }
        self.end();
        // Recipient, in the envelope window.
        if let Some(address) = &letter.address {
            self.begin("P");
            let mut y = WINDOW_TOP;
            let (size, lines) = window_lines(address);
            for line in &lines {
                self.text(Font::Regular, size, WINDOW_X, y, line);
                y -= size * 1.29;
            }
            self.end();
            self.y = (WINDOW_TOP - 13.5 * 6.0).min(y);
        } else {
            self.y = y - 12.0;
        }
        self.advance(10.0)?;
        self.begin("H1");
        self.lines(Font::Bold, 13.0, MARGIN_L, &letter.title)?;
        self.end();
        self.advance(6.0)?;
        for block in &letter.body {
            match block {
                Block::Heading(t) => {
                    self.advance(8.0)?;
                    self.begin("H2");
                    self.lines(Font::Bold, 11.0, MARGIN_L, t)?;
                }
                Block::Para(t) => {
                    self.advance(5.0)?;
                    self.begin("P");
                    self.lines(Font::Regular, 10.0, MARGIN_L, t)?;
                }
                Block::Field(label, value) => {
                    self.advance(13.0)?;
                    self.begin("P");
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
                    self.begin("P");
                    self.text(Font::Regular, 11.0, MARGIN_L, self.y, &format!("{label}:"));
                    self.text(Font::Mono, 20.0, 250.0, self.y - 2.0, value);
                    self.advance(10.0)?;
                }
                Block::Signature(t) => {
                    // The label (who signs, by name) wraps in its column.
                    let label = wrap(t, Font::Regular, 10.0, PAGE_W - MARGIN_R - SIGNATURE_X);
                    let extra = 12.0 * (label.len().max(1) - 1) as f32;
                    // All of it stays on one page: a signature is never cut from its place and date.
                    if self.y - 62.0 - extra < BOTTOM {
                        self.end();
                        self.finish_page()?;
                    }
                    self.advance(40.0)?;
                    self.begin("P");
                    self.text(Font::Regular, 10.0, MARGIN_L, self.y, "Luogo e data");
                    for (i, line) in label.iter().enumerate() {
                        if i > 0 {
                            self.advance(12.0)?;
                        }
                        self.text(Font::Regular, 10.0, SIGNATURE_X, self.y, line);
                    }
                    self.advance(22.0)?;
                    self.text(Font::Regular, 10.0, MARGIN_L, self.y, "______________________________");
                    self.text(Font::Regular, 10.0, SIGNATURE_X, self.y, "______________________________");
                }
            }
        }
        self.end();
        self.finish_page()
    }
}

/// One letter laid out: its encoded pages, the glyphs they use and its structure elements.
struct LaidOut {
    pages: Vec<Vec<u8>>,
    used: [Used; 3],
    elems: Vec<Elem>,
}

fn layout(letter: &Letter) -> Result<LaidOut> {
    let mut w = Writer::new();
    w.letter(letter)?;
    Ok(LaidOut { pages: w.pages, used: w.used, elems: w.elems })
}

/// A PDF text string (§7.9.2.2): PDFDocEncoding is ASCII here, anything else UTF-16BE with a BOM.
fn text_string(s: &str) -> Object {
    let bytes = if s.is_ascii() {
        s.as_bytes().to_vec()
    } else {
        [0xfe, 0xff].into_iter().chain(s.encode_utf16().flat_map(u16::to_be_bytes)).collect()
    };
    Object::String(bytes, lopdf::StringFormat::Literal)
}

/// The document's title: the letters' own when they share one (a postal batch), else each
/// title once, in order.
fn title(letters: &[Letter]) -> String {
    let mut titles: Vec<&str> = Vec::new();
    for l in letters {
        if !titles.contains(&l.title.as_str()) {
            titles.push(&l.title);
        }
    }
    titles.join("; ")
}

/// Puts the letters' pages (encoded content streams) into one tagged document: the subsets of
/// the fonts that hold the glyphs they use, the structure tree (a section per letter), the
/// language (Italian) and the title a viewer shows.
fn assemble(letters: Vec<LaidOut>, used: &[Used; 3], title: &str) -> Result<Vec<u8>> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let root_id = doc.new_object_id();
    let document_id = doc.new_object_id();
    let mut fonts = lopdf::Dictionary::new();
    for font in Font::ALL {
        fonts.set(font.resource(), font::embed(&mut doc, font, &used[font as usize])?);
    }
    let resources_id = doc.add_object(dictionary! { "Font" => fonts });
    let mut kids: Vec<Object> = Vec::new();
    let mut page_ids: Vec<lopdf::ObjectId> = Vec::new();
    // Per page, the element of each MCID (the parent tree, §14.7.4.4).
    let mut parents: Vec<Vec<Object>> = Vec::new();
    let mut sections: Vec<Object> = Vec::with_capacity(letters.len());
    for letter in letters {
        let first = page_ids.len();
        for (i, bytes) in letter.pages.into_iter().enumerate() {
            let content_id = doc.add_object(Stream::new(dictionary! {}, bytes));
            let page_id = doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "Contents" => content_id,
                "StructParents" => (first + i) as i64,
            });
            kids.push(page_id.into());
            page_ids.push(page_id);
            parents.push(Vec::new());
        }
        let section_id = doc.new_object_id();
        let mut elems: Vec<Object> = Vec::with_capacity(letter.elems.len());
        for elem in letter.elems {
            let elem_id = doc.new_object_id();
            let page = first + elem.parts[0].0;
            let one_page = elem.parts.iter().all(|&(p, _)| first + p == page);
            let k: Vec<Object> = elem
                .parts
                .iter()
                .map(|&(p, mcid)| {
                    if one_page {
                        mcid.into()
                    } else {
                        dictionary! { "Type" => "MCR", "Pg" => page_ids[first + p], "MCID" => mcid }.into()
                    }
                })
                .collect();
            for &(p, mcid) in &elem.parts {
                let on_page = &mut parents[first + p];
                if on_page.len() <= mcid as usize {
                    on_page.resize(mcid as usize + 1, Object::Null);
                }
                on_page[mcid as usize] = elem_id.into();
            }
            doc.objects.insert(
                elem_id,
                dictionary! { "Type" => "StructElem", "S" => elem.tag, "P" => section_id, "Pg" => page_ids[page], "K" => k }
                    .into(),
            );
            elems.push(elem_id.into());
        }
        doc.objects.insert(
            section_id,
            dictionary! { "Type" => "StructElem", "S" => "Sect", "P" => document_id, "K" => elems }.into(),
        );
        sections.push(section_id.into());
    }
    doc.objects.insert(
        document_id,
        dictionary! { "Type" => "StructElem", "S" => "Document", "P" => root_id, "K" => sections }.into(),
    );
    let count = parents.len() as i64;
    let mut nums: Vec<Object> = Vec::with_capacity(parents.len() * 2);
    for (i, on_page) in parents.into_iter().enumerate() {
        nums.push((i as i64).into());
        nums.push(on_page.into());
    }
    doc.objects.insert(
        root_id,
        dictionary! {
            "Type" => "StructTreeRoot",
            "K" => document_id,
            "ParentTree" => dictionary! { "Nums" => nums },
            "ParentTreeNextKey" => count,
        }
        .into(),
    );
    let tree = dictionary! {
        "Type" => "Pages",
        "Kids" => kids,
        "Count" => count,
        "Resources" => resources_id,
        "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
    };
    doc.objects.insert(pages_id, Object::Dictionary(tree));
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Lang" => text_string("it-IT"),
        "MarkInfo" => dictionary! { "Marked" => true },
        "StructTreeRoot" => root_id,
        "ViewerPreferences" => dictionary! { "DisplayDocTitle" => true },
    });
    doc.trailer.set("Root", catalog_id);
    let info_id = doc.add_object(dictionary! { "Title" => text_string(title), "Producer" => text_string("sportello") });
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| Error::Io { context: crate::msg!("io-write-pdf"), source: e })?;
    Ok(out)
}

/// One PDF with the letters one after the other, each starting on a new page. The letters are
/// laid out in parallel; the fonts are subset once for the whole document.
pub fn render(letters: &[Letter]) -> Result<Vec<u8>> {
    use rayon::prelude::*;
    let laid_out: Vec<LaidOut> = letters.par_iter().map(layout).collect::<Result<_>>()?;
    let mut used = Font::ALL.map(Used::new);
    for letter in &laid_out {
        for (all, one) in used.iter_mut().zip(&letter.used) {
            all.union(one);
        }
    }
    assemble(laid_out, &used, &title(letters))
}

/// The text of every page of a PDF, for tests and checks.
pub fn extract_text(pdf: &[u8]) -> Result<String> {
    let doc =
        Document::load_mem(pdf).map_err(|e| Error::Invalid(crate::msg!("pdf-unreadable", detail = e.to_string())))?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).map_err(|e| Error::Invalid(crate::msg!("pdf-text-failed", detail = e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of an envelope's address fits the window, each word whole where one can be:
    /// a line shrunk to fit stays one line, a word longer than the window is cut.
    #[test]
    fn an_address_fits_the_window() {
        let face = Font::Regular.face();
        for widest in [
            "VIA SAN GIUSEPPE BENEDETTO COTTOLENGO 14",
            "GIANFRANCO DELLA VALLE DI CASANOVA",
            "MARIA GRAZIA SANTAMARIA DELLE ROSE",
            "STRADA PROVINCIALE 589 DEI LAGHI DI AVIGLIANA KM 12,300",
        ] {
            let (size, lines) = window_lines(&[widest.to_string(), "10121 TORINO (TO)".into()]);
            assert!(lines.iter().all(|l| face.width(l, size) <= WINDOW_W), "{lines:?}");
            if size > ADDRESS_MIN_SIZE {
                assert_eq!(lines[0], widest, "shrunk to fit, not wrapped");
            }
        }
        let long = "LLANFAIRPWLLGWYNGYLLGOGERYCHWYRNDROBWLLLLANTYSILIOGOGOGOCHLLANFAIRPWLLGWYNGYLL";
        let (size, lines) = window_lines(&[long.to_string()]);
        assert!(lines.len() > 1 && lines.iter().all(|l| face.width(l, size) <= WINDOW_W), "{lines:?}");
        assert_eq!(lines.concat(), long);
    }
}
