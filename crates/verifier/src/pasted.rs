//! Text as a person pastes it, read without changing real data.
//!
//! QR text travels through e-mail, chat and word processors, which add line breaks (wrapping at
//! 76 columns, a CRLF at the end) and white space around it. Base45 includes the space
//! character, so a space inside the text may be data; line breaks and tabs never are. So:
//!
//! - white space (and a byte-order mark) before the text is dropped;
//! - line breaks are dropped anywhere (a wrapped text is joined);
//! - spaces and tabs at the very end are dropped only if the text does not decode with them,
//!   one at a time (the CRC-32 inside decides; at most [`MAX_TRAILING_SPACE`]), never a space
//!   inside (base45 text never ends in a space, as its last character is at most `W`, but the
//!   checksum, not that fact, decides);
//! - a JWS holds no white space at all, so all of it is dropped.
//!
//! What is left that still does not decode is damage, and is named by its line and column in
//! what was pasted.

/// A UTF-8 byte-order mark, which some editors put before the text.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// `pasted` without what comes before the text: white space and a byte-order mark.
pub fn after_leading_space(pasted: &[u8]) -> &[u8] {
    let mut rest = pasted;
    loop {
        if let Some(after) = rest.strip_prefix("\u{feff}".as_bytes()) {
            rest = after;
        } else if let Some((first, after)) = rest.split_first()
            && first.is_ascii_whitespace()
        {
            rest = after;
        } else {
            return rest;
        }
    }
}

/// `text` without line breaks (CR and LF), as one line.
pub fn joined(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect()
}

/// Most spaces and tabs at the end of pasted QR text that are tried away, one at a time.
pub const MAX_TRAILING_SPACE: usize = 16;

/// `text` without any white space (for a JWS, whose base64url parts hold none).
pub fn without_space(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// Where the byte at `index` of [`joined`]`(after leading space)` stood in `pasted`: its line
/// and column (in characters), both from 1.
pub fn locate(pasted: &str, index: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    let mut started = false;
    let mut kept = 0;
    for c in pasted.chars() {
        if c == '\n' {
            line += 1;
            column = 1;
            continue;
        }
        if c == '\r' {
            continue;
        }
        if !started && (c.is_ascii_whitespace() || c == BYTE_ORDER_MARK) {
            column += 1;
            continue;
        }
        started = true;
        if kept + c.len_utf8() > index {
            return (line, column);
        }
        kept += c.len_utf8();
        column += 1;
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_space_and_a_byte_order_mark_go_and_nothing_else() {
        assert_eq!(after_leading_space(b" \r\n\tGSC1: A "), b"GSC1: A ");
        assert_eq!(after_leading_space("\u{feff} GSC1:".as_bytes()), b"GSC1:");
        assert_eq!(after_leading_space(b""), b"");
    }

    #[test]
    fn line_breaks_go_anywhere_and_spaces_only_at_the_end_on_request() {
        assert_eq!(joined("GSC1:AB \r\nC D\nE\r\n"), "GSC1:AB C DE");
        assert_eq!(without_space(" a.b\r\n.c \n"), "a.b.c");
    }

    #[test]
    fn a_place_in_the_joined_text_is_found_by_line_and_column_in_what_was_pasted() {
        let pasted = "\n  GSC1:ABC\r\nDEF\nGHé";
        let text = joined(std::str::from_utf8(after_leading_space(pasted.as_bytes())).unwrap());
        assert_eq!(text, "GSC1:ABCDEFGHé");
        assert_eq!(locate(pasted, 0), (2, 3), "G of GSC1:");
        assert_eq!(locate(pasted, 8), (3, 1), "D");
        assert_eq!(locate(pasted, 13), (4, 3), "é");
    }
}
