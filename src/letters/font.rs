//! The typefaces of the letters, compiled into the binary: DejaVu Sans and DejaVu Sans Bold for
//! the text, DejaVu Sans Mono Bold for the codes (see data/fonts/README.md for their source and
//! licence). Each PDF embeds a subset of each font with the glyphs its pages use, as a
//! Type0/CIDFontType2 font with Identity-H encoding: the content streams carry the fonts' own
//! glyph ids as CIDs (two bytes each), a CIDToGIDMap maps them to the subset's glyph ids, the W
//! array gives the fonts' real advance widths and a ToUnicode CMap gives the text back to
//! copy-paste and extraction (`pdftotext`).

use std::fmt::Write as _;
use std::sync::OnceLock;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

const REGULAR: &[u8] = include_bytes!("../../data/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../data/fonts/DejaVuSans-Bold.ttf");
const MONO_BOLD: &[u8] = include_bytes!("../../data/fonts/DejaVuSansMono-Bold.ttf");

/// The three fonts of the letters, by their resource names in the PDFs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    /// `F1`: DejaVu Sans.
    Regular = 0,
    /// `F2`: DejaVu Sans Bold.
    Bold = 1,
    /// `F3`: DejaVu Sans Mono Bold, for the codes printed large.
    Mono = 2,
}

impl Font {
    pub const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Mono];

    pub fn resource(self) -> &'static str {
        ["F1", "F2", "F3"][self as usize]
    }

    pub fn face(self) -> &'static Face {
        &faces()[self as usize]
    }
}

/// What the letters need of a font, read once from its tables.
pub struct Face {
    /// PostScript name.
    name: &'static str,
    data: &'static [u8],
    units_per_em: f32,
    /// Glyph id of each code point of the Basic Multilingual Plane (0: none).
    bmp: Box<[u16]>,
    /// Glyph ids of the code points beyond it.
    astral: FxHashMap<u32, u16>,
    /// Advance width of each glyph, in font units.
    advances: Box<[u16]>,
    /// The code point each glyph prints (the lowest, when several map to it), for ToUnicode.
    unicode: Box<[u32]>,
    bbox: [f32; 4],
    ascent: f32,
    descent: f32,
    cap_height: f32,
    monospaced: bool,
    bold: bool,
}

static FACES: OnceLock<[Face; 3]> = OnceLock::new();

fn faces() -> &'static [Face; 3] {
    FACES.get_or_init(|| {
        [
            Face::load("DejaVuSans", REGULAR),
            Face::load("DejaVuSans-Bold", BOLD),
            Face::load("DejaVuSansMono-Bold", MONO_BOLD),
        ]
    })
}

impl Face {
    fn load(name: &'static str, data: &'static [u8]) -> Face {
        // The fonts are compiled in: a font that does not parse is a build defect.
        let face = ttf_parser::Face::parse(data, 0).expect("the letters' fonts are valid TrueType");
        let glyphs = face.number_of_glyphs() as usize;
        let mut bmp = vec![0u16; 0x10000].into_boxed_slice();
        let mut astral = FxHashMap::default();
        let mut unicode = vec![0u32; glyphs].into_boxed_slice();
        let cmap = face.tables().cmap.expect("the letters' fonts have a cmap");
        for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
            sub.codepoints(|cp| {
                let Some(gid) = sub.glyph_index(cp).map(|g| g.0).filter(|&g| g != 0 && (g as usize) < glyphs) else {
                    return;
                };
                if char::from_u32(cp).is_none_or(char::is_control) {
                    return;
                }
                if cp < 0x10000 {
                    bmp[cp as usize] = gid;
                } else {
                    astral.insert(cp, gid);
                }
                let u = &mut unicode[gid as usize];
                if *u == 0 || cp < *u {
                    *u = cp;
                }
            });
        }
        let advances = (0..glyphs as u16)
            .map(|g| face.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0))
            .collect::<Vec<_>>()
            .into_boxed_slice();
        let units_per_em = f32::from(face.units_per_em());
        let em = |v: f32| v * 1000.0 / units_per_em;
        let b = face.global_bounding_box();
        Face {
            name,
            data,
            units_per_em,
            bmp,
            astral,
            advances,
            unicode,
            bbox: [em(b.x_min.into()), em(b.y_min.into()), em(b.x_max.into()), em(b.y_max.into())],
            ascent: em(face.ascender().into()),
            descent: em(face.descender().into()),
            cap_height: em(face.capital_height().unwrap_or(face.ascender()).into()),
            monospaced: face.is_monospaced(),
            bold: face.is_bold(),
        }
    }

    /// The glyph id of a character, 0 (`.notdef`) when the font has none.
    #[inline]
    pub fn glyph(&self, c: char) -> u16 {
        let cp = c as u32;
        if cp < 0x10000 { self.bmp[cp as usize] } else { self.astral.get(&cp).copied().unwrap_or(0) }
    }

    pub fn glyph_count(&self) -> usize {
        self.advances.len()
    }

    /// Advance width of a glyph, in thousandths of the font size.
    #[inline]
    pub fn advance(&self, gid: u16) -> f32 {
        f32::from(self.advances[gid as usize]) * 1000.0 / self.units_per_em
    }

    /// Width of a text at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.advances[self.glyph(c) as usize])).sum();
        units as f32 * size / self.units_per_em
    }
}

