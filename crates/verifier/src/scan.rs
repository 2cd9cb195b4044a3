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
        }
    }
}

impl std::error::Error for ScanError {}

/// The text of the QR code in a PNG or JPEG image.
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

/// The text of the QR code in a grey image, `width` by `height`, one byte a pixel, row by row.
pub fn qr_text_in_luma(luma: Vec<u8>, width: u32, height: u32) -> Result<String, ScanError> {
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
        .map(|r| r.getText().to_string())
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
    qr_text_in_luma(luma, side, side).map_err(|_| ScanError::NoQrCode)
}
