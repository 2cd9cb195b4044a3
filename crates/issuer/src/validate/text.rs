//! Rule 10, text is what it seems: every text of a request composed (NFC), without invisible or
//! control characters, and in a script the certificate can print in its order.

use super::{Checker, Rule};
use crate::request::CertificateRequest;

/// Whether `c` belongs to a right-to-left script (Hebrew, Arabic, Syriac, Thaana, N'Ko,
/// Samaritan, Mandaic and their presentation forms).
pub fn is_right_to_left(c: char) -> bool {
    matches!(
        c,
        '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}'
    ) && c != '\u{FEFF}'
}

/// Rule 10 over every text of the request: composed (NFC), and no right-to-left script, which
/// the certificate cannot yet print in its visual order (Hebrew needs reordering, Arabic also
/// joining); such a name is refused rather than printed backwards.
pub(super) fn check_text(c: &mut Checker, request: &CertificateRequest) {
    fn walk(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::String(text) => out.push((path.to_string(), text.clone())),
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    let sep = if path.is_empty() { "" } else { "." };
                    walk(v, &format!("{path}{sep}{key}"), out);
                }
            }
            _ => {}
        }
    }
    // The common case, cheaply: the whole request composed and left-to-right. Only if not is it
    // walked field by field, to name each field.
    let Ok(all) = serde_json::to_string(request) else {
        return;
    };
    if matches!(
        unicode_normalization::is_nfc_quick(all.chars()),
        unicode_normalization::IsNormalized::Yes
    ) && !all.chars().any(is_right_to_left)
    {
        return;
    }
    let Ok(value) = serde_json::to_value(request) else {
        return;
    };
    let mut texts = Vec::new();
    walk(&value, "", &mut texts);
    for (field, text) in texts {
        if !unicode_normalization::is_nfc(&text) {
            c.fail(
                field.clone(),
                Rule::Text,
                "is not in Unicode NFC (composed) form: the same name must have one spelling; \
                 send it composed (such as \"é\" as U+00E9, not e and U+0301)",
            );
        }
        if let Some(rtl) = text.chars().find(|&ch| is_right_to_left(ch)) {
            c.fail(
                field,
                Rule::Text,
                format!(
                    "contains {rtl:?} (U+{:04X}), from a right-to-left script: the certificate \
                     cannot yet print right-to-left text in its visual order (it would read \
                     backwards), so it is refused; give the name as in the Latin part of the \
                     identity document (such as a passport's machine-readable zone)",
                    u32::from(rtl)
                ),
            );
        }
    }
}
