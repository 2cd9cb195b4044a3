//! The certificate PDF against a checklist of PDF/A-3 (ISO 19005-3:2012) and PDF/UA-1 (ISO
//! 14289-1:2014, by the Matterhorn Protocol 1.1 checkpoints that test it). No validator
//! (veraPDF) installs on these machines, so each item is checked by reading the file back with
//! independent readers: lopdf (objects, content streams, the structure tree), roxmltree (the
//! XMP), poppler's `pdfinfo -struct-text` (reading order) and Little CMS's `transicc` (the ICC
//! profile). Every example is checked, and generated certificates: names in Latin, Greek and
//! Cyrillic, 0 to 24 records, records spilling onto further pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use goodstanding_issuer::issue::sign_certificate;
use goodstanding_verifier::model::Certificate;
use goodstanding_verifier::{
    ProtectedHeader, SignedCertificate, Timestamp, TrustStore, summary, verify,
};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

/// Follows a reference.
fn resolve<'a>(document: &'a Document, object: &'a Object) -> &'a Object {
    document.dereference(object).unwrap().1
}

fn dict<'a>(document: &'a Document, parent: &'a Dictionary, key: &str) -> &'a Dictionary {
    resolve(
        document,
        parent
            .get(key.as_bytes())
            .unwrap_or_else(|_| panic!("no /{key}")),
    )
    .as_dict()
    .unwrap_or_else(|_| panic!("/{key} is not a dictionary"))
}

fn name<'a>(parent: &'a Dictionary, key: &str) -> &'a [u8] {
    parent
        .get(key.as_bytes())
        .and_then(Object::as_name)
        .unwrap_or_else(|_| panic!("no name /{key}"))
}