/// Builds the faces now, so that [`unprintable`] looks characters up in them: for a process that
/// checks many texts (a registry import), where each lookup in a font as it is would parse it.
pub fn load_faces() {
    faces();
}

/// The first character of `text` that the letters cannot print: one the text fonts (regular
/// and bold, as names print in both) lack, or a control character. The check for every text
/// that goes into a letter, at input.
pub fn unprintable(text: &str) -> Option<char> {
    // Printable ASCII is in both fonts: most text needs no lookup.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    let printable: &dyn Fn(char) -> bool = match FACES.get() {
        Some([regular, bold, _]) => &|c| regular.glyph(c) != 0 && bold.glyph(c) != 0,
        // A process that prints no letter (a search, the settings checked at every desk
        // command) asks about a few characters: looked up in the fonts' cmaps as they are, not
        // by building the faces' tables (three fonts parsed whole, a few milliseconds).
        None => &|c| has_glyph(REGULAR, c) && has_glyph(BOLD, c),
    };
    text.chars().find(|&c| !(0x20..0x7f).contains(&(c as u32)) && (shaped(c) || !printable(c)))
}

/// A character of a script written right to left or whose letters join (Hebrew, Arabic,
/// Syriac, Thaana, N'Ko, the Indic scripts): the fonts have some of their glyphs, but the
/// letters lay text out left to right, glyph by glyph, so a name in one would print unjoined
/// or reversed.
fn shaped(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08FF}' | '\u{0900}'..='\u{0DFF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFE}')
}

/// Has the font a glyph for `c`, as [`Face::glyph`] would say (control characters never).
fn has_glyph(data: &[u8], c: char) -> bool {
    if c.is_control() {
        return false;
    }
    let Ok(face) = ttf_parser::Face::parse(data, 0) else { return false };
    let glyphs = face.number_of_glyphs();
    let Some(cmap) = face.tables().cmap else { return false };
    // The last unicode subtable that maps it wins, as in Face::load.
    let mut found = 0;
    for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
        if let Some(g) = sub.glyph_index(c as u32).map(|g| g.0).filter(|&g| g != 0 && g < glyphs) {
            found = g;
        }
    }
    found != 0
}

/// Why a character is refused: "the letters cannot print 'X' (U+XXXX)".
pub fn cannot_print(c: char) -> crate::i18n::Message {
    let code = format!("U+{:04X}", c as u32);
    if c.is_control() {
        crate::msg!("cannot-print-control", code = code)
    } else {
        crate::msg!("cannot-print-char", char = c, code = code)
    }
}

/// The glyphs of a font used by some pages, as a bit set over its glyph ids.
#[derive(Clone)]
pub struct Used(Vec<u64>);

impl Used {
    pub fn new(font: Font) -> Used {
        Used(vec![0; font.face().glyph_count().div_ceil(64)])
    }

