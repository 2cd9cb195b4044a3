//! The verifier web page in real headless Chromium (Debian's `chromium`, driven by
//! playwright-core from tests/web/drive.mjs), against the site served on loopback: pasted QR
//! text, a tampered certificate, a revoked one, a photo, a PDF, the camera (Chromium's fake
//! device playing a video of a certificate's QR code), keyboard use, and a reload with the server
//! stopped (offline, from the service worker's cache).
//!
//! Builds the WebAssembly verifier with web/build.sh into a target folder of its own, so it does
//! not wait on the build lock of this test run. Needs chromium, Node.js with npm, the
//! wasm32-unknown-unknown target and wasm-bindgen-cli: `tools/test.sh` installs them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Issuer, example, goodstanding, ok, repo, with_payload_character_changed};
use serde_json::Value;

pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

pub(crate) fn run(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| {
        panic!("{what}: {e} (run tools/test.sh once: it installs what the tests need)")
    });
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Builds the WebAssembly verifier into `pkg` with web/build.sh.
pub(crate) fn build_wasm(pkg: &Path) {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-wasm-target");
    run(
        Command::new("bash")
            .arg(repo().join("web/build.sh"))
            .env("CARGO_TARGET_DIR", &target)
            .env("PKG_DIR", pkg),
        "web/build.sh",
    );
}

/// A video for Chromium's fake camera (YUV4MPEG2, 4:2:0): the QR code of each of `qr_texts` in
/// turn, a few frames each, drawn at 4 pixels a module on white, as a phone held over the
/// printed certificate (moved from code to code, for a certificate printed as several) would
/// see it.
fn camera_video(qr_texts: &[&str], path: &Path) {
    let (width, height) = (800usize, 600usize);
    let mut video = format!("YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for qr_text in qr_texts {
        let matrix = goodstanding_issuer::qr::encode(qr_text).unwrap();
        let modules = matrix.width();
        let scale = 4;
        let left = (width - modules * scale) / 2;
        let top = (height - modules * scale) / 2;
        let mut luma = vec![235u8; width * height];
        for y in 0..modules * scale {
            for x in 0..modules * scale {
                if matrix.is_dark(x / scale, y / scale) {
                    luma[(top + y) * width + left + x] = 16;
                }
            }
        }
        for _ in 0..5 {
            video.extend_from_slice(b"FRAME\n");
            video.extend_from_slice(&luma);
            video.extend(std::iter::repeat_n(128u8, width * height / 2));
        }
    }
    std::fs::write(path, video).unwrap();
}