/// A PDF text string (PDFDocEncoding for ASCII, or UTF-16BE with its mark) as Rust text.
fn text(object: &Object) -> String {
    let bytes = object.as_str().unwrap();
    match bytes {
        [0xFE, 0xFF, rest @ ..] => {
            let units: Vec<u16> = rest
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).unwrap()
        }
        _ => String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// ISO 19005-3 6.6.2.1 (a metadata stream in the catalog, unfiltered here so any tool reads
/// it), 6.6.2.3 (the Info entries equal to their XMP properties), 6.6.4 (pdfaid:part and
/// conformance), 6.6.2.3.3 (an extension schema for pdfuaid, not a predefined schema); ISO
/// 14289-1 5 and Matterhorn 06-001, 06-002 (pdfuaid:part), 06-003 (dc:title).
fn check_xmp_and_info(document: &Document, catalog: &Dictionary) {
    let metadata = resolve(document, catalog.get(b"Metadata").unwrap())
        .as_stream()
        .unwrap();
    assert_eq!(name(&metadata.dict, "Subtype"), b"XML");
    assert!(metadata.dict.get(b"Filter").is_err(), "XMP is not filtered");
    let xml = String::from_utf8(metadata.content.clone()).unwrap();
    let body = xml
        .split_once("?>")
        .and_then(|(_, rest)| rest.rsplit_once("<?xpacket"))
        .map(|(body, _)| body)
        .expect("an XMP packet");
    let tree = roxmltree::Document::parse(body).expect("XMP parses as XML");
    let value = |namespace: &str, local: &str| -> String {
        let node = tree
            .descendants()
            .find(|n| n.tag_name().namespace() == Some(namespace) && n.tag_name().name() == local)
            .unwrap_or_else(|| panic!("XMP has no {local}"));
        node.descendants()
            .filter(|n| n.is_text())
            .map(|n| n.text().unwrap_or(""))
            .collect::<String>()
            .trim()
            .to_string()
    };
    const DC: &str = "http://purl.org/dc/elements/1.1/";
    assert_eq!(value("http://www.aiim.org/pdfa/ns/id/", "part"), "3");
    assert_eq!(value("http://www.aiim.org/pdfa/ns/id/", "conformance"), "B");
    assert_eq!(value("http://www.aiim.org/pdfua/ns/id/", "part"), "1");
    assert_eq!(
        value("http://www.aiim.org/pdfa/ns/schema#", "namespaceURI"),
        "http://www.aiim.org/pdfua/ns/id/"
    );
    let info = dict(document, &document.trailer, "Info");
    assert_eq!(value(DC, "title"), text(info.get(b"Title").unwrap()));
    assert_eq!(value(DC, "creator"), text(info.get(b"Author").unwrap()));
    assert_eq!(
        value(DC, "description"),
        text(info.get(b"Subject").unwrap())
    );
    assert_eq!(
        value("http://ns.adobe.com/pdf/1.3/", "Producer"),
        text(info.get(b"Producer").unwrap())
    );
    assert_eq!(
        value("http://ns.adobe.com/xap/1.0/", "CreatorTool"),
        text(info.get(b"Creator").unwrap())
    );
    // D:YYYYMMDDHHmmSSZ and YYYY-MM-DDTHH:MM:SSZ name the same instant.
    let created = value("http://ns.adobe.com/xap/1.0/", "CreateDate");
    let digits: String = created.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(
        text(info.get(b"CreationDate").unwrap()),
        format!("D:{digits}Z")
    );
}

/// ISO 19005-3 6.2.3 (an output intent GTS_PDFA1 with an ICC profile, 6.2.4.2 of the right
/// number of components), 6.1.3 (an ID, no Encrypt), 6.6.1 / 6.1.8 (no JavaScript, no actions);
/// ISO 32000 14.8.2 and Matterhorn 01-001 (MarkInfo Marked), 11-001 (Lang), 07-001
/// (DisplayDocTitle).
fn check_catalog(document: &Document, catalog: &Dictionary) {
    let marked = dict(document, catalog, "MarkInfo");
    assert!(marked.get(b"Marked").unwrap().as_bool().unwrap());
    assert_eq!(text(catalog.get(b"Lang").unwrap()), "en-GB");
    let viewer = dict(document, catalog, "ViewerPreferences");
    assert!(viewer.get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
    let intents = resolve(document, catalog.get(b"OutputIntents").unwrap())
        .as_array()
        .unwrap();
    let intent = resolve(document, &intents[0]).as_dict().unwrap();
    assert_eq!(name(intent, "S"), b"GTS_PDFA1");
    let profile = resolve(document, intent.get(b"DestOutputProfile").unwrap())
        .as_stream()
        .unwrap();
    assert_eq!(profile.dict.get(b"N").unwrap().as_i64().unwrap(), 3);
    let icc = profile.decompressed_content().unwrap();
    assert_eq!(&icc[36..40], b"acsp", "an ICC profile");
    assert_eq!(&icc[16..20], b"RGB ", "of RGB");
    assert!(document.trailer.get(b"ID").is_ok(), "a file identifier");
    assert!(document.trailer.get(b"Encrypt").is_err(), "not encrypted");
    for key in ["OpenAction", "AA", "AcroForm"] {
        assert!(catalog.get(key.as_bytes()).is_err(), "no /{key}");
    }
    if let Ok(names) = catalog.get(b"Names") {
        let names = resolve(document, names).as_dict().unwrap();
        assert!(names.get(b"JavaScript").is_err(), "no JavaScript");
    }
}

/// ISO 19005-3 6.8 (the embedded file associated with /AF, AFRelationship, its MIME type in
/// Subtype, its modification date in Params) and that it is the signed certificate.
fn check_attachment(
    document: &Document,
    catalog: &Dictionary,
    trust: &TrustStore,
    at: Timestamp,
) -> String {
    let associated = resolve(document, catalog.get(b"AF").unwrap())
        .as_array()
        .unwrap();
    assert_eq!(associated.len(), 1);
    let spec = resolve(document, &associated[0]).as_dict().unwrap();
    assert_eq!(name(spec, "AFRelationship"), b"Source");
    let file_name = text(spec.get(b"UF").unwrap());
    assert!(file_name.ends_with(".jws"), "{file_name}");
    let files = dict(document, spec, "EF");
    let stream = resolve(document, files.get(b"F").unwrap())
        .as_stream()
        .unwrap();
    assert_eq!(name(&stream.dict, "Subtype"), b"application/jose");
    let params = dict(document, &stream.dict, "Params");
    assert!(params.get(b"ModDate").is_ok(), "its modification date");
    let jws = String::from_utf8(stream.decompressed_content().unwrap()).unwrap();
    let verified = verify(jws.as_bytes(), trust, at).expect("it verifies");
    assert_eq!(format!("{}.jws", verified.certificate.id), file_name);
    file_name
}

/// ISO 19005-3 6.2.11.4 (fonts embedded), 6.2.11.7.2 (ToUnicode); Matterhorn 31-009, 31-027.
fn check_fonts(document: &Document, page: &Dictionary) {
    let resources = dict(document, page, "Resources");
    let fonts = dict(document, resources, "Font");
    for (_, font) in fonts.iter() {
        let font = resolve(document, font).as_dict().unwrap();
        assert!(font.get(b"ToUnicode").is_ok(), "a ToUnicode map");
        let descendants = resolve(document, font.get(b"DescendantFonts").unwrap())
            .as_array()
            .unwrap();
        let cid = resolve(document, &descendants[0]).as_dict().unwrap();
        let descriptor = dict(document, cid, "FontDescriptor");
        assert!(descriptor.get(b"FontFile2").is_ok(), "the font embedded");
    }
}

/// ISO 14289-1 7.1 and Matterhorn 01-005: every text and painted path is inside a marked-content
/// sequence that is a structure element's (an MCID, found through the ParentTree, whose element
/// names this page and the MCID) or an artifact; 14.8.4 and Matterhorn 01-003: no content
/// tagged twice. Returns the MCIDs on the page.
fn check_page_content(
    document: &Document,
    page_id: ObjectId,
    parent_tree: &BTreeMap<i64, Vec<ObjectId>>,
) -> usize {
    let page = document.get_dictionary(page_id).unwrap();
    check_fonts(document, page);
    let key = page.get(b"StructParents").unwrap().as_i64().unwrap();
    let elements = &parent_tree[&key];
    let content = Content::decode(&document.get_page_content(page_id)).unwrap();
    // Each open marked-content sequence.
    enum Sequence {
        Artifact,
        Tagged,
        Other,
    }
    let mut open: Vec<Sequence> = Vec::new();
    let mut seen = BTreeSet::new();
    for operation in &content.operations {
        match operation.operator.as_str() {
            "BMC" => open.push(if operation.operands[0].as_name().unwrap() == b"Artifact" {
                Sequence::Artifact
            } else {
                Sequence::Other
            }),
            "BDC" => {
                let tag = operation.operands[0].as_name().unwrap();
                let properties = operation.operands[1].as_dict().unwrap();
                if tag == b"Artifact" {
                    open.push(Sequence::Artifact);
                } else {
                    let mcid = properties
                        .get(b"MCID")
                        .and_then(Object::as_i64)
                        .expect("a tagged sequence carries an MCID");
                    assert!(seen.insert(mcid), "MCID {mcid} used twice");
                    open.push(Sequence::Tagged);
                }
            }
            "EMC" => {
                open.pop().expect("EMC closes a sequence");
            }
            "Tj" | "TJ" | "'" | "\"" | "f" | "F" | "f*" | "S" | "s" | "B" | "b" | "Do" => {
                let inside = open
                    .iter()
                    .any(|o| matches!(o, Sequence::Artifact | Sequence::Tagged));
                assert!(
                    inside,
                    "{} outside any tagged or artifact sequence",
                    operation.operator
                );
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "every sequence is closed");
    assert_eq!(seen.len(), elements.len(), "the ParentTree lists each MCID");
    for mcid in seen.iter() {
        let element = document.get_dictionary(elements[*mcid as usize]).unwrap();
        assert_eq!(
            element.get(b"Pg").unwrap().as_reference().unwrap(),
            page_id,
            "MCID {mcid}'s element is on this page"
        );
        let kids = element.get(b"K").unwrap().as_array().unwrap();
        assert!(
            kids.iter().any(|k| k.as_i64().ok() == Some(*mcid)),
            "MCID {mcid}'s element names it"
        );
    }
    seen.len()
}

/// The standard structure types (ISO 32000-1 14.8.4) this document uses.
const STANDARD_TYPES: [&[u8]; 10] = [
    b"Document",
    b"H1",
    b"H2",
    b"P",
    b"Table",
    b"TR",
    b"TH",
    b"TD",
    b"Figure",
    b"Caption",
];

/// Matterhorn 09-004 (standard types, no role map needed), 13-004 (Figure has Alt), 14-002 and
/// 14-003 (the first heading is H1; no level skipped), 15-003 (TH with a Scope); returns the
/// element types in reading order.
fn check_structure(document: &Document, catalog: &Dictionary) -> BTreeMap<i64, Vec<ObjectId>> {
    let root = dict(document, catalog, "StructTreeRoot");
    let nums = dict(document, root, "ParentTree")
        .get(b"Nums")
        .unwrap()
        .as_array()
        .unwrap();
    let mut parent_tree = BTreeMap::new();
    for pair in nums.chunks(2) {
        let refs = resolve(document, &pair[1])
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_reference().unwrap())
            .collect();
        parent_tree.insert(pair[0].as_i64().unwrap(), refs);
    }
    let top = root.get(b"K").unwrap().as_array().unwrap();
    assert_eq!(top.len(), 1);
    let document_element = document
        .get_dictionary(top[0].as_reference().unwrap())
        .unwrap();
    assert_eq!(name(document_element, "S"), b"Document");
    let mut order = Vec::new();
    let mut stack = vec![top[0].as_reference().unwrap()];
    while let Some(id) = stack.pop() {
        let element = document.get_dictionary(id).unwrap();
        let kind = name(element, "S").to_vec();
        assert!(
            STANDARD_TYPES.contains(&kind.as_slice()),
            "{}",
            String::from_utf8_lossy(&kind)
        );
        if kind == b"Figure" {
            assert!(!text(element.get(b"Alt").unwrap()).is_empty(), "Figure Alt");
        }
        if kind == b"TH" {
            let attributes = dict(document, element, "A");
            assert_eq!(name(attributes, "O"), b"Table");
            assert!(matches!(name(attributes, "Scope"), b"Row" | b"Column"));
        }
        if kind == b"Table" {
            let has_header = element
                .get(b"K")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .any(|row| {
                    let row = document
                        .get_dictionary(row.as_reference().unwrap())
                        .unwrap();
                    row.get(b"K")
                        .unwrap()
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|cell| {
                            let cell = document
                                .get_dictionary(cell.as_reference().unwrap())
                                .unwrap();
                            name(cell, "S") == b"TH"
                        })
                });
            assert!(has_header, "every table has header cells");
        }
        order.push(kind);
        if let Ok(kids) = element.get(b"K").and_then(Object::as_array) {
            for kid in kids.iter().rev() {
                if let Ok(reference) = kid.as_reference() {
                    stack.push(reference);
                }
            }
        }
    }
    let headings: Vec<u8> = order
        .iter()
        .filter(|k| k.len() == 2 && k[0] == b'H' && k[1].is_ascii_digit())
        .map(|k| k[1] - b'0')
        .collect();
    assert_eq!(headings.first(), Some(&1), "the first heading is H1");
    for pair in headings.windows(2) {
        assert!(
            pair[1] <= pair[0] + 1,
            "no heading level skipped: {headings:?}"
        );
    }
    parent_tree
}

/// The reading order poppler gives from the structure tree: the title, the name, each field,
/// each section heading and each record, in that order.
fn check_reading_order(path: &std::path::Path, certificate: &Certificate, draft: bool) {
    let output = Command::new("pdfinfo")
        .arg("-struct-text")
        .arg(path)
        .output()
        .expect("pdfinfo is missing: apt-get install poppler-utils, or run tools/test.sh");
    let listing = String::from_utf8_lossy(&output.stdout);
    let spoken: Vec<String> = listing
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            (l.starts_with('"') && l.ends_with('"')).then(|| l[1..l.len() - 1].to_string())
        })
        .collect();
    let all = spoken.join("\n");
    let mut expected = Vec::new();
    if draft {
        expected.push(goodstanding_issuer::pdf::DRAFT_MARK.to_string());
    }
    expected.extend([
        "Certificate of good standing".to_string(),
        certificate.subject.full_name.to_string(),
        "Date of birth".to_string(),
        "Valid until".to_string(),
    ]);
    if !draft {
        expected.push("Certificate id".to_string());
    }
    for (title, records) in summary::sections(certificate, certificate.issued_at.date()) {
        expected.push(title.to_string());
        for record in records {
            expected.push(record.when.split(' ').next().unwrap_or("").to_string());
        }
    }
    let mut from = 0;
    for item in &expected {
        let at = all[from..]
            .find(item.as_str())
            .unwrap_or_else(|| panic!("{item:?} not read after position {from}:\n{all}"));
        from += at + item.len();
    }
}

