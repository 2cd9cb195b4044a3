//! The caps every decoder applies before it allocates. They are far above any real certificate
//! (which must fit a QR code) and far below anything that could exhaust a phone's memory.

/// Longest `.jws` compact text accepted, in bytes.
pub const MAX_COMPACT_LEN: usize = 96 * 1024;
/// Longest QR text accepted, in characters: above the 22,901 that the most QR codes a
/// certificate is printed as hold together ([`crate::parts::MAX_WHOLE_CHARACTERS`]).
pub const MAX_QR_TEXT_LEN: usize = 24 * 1024;
/// Most bytes the QR envelope may inflate to.
pub const MAX_INFLATED_LEN: usize = 64 * 1024;
/// Longest protected header accepted, in bytes (after base64url decoding).
pub const MAX_HEADER_LEN: usize = 1024;
/// Longest payload accepted, in bytes (after decoding).
pub const MAX_PAYLOAD_LEN: usize = 60 * 1024;
/// Largest input (file or standard input) a verifier should read at all.
pub const MAX_INPUT_LEN: usize = 128 * 1024;
/// Largest PDF read, in bytes: a certificate PDF is about 40 KB.
pub const MAX_PDF_LEN: usize = 4 * 1024 * 1024;
/// Largest image file read, in bytes (also the most a verifier reads before it knows the
/// carrier).
pub const MAX_IMAGE_LEN: usize = 20 * 1024 * 1024;

/// Whether `bytes` look like a PDF (`%PDF-` at the start).
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// Whether `bytes` start like a PNG or JPEG file.
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}
