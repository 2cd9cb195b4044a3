//! The PDF syntax writer's number formatting, its reused compressor and the text strings.

use super::*;

#[test]
fn numbers_are_written_as_the_formatter_writes_them() {
    for n in [0u16, 1, 0x0A, 0xFF, 0x1234, 0xABCD, u16::MAX] {
        let mut out = String::new();
        push_hex4(&mut out, n);
        assert_eq!(out, format!("{n:04X}"));
    }
}

#[test]
fn a_reused_compressor_gives_the_same_bytes_as_a_new_one() {
    let text = "BT /F1 10.00 Tf 0 Tr 56.69 700.00 Td <0041004200430044> Tj ET\n".repeat(50);
    for (effort, level) in [(Effort::PerCertificate, 1), (Effort::Reused, 6)] {
        let first = zlib(text.as_bytes(), effort).unwrap();
        let _other = zlib(b"something else in between", effort);
        let _at_the_other_level = zlib(text.as_bytes(), Effort::Reused);
        assert_eq!(zlib(text.as_bytes(), effort).unwrap(), first);
        let mut fresh =
            libdeflater::Compressor::new(libdeflater::CompressionLvl::new(level).unwrap());
        let mut out = vec![0; fresh.zlib_compress_bound(text.len())];
        let written = fresh.zlib_compress(text.as_bytes(), &mut out).unwrap();
        assert_eq!(first, out[..written]);
    }
}

/// Reads a literal string of two-byte glyph ids back, as a PDF reader does (PDF 32000 7.3.4.2).
fn read_literal(string: &str) -> Vec<u16> {
    let inner = string
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap();
    let mut bytes = Vec::new();
    let mut chars = inner.bytes();
    while let Some(b) = chars.next() {
        if b == b'\\' {
            bytes.push(match chars.next().unwrap() {
                b'n' => b'\n',
                b'r' => b'\r',
                other => other,
            });
        } else {
            assert!(b != b'\n' && b != b'\r', "an end of line is escaped");
            bytes.push(b);
        }
    }
    bytes
        .chunks(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
        .collect()
}

#[test]
fn text_is_a_literal_string_of_glyph_ids_with_delimiters_and_line_ends_escaped() {
    let mut font = Font::load(REGULAR, REGULAR_NAME).unwrap();
    // The seeded ids of these characters are 4 and 5 '(' and ')', 10 and 13 (a line feed and
    // a carriage return as bytes), 40 'S' (0x28, an opening bracket as a byte), 41 'T'.
    let text = "(0) 3 ST";
    let string = font.encode(text);
    assert!(string.starts_with('('), "{string:?}");
    let ids = read_literal(&string);
    let expected: Vec<u16> = text.chars().map(|c| font.encoded[c as usize]).collect();
    assert_eq!(ids, expected);
    assert!(ids.contains(&0x0A) && ids.contains(&0x0D) && ids.contains(&0x28));
    // Past 127 glyphs, the same text is hex.
    let many: String = (0xC0..0x17F_u32).filter_map(char::from_u32).collect();
    let many_string = font.encode(&many);
    assert!(many_string.starts_with('<') && many_string.ends_with('>'));
    let ids: Vec<u16> = (1..many_string.len() - 1)
        .step_by(4)
        .map(|i| u16::from_str_radix(&many_string[i..i + 4], 16).unwrap())
        .collect();
    let expected: Vec<u16> = many.chars().map(|c| font.encoded[c as usize]).collect();
    assert_eq!(ids, expected);
    assert!(ids.iter().any(|&id| id >= 0x80));
}
