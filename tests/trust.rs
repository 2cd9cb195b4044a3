//! Trust lists, key rotation and revocation, end to end: the issuing body publishes into a folder
//! that a real HTTP server (Python's http.server on loopback, started here) serves; the verifier
//! fetches with `goodstanding trust update --from http://...` and verifies offline.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{Issuer, Run, SiteServer as Server, example, goodstanding, ok};
use serde_json::Value;

fn verify_json(issuer: &Issuer, jws: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let run = issuer.verify(jws, &args);
    let value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    (run.code, value)
}

fn key_file(issuer: &Issuer, kid: &str) -> PathBuf {
    issuer.path(&format!("keys/{kid}.key.pem"))
}

fn cache(issuer: &Issuer) -> Vec<u8> {
    std::fs::read(issuer.path("trust/trust-cache.json")).unwrap()
}

/// Publishes, fetches over HTTP into the verifier's trust folder, and returns the run.
fn publish_and_fetch(issuer: &Issuer, key: &Path, server: &Server) -> Run {
    issuer.publish_with(key, &[]);
    let run = issuer.update_trust(&server.url);
    ok(&run);
    run
}

/// Waits until the clock has passed a whole second, so that what is signed next is later (to
/// the second) than what was signed before.
fn next_second() {
    std::thread::sleep(Duration::from_millis(1100));
}

