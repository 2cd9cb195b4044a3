//! What a panic (always a bug) may say to the user.
//!
//! A panic's message can carry values formatted from the input — a name, a conviction, a byte of
//! a key — so the report shows where it happened and only a message that was fixed when the code
//! was written (`panic!("literal")`, `expect("literal")` on an `Option`). Anything formatted at run
//! time is withheld. The command-line tool and the web page install this as their panic hook.

use std::panic::PanicHookInfo;

/// The one line to show for a panic: location, and the message only if it is a literal.
pub fn panic_report(info: &PanicHookInfo<'_>) -> String {
    let location = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    let message = match info.payload().downcast_ref::<&'static str>() {
        Some(literal) => format!(": {literal}"),
        None => " (its message is withheld: it may hold data from the input)".to_string(),
    };
    format!(
        "goodstanding: internal error{location}{message}. This is a bug: please report it, \
         without the input if it holds personal data."
    )
}
