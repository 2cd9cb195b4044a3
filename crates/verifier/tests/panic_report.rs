//! A panic's report never repeats a message formatted from data (which could be a name or a
//! conviction); a literal message and the location are kept. (Its own test binary: it installs a
//! process-wide panic hook.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Mutex;

use goodstanding_verifier::panic_report::panic_report;

static REPORTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn report_of(run: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let result = std::panic::catch_unwind(run);
    assert!(result.is_err(), "the closure was meant to panic");
    REPORTS.lock().unwrap().pop().expect("the hook ran")
}

#[test]
fn formatted_panic_messages_are_withheld_and_literal_ones_kept() {
    std::panic::set_hook(Box::new(|info| {
        REPORTS.lock().unwrap().push(panic_report(info));
    }));
    let name = String::from("Jane Q. Example");
    let formatted = report_of(move || panic!("could not lay out {name}"));
    assert!(!formatted.contains("Jane"), "{formatted}");
    assert!(formatted.contains("withheld"), "{formatted}");
    assert!(formatted.contains("panic_report.rs:"), "{formatted}");

    let conviction = "theft, 2019";
    let failed: Result<(), String> = std::hint::black_box(Err(conviction.to_string()));
    let expected = report_of(move || failed.expect("signing"));
    assert!(!expected.contains("theft"), "{expected}");

    let literal = report_of(|| panic!("the signature length is fixed"));
    assert!(
        literal.contains(": the signature length is fixed."),
        "{literal}"
    );
    assert!(literal.contains("This is a bug"), "{literal}");
    let _ = std::panic::take_hook();
}
