//! QR code modules for a certificate's QR text, at error correction M.
//!
//! The `qrcode` crate chooses the mask by scoring all eight candidates with a slow penalty
//! routine (about 7 ms for a version-22 code: a boxed closure per module and position). This
//! module builds the same code with the crate's own encoder, error correction and drawing, and
//! scores the masks with the same penalty rules on a flat array, so it picks the very mask the
//! crate picks, and the modules are identical (tested), in a fraction of the time.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::{Color, QrError};
use qrcode::{EcLevel, Version};

/// The masks in the order the `qrcode` crate tries them; the first lowest score wins.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// A QR code: a square of modules, row by row, `true` for dark. No quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    version: i16,
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// The QR version (1 to 40).
    pub fn version(&self) -> i16 {
        self.version
    }

    /// Modules per side.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module in column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// All modules, row by row.
    pub fn modules(&self) -> &[bool] {
        &self.dark
    }
}

/// Encodes `text` (QR alphanumeric characters are packed in alphanumeric mode) at error
/// correction M, in the smallest version that holds it.
pub fn encode(text: &str) -> Result<QrMatrix, QrError> {
    let bits = qrcode::bits::encode_auto(text.as_bytes(), EcLevel::M)?;
    let version = bits.version();
    let Version::Normal(number) = version else {
        return Err(QrError::InvalidVersion);
    };
    let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).map_err(|_| QrError::InvalidVersion)?;

    let mut best: Option<(u16, Vec<bool>)> = None;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let dark: Vec<bool> = masked
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        let score = penalty(&dark, width);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, dark));
        }
    }
    let dark = best.map(|(_, dark)| dark).unwrap_or_default();
    Ok(QrMatrix {
        version: number,
        width,
        dark,
    })
}

/// The penalty score of a masked code, by the rules and arithmetic of `qrcode` 0.14 (ISO/IEC
/// 18004 N1 to N4, with its finder rule and its unrounded balance score).
fn penalty(dark: &[bool], w: usize) -> u16 {
    let at = |row: usize, col: usize| dark[row * w + col];
    let mut score: u16 = 0;
    // N1: runs of five or more of one colour in a row or column: length - 2 each.
    for horizontal in [true, false] {
        for i in 0..w {
            let mut run = 0u16;
            let mut last = None;
            for j in 0..w {
                let c = if horizontal { at(i, j) } else { at(j, i) };
                if Some(c) == last {
                    run += 1;
                } else {
                    if run >= 5 {
                        score = score.wrapping_add(run - 2);
                    }
                    last = Some(c);
                    run = 1;
                }
            }
            if run >= 5 {
                score = score.wrapping_add(run - 2);
            }
        }
    }
    // N2: 2x2 blocks of one colour (overlapping): 3 each.
    for y in 0..w - 1 {
        for x in 0..w - 1 {
            let c = at(y, x);
            if at(y, x + 1) == c && at(y + 1, x) == c && at(y + 1, x + 1) == c {
                score = score.wrapping_add(3);
            }
        }
    }
    // N3: dark-light-dark-dark-dark-light-dark with four light modules (or the edge) on at
    // least one side: 40 each, less the 9 matches the three finder patterns always make.
    const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
    for horizontal in [true, false] {
        let mut finder: u16 = 0;
        for i in 0..w {
            let get = |k: usize| if horizontal { at(i, k) } else { at(k, i) };
            for j in 0..w - 6 {
                if (0..7).any(|k| get(j + k) != PATTERN[k]) {
                    continue;
                }
                let before_dark = (j.saturating_sub(4)..j).any(get);
                let after_dark = (j + 7..(j + 11).min(w)).any(get);
                if !before_dark || !after_dark {
                    finder = finder.wrapping_add(40);
                }
            }
        }
        score = score.wrapping_add(finder.wrapping_sub(360));
    }
    // N4: balance of dark and light.
    let dark_count = dark.iter().filter(|&&d| d).count();
    let ratio = dark_count * 200 / dark.len();
    score.wrapping_add(ratio.abs_diff(100) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(text: &str) -> Vec<bool> {
        let code = qrcode::QrCode::with_error_correction_level(text, EcLevel::M).unwrap();
        code.to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect()
    }

    #[test]
    fn modules_are_identical_to_the_qrcode_crate_for_many_texts() {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut versions = std::collections::BTreeSet::new();
        for length in (1..1400).step_by(37) {
            let text: String = (0..length)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(ALPHABET[(seed % 45) as usize])
                })
                .collect();
            let ours = encode(&text).unwrap();
            versions.insert(ours.version());
            assert_eq!(ours.modules(), reference(&text), "length {length}");
            assert_eq!(ours.width(), 17 + 4 * ours.version() as usize);
        }
        assert!(versions.len() > 15, "covers many versions: {versions:?}");
    }
}
