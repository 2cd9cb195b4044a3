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
    pub(super) characters: BTreeMap<u16, char>,
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
/// made and compressed once ([`compressed_subset`]).
const SEEDED: &str = " \"'(),-./0123456789:;ABCDEFGHIJKLMNOPQRSTUVWXYZ`abcdefghijklmnopqrstuvwxyz";

/// The compressed subsets made so far in this process, by their glyphs in subset order; cleared
/// when it holds [`MAX_CACHED_SUBSETS`]. Deterministic: a subset's bytes depend only on its
/// glyphs and their order, which is the key.
static SUBSETS: LazyLock<std::sync::Mutex<HashMap<subsetter::GlyphRemapper, Arc<Subset>>>> =
    LazyLock::new(Default::default);

/// A font program, zlib-compressed, and its length before compression.
pub(super) type Subset = (Vec<u8>, usize);

/// Most compressed subsets kept (each 10-20 KB).
const MAX_CACHED_SUBSETS: usize = 256;

/// The font program of `font`'s subset, zlib-compressed, and its length before compression:
/// from [`SUBSETS`] if made before, else made, compressed and kept.
pub(super) fn compressed_subset(font: &Font) -> Result<Arc<Subset>, RenderError> {
    if let Ok(cache) = SUBSETS.lock()
        && let Some(hit) = cache.get(&font.remapper)
    {
        return Ok(Arc::clone(hit));
    }
    let subset = subsetter::subset(font.data, 0, &font.remapper)
        .map_err(|e| RenderError::Font(format!("{e:?}")))?;
    let compressed = zlib(&subset)
        .ok_or_else(|| RenderError::Font("the font subset could not be compressed".into()))?;
    let made = Arc::new((compressed, subset.len()));
    if let Ok(mut cache) = SUBSETS.lock() {
        if cache.len() >= MAX_CACHED_SUBSETS {
            cache.clear();
        }
        cache.insert(font.remapper.clone(), Arc::clone(&made));
    }
    Ok(made)
}

impl Font {
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

    /// The text as hex glyph ids of the subset, recording every glyph used.
    pub(super) fn encode(&mut self, text: &str) -> String {
        let mut hex = String::with_capacity(text.len() * 4);
        for c in text.chars() {
            let cached = self.encoded.get(c as usize).copied().filter(|&g| g != 0);
            let new = match cached {
                Some(new) => new,
                None => {
                    let glyph = self.glyph(c).map_or(0, |(g, _)| g);
                    let new = self.remapper.remap(glyph);
                    self.characters.entry(new).or_insert(c);
                    if let Some(slot) = self.encoded.get_mut(c as usize) {
                        *slot = new;
                    }
                    new
                }
            };
            push_hex4(&mut hex, new);
        }
        hex
    }
}

/// Text styles: which font to measure with, and whether to embolden.
pub(super) const REGULAR_FONT: usize = 0;

pub(super) const BOLD_FONT: usize = 1;
