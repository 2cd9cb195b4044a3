//! The font: DejaVu Sans, embedded as a subset of the glyphs a certificate uses, with the
//! widths and Unicode map the layout and the PDF syntax need.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) const REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

pub(super) const REGULAR_NAME: &str = "DejaVuSans";

/// Glyph and advance of every character below U+0250 (Latin, Latin-1, Latin Extended-A and -B)
/// in the regular font, looked up once per process.
pub(super) static LATIN_GLYPHS: LazyLock<Vec<Option<(u16, u16)>>> = LazyLock::new(|| {
    let Ok(face) = ttf_parser::Face::parse(REGULAR, 0) else {
        return Vec::new();
    };
    (0..0x250u32)
        .map(|code| {
            char::from_u32(code)
                .and_then(|c| face.glyph_index(c))
                .map(|g| (g.0, face.glyph_hor_advance(g).unwrap_or(0)))
        })
        .collect()
});

/// One embedded font: its glyphs in use, renumbered for the subset.
pub(super) struct Font {
    pub(super) face: ttf_parser::Face<'static>,
    pub(super) data: &'static [u8],
    pub(super) name: &'static str,
    pub(super) remapper: subsetter::GlyphRemapper,
    /// Subset glyph id to the character it shows (for the ToUnicode map).
    pub(super) characters: Characters,
    /// Glyph and advance of the characters below U+0250, if known for this font.
    pub(super) latin: &'static [Option<(u16, u16)>],
    /// The subset glyph id of each character below U+0250 already encoded (0: not yet), so that
    /// a character met again costs an array read, not a remap and a map insert.
    pub(super) encoded: Vec<u16>,
}

/// The characters every subset of the regular font holds, in this order, whatever the
/// certificate says: the letters, digits and punctuation of nearly every certificate's text
/// (not all of printable ASCII: with its rarer symbols too, the largest example PDF was 3 KB larger).
/// Their glyphs get the same subset ids in every PDF, so two certificates whose other
/// characters are the same (most: names in plain Latin letters) have the same subset, which is
/// made and compressed once ([`embedded_font`]).
const SEEDED: &str = " \"'(),-./0123456789:;ABCDEFGHIJKLMNOPQRSTUVWXYZ`abcdefghijklmnopqrstuvwxyz";

/// The embedded fonts made so far in this process, by the character each subset glyph shows
/// ([`Font::characters`]); cleared when it holds [`MAX_CACHED_SUBSETS`]. That map is the whole
/// key: the regular font is the only one embedded, and each subset glyph is its character's
/// glyph, so the map also fixes the glyphs and their order. Deterministic: what is written
/// depends only on the key.
static SUBSETS: LazyLock<std::sync::Mutex<HashMap<Characters, Arc<EmbeddedFont>>>> =
    LazyLock::new(Default::default);

/// Subset glyph id to the character it shows.
pub(super) type Characters = BTreeMap<u16, char>;

/// Everything of a font's objects that depends on its glyphs, made once per glyph set: the font
/// program and the ToUnicode map (both zlib-compressed), the name with its subset tag and the
/// widths array.
pub(super) struct EmbeddedFont {
    /// The font program, compressed.
    pub(super) program: Vec<u8>,
    /// The font program's length before compression.
    pub(super) program_length: usize,
    /// The ToUnicode CMap, compressed.
    pub(super) to_unicode: Vec<u8>,
    /// The PostScript name with its subset tag (`ABCDEF+DejaVuSans`).
    pub(super) base_name: String,
    /// The advances of the subset's glyphs, in order, for the /W array.
    pub(super) widths: String,
}

/// Most embedded fonts kept: each is 14-16 KB, so at most 16 MB. (5,000 of `bench batch`'s
/// requests, with names in several European scripts, need 341 glyph sets; with 256 kept, the
/// cache was emptied part-way through and the common sets made again.)
const MAX_CACHED_SUBSETS: usize = 1024;

/// `font`'s objects' glyph-dependent parts ([`EmbeddedFont`]): from [`SUBSETS`] if made
/// before, else made and kept.
pub(super) fn embedded_font(font: &Font) -> Result<Arc<EmbeddedFont>, RenderError> {
    if let Ok(cache) = SUBSETS.lock()
        && let Some(hit) = cache.get(&font.characters)
    {
        return Ok(Arc::clone(hit));
    }
    let made = Arc::new(font.embedded()?);
    if let Ok(mut cache) = SUBSETS.lock() {
        if cache.len() >= MAX_CACHED_SUBSETS {
            cache.clear();
        }
        cache.insert(font.characters.clone(), Arc::clone(&made));
    }
    Ok(made)
}

