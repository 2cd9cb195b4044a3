//! Capacity (issue 23, item 8): a realistic record of four findings, four convictions and four
//! departures, and any request of up to 24 records (every text at its length limit, in the
//! scripts that compress worst), issue; their QR text is printed as several QR codes of at most
//! version 25, which `verify` reads back from the PDF, from a 150 dpi scan and from a phone-like
//! photo, and zbar reads one by one.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::*;

/// What `zbarimg` reads on an image: one text per QR code.
fn zbar_texts(image: &Path) -> Vec<String> {
    let out = std::process::Command::new("zbarimg")
        .args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(image)
        .output()
        .expect("zbarimg: apt-get install zbar-tools, or run tools/test.sh");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Renders pages `first..=last` of `pdf` at 150 dpi in grey; returns the PNG paths.
fn scan_pages(issuer: &Issuer, pdf: &Path, first: usize, last: usize) -> Vec<PathBuf> {
    let prefix = issuer.path("scan");
    let (first_page, last_page) = (first.to_string(), last.to_string());
    let run = std::process::Command::new("pdftoppm")
        .args([
            "-r",
            "150",
            "-gray",
            "-png",
            "-f",
            &first_page,
            "-l",
            &last_page,
        ])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm: apt-get install poppler-utils, or run tools/test.sh");
    assert!(run.success());
    (first..=last)
        .map(|page| {
            let width = if last >= 10 { 2 } else { 1 };
            issuer.path(&format!("scan-{page:0width$}.png"))
        })
        .collect()
}

/// Renders each column of codes (the left and the right half) of pages `first..=last` at 150
/// dpi in grey, as a phone frames them; returns the PNG paths. zbar reading a whole page of six
/// codes of version 25 misses one now and then (about 1 page in 20 of random certificates:
/// finder patterns of codes side by side confuse its search), while each column alone is read.
fn scan_page_columns(issuer: &Issuer, pdf: &Path, first: usize, last: usize) -> Vec<PathBuf> {
    // A4 at 150 dpi is 1240 pixels wide; the codes sit two a row, either side of the middle.
    const HALF_WIDTH: usize = 620;
    let mut scans = Vec::new();
    for page in first..=last {
        for (column, left) in [(0, 0), (1, HALF_WIDTH)] {
            let prefix = issuer.path(&format!("column-{page}-{column}"));
            let (page_text, left, width) =
                (page.to_string(), left.to_string(), HALF_WIDTH.to_string());
            let run = std::process::Command::new("pdftoppm")
                .args(["-r", "150", "-gray", "-png", "-singlefile"])
                .args(["-f", &page_text, "-l", &page_text])
                .args(["-x", &left, "-y", "0", "-W", &width, "-H", "1754"])
                .arg(pdf)
                .arg(&prefix)
                .status()
                .expect("pdftoppm: apt-get install poppler-utils, or run tools/test.sh");
            assert!(run.success());
            scans.push(prefix.with_extension("png"));
        }
    }
    scans
}

fn page_count(pdf: &Path) -> usize {
    let info = std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .unwrap();
    String::from_utf8(info.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// `verify --json` on the PDF: valid, and the printed QR codes read back and matching (no
/// `printed_qr_unread` warning).
fn assert_pdf_valid_with_printed_codes_matching(issuer: &Issuer, pdf: &Path) {
    let run = issuer.verify(pdf, &["--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let verdict: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["warnings"], json!([]), "{verdict}");
}

#[test]
fn four_findings_convictions_and_departures_issue_as_qr_codes_read_from_scan_and_photo() {
    let issuer = Issuer::new("capacity-four");
    let request = repo().join("tests/data/capacity/four-of-each.json");
    let (out, register, trust) = (
        issuer.path("out"),
        issuer.path("register.sqlite"),
        issuer.path("trust"),
    );
    let run = goodstanding(&[
        &"issue",
        &request,
        &"--key",
        &issuer.key(),
        &"--out",
        &out,
        &"--register",
        &register,
        &"--trust",
        &trust,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("printed as 2 QR codes of at most version 2"),
        "{}",
        run.stderr
    );
    let jws = out.join(format!("{}.jws", run.stdout.trim()));
    let pdf = jws.with_extension("pdf");
    let whole = std::fs::read_to_string(jws.with_extension("qr.txt")).unwrap();
    let whole = whole.trim_end();
    assert_pdf_valid_with_printed_codes_matching(&issuer, &pdf);

    // The codes are on the last page; page 1 says so.
    let pages = page_count(&pdf);
    let text = std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("printed as 2 QR codes on") && text.contains("the last page"),
        "{text}"
    );
    let scan = scan_pages(&issuer, &pdf, pages, pages).remove(0);

    // zbar reads each code, each at most version 25; the parts join into the QR text.
    let parts = zbar_texts(&scan);
    assert_eq!(parts.len(), 2, "{parts:?}");
    for part in &parts {
        assert!(part.starts_with("GSC1-"), "{part}");
        assert!(goodstanding_issuer::qr_version(part).is_some_and(|v| v <= 25));
    }
    assert_eq!(
        goodstanding_verifier::parts::join(&parts).unwrap(),
        whole,
        "the parts zbar read join into the certificate's QR text"
    );

    // goodstanding reads both codes from the page scan and from phone-like photos of it.
    let run = issuer.verify(&scan, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Anna-Katharina Wójcik-Fitzgerald-Oyelaran")
    );
    for (file, effects) in PHONE_LIKE_PHOTOS {
        let photo = issuer.path(file);
        let status = std::process::Command::new("convert")
            .arg(&scan)
            .args(effects)
            .arg(&photo)
            .status()
            .unwrap();
        assert!(status.success());
        let run = issuer.verify(&photo, &[]);
        assert_eq!(run.code, 0, "{file}: {}{}", run.stdout, run.stderr);
    }

    // The parts pasted as text, a line each, in any order, verify; one part alone is named as
    // incomplete (exit 2: nothing was verified).
    let pasted = issuer.path("pasted.txt");
    std::fs::write(&pasted, format!("{}\n{}\n", parts[1], parts[0])).unwrap();
    let run = issuer.verify(&pasted, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let one = issuer.path("one-part.txt");
    std::fs::write(&one, format!("{}\n", parts[0])).unwrap();
    let run = issuer.verify(&one, &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("of the 2 QR codes of this certificate was read"),
        "{}",
        run.stderr
    );
}

/// Random words of exactly `len` characters from `alphabet`, from a seeded generator.
fn random_text(state: &mut u64, alphabet: &[char], len: usize) -> String {
    let mut next = || {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*state >> 33) as usize
    };
    (0..len)
        .map(|i| {
            if i > 0 && i + 1 < len && next() % 7 == 0 {
                ' '
            } else {
                alphabet[next() % alphabet.len()]
            }
        })
        .collect()
}

/// A request of 24 departures (the longest record) with every text at its length limit, in
/// letters drawn at random from Latin Extended, Greek and Cyrillic: the hardest to compress.
fn longest_request(path: &Path) {
    let alphabet: Vec<char> = (0xC0u32..0x250)
        .chain(0x391..0x3CA)
        .chain(0x400..0x500)
        .chain(0x1E00..0x1EFC)
        .filter_map(char::from_u32)
        .filter(|c| c.is_alphabetic() && !matches!(c, '×' | '÷' | '\u{3A2}'))
        .filter(|c| {
            use unicode_normalization::UnicodeNormalization as _;
            c.to_string().nfc().eq(std::iter::once(*c))
        })
        .collect();
    let mut state = 7;
    let mut text = |len| random_text(&mut state, &alphabet, len);
    let departures: Vec<Value> = (0..24)
        .map(|i| {
            json!({
                "employer": text(80), "role": text(80),
                "started": "2010-01-01", "ended": "2011-02-28", "how_left": "mutual_agreement",
                "investigation": {"type": "financial_irregularity", "body": text(80),
                    "opened": "2011-01-10", "state": "concluded", "outcome": "partially_upheld"},
                "settlement_agreement": true, "appeal": "withdrawn",
                "reference": format!("{i:02}{}", "Q7".repeat(19)),
            })
        })
        .collect();
    let request = json!({
        "issuer": "Demo Issuing Body (not a real issuer)",
        "disclosure_level": "enhanced",
        "information_as_at": "2026-11-20",
        "subject": {
            "full_name": text(100),
            "previous_names": (0..6).map(|_| text(100)).collect::<Vec<_>>(),
            "date_of_birth": "1960-01-01",
            "reference": "R".repeat(40),
            "role_applied_for": text(80),
            "registrations": (0..6).map(|i| json!({"regulator": "GMC", "number": format!("{}", 1_000_000 + i)})).collect::<Vec<_>>(),
        },
        "findings": [], "convictions": [], "departures": departures,
    });
    std::fs::write(path, serde_json::to_vec_pretty(&request).unwrap()).unwrap();
}

#[test]
fn twenty_four_records_at_their_longest_issue_and_a_twenty_fifth_is_refused_by_count() {
    let issuer = Issuer::new("capacity-longest");
    let request = issuer.path("longest.json");
    longest_request(&request);
    let (jws, qr) = issuer.issue(&request);
    let whole = std::fs::read_to_string(&qr).unwrap();
    let codes = goodstanding_verifier::parts::split(whole.trim_end()).unwrap();
    eprintln!(
        "24 records at their longest: {} characters, {} codes",
        whole.trim_end().len(),
        codes.len()
    );
    assert!(
        (10..=goodstanding_verifier::parts::MAX_PARTS).contains(&codes.len()),
        "{} characters in {} codes",
        whole.len(),
        codes.len()
    );
    let pdf = jws.with_extension("pdf");
    assert_pdf_valid_with_printed_codes_matching(&issuer, &pdf);
    // zbar reads every code on the pages that hold them, at 150 dpi, a column at a time.
    let pages = page_count(&pdf);
    let mut read = Vec::new();
    for scan in scan_page_columns(&issuer, &pdf, pages - 2, pages) {
        read.extend(zbar_texts(&scan));
    }
    read.sort();
    let mut expected = codes.clone();
    expected.sort();
    assert_eq!(read, expected);

    // A 25th record is refused for the count, before any size is computed.
    let mut longer: Value = serde_json::from_slice(&std::fs::read(&request).unwrap()).unwrap();
    longer["findings"] = json!([{
        "body": "Northshire Hospitals NHS Foundation Trust", "body_type": "employer",
        "decision_date": "2021-06-30", "reference": "HR-2021-0147",
        "investigation": "conduct", "category": "misconduct", "outcome": "upheld",
        "sanction": "none", "appeal": "none"
    }]);
    std::fs::write(&request, serde_json::to_vec(&longer).unwrap()).unwrap();
    let run = goodstanding(&[&"preview", &request, &"--out", &issuer.path("drafts")]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("25 records to list (1 finding, 0 convictions, 24 departures)")
            && run.stderr.contains("at most 24 in all"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_long_certificates_pdf_with_another_certificates_codes_drawn_on_is_not_valid() {
    let issuer = Issuer::new("capacity-substitute");
    let (long_jws, _) = issuer.issue(&repo().join("tests/data/capacity/four-of-each.json"));
    let longest = issuer.path("longest.json");
    longest_request(&longest);
    let (_, other_qr) = issuer.issue(&longest);
    // The 4+4+4 PDF and attachment, with the genuine codes of another long certificate, then of
    // a short one (one code), drawn on it.
    let (_, short_qr) = issuer.issue(&example("clean-record"));
    for drawn in [other_qr, short_qr] {
        assert_substituted_qr_is_not_valid(&issuer, &long_jws, &drawn);
    }
}