/// Every check above on one rendered PDF; `trust` `None` for a draft, which has no attachment.
fn check(pdf: &[u8], certificate: &Certificate, trust: Option<&TrustStore>, what: &str) {
    let document = Document::load_mem(pdf).unwrap_or_else(|e| panic!("{what}: {e}"));
    let catalog = document.catalog().unwrap();
    check_xmp_and_info(&document, catalog);
    check_catalog(&document, catalog);
    match trust {
        Some(trust) => {
            check_attachment(&document, catalog, trust, certificate.valid_from);
        }
        None => {
            assert!(
                catalog.get(b"AF").is_err(),
                "{what}: a draft has no attachment"
            );
            assert!(
                catalog.get(b"Names").is_err(),
                "{what}: a draft has no attachment"
            );
        }
    }
    let parent_tree = check_structure(&document, catalog);
    let mut tagged = 0;
    for (_, page) in document.get_pages() {
        tagged += check_page_content(&document, page, &parent_tree);
    }
    assert!(tagged > 0, "{what}: tagged content");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, pdf).unwrap();
    check_reading_order(&path, certificate, trust.is_none());
    // Text extraction gives the name exactly as signed (ToUnicode).
    let extracted = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is missing: apt-get install poppler-utils, or run tools/test.sh");
    let extracted = String::from_utf8_lossy(&extracted.stdout);
    let name = certificate.subject.full_name.to_string();
    assert!(
        extracted.contains(&name),
        "{what}: pdftotext lacks {name:?}"
    );
}