#[test]
fn publish_fetch_over_http_and_verify_offline_saying_how_old_the_lists_are() {
    let issuer = Issuer::new("trust-http");
    let server = Server::serve(&issuer.path("site"));
    let jws = issuer.issue_with(&key_file(&issuer, "trust-http"), &example("clean-record"));

    // A verifier with an empty trust folder pins the root and fetches.
    std::fs::remove_dir_all(issuer.path("trust")).unwrap();
    let run = issuer.update_trust(&server.url);
    ok(&run);
    assert!(run.stdout.contains("trust list number 1"), "{}", run.stdout);
    assert!(issuer.path("trust/roots/e2e-root.jwk").is_file());

    let run = issuer.verify(&jws, &[]);
    ok(&run);
    assert!(run.stdout.starts_with("VALID"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Trust data:")
            && run.stdout.contains("trust list number 1 signed")
            && run.stdout.contains("revocation list number 1 signed")
            && run.stdout.contains(&format!("from {}", server.url)),
        "{}",
        run.stdout
    );
    let (code, verdict) = verify_json(&issuer, &jws, &[]);
    assert_eq!(code, 0);
    assert_eq!(verdict["trust_data"]["trust_list"]["sequence"], 1);
    assert_eq!(verdict["trust_data"]["revocation_list"]["sequence"], 1);
    assert_eq!(verdict["trust_data"]["revocation_list"]["stale"], false);
    assert!(
        verdict["trust_data"]["trust_list"]["age_seconds"]
            .as_i64()
            .unwrap()
            >= 0
    );

    // The JWKS lists the issuing key for JOSE libraries.
    let jwks: Value =
        serde_json::from_slice(&std::fs::read(issuer.path("site/jwks.json")).unwrap()).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "trust-http");

    // An update with nothing new says so and changes nothing that matters.
    let run = issuer.update_trust(&server.url);
    ok(&run);
    assert!(
        run.stdout.starts_with("already up to date"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_rotated_key_and_the_old_one_both_verify_and_a_retired_key_issues_no_more() {
    let issuer = Issuer::new("rotate-2026");
    let server = Server::serve(&issuer.path("site"));
    let old = issuer.issue_with(&key_file(&issuer, "rotate-2026"), &example("clean-record"));

    // Rotation: a new key joins the trust list; the old one is retired from the next second.
    issuer.add_key("rotate-2027", "2000-01-01");
    next_second();
    let retire_at = now_text();
    ok(&issuer.trust(&[&"retire", &"rotate-2026", &"--at", &retire_at]));
    let run = publish_and_fetch(&issuer, &key_file(&issuer, "rotate-2027"), &server);
    assert!(run.stdout.contains("trust list number 3"), "{}", run.stdout);

    let new = issuer.issue_with(
        &key_file(&issuer, "rotate-2027"),
        &example("several-records"),
    );
    for jws in [&old, &new] {
        let run = issuer.verify(jws, &[]);
        assert_eq!(
            run.code,
            0,
            "{}: {}{}",
            jws.display(),
            run.stdout,
            run.stderr
        );
    }

    // goodstanding no longer signs with the retired key; what the file signs by other means is
    // not accepted.
    refused_to_sign(&issuer, "rotate-2026", "retired");
    let late = signed_outside_goodstanding(&issuer, "rotate-2026");
    let run = issuer.verify(&late, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("signed with key rotate-2026 after that key was retired"),
        "{}",
        run.stdout
    );
    let (_, verdict) = verify_json(&issuer, &late, &[]);
    assert_eq!(verdict["status"], "key_not_authorised");

    // A retired key may not sign the revocation list either.
    let run = goodstanding(&[
        &"publish",
        &"--out",
        &issuer.path("site"),
        &"--key",
        &key_file(&issuer, "rotate-2026"),
        &"--root",
        &issuer.root_public(),
        &"--trust-list",
        &issuer.path("trust-list.jws"),
        &"--register",
        &issuer.path("register.sqlite"),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("retired"), "{}", run.stderr);
}

/// `issue` with key `kid` is refused before anything is signed, naming `why`.
fn refused_to_sign(issuer: &Issuer, kid: &str, why: &str) {
    let out = issuer.path("refused-out");
    let run = goodstanding(&[
        &"issue",
        &example("several-records"),
        &"--key",
        &key_file(issuer, kid),
        &"--out",
        &out,
        &"--register",
        &issuer.path("register.sqlite"),
        &"--trust",
        &issuer.path("trust"),
        &"--supersede",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("key {kid} signs nothing")) && run.stderr.contains(why),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}

/// A certificate signed with key file `kid` through the library, as someone holding only the
/// key file could: what a verifier must refuse on its own.
fn signed_outside_goodstanding(issuer: &Issuer, kid: &str) -> PathBuf {
    let key = goodstanding_issuer::load_issuing_key(&key_file(issuer, kid), None).unwrap();
    let text = std::fs::read_to_string(example("clean-record")).unwrap();
    let request = goodstanding_issuer::CertificateRequest::from_json(&text).unwrap();
    let issued = goodstanding_issuer::issue(&request, &key, common::test_now()).unwrap();
    let path = issuer.path(&format!("{kid}-outside.jws"));
    std::fs::write(&path, issued.jws()).unwrap();
    path
}

fn now_text() -> String {
    common::test_now().to_string()
}

#[test]
fn a_compromised_key_keeps_earlier_certificates_with_a_warning_and_refuses_later_ones() {
    let issuer = Issuer::new("compromised");
    let server = Server::serve(&issuer.path("site"));
    let before = issuer.issue_with(&key_file(&issuer, "compromised"), &example("clean-record"));
    issuer.add_key("replacement", "2000-01-01");
    next_second();
    let at = now_text();
    let run = issuer.trust(&[&"compromise", &"compromised", &"--at", &at]);
    ok(&run);
    assert!(run.stdout.contains("compromised at"), "{}", run.stdout);
    publish_and_fetch(&issuer, &key_file(&issuer, "replacement"), &server);

    let run = issuer.verify(&before, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("was marked compromised at"),
        "{}",
        run.stdout
    );
    let (_, verdict) = verify_json(&issuer, &before, &[]);
    assert_eq!(verdict["key_compromised_at"], at.as_str());

    // goodstanding refuses to sign with it, naming the trust list's verdict ...
    refused_to_sign(&issuer, "compromised", "compromised");
    // ... and a certificate signed with it by other means (a thief has only the file) fails.
    let after = signed_outside_goodstanding(&issuer, "compromised");
    let run = issuer.verify(&after, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("at or after its compromise"),
        "{}",
        run.stdout
    );
    // A JOSE library reading the JWKS never sees the compromised key.
    let jwks = std::fs::read_to_string(issuer.path("site/jwks.json")).unwrap();
    assert!(!jwks.contains("\"compromised\"") && jwks.contains("replacement"));
}

#[test]
fn a_revoked_certificate_is_not_valid_once_the_list_is_published_and_fetched() {
    let issuer = Issuer::new("revoking");
    let server = Server::serve(&issuer.path("site"));
    let key = key_file(&issuer, "revoking");
    let jws = issuer.issue_with(&key, &example("several-records"));
    let other = issuer.issue_with(&key, &example("clean-record"));
    let id = jws
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(".jws");
    issuer.revoke(&jws);
    // Until the verifier fetches the new list, it cannot know.
    assert_eq!(issuer.verify(&jws, &[]).code, 0);

    publish_and_fetch(&issuer, &key, &server);
    let run = issuer.verify(&jws, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let today = &now_text()[..10];
    assert!(
        run.stdout.starts_with(&format!(
            "NOT VALID  revoked by its issuer on {today} (new information)"
        )),
        "{}",
        run.stdout
    );
    // What it said is still shown, marked as genuine but not valid.
    assert!(run.stdout.contains("genuine, but not valid now"));
    let (code, verdict) = verify_json(&issuer, &jws, &[]);
    assert_eq!(code, 1);
    assert_eq!(verdict["status"], "revoked");
    assert_eq!(verdict["revoked"]["reason"], "new_information");
    assert_eq!(verdict["revoked"]["on"], today);
    assert_eq!(verdict["trust_data"]["revocation_list"]["sequence"], 2);
    // The other certificate is untouched, and the list names no one: ids only.
    assert_eq!(issuer.verify(&other, &[]).code, 0);
    let list = std::fs::read_to_string(issuer.path("site/revocation-list.jws")).unwrap();
    let payload = list.split('.').nth(1).unwrap();
    let payload = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
    )
    .unwrap();
    assert!(
        payload.contains(id) && !payload.contains("Łukasz"),
        "{payload}"
    );
}

#[test]
fn tampered_foreign_and_rolled_back_lists_are_refused_and_the_cache_kept() {
    let issuer = Issuer::new("guarded");
    let key = key_file(&issuer, "guarded");
    let jws = issuer.issue_with(&key, &example("clean-record"));
    // The first publication, kept aside to replay later.
    let old_site = issuer.path("old-site");
    std::fs::create_dir_all(&old_site).unwrap();
    for name in ["trust-list.jws", "revocation-list.jws"] {
        std::fs::copy(issuer.path("site").join(name), old_site.join(name)).unwrap();
    }
    // A second publication, fetched.
    issuer.publish_with(&key, &[]);
    let server = Server::serve(&issuer.path("site"));
    ok(&issuer.update_trust(&server.url));
    let held = cache(&issuer);

    let refused = |source: &str, expect: &str| {
        let run = issuer.update_trust(source);
        assert_eq!(run.code, 2, "{source}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("the trust folder was not changed") && run.stderr.contains(expect),
            "{source}: expected {expect:?} in {}",
            run.stderr
        );
        assert_eq!(
            cache(&issuer),
            held,
            "the cache changed after a refused update"
        );
        assert_eq!(issuer.verify(&jws, &[]).code, 0);
    };

    // Rolled back: the first publication served again (revocation list 1 after 2).
    let old_server = Server::serve(&old_site);
    refused(&old_server.url, "older than number 2");

    // Tampered: one character of the trust list's payload changed.
    let tampered_site = issuer.path("tampered-site");
    std::fs::create_dir_all(&tampered_site).unwrap();
    std::fs::copy(
        issuer.path("site/revocation-list.jws"),
        tampered_site.join("revocation-list.jws"),
    )
    .unwrap();
    common::with_payload_character_changed(
        &issuer.path("site/trust-list.jws"),
        10,
        &tampered_site.join("trust-list.jws"),
    );
    let tampered_server = Server::serve(&tampered_site);
    refused(&tampered_server.url, "the signature does not verify");

    // Signed by a key that is not a pinned root: here the issuing key itself.
    let foreign_site = issuer.path("foreign-site");
    std::fs::create_dir_all(&foreign_site).unwrap();
    std::fs::copy(
        issuer.path("site/revocation-list.jws"),
        foreign_site.join("revocation-list.jws"),
    )
    .unwrap();
    // (`trust` refuses to start a list with an issuing key, so it is forged with the library.)
    let forger = goodstanding_issuer::load_issuing_key(&key, None).unwrap();
    goodstanding_operations::publication::change_trust_list(
        &foreign_site.join("trust-list.jws"),
        &forger,
        &goodstanding_operations::publication::TrustChange::Add {
            key: Box::new(forger.public_jwk()),
            from: goodstanding_verifier::Timestamp::parse("2000-01-01T00:00:00Z").unwrap(),
            until: None,
            issuer: None,
        },
        common::test_now(),
    )
    .unwrap();
    let foreign_server = Server::serve(&foreign_site);
    refused(
        &foreign_server.url,
        &format!(
            "signed by root guarded, which is not a root pinned here (pinned: {})",
            common::ROOT_KID
        ),
    );

    // A partial site (the revocation list missing) is refused as a whole.
    std::fs::remove_file(foreign_site.join("revocation-list.jws")).unwrap();
    std::fs::copy(
        issuer.path("site/trust-list.jws"),
        foreign_site.join("trust-list.jws"),
    )
    .unwrap();
    refused(&foreign_server.url, "404");
}

#[test]
fn a_server_that_is_down_gives_a_clear_error_and_the_cache_is_kept() {
    let issuer = Issuer::new("offline");
    let held = cache(&issuer);
    // A port nothing listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let run = issuer.update_trust(&url);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains(&format!("{url}/trust-list-v3.jws: cannot fetch"))
            && run.stderr.contains("the trust folder was not changed"),
        "{}",
        run.stderr
    );
    assert_eq!(cache(&issuer), held);
}

#[test]
fn a_stale_revocation_list_is_reported_and_refused_with_require_fresh() {
    let issuer = Issuer::new("stale");
    let key = key_file(&issuer, "stale");
    let jws = issuer.issue_with(&key, &example("clean-record"));
    issuer.publish_with(&key, &["--next-update-days", "1"]);
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    let later = goodstanding_verifier::Timestamp::parse(&now_text())
        .unwrap()
        .plus_days(2)
        .unwrap()
        .to_string();

    // Fresh now.
    let run = issuer.verify(&jws, &["--require-fresh"]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    // Two days later: the signature result stands, with the warning.
    let run = issuer.verify(&jws, &["--at", &later]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.starts_with("VALID"), "{}", run.stdout);
    assert!(
        run.stdout.contains("!! Revocation status stale since"),
        "{}",
        run.stdout
    );
    let (_, verdict) = verify_json(&issuer, &jws, &["--at", &later]);
    assert_eq!(verdict["trust_data"]["revocation_list"]["stale"], true);
    // The JSON carries the same warning, as data.
    assert_eq!(verdict["warnings"][0]["code"], "revocation_status_stale");

    let run = issuer.verify(&jws, &["--at", &later, "--require-fresh"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("NOT VALID  revocation status stale since"),
        "{}",
        run.stdout
    );
    let (_, verdict) = verify_json(&issuer, &jws, &["--at", &later, "--require-fresh"]);
    assert_eq!(verdict["status"], "revocation_status_stale");
}

#[test]
fn a_trust_folder_of_issuing_keys_from_before_trust_lists_says_what_to_do() {
    let issuer = Issuer::new("legacy");
    let jws = issuer.issue_with(&key_file(&issuer, "legacy"), &example("clean-record"));
    let legacy = issuer.path("legacy-trust");
    std::fs::create_dir_all(&legacy).unwrap();
    std::fs::copy(
        issuer.path("keys/legacy.pub.jwk"),
        legacy.join("legacy.pub.jwk"),
    )
    .unwrap();
    let run = goodstanding(&[&"verify", &jws, &"--trust", &legacy]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no roots/ folder") && run.stderr.contains("goodstanding trust update"),
        "{}",
        run.stderr
    );
    // An empty folder: says to fetch.
    let empty = issuer.path("empty-trust/roots");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::copy(issuer.root_public(), empty.join("root.jwk")).unwrap();
    let run = goodstanding(&[&"verify", &jws, &"--trust", &issuer.path("empty-trust")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no trust list fetched yet"),
        "{}",
        run.stderr
    );
}

/// Rule 9: `issue` judges its key as `verify` will before signing anything, and says the fix:
/// the root key, a key the trust list allows only from a later date, a key the list does not
/// name, and no trust list at all each sign nothing (exit 1) and record nothing.
#[test]
fn the_root_key_and_keys_the_trust_list_does_not_allow_now_sign_nothing() {
    let issuer = Issuer::new("judged");
    let root_key = issuer.path(&format!("root/{}.key.pem", common::ROOT_KID));
    issuer.add_key("from-2030", "2030-01-01");
    // In a folder of its own: keys/ is where the test issuer finds its publishing key.
    ok(&goodstanding(&[
        &"keygen",
        &"--out",
        &issuer.path("other-keys"),
        &"--kid",
        &"unlisted",
    ]));
    issuer.publish_with(&key_file(&issuer, "judged"), &[]);
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    let attempt = |key: &Path, trust: &Path| {
        let out = issuer.path("refused-out");
        let run = goodstanding(&[
            &"issue",
            &example("clean-record"),
            &"--key",
            &key,
            &"--out",
            &out,
            &"--register",
            &issuer.path("register.sqlite"),
            &"--trust",
            &trust,
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(!out.exists());
        run.stderr
    };
    let trust = issuer.path("trust");
    let message = attempt(&root_key, &trust);
    assert!(message.contains("it is a root key"), "{message}");
    let message = attempt(&key_file(&issuer, "from-2030"), &trust);
    assert!(
        message.contains("from-2030") && message.contains("2030"),
        "{message}"
    );
    let message = attempt(&issuer.path("other-keys/unlisted.key.pem"), &trust);
    assert!(
        message.contains("does not name it") && message.contains("trust add"),
        "{message}"
    );
    let message = attempt(&key_file(&issuer, "judged"), &issuer.path("no-such-folder"));
    assert!(
        message.contains("holds no trust list") && message.contains("trust update"),
        "{message}"
    );
    // Nothing was recorded.
    let run = goodstanding(&[
        &"register",
        &"list",
        &"--register",
        &issuer.path("register.sqlite"),
        &"--json",
    ]);
    assert_eq!(run.stdout.trim(), "", "{}", run.stdout);
}

/// A root key whose trust list (version 2) names issuing key `kid` with its body `body`, at
/// 1 Example Street, Leeds, checked at https://goodstanding.example.org/check.
fn issuer_with_described_key(kid: &str, body: &str) -> Issuer {
    let issuer = Issuer::without_keys();
    ok(&goodstanding(&[
        &"keygen",
        &"--out",
        &issuer.path("keys"),
        &"--kid",
        &kid,
    ]));
    ok(&issuer.trust(&[
        &"add",
        &issuer.path(&format!("keys/{kid}.pub.jwk")),
        &"--from",
        &"2000-01-01",
        &"--body-name",
        &body,
        &"--body-address",
        &"1 Example Street, Leeds LS1 1AA",
        &"--check-url",
        &"https://goodstanding.example.org/check",
    ]));
    issuer
}

/// Rule 9: the issuer is the body the trust list names for the key (trust list version 2). A
/// request naming another body is refused; a certificate signed with the key by other means
/// claiming another issuer ("General Medical Council") is NOT VALID; a genuine one shows the
/// body's address and where to check; a list naming a body for one key only is refused.
#[test]
fn the_issuer_is_the_body_the_trust_list_names_for_the_key() {
    let body = "Demo Issuing Body (not a real issuer)";
    let issuer = issuer_with_described_key("body-key", body);
    issuer.publish();
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));

    // The example names this body: issued, and shown with the list's address and check URL.
    let jws = issuer.issue_with(&key_file(&issuer, "body-key"), &example("clean-record"));
    let run = issuer.verify(&jws, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("1 Example Street, Leeds")
            && run
                .stdout
                .contains("https://goodstanding.example.org/check"),
        "{}",
        run.stdout
    );

    // The PDF prints the body's address and where to check, and `render` from the same JWS and
    // trust folder gives the same bytes.
    let pdf = jws.with_extension("pdf");
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    assert!(
        text.contains("1 Example Street, Leeds LS1 1AA")
            && text.contains("Check certificates at https://goodstanding.example.org/check"),
        "{text}"
    );
    let rendered = issuer.path("rendered");
    ok(&goodstanding(&[
        &"render",
        &jws,
        &"--trust",
        &issuer.path("trust"),
        &"--out",
        &rendered,
    ]));
    assert_eq!(
        std::fs::read(rendered.join(pdf.file_name().unwrap())).unwrap(),
        std::fs::read(&pdf).unwrap()
    );

    // A request naming another body is refused before anything is signed.
    let text = std::fs::read_to_string(example("several-records"))
        .unwrap()
        .replace(body, "General Medical Council");
    let request = issuer.path("gmc.json");
    std::fs::write(&request, &text).unwrap();
    let out = issuer.path("refused-out");
    let run = goodstanding(&[
        &"issue",
        &request,
        &"--key",
        &key_file(&issuer, "body-key"),
        &"--out",
        &out,
        &"--register",
        &issuer.path("register.sqlite"),
        &"--trust",
        &issuer.path("trust"),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("General Medical Council") && run.stderr.contains(body),
        "{}",
        run.stderr
    );
    assert!(!out.exists());

    // Signed with the key by other means, the claim fails verification.
    let key = goodstanding_issuer::load_issuing_key(&key_file(&issuer, "body-key"), None).unwrap();
    let forged = goodstanding_issuer::issue(
        &goodstanding_issuer::CertificateRequest::from_json(&text).unwrap(),
        &key,
        common::test_now(),
    )
    .unwrap();
    let path = issuer.path("forged.jws");
    std::fs::write(&path, forged.jws()).unwrap();
    let run = issuer.verify(&path, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("cannot claim another issuer"),
        "{}",
        run.stdout
    );

    // A second key without a body would make a list naming bodies for some keys only.
    ok(&goodstanding(&[
        &"keygen",
        &"--out",
        &issuer.path("keys"),
        &"--kid",
        &"no-body",
    ]));
    let run = issuer.trust(&[
        &"add",
        &issuer.path("keys/no-body.pub.jwk"),
        &"--from",
        &"2000-01-01",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("trust describe") && run.stderr.contains("no-body"),
        "{}",
        run.stderr
    );
}

/// Item 5 of issue 23: during the transition the issuing body publishes both trust-list
/// versions. The root key writes a version 1 form beside every version 2 list; `publish` puts
/// the version 2 list at `trust-list-v2.jws` and the version 1 form where the release before
/// fetches it (`trust-list.jws`); this release fetches version 2 first and falls back to
/// version 1 from a site that has only that.
#[test]
fn the_issuer_publishes_both_trust_list_versions_during_the_transition() {
    let issuer = issuer_with_described_key("both-key", "Demo Issuing Body (not a real issuer)");
    assert!(issuer.path("trust-list.v1.jws").is_file());

    // Without the version 1 form beside the list, nothing is published.
    let form = std::fs::read(issuer.path("trust-list.v1.jws")).unwrap();
    std::fs::remove_file(issuer.path("trust-list.v1.jws")).unwrap();
    let run = issuer.try_publish(&key_file(&issuer, "both-key"), &[]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("trust-list.v1.jws") && run.stderr.contains("copy"),
        "{}",
        run.stderr
    );
    assert!(!issuer.path("site").exists());
    std::fs::write(issuer.path("trust-list.v1.jws"), form).unwrap();
    issuer.publish_with(&key_file(&issuer, "both-key"), &[]);

    // The site holds both: the same keys and sequence, the version 1 form with only the fields
    // version 1 has (the release before refuses unknown fields), signed by the pinned root.
    let mut roots = goodstanding_verifier::TrustStore::new();
    roots
        .add(
            goodstanding_verifier::PublicJwk::from_json(
                &std::fs::read_to_string(issuer.root_public()).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
    let read = |name: &str| {
        let bytes = std::fs::read(issuer.path("site").join(name)).unwrap();
        goodstanding_verifier::lists::TrustList::verify(&bytes, &roots)
            .unwrap()
            .content
    };
    let (version_2, version_1) = (read("trust-list-v2.jws"), read("trust-list.jws"));
    assert_eq!(version_2.trust_list_version, 2);
    assert_eq!(version_1.trust_list_version, 1);
    assert_eq!(version_1.sequence, version_2.sequence);
    assert_eq!(version_1, version_2.as_version_1());
    let payload: Value = {
        let text = std::fs::read_to_string(issuer.path("site/trust-list.jws")).unwrap();
        let part = text.trim().split('.').nth(1).unwrap().to_string();
        use base64::Engine as _;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap();
        serde_json::from_slice(&json).unwrap()
    };
    for entry in payload["keys"].as_array().unwrap() {
        for field in entry.as_object().unwrap().keys() {
            assert!(
                ["key", "from", "until", "status", "compromised_at"].contains(&field.as_str()),
                "{field} in a version 1 list"
            );
        }
    }

    // Over HTTP, this release takes version 2: the body's address is shown.
    let server = Server::serve(&issuer.path("site"));
    ok(&issuer.update_trust(&server.url));
    let jws = issuer.issue_with(&key_file(&issuer, "both-key"), &example("clean-record"));
    let run = issuer.verify(&jws, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("1 Example Street, Leeds"),
        "{}",
        run.stdout
    );

    // A site that publishes version 1 only (a 404 for trust-list-v2.jws): this release falls
    // back to trust-list.jws.
    let old_site = issuer.path("old-site");
    std::fs::create_dir_all(&old_site).unwrap();
    for name in ["trust-list.jws", "revocation-list.jws"] {
        std::fs::copy(issuer.path("site").join(name), old_site.join(name)).unwrap();
    }
    let old_server = Server::serve(&old_site);
    let trust = issuer.path("trust-from-old-site");
    let run = goodstanding(&[
        &"trust",
        &"update",
        &"--from",
        &old_server.url,
        &"--trust",
        &trust,
        &"--root",
        &issuer.root_public(),
    ]);
    ok(&run);
    assert!(run.stdout.contains("trust list number 1"), "{}", run.stdout);
    let run = goodstanding(&[&"verify", &jws, &"--trust", &trust]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // A trust folder that holds version 2 does not take the version 1 form of the same number:
    // nobody strips the bodies from what a verifier holds.
    let held = cache(&issuer);
    let run = issuer.update_trust(&old_server.url);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(cache(&issuer), held);
}

/// Issue 24, item 5: keys given in the wrong place get a message that says what they are and
/// what to give instead; an issuing key never starts a trust list; a list signed by a root not
/// pinned here names the pinned roots and how to pin a new one.
#[test]
fn keys_given_in_the_wrong_place_are_named_with_the_fix() {
    let issuer = Issuer::new("wrong-place");
    let private = key_file(&issuer, "wrong-place");
    // A private key where a public key goes: trust add, publish --root, trust update --root.
    let run = issuer.trust(&[&"add", &private, &"--from", &"2000-01-01"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let root_private = issuer.path(&format!("root/{}.key.pem", common::ROOT_KID));
    let runs = [
        run,
        goodstanding(&[
            &"publish",
            &"--out",
            &issuer.path("site2"),
            &"--key",
            &private,
            &"--root",
            &root_private,
            &"--trust-list",
            &issuer.path("trust-list.jws"),
            &"--register",
            &issuer.path("register.sqlite"),
        ]),
    ];
    for (run, beside) in runs.iter().zip([
        "wrong-place.pub.jwk".to_string(),
        format!("{}.pub.jwk", common::ROOT_KID),
    ]) {
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("private key")
                && run.stderr.contains(&format!("{beside} beside it"))
                && !run.stderr.contains("invalid number"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("BEGIN"), "no key text in a message");
    }
    // A root key file says what it is; an issuing key does not start a trust list.
    let root_text = std::fs::read_to_string(&root_private).unwrap();
    assert!(root_text.starts_with(goodstanding_issuer::keys::ROOT_KEY_LINE));
    let new_list = issuer.path("new-list.jws");
    let run = goodstanding(&[
        &"trust",
        &"add",
        &issuer.path("keys/wrong-place.pub.jwk"),
        &"--from",
        &"2000-01-01",
        &"--root-key",
        &private,
        &"--list",
        &new_list,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a root key"), "{}", run.stderr);
    assert!(!new_list.exists());
    // A verifier pinned to another root: the message lists what is pinned and the fix.
    let other_root = issuer.path("other-root");
    ok(&goodstanding(&[
        &"root",
        &"keygen",
        &"--out",
        &other_root,
        &"--kid",
        &"other-root",
    ]));
    let run = goodstanding(&[
        &"trust",
        &"update",
        &"--from",
        &issuer.path("site"),
        &"--trust",
        &issuer.path("other-trust"),
        &"--root",
        &other_root.join("other-root.pub.jwk"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("signed by root {}", common::ROOT_KID))
            && run.stderr.contains("pinned: other-root")
            && run.stderr.contains("--root NEW.pub.jwk"),
        "{}",
        run.stderr
    );
}

/// Issue 24, item 7: revoking and retiring say what the user must do next for verifiers to see
/// it; `trust show` lists the pinned roots.
#[test]
fn revoke_and_trust_changes_remind_the_next_step_and_trust_show_lists_the_roots() {
    let issuer = Issuer::new("next-step");
    let jws = issuer.issue_with(&key_file(&issuer, "next-step"), &example("clean-record"));
    let id = jws.file_stem().unwrap().to_string_lossy().into_owned();
    let run = goodstanding(&[
        &"revoke",
        &id,
        &"--reason",
        &"new_information",
        &"--register",
        &issuer.path("register.sqlite"),
    ]);
    ok(&run);
    assert!(
        run.stdout.contains("goodstanding publish") && run.stdout.contains("trust update"),
        "{}",
        run.stdout
    );
    issuer.add_key("next-step-2", "2000-01-01");
    let run = issuer.trust(&[&"retire", &"next-step", &"--at", &"2026-01-01"]);
    ok(&run);
    assert!(
        run.stdout.contains("goodstanding publish") && run.stdout.contains("trust update"),
        "{}",
        run.stdout
    );
    let run = goodstanding(&[&"trust", &"show", &"--trust", &issuer.path("trust")]);
    ok(&run);
    assert!(
        run.stdout.contains(&format!("root {}", common::ROOT_KID)),
        "{}",
        run.stdout
    );
    // Status words are words (issue 24, item 6), not Rust's Debug names.
    let run = issuer.trust(&[
        &"add",
        &issuer.path("keys/next-step.pub.jwk"),
        &"--from",
        &"2000-01-01",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("(status retired)"), "{}", run.stderr);
    let run = issuer.trust(&[
        &"compromise",
        &"next-step",
        &"--at",
        &"2026-06-01T00:00:00Z",
    ]);
    ok(&run);
    assert!(
        run.stdout.contains(" compromised ") && !run.stdout.contains("Compromised"),
        "{}",
        run.stdout
    );
}

/// Issue 24, item 9: `issue`, `revoke`, `publish` and `trust show` print one JSON object with
/// `--json`, valid under its committed schema; the committed schemas are what `goodstanding
/// schema` writes.
#[test]
fn json_outputs_follow_their_committed_schemas() {
    let schemas = common::repo().join("schemas");
    let generated = tempfile::tempdir().unwrap();
    ok(&goodstanding(&[&"schema", &"--out", &generated.path()]));
    for entry in std::fs::read_dir(generated.path()).unwrap() {
        let entry = entry.unwrap();
        let committed = std::fs::read_to_string(schemas.join(entry.file_name()))
            .unwrap_or_else(|e| panic!("{:?} is not committed: {e}", entry.file_name()));
        assert_eq!(
            std::fs::read_to_string(entry.path()).unwrap(),
            committed,
            "{:?}: run `goodstanding schema` and commit it",
            entry.file_name()
        );
    }
    let check = |schema: &str, stdout: &str| -> Value {
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(schemas.join(schema)).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let value: Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("{schema}: {e}: {stdout}"));
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}: {value}");
        value
    };

    let issuer = Issuer::new("json-outputs");
    let (out, register) = (issuer.path("out"), issuer.path("register.sqlite"));
    let run = goodstanding(&[
        &"issue",
        &example("several-records"),
        &"--key",
        &issuer.key(),
        &"--out",
        &out,
        &"--register",
        &register,
        &"--trust",
        &issuer.path("trust"),
        &"--json",
    ]);
    ok(&run);
    let issued = check("issue-output.schema.json", &run.stdout);
    let id = issued["id"].as_str().unwrap().to_string();
    assert!(std::path::Path::new(issued["files"]["pdf"].as_str().unwrap()).is_file());

    let run = goodstanding(&[
        &"revoke",
        &id,
        &"--reason",
        &"issued_in_error",
        &"--register",
        &register,
        &"--json",
    ]);
    ok(&run);
    assert_eq!(
        check("revoke-output.schema.json", &run.stdout)["id"],
        id.as_str()
    );

    let run = issuer.publish_with(&issuer.key(), &["--json"]);
    let published = check("publish-output.schema.json", &run.stdout);
    assert_eq!(published["revocation_list"]["revoked"], 1);

    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    let run = goodstanding(&[
        &"trust",
        &"show",
        &"--trust",
        &issuer.path("trust"),
        &"--json",
    ]);
    ok(&run);
    let shown = check("trust-show-output.schema.json", &run.stdout);
    assert_eq!(shown["roots"][0], common::ROOT_KID);
    assert_eq!(shown["keys"][0]["kid"], "json-outputs");
}

/// `root rotate` hands trust over from the root verifiers pinned to a new one: `trust update`
/// follows the published chain and pins the new root; a trust list signed by a root no chain
/// reaches is refused.
#[test]
fn a_root_handover_is_followed_from_the_pinned_root_and_an_unreached_root_is_refused() {
    let issuer = Issuer::new("handover-1");
    let (jws, _) = issuer.issue(&example("clean-record"));
    let new_root = issuer.path("root-2");
    ok(&goodstanding(&[
        &"root",
        &"keygen",
        &"--out",
        &new_root,
        &"--kid",
        &"e2e-root-2",
    ]));
    let (list, old_key, new_key) = (
        issuer.path("trust-list.jws"),
        issuer.path(&format!("root/{}.key.pem", common::ROOT_KID)),
        new_root.join("e2e-root-2.key.pem"),
    );
    // An issuing key is no root.
    let refused = goodstanding(&[
        &"root",
        &"rotate",
        &"--root-key",
        &old_key,
        &"--new-root-key",
        &issuer.key(),
        &"--list",
        &list,
    ]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("not a root key"),
        "{}",
        refused.stderr
    );
    let rotated = goodstanding(&[
        &"root",
        &"rotate",
        &"--root-key",
        &old_key,
        &"--new-root-key",
        &new_key,
        &"--list",
        &list,
    ]);
    ok(&rotated);
    assert!(
        rotated
            .stdout
            .contains("root e2e-root handed trust over to root e2e-root-2")
            && rotated.stdout.contains("signed by root e2e-root-2 now"),
        "{}",
        rotated.stdout
    );
    // Publishing checks the list with the new root; the chain goes on the site.
    let publish = |root: &Path| {
        goodstanding(&[
            &"publish",
            &"--out",
            &issuer.path("site"),
            &"--key",
            &issuer.key(),
            &"--root",
            &root,
            &"--trust-list",
            &list,
            &"--register",
            &issuer.path("register.sqlite"),
        ])
    };
    let stale = publish(&issuer.root_public());
    assert_ne!(stale.code, 0, "the list is no longer the old root's");
    ok(&publish(&new_root.join("e2e-root-2.pub.jwk")));
    assert!(issuer.path("site/root-handovers.json").is_file());

    // The web page, built while the old root was pinned, follows the chain when it refreshes
    // (and again, offline, from the chain it kept) and verifies under the new root's lists.
    let pkg = issuer.path("pkg");
    crate::web::build_wasm(&pkg);
    let web_site = issuer.web_site(&pkg, &["--from", "published"]);
    crate::transparency::copy_tree(&issuer.path("site"), &web_site.join("published"));
    let shown = crate::web::drive(
        &issuer,
        "handover.mjs",
        &serde_json::json!({
            "site": web_site,
            "chromium": crate::web::CHROMIUM,
            "jws": std::fs::read_to_string(&jws).unwrap().trim(),
        }),
    );
    let online = shown["online_status"].as_str().unwrap();
    assert!(
        online.contains("Refreshed from")
            && online.contains("Root key handed over from e2e-root to e2e-root-2"),
        "{shown}"
    );
    // Offline, the new root's list (number 2), kept on the device, is the one in use.
    let offline = shown["offline_status"].as_str().unwrap();
    assert!(
        offline.contains("Using trust list number 2") && offline.contains("Could not refresh"),
        "{shown}"
    );
    for scenario in ["online", "offline"] {
        assert_eq!(shown[scenario]["status"], "valid", "{scenario}: {shown}");
    }

    // The verifier pinned the old root: it follows the chain and pins the new one.
    let trust = issuer.path("trust");
    let update_from =
        |site: &Path| goodstanding(&[&"trust", &"update", &"--from", &site, &"--trust", &trust]);
    let updated = update_from(&issuer.path("site"));
    ok(&updated);
    assert!(
        updated
            .stdout
            .contains("root e2e-root handed trust over to root e2e-root-2"),
        "{}",
        updated.stdout
    );
    assert!(trust.join("roots/e2e-root-2.jwk").is_file());
    assert!(trust.join("roots/replaced/e2e-root.jwk").is_file());
    assert!(!trust.join("roots/e2e-root.jwk").exists());
    ok(&issuer.verify(&jws, &[]));
    // Once more: nothing left to follow.
    let again = update_from(&issuer.path("site"));
    ok(&again);
    assert!(
        !again.stdout.contains("handed trust over"),
        "{}",
        again.stdout
    );

    // A list signed by a root that no chain reaches from the pinned one is refused.
    let stranger = issuer.path("root-3");
    ok(&goodstanding(&[
        &"root",
        &"keygen",
        &"--out",
        &stranger,
        &"--kid",
        &"e2e-root-3",
    ]));
    let other_list = issuer.path("other/trust-list.jws");
    ok(&goodstanding(&[
        &"trust",
        &"add",
        &issuer.path("keys/handover-1.pub.jwk"),
        &"--from",
        &"2000-01-01",
        &"--root-key",
        &stranger.join("e2e-root-3.key.pem"),
        &"--list",
        &other_list,
    ]));
    let other_site = issuer.path("other-site");
    ok(&goodstanding(&[
        &"publish",
        &"--out",
        &other_site,
        &"--key",
        &issuer.key(),
        &"--root",
        &stranger.join("e2e-root-3.pub.jwk"),
        &"--trust-list",
        &other_list,
        &"--register",
        &issuer.path("register.sqlite"),
    ]));
    let cached = std::fs::read(trust.join("trust-cache.json")).unwrap();
    let unreached = goodstanding(&[
        &"trust",
        &"update",
        &"--from",
        &other_site,
        &"--trust",
        &trust,
    ]);
    assert_ne!(unreached.code, 0);
    assert!(
        unreached
            .stderr
            .contains("signed by root e2e-root-3, which is not a root pinned here"),
        "{}",
        unreached.stderr
    );
    assert_eq!(
        std::fs::read(trust.join("trust-cache.json")).unwrap(),
        cached
    );
}