    #[inline]
    pub fn insert(&mut self, gid: u16) {
        self.0[gid as usize / 64] |= 1 << (gid % 64);
    }

    pub fn union(&mut self, other: &Used) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }

    fn glyphs(&self) -> impl Iterator<Item = u16> + '_ {
        self.0
            .iter()
            .enumerate()
            .flat_map(|(i, &word)| (0..64).filter(move |b| word & (1 << b) != 0).map(move |b| (i * 64 + b) as u16))
    }
}

/// Writes the text of `text` as CIDs (the font's glyph ids, two bytes big-endian) in a PDF
/// literal string, `(...)`, and marks the glyphs used. A character the font lacks prints as
/// `.notdef` (a box), never as nothing; input is checked with [`unprintable`] before it is
/// stored.
pub fn encode(font: Font, text: &str, used: &mut Used, out: &mut Vec<u8>) {
    let face = font.face();
    out.push(b'(');
    for c in text.chars() {
        let gid = face.glyph(c);
        used.insert(gid);
        for byte in gid.to_be_bytes() {
            match byte {
                b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.push(byte),
            }
        }
    }
    out.push(b')');
}

/// A six-letter subset tag (PDF 32000-1 §9.6.4) that tells apart different subsets of a font.
fn subset_tag(glyphs: &[u16]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in glyphs {
        for b in g.to_be_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6).map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char).collect()
}

fn compressed(dict: Dictionary, bytes: Vec<u8>) -> Result<Stream> {
    let mut stream = Stream::new(dict, bytes);
    stream.compress().map_err(|e| Error::Invalid(crate::msg!("pdf-compress-failed", detail = e.to_string())))?;
    Ok(stream)
}

/// The ToUnicode CMap of the glyphs used.
fn to_unicode(face: &Face, glyphs: &[u16]) -> Vec<u8> {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in glyphs.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for &g in chunk {
            let c = char::from_u32(face.unicode[g as usize]).filter(|_| g != 0).unwrap_or('\u{FFFD}');
            let _ = write!(s, "<{g:04X}> <");
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(s, "{unit:04X}");
            }
            s.push_str(">\n");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s.into_bytes()
}

/// The W array: the advance width of every glyph used, in runs of consecutive CIDs.
fn widths(face: &Face, glyphs: &[u16]) -> Vec<Object> {
    let mut w = Vec::new();
    let mut i = 0;
    while i < glyphs.len() {
        let start = glyphs[i];
        let mut run = Vec::new();
        while i < glyphs.len() && glyphs[i] == start + run.len() as u16 {
            run.push(Object::Integer(face.advance(glyphs[i]).round() as i64));
            i += 1;
        }
        w.push(Object::Integer(i64::from(start)));
        w.push(Object::Array(run));
    }
    w
}