#[test]
fn every_example_pdf_passes_the_archival_and_accessibility_checklist() {
    let (key, trust) = common::key_and_trust("archival");
    for (name, request) in common::examples() {
        let issued = common::issue_example(&request, &key);
        let files = issued.files().unwrap();
        check(&files[2].1, &issued.certificate, Some(&trust), &name);
    }
}

/// A certificate with `records` copies of the several-records example's records (findings,
/// then convictions, then departures), for `name`, signed for real.
fn generated(
    key: &goodstanding_issuer::IssuingKey,
    name: &str,
    records: usize,
) -> (Certificate, SignedCertificate) {
    let (_, request) = common::examples()
        .into_iter()
        .find(|(n, _)| n == "several-records")
        .unwrap();
    let example = common::issue_example(&request, key).certificate;
    let mut value = serde_json::to_value(&example).unwrap();
    value["subject"]["full_name"] = name.into();
    let pool: Vec<(&str, serde_json::Value)> = ["findings", "convictions", "departures"]
        .iter()
        .flat_map(|section| {
            value[section]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (*section, r.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for section in ["findings", "convictions", "departures"] {
        value[section] = serde_json::json!([]);
    }
    for i in 0..records {
        let (section, record) = &pool[i % pool.len()];
        let mut record = record.clone();
        // Each copy is another record, with an id of its own.
        let kind = &record["id"].as_str().unwrap()[..2];
        let number = goodstanding_issuer::issue::base32_lower(&(i as u64).to_be_bytes());
        record["id"] = format!("{kind}{}", &number[5..]).into();
        value[*section].as_array_mut().unwrap().push(record);
    }
    let certificate: Certificate = serde_json::from_value(value).unwrap();
    let signed = match sign_certificate(certificate.clone(), key) {
        Ok(issued) => issued.signed,
        // Over the QR size an issuer allows (version 25), but the PDF must still hold up.
        Err(_) => {
            let header = ProtectedHeader::for_certificate(key.kid()).to_bytes();
            let payload = serde_json::to_vec(&certificate).unwrap();
            let input = goodstanding_verifier::carrier::signing_input(&header, &payload);
            let signature = key.sign(input.as_bytes()).unwrap();
            SignedCertificate::from_parts(header, payload, signature).unwrap()
        }
    };
    (certificate, signed)
}

#[test]
fn generated_certificates_in_three_scripts_with_0_to_24_records_pass_the_checklist() {
    let (key, _) = common::key_and_trust("archival");
    let mut trust = TrustStore::new();
    trust.add(key.public_jwk()).unwrap();
    let names = [
        "Łukasz Żółć-Ó'Brien",
        "Αικατερίνη Παπαδοπούλου",
        "Светлана Кузнецова-Иванова",
    ];
    let mut pages_seen = BTreeSet::new();
    let mut scans = 0;
    for (i, records) in [0, 1, 3, 7, 12, 18, 24].into_iter().enumerate() {
        let name = names[i % names.len()];
        let (certificate, signed) = generated(&key, name, records);
        let pdf = goodstanding_issuer::pdf::render(&certificate, &signed).unwrap();
        let document = Document::load_mem(&pdf).unwrap();
        pages_seen.insert(document.get_pages().len());
        check(
            &pdf,
            &certificate,
            Some(&trust),
            &format!("{name}, {records} records"),
        );
        // The QR code scans (zbarimg, 300 dpi) to the signed certificate, where it is one an
        // issuer may issue (version 25 at most).
        let qr_text = signed.to_qr_text();
        if goodstanding_issuer::qr_version(&qr_text).is_some_and(|v| v <= 25) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("certificate.pdf");
            std::fs::write(&path, &pdf).unwrap();
            let image = first_page_image(&path, "300");
            let (scanned, _) = tool(
                "zbarimg",
                &[
                    "-q".as_ref(),
                    "--raw".as_ref(),
                    "-Sdisable".as_ref(),
                    "-Sqrcode.enable".as_ref(),
                    image.as_os_str(),
                ],
            );
            assert_eq!(scanned.trim_end(), qr_text, "{name}, {records} records");
            scans += 1;
        }
    }
    assert!(scans >= 3, "scanned {scans}");
    assert!(
        pages_seen.iter().any(|&p| p >= 2),
        "records spilled onto a further page: {pages_seen:?}"
    );
}

#[test]
fn the_output_profile_is_srgb_as_little_cms_reads_it() {
    // The profile converts white and the primaries as Little CMS's own sRGB does.
    let profile = common::repo().join("crates/issuer/color/sRGB-v2-small.icc");
    let convert = |input: &str, colour: &str| -> Vec<f64> {
        let mut child = Command::new("transicc")
            .args(["-i", input, "-o", "*Lab", "-n"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("transicc is missing: apt-get install liblcms2-utils, or run tools/test.sh");
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{colour}\n").as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap()
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect()
    };
    for colour in [
        "255 255 255",
        "255 0 0",
        "0 255 0",
        "0 0 255",
        "128 128 128",
    ] {
        let ours = convert(profile.to_str().unwrap(), colour);
        let reference = convert("*sRGB", colour);
        assert_eq!(ours.len(), 3);
        for (a, b) in ours.iter().zip(&reference) {
            assert!(
                (a - b).abs() < 1.0,
                "{colour}: {ours:?} against {reference:?}"
            );
        }
    }
}

/// Runs a poppler or zbar tool and returns its standard output and exit code.
fn tool(program: &str, args: &[&std::ffi::OsStr]) -> (String, Option<i32>) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program}: {e}: apt-get install poppler-utils zbar-tools, or run tools/test.sh")
        });
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.code(),
    )
}

