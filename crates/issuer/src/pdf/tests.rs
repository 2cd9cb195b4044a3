//! The PDF syntax writer's number formatting and its reused compressor.

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
    let first = zlib(text.as_bytes()).unwrap();
    let _other = zlib(b"something else in between");
    assert_eq!(zlib(text.as_bytes()).unwrap(), first);
    let mut fresh = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(4).unwrap());
    let mut out = vec![0; fresh.zlib_compress_bound(text.len())];
    let written = fresh.zlib_compress(text.as_bytes(), &mut out).unwrap();
    assert_eq!(first, out[..written]);
}
