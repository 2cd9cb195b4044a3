//! The QR code in a photo, scan or camera frame of a certificate (feature `qr`): a grey image is
//! searched with rxing's QR reader, which copes with small modules, slight rotation, blur, noise
//! and uneven light. With feature `image`, PNG and JPEG files are decoded first, with size
//! limits.

use std::fmt;

pub use crate::limits::MAX_IMAGE_LEN;
/// Largest image side, in pixels (an A4 page at 600 dpi is 4961 x 7016).
pub const MAX_IMAGE_SIDE: u32 = 8000;
/// Most memory the image decoder may allocate.
#[cfg(feature = "image")]
const MAX_IMAGE_ALLOC: u64 = MAX_IMAGE_ALLOC_MB * 1024 * 1024;
/// [`MAX_IMAGE_ALLOC`] in megabytes.
const MAX_IMAGE_ALLOC_MB: u64 = 256;

/// Why no QR text came out of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// The file is larger than any photo of a certificate needs to be.
    TooLarge,
    /// The image could not be decoded.
    Unreadable(String),
    /// The image has more pixels than the limits allow ([`MAX_IMAGE_SIDE`] a side).
    TooManyPixels,
    /// No QR code was found, or it could not be read.
    NoQrCode,
    /// The certificate is printed as several QR codes and not all of them were read, or they
    /// do not join.
    Parts(crate::parts::PartsError),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "image larger than {MAX_IMAGE_LEN} bytes"),
            Self::Unreadable(e) => write!(f, "not a readable PNG or JPEG image ({e})"),
            Self::TooManyPixels => write!(
                f,
                "image larger than {MAX_IMAGE_SIDE} pixels a side (or {MAX_IMAGE_ALLOC_MB} MB \
                 decoded); a photo or scan of a certificate needs far fewer"
            ),
            Self::NoQrCode => f.write_str(
                "no readable QR code in this image: photograph the whole code, flat, in even \
                 light and in focus, or scan the page at 150 dpi or more",
            ),
            Self::Parts(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ScanError {}

/// The QR text of the certificate in a PNG or JPEG image: of its one QR code, or its QR codes'
/// parts joined ([`crate::parts`]).
#[cfg(feature = "image")]
pub fn qr_text_in_image(bytes: &[u8]) -> Result<String, ScanError> {
    if bytes.len() > MAX_IMAGE_LEN {
        return Err(ScanError::TooLarge);
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ScanError::Unreadable(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    reader.limits(limits);
    let luma = reader
        .decode()
        .map_err(|e| match e {
            image::ImageError::Limits(_) => ScanError::TooManyPixels,
            e => ScanError::Unreadable(e.to_string()),
        })?
        .to_luma8();
    let (width, height) = luma.dimensions();
    qr_text_in_luma(luma.into_raw(), width, height)
}

/// The QR text of the certificate in a grey image, `width` by `height`, one byte a pixel, row
/// by row: the text of its one QR code, or its QR codes' parts joined.
pub fn qr_text_in_luma(luma: Vec<u8>, width: u32, height: u32) -> Result<String, ScanError> {
    let texts = qr_texts_in_luma(luma, width, height)?;
    match texts.first() {
        Some(first) if crate::parts::is_parts(first) => {
            crate::parts::join(&texts).map_err(ScanError::Parts)
        }
        Some(first) => Ok(first.clone()),
        None => Err(ScanError::NoQrCode),
    }
}

/// The texts of the QR codes in a grey image (as [`qr_text_in_luma`]), as read: one text, or as
/// many parts of a certificate as were found (a camera may see only some of them in one frame;
/// [`crate::parts::join`] puts them together).
pub fn qr_texts_in_luma(
    mut luma: Vec<u8>,
    width: u32,
    height: u32,
) -> Result<Vec<String>, ScanError> {
    let mut texts: Vec<String> = Vec::new();
    // Each code found is painted over and the image read again, until no code is left or every
    // part of the certificate has been found.
    for _ in 0..=crate::parts::MAX_PARTS {
        let Ok((text, points)) = one_qr_code(luma.clone(), width, height) else {
            break;
        };
        let part = crate::parts::Part::parse(&text);
        if !texts.contains(&text) {
            texts.push(text);
        }
        let Some(part) = part else { break };
        let found = texts.iter().filter(|t| crate::parts::is_parts(t)).count();
        if found >= part.of || !paint_over(&mut luma, width, height, &points) {
            break;
        }
    }
    if texts.is_empty() {
        Err(ScanError::NoQrCode)
    } else {
        Ok(texts)
    }
}

/// Paints white the square around a code's finder-pattern centres, with a margin for its outer
/// modules and quiet zone; false if there were no points to go by.
fn paint_over(luma: &mut [u8], width: u32, height: u32, points: &[(f32, f32)]) -> bool {
    if points.len() < 3 {
        return false;
    }
    let (mut left, mut top, mut right, mut bottom) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(x, y) in points {
        left = left.min(x);
        right = right.max(x);
        top = top.min(y);
        bottom = bottom.max(y);
    }
    // The centres are 3.5 modules inside the code; a code of parts is version 10 or more (at
    // least 57 modules), so 15% of the span covers its edge and most of its quiet zone.
    let margin = 0.15 * (right - left).max(bottom - top) + 4.0;
    let clamp = |v: f32, max: u32| (v.max(0.0) as usize).min(max as usize);
    let (x0, x1) = (clamp(left - margin, width), clamp(right + margin, width));
    let (y0, y1) = (clamp(top - margin, height), clamp(bottom + margin, height));
    let row = width as usize;
    for y in y0..y1 {
        luma[y * row + x0..y * row + x1].fill(255);
    }
    true
}

/// Reads one QR code: its text and the centres of its finder patterns.
fn one_qr_code(
    luma: Vec<u8>,
    width: u32,
    height: u32,
) -> Result<(String, Vec<(f32, f32)>), ScanError> {
    if width > MAX_IMAGE_SIDE
        || height > MAX_IMAGE_SIDE
        || luma.len() as u64 != u64::from(width) * u64::from(height)
    {
        return Err(ScanError::Unreadable(format!(
            "{width} x {height} pixels, {} bytes",
            luma.len()
        )));
    }
    rxing::helpers::detect_in_luma(luma, width, height, Some(rxing::BarcodeFormat::QR_CODE))
        .map(|r| {
            let points = r.getPoints().iter().map(|p| (p.x, p.y)).collect();
            (r.getText().to_string(), points)
        })
        .map_err(|_| ScanError::NoQrCode)
}

/// The text of a QR code given as its modules (`width` by `width`, row by row, `true` dark):
/// drawn at 4 pixels a module with a 4-module quiet zone and read like any image.
pub fn qr_text_in_modules(width: usize, dark: &[bool]) -> Result<String, ScanError> {
    const SCALE: usize = 4;
    const QUIET: usize = 4;
    if dark.len() != width * width || width > 177 {
        return Err(ScanError::NoQrCode);
    }
    let side = (width + 2 * QUIET) * SCALE;
    let mut luma = vec![255u8; side * side];
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (row, column) = (i / width + QUIET, i % width + QUIET);
        for y in row * SCALE..(row + 1) * SCALE {
            luma[y * side + column * SCALE..y * side + (column + 1) * SCALE].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|_| ScanError::NoQrCode)?;
    one_qr_code(luma, side, side)
        .map(|(text, _)| text)
        .map_err(|_| ScanError::NoQrCode)
}