/// Page 1 of the PDF at `path` as a PNG at `dpi`, beside it (pdftoppm).
fn first_page_image(path: &std::path::Path, dpi: &str) -> std::path::PathBuf {
    let prefix = path.with_file_name("page");
    tool(
        "pdftoppm",
        &[
            "-r".as_ref(),
            dpi.as_ref(),
            "-png".as_ref(),
            "-f".as_ref(),
            "1".as_ref(),
            "-l".as_ref(),
            "1".as_ref(),
            path.as_os_str(),
            prefix.as_os_str(),
        ],
    );
    path.with_file_name("page-1.png")
}

#[test]
fn a_draft_is_marked_on_every_page_has_no_qr_code_or_attachment_and_passes_the_checklist() {
    let (key, _) = common::key_and_trust("archival");
    let mut cases: Vec<(String, Certificate)> = common::examples()
        .into_iter()
        .map(|(name, request)| {
            let certificate =
                goodstanding_issuer::issue::draft(&request, common::issued_at()).unwrap();
            (name, certificate)
        })
        .collect();
    cases.push((
        "24 records".into(),
        generated(&key, "Светлана Кузнецова", 24).0,
    ));
    let mut pages_seen = BTreeSet::new();
    for (name, certificate) in cases {
        let pdf = goodstanding_issuer::pdf::render_draft(&certificate).unwrap();
        check(&pdf, &certificate, None, &format!("draft of {name}"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let pages = Document::load_mem(&pdf).unwrap().get_pages().len();
        pages_seen.insert(pages);
        for page in 1..=pages {
            let n = std::ffi::OsString::from(page.to_string());
            let (text, _) = tool(
                "pdftotext",
                &[
                    "-f".as_ref(),
                    n.as_os_str(),
                    "-l".as_ref(),
                    n.as_os_str(),
                    path.as_os_str(),
                    "-".as_ref(),
                ],
            );
            assert!(
                text.contains(goodstanding_issuer::pdf::DRAFT_MARK),
                "draft of {name}, page {page}: {text}"
            );
            assert!(!text.contains(certificate.id.as_str()), "no certificate id");
        }
        // No QR code on the page: zbarimg finds no symbol (exit status 4).
        let image = first_page_image(&path, "150");
        let (found, status) = tool("zbarimg", &["-q".as_ref(), image.as_os_str()]);
        assert_eq!(
            status,
            Some(4),
            "draft of {name}: no QR code, found {found:?}"
        );
    }
    assert!(pages_seen.iter().any(|&p| p >= 2), "{pages_seen:?}");
}
