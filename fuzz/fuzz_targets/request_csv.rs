//! Batch input as CSV (and as JSON Lines), request by request, through the rules: never a panic,
//! and every problem names a line.
#![no_main]

mod common;

use goodstanding_operations::batch_input::{BatchReader, InputFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [InputFormat::Csv, InputFormat::JsonLines] {
        let Ok(reader) = BatchReader::new(data, format) else {
            continue;
        };
        for item in reader.take(64) {
            match item {
                Ok(item) => {
                    assert!(item.line >= 1);
                    if let Ok(request) = &item.request {
                        let _ = goodstanding_issuer::validate(request, common::now());
                    }
                }
                Err(_) => break,
            }
        }
    }
});