/// Runs `node tests/web/SCRIPT CONFIG` with `config` written beside the issuer's files, and
/// reads the JSON object it prints (installing playwright-core first if it is missing).
pub(crate) fn drive(issuer: &Issuer, script: &str, config: &Value) -> Value {
    let web = repo().join("tests/web");
    if !web.join("node_modules/playwright-core").exists() {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--silent"])
                .current_dir(&web),
            "npm ci in tests/web",
        );
    }
    let config_path = issuer.path(&format!("{script}.json"));
    std::fs::write(&config_path, config.to_string()).unwrap();
    let stdout = run(
        Command::new("node").arg(web.join(script)).arg(&config_path),
        &format!("node tests/web/{script}"),
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn id_of(jws: &Path) -> String {
    jws.file_name()
        .unwrap()
        .to_string_lossy()
        .trim_end_matches(".jws")
        .to_string()
}

#[test]
fn the_page_verifies_pasted_photographed_pdf_and_camera_certificates_online_and_offline() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: apt-get install chromium, or run tools/test.sh"
    );
    // The issuing body: a key in a root-signed trust list, two certificates, one revoked, the
    // lists published and fetched into the trust folder that the site bundles.
    let issuer = Issuer::new("web-page");
    let key = issuer.key();
    let valid = issuer.issue_with(&key, &example("several-records"));
    let revoked = issuer.issue_with(&key, &example("clean-record"));
    ok(&goodstanding(&[
        &"revoke",
        &id_of(&revoked),
        &"--reason",
        &"issued_in_error",
        &"--register",
        &issuer.path("register.sqlite"),
    ]));
    issuer.publish();
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));

    let pkg = issuer.path("pkg");
    build_wasm(&pkg);
    // The compressed WebAssembly must stay at most 1 MB.
    let wasm = std::fs::read(pkg.join("goodstanding_web_bg.wasm")).unwrap();
    let compressed = miniz_oxide::deflate::compress_to_vec(&wasm, 9).len();
    eprintln!("WebAssembly: {} bytes, {compressed} deflated", wasm.len());
    assert!(compressed <= 1_000_000, "{compressed} bytes compressed");

    let site = issuer.web_site(&pkg, &["--from", "published"]);
    // After the site was built, the issuer revokes another certificate and publishes: the page
    // must fetch that newer list when online (here from published/ beside the page).
    let later = issuer.issue_with(&key, &example("appeal-pending"));
    issuer.revoke(&later);
    issuer.publish();
    std::fs::create_dir_all(site.join("published")).unwrap();
    for name in ["trust-list.jws", "revocation-list.jws"] {
        std::fs::copy(
            issuer.path("site").join(name),
            site.join("published").join(name),
        )
        .unwrap();
    }
    for file in [
        "index.html",
        "app.js",
        "sw.js",
        "pkg/goodstanding_web_bg.wasm",
        "trust/roots.json",
    ] {
        assert!(site.join(file).is_file(), "{file} missing from the site");
    }

    // What the employer holds: the QR text, the PDF, a photo of the page, a camera view.
    let qr_text = std::fs::read_to_string(valid.with_extension("qr.txt")).unwrap();
    let pdf = valid.with_extension("pdf");
    let photo = issuer.path("photo");
    run(
        Command::new("pdftoppm")
            .args(["-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&pdf)
            .arg(&photo),
        "pdftoppm",
    );
    let video = issuer.path("camera.y4m");
    camera_video(&[qr_text.trim()], &video);
    // A certificate printed as two QR codes: a scan of the page that holds them, their texts
    // and a camera view of one code, then the other.
    let (long, _) = issuer.issue(&repo().join("tests/data/capacity/four-of-each.json"));
    let long_pdf = long.with_extension("pdf");
    let parts_photo = issuer.path("parts-photo");
    run(
        Command::new("pdftoppm")
            .args(["-r", "150", "-png", "-f", "3", "-l", "3", "-singlefile"])
            .arg(&long_pdf)
            .arg(&parts_photo),
        "pdftoppm",
    );
    let long_qr = std::fs::read_to_string(long.with_extension("qr.txt")).unwrap();
    let parts = goodstanding_verifier::parts::split(long_qr.trim()).unwrap();
    assert_eq!(parts.len(), 2);
    let parts_video = issuer.path("parts-camera.y4m");
    camera_video(&[&parts[0], &parts[1]], &parts_video);
    let tampered = with_payload_character_changed(&valid, 30, &issuer.path("tampered.jws"));
    let screenshot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-verdict.png");
    let config = serde_json::json!({
        "site": site,
        "chromium": CHROMIUM,
        "valid_qr": qr_text.trim(),
        "tampered_qr": std::fs::read_to_string(&tampered).unwrap().trim(),
        "revoked_qr": std::fs::read_to_string(revoked.with_extension("qr.txt")).unwrap().trim(),
        "revoked_later_qr": std::fs::read_to_string(later.with_extension("qr.txt")).unwrap().trim(),
        "photo": photo.with_extension("png"),
        "pdf": pdf,
        "video": video,
        "screenshot": screenshot,
        "parts": parts,
        "parts_photo": parts_photo.with_extension("png"),
        "parts_video": parts_video,
    });
    let shown = drive(&issuer, "drive.mjs", &config);
    eprintln!("{}", serde_json::to_string_pretty(&shown).unwrap());

    let name = "Łukasz Żółć";
    // With only the bundled lists (the issuer's URL unreachable): revocation list 2, which
    // revokes the first certificate but not yet the later one.
    let bundled = shown["bundled_status"].as_str().unwrap();
    assert!(
        bundled.contains("revocation list number 2") && bundled.contains("Could not refresh"),
        "{bundled}"
    );
    assert_eq!(shown["bundled_revoked"]["title"], "NOT VALID");
    assert_eq!(shown["bundled_revoked"]["status"], "revoked");
    assert_eq!(shown["bundled_revoked_later"]["title"], "VALID");
    // Online, the page fetched number 3, with the later revocation.
    let refreshed = shown["refreshed_status"].as_str().unwrap();
    assert!(
        refreshed.contains("revocation list number 3")
            && refreshed.contains("Refreshed from published"),
        "{refreshed}"
    );
    assert_eq!(shown["revoked_later"]["status"], "revoked", "{shown}");
    // Issue 24, item 2: QR text as e-mail carries it reads as the text.
    assert_eq!(shown["valid_wrapped"]["title"], "VALID", "{shown}");
    assert_eq!(shown["valid_wrapped"]["name"], name, "{shown}");
    let long_name = "Anna-Katharina Wójcik-Fitzgerald-Oyelaran";
    for scenario in ["parts_photo", "parts_pasted", "parts_camera"] {
        let verdict = &shown[scenario];
        assert_eq!(verdict["title"], "VALID", "{scenario}: {verdict}");
        assert_eq!(verdict["name"], long_name, "{scenario}: {verdict}");
    }
    assert_eq!(shown["parts_one"]["title"], "NOT VALID", "{shown}");
    assert!(
        shown["parts_one"]["reason"]
            .as_str()
            .unwrap()
            .contains("only part 1 of the 2 QR codes of this certificate was read"),
        "{shown}"
    );
    assert_eq!(shown["parts_collected_first"]["found"], Value::Null);
    assert!(
        shown["parts_collected_first"]["progress"]
            .as_str()
            .unwrap()
            .starts_with("Read 1 of the 2 QR codes"),
        "{shown}"
    );
    assert_eq!(
        shown["parts_collected_all"]["found"],
        serde_json::json!(parts.join("\n"))
    );
    for scenario in ["valid", "photo", "pdf", "keyboard", "camera", "offline"] {
        let verdict = &shown[scenario];
        assert_eq!(verdict["title"], "VALID", "{scenario}: {verdict}");
        assert_eq!(verdict["name"], name, "{scenario}: {verdict}");
        assert!(
            verdict["timing"]
                .as_str()
                .unwrap()
                .contains("Trust data: trust list number 1"),
            "{scenario}: the verdict says which trust data it used: {verdict}"
        );
    }
    // Every record is shown, as the CLI shows it.
    let details = shown["valid"]["details"].as_str().unwrap();
    for section in [
        "Disciplinary findings (2)",
        "Convictions and cautions (2)",
        "Departures during an investigation (2)",
    ] {
        assert!(details.contains(section), "{section} missing: {details}");
    }
    assert_eq!(shown["tampered"]["title"], "NOT VALID");
    assert_eq!(shown["tampered"]["status"], "bad_signature");
    assert_eq!(shown["revoked"]["title"], "NOT VALID");
    assert_eq!(shown["revoked"]["status"], "revoked");
    assert!(
        shown["revoked"]["reason"]
            .as_str()
            .unwrap()
            .contains("revoked by its issuer on"),
        "{shown}"
    );
    assert_eq!(shown["keyboard_focus"], "Verify the text");
    assert!(
        shown["offline_trust_status"]
            .as_str()
            .unwrap()
            .contains("revocation list number 3"),
        "offline, the page keeps the lists it refreshed: {shown}"
    );
    assert_eq!(shown["page_errors"], serde_json::json!([]));
    assert!(screenshot.is_file());
}
