//! The caps every decoder applies before it allocates. They are far above any real certificate
//! (which must fit a QR code) and far below anything that could exhaust a phone's memory.

/// Longest `.jws` compact text accepted, in bytes.
pub const MAX_COMPACT_LEN: usize = 96 * 1024;
/// Longest QR text accepted, in characters (a version 40 QR code holds 4,296).
pub const MAX_QR_TEXT_LEN: usize = 8 * 1024;
/// Most bytes the QR envelope may inflate to.
pub const MAX_INFLATED_LEN: usize = 64 * 1024;
/// Longest protected header accepted, in bytes (after base64url decoding).
pub const MAX_HEADER_LEN: usize = 1024;
/// Longest payload accepted, in bytes (after decoding).
pub const MAX_PAYLOAD_LEN: usize = 60 * 1024;
/// Largest input (file or standard input) a verifier should read at all.
pub const MAX_INPUT_LEN: usize = 128 * 1024;