/// Adds to `doc` the subset of `font` with the glyphs `used`, as a Type0 font; returns its id.
pub fn embed(doc: &mut Document, font: Font, used: &Used) -> Result<ObjectId> {
    let face = font.face();
    let mut glyphs: Vec<u16> = used.glyphs().collect();
    if glyphs.is_empty() {
        glyphs.push(0);
    }
    let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&glyphs);
    let subset = subsetter::subset(face.data, 0, &remapper)
        .map_err(|e| Error::Invalid(crate::msg!("font-subset-failed", font = face.name, detail = e.to_string())))?;
    let name = format!("{}+{}", subset_tag(&glyphs), face.name);

    let length1 = subset.len() as i64;
    let file = doc.add_object(compressed(dictionary! { "Length1" => length1 }, subset)?);
    let mut flags = 32; // nonsymbolic
    if face.monospaced {
        flags |= 1;
    }
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => Object::Name(name.clone().into_bytes()),
        "Flags" => flags,
        "FontBBox" => face.bbox.iter().map(|&v| Object::Integer(v.round() as i64)).collect::<Vec<_>>(),
        "ItalicAngle" => 0,
        "Ascent" => face.ascent.round() as i64,
        "Descent" => face.descent.round() as i64,
        "CapHeight" => face.cap_height.round() as i64,
        "StemV" => if face.bold { 140 } else { 80 },
        "FontFile2" => file,
    });
    let max = *glyphs.last().expect("not empty") as usize;
    let mut map = vec![0u8; 2 * (max + 1)];
    for &g in &glyphs {
        let new = remapper.get(g).unwrap_or(0);
        map[2 * g as usize..2 * g as usize + 2].copy_from_slice(&new.to_be_bytes());
    }
    let cid_to_gid = doc.add_object(compressed(dictionary! {}, map)?);
    let descendant = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => Object::Name(name.clone().into_bytes()),
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "DW" => 1000,
        "W" => widths(face, &glyphs),
        "CIDToGIDMap" => cid_to_gid,
    });
    let to_unicode = doc.add_object(compressed(dictionary! {}, to_unicode(face, &glyphs))?);
    Ok(doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => Object::Name(name.into_bytes()),
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(descendant)],
        "ToUnicode" => to_unicode,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scripts the letters would print unjoined or reversed are refused, though the fonts hold
    /// some of their glyphs.
    #[test]
    fn right_to_left_and_joined_scripts_are_not_printable() {
        assert_eq!(unprintable("محمد"), Some('م'));
        assert_eq!(unprintable("דוד"), Some('ד'));
        assert_eq!(unprintable("Łukasz Ștefănescu Αικατερίνη Ольга"), None);
    }

    #[test]
    fn the_cmap_lookup_says_what_the_faces_say() {
        let (regular, bold) = (Font::Regular.face(), Font::Bold.face());
        let mut printable = 0;
        for cp in (0..0x3000).chain(0x1_0000..0x1_0400).chain(0x1_F300..0x1_F700) {
            let Some(c) = char::from_u32(cp) else { continue };
            for (face, data) in [(regular, REGULAR), (bold, BOLD)] {
                assert_eq!(has_glyph(data, c), face.glyph(c) != 0, "U+{cp:04X}");
            }
            printable += usize::from(has_glyph(REGULAR, c));
        }
        assert!(printable > 2000, "{printable}");
    }

    #[test]
    fn names_of_the_registry_are_printable_and_others_are_named() {
        for name in [
            "Ștefănescu Łukasz",
            "Nicolò D'Amico",
            "Sant’Agostino",
            "ÀÈÉÌÒÙ àèéìòù",
            "Žąčęėįšųū Ő ű ß",
            "«»€",
            "Αλέξανδρος Иванов",
        ] {
            assert_eq!(unprintable(name), None, "{name}");
        }
        assert_eq!(unprintable("Rossi 李"), Some('李'));
        assert_eq!(unprintable("Rossi 🦀"), Some('🦀'));
        assert_eq!(unprintable("Rossi 😀"), None, "DejaVu Sans has the emoticons");
        assert_eq!(unprintable("Ros\u{7}si"), Some('\u{7}'));
        assert_eq!(cannot_print('李').english(), "the letters cannot print '李' (U+674E)");
        assert_eq!(cannot_print('\u{7}').english(), "the letters cannot print the control character U+0007");
    }

    #[test]
    fn comma_below_and_cedilla_are_different_glyphs() {
        let f = Font::Regular.face();
        assert_ne!(f.glyph('Ș'), f.glyph('Ş'));
        assert_ne!(f.glyph('Ș'), 0);
        assert_eq!(f.unicode[f.glyph('Ș') as usize], 'Ș' as u32);
        assert_eq!(f.unicode[f.glyph('Ł') as usize], 'Ł' as u32);
    }

    #[test]
    fn widths_are_the_fonts_own() {
        let f = Font::Regular.face();
        // DejaVu Sans: 'i' is narrow, 'M' wide, digits all alike.
        assert!(f.width("iiii", 10.0) < f.width("MMMM", 10.0) / 2.0);
        assert_eq!(f.width("0", 10.0), f.width("8", 10.0));
        assert!((f.advance(f.glyph(' ')) - 318.0).abs() < 1.0, "{}", f.advance(f.glyph(' ')));
    }
}