impl Font {
    /// Makes this font's subset, ToUnicode map, tagged name and widths.
    fn embedded(&self) -> Result<EmbeddedFont, RenderError> {
        let program = subsetter::subset(self.data, 0, &self.remapper)
            .map_err(|e| RenderError::Font(format!("{e:?}")))?;
        let compressed = zlib(&program, Effort::Reused)
            .ok_or_else(|| RenderError::Font("the font subset could not be compressed".into()))?;
        // The subset tag: six capitals from a hash of the glyphs, as PDF 32000 9.6.4 asks.
        let digest = Sha256::digest(format!("{}{:?}", self.name, self.characters).as_bytes());
        let tag: String = digest
            .iter()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let mut widths = String::new();
        for new in 0..self.remapper.num_gids() {
            let c = self.characters.get(&new).copied().unwrap_or('\0');
            let _ = write!(
                widths,
                "{:.0} ",
                if new == 0 { 0.0 } else { self.advance(c) }
            );
        }
        let to_unicode = zlib(self.to_unicode_cmap().as_bytes(), Effort::Reused)
            .ok_or_else(|| RenderError::Font("the ToUnicode map could not be compressed".into()))?;
        Ok(EmbeddedFont {
            program: compressed,
            program_length: program.len(),
            to_unicode,
            base_name: format!("{tag}+{}", self.name),
            widths: widths.trim_end().to_string(),
        })
    }

    /// The ToUnicode CMap: each subset glyph to the character it shows.
    fn to_unicode_cmap(&self) -> String {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << \
             /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS \
             def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self
            .characters
            .iter()
            .filter(|(gid, _)| **gid != 0)
            .collect();
        for chunk in entries.chunks(100) {
            let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
            for (gid, c) in chunk {
                let mut unicode = String::new();
                for unit in c.encode_utf16(&mut [0; 2]) {
                    let _ = write!(unicode, "{unit:04X}");
                }
                let _ = writeln!(cmap, "<{gid:04X}> <{unicode}>");
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        cmap
    }

    pub(super) fn load(data: &'static [u8], name: &'static str) -> Result<Self, RenderError> {
        let mut font = Self::unseeded(data, name)?;
        if name == REGULAR_NAME {
            for c in SEEDED.chars() {
                if font.covers(c) {
                    font.encode(c.encode_utf8(&mut [0; 4]));
                }
            }
        }
        Ok(font)
    }

    fn unseeded(data: &'static [u8], name: &'static str) -> Result<Self, RenderError> {
        let face =
            ttf_parser::Face::parse(data, 0).map_err(|e| RenderError::Font(e.to_string()))?;
        Ok(Self {
            face,
            data,
            name,
            remapper: subsetter::GlyphRemapper::new(),
            characters: BTreeMap::new(),
            encoded: vec![0; 0x250],
            latin: if name == REGULAR_NAME {
                LATIN_GLYPHS.as_slice()
            } else {
                &[]
            },
        })
    }

    pub(super) fn covers(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// The glyph of `c` and its advance in font units: from a table made once for the Latin
    /// characters (most of every certificate's text, looked up several times each while laying
    /// it out), else from the font's character map.
    pub(super) fn glyph(&self, c: char) -> Option<(u16, u16)> {
        match self.latin.get(c as usize) {
            Some(known) => *known,
            None => self
                .face
                .glyph_index(c)
                .map(|g| (g.0, self.face.glyph_hor_advance(g).unwrap_or(0))),
        }
    }

    /// Advance of `c` in thousandths of the font size.
    pub(super) fn advance(&self, c: char) -> f32 {
        let advance = match self.glyph(c) {
            Some((_, advance)) => advance,
            None => self
                .face
                .glyph_hor_advance(ttf_parser::GlyphId(0))
                .unwrap_or(0),
        };
        f32::from(advance) * 1000.0 / f32::from(self.face.units_per_em())
    }

    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size / 1000.0
    }

    /// The subset glyph id of `c`, recording the glyph as used.
    fn glyph_id(&mut self, c: char) -> u16 {
        if let Some(&new) = self.encoded.get(c as usize)
            && new != 0
        {
            return new;
        }
        let glyph = self.glyph(c).map_or(0, |(g, _)| g);
        let new = self.remapper.remap(glyph);
        self.characters.entry(new).or_insert(c);
        if let Some(slot) = self.encoded.get_mut(c as usize) {
            *slot = new;
        }
        new
    }

    /// The text as a PDF string of the subset's glyph ids, two bytes each as Identity-H reads
    /// them, recording every glyph used. When every id is below 128 (nearly always: the seeded
    /// characters come first), a literal string, half the bytes of hex for the compressor to
    /// read; else a hex string.
    pub(super) fn encode(&mut self, text: &str) -> String {
        let mut literal = String::with_capacity(text.len() * 2 + 2);
        literal.push('(');
        for c in text.chars() {
            let id = self.glyph_id(c);
            let Ok(low @ 0..0x80) = u8::try_from(id) else {
                return self.encode_hex(text);
            };
            literal.push('\0');
            match low {
                b'(' | b')' | b'\\' => {
                    literal.push('\\');
                    literal.push(char::from(low));
                }
                // An end of line in a literal string would be read as a newline, whatever it was.
                b'\n' => literal.push_str("\\n"),
                b'\r' => literal.push_str("\\r"),
                _ => literal.push(char::from(low)),
            }
        }
        literal.push(')');
        literal
    }

    /// `text` as a hex string of glyph ids (for text with an id past 127).
    fn encode_hex(&mut self, text: &str) -> String {
        let mut hex = String::with_capacity(text.len() * 4 + 2);
        hex.push('<');
        for c in text.chars() {
            let id = self.glyph_id(c);
            push_hex4(&mut hex, id);
        }
        hex.push('>');
        hex
    }
}

/// Text styles: which font to measure with, and whether to embolden.
pub(super) const REGULAR_FONT: usize = 0;

pub(super) const BOLD_FONT: usize = 1;
