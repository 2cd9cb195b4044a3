//! Registration numbers, checked for format per regulator from `src/registration-formats.tsv`:
//! every regulator the issue names is there with its source, and each accepts its own numbers
//! and refuses others'.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use goodstanding_issuer::registration::{RegistrationProblem, check, formats};

#[test]
fn every_named_regulator_has_a_format_with_its_source() {
    let formats = formats();
    for code in ["GMC", "NMC", "HCPC", "GPHC", "GDC", "GOC", "SWE"] {
        let format = formats
            .iter()
            .find(|f| f.regulator == code)
            .unwrap_or_else(|| panic!("no format for {code}"));
        assert!(
            !format.source.is_empty() && !format.patterns.is_empty(),
            "{code}"
        );
    }
}

#[test]
fn each_regulator_accepts_its_numbers_and_refuses_others() {
    let cases = [
        ("GMC", "7051234", true),
        ("gmc", "7051234", true),
        ("GMC", "abc", false),
        ("GMC", "705123", false),
        ("NMC", "74C1234E", true),
        ("NMC", "74c1234e", false),
        ("NMC", "7051234", false),
        ("HCPC", "PA041522", true),
        ("HCPC", "PH12345", true),
        ("HCPC", "P041522", false),
        ("GPHC", "2012345", true),
        ("GPHC", "201234", false),
        ("GDC", "123456", true),
        ("GDC", "12", true),
        ("GDC", "1234567", false),
        ("GOC", "01-12345", true),
        ("GOC", "0112345", false),
        ("SWE", "SW12345", true),
        ("SWE", "12345", false),
    ];
    for (regulator, number, good) in cases {
        assert_eq!(
            check(regulator, number).is_ok(),
            good,
            "{regulator} {number}"
        );
    }
    let unknown = check("ZZ", "123").unwrap_err();
    assert!(matches!(unknown, RegistrationProblem::UnknownRegulator(_)));
    assert!(unknown.to_string().contains("GMC, NMC"), "{unknown}");
}
