//! The transparency log (issue 25): `log init`, two `goodstanding witness run` processes on
//! loopback, `issue` appending first and handing out a certificate only with a witnessed proof;
//! the quorum failing closed and a later run releasing what was held; a register restored from
//! an old backup refused before the log key signs anything.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use goodstanding_verifier::log_entry::LogEntry;
use goodstanding_verifier::merkle::{leaf_hash, verify_inclusion};
use goodstanding_verifier::subject_tag::check_tag;
use goodstanding_verifier::tlog_policy::Policy;
use goodstanding_verifier::tlog_proof::TlogProof;
use sha2::{Digest as _, Sha256};

use crate::common::{self, Issuer, example, goodstanding, ok};

const ORIGIN: &str = "certificates.example.org/log";

/// A witness process, stopped when dropped.
struct WitnessProcess {
    child: Child,
    vkey: String,
    url: String,
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(issuer: &Issuer, name: &str, log_vkey: &str) -> WitnessProcess {
    start_witness_of(issuer, name, &[log_vkey])
}

/// A witness of several logs (their vkeys), with the key and state of `name`.
fn start_witness_of(issuer: &Issuer, name: &str, log_vkeys: &[&str]) -> WitnessProcess {
    let key = issuer.path(&format!("{name}.key"));
    if !key.exists() {
        ok(&goodstanding(&[
            &"witness", &"init", &"--key", &key, &"--name", &name,
        ]));
    }
    let state = issuer.path(&format!("{name}.state"));
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
        vec![&"witness", &"run", &"--key", &key, &"--name", &name];
    for vkey in log_vkeys {
        args.push(&"--log");
        args.push(vkey);
    }
    args.extend([
        &"--state" as &dyn AsRef<std::ffi::OsStr>,
        &state,
        &"--listen",
        &"127.0.0.1:0",
    ]);
    let mut child = common::command(&args, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let vkey = lines.next().unwrap().unwrap();
    let listening = lines.next().unwrap().unwrap();
    WitnessProcess {
        child,
        vkey: vkey.strip_prefix("witness ").unwrap().to_string(),
        url: listening.strip_prefix("listening on ").unwrap().to_string(),
    }
}

/// The log's policy with both witnesses, both needed.
fn write_policy(log_dir: &Path, log_vkey: &str, witnesses: &[&WitnessProcess]) {
    let mut text = format!("log {log_vkey}\n");
    for (i, w) in witnesses.iter().enumerate() {
        text.push_str(&format!("witness w{i} {} {}\n", w.vkey, w.url));
    }
    text.push_str("group both all w0 w1\nquorum both\n");
    std::fs::write(log_dir.join("log.policy"), text).unwrap();
}

/// `command` with the issuer's key, `out/`, `register` and trust folder.
pub(crate) fn issuing(
    issuer: &Issuer,
    command: &[&dyn AsRef<std::ffi::OsStr>],
    register: &std::ffi::OsStr,
) -> common::Run {
    let (key, out, trust) = (issuer.key(), issuer.path("out"), issuer.path("trust"));
    let mut args = command.to_vec();
    args.extend([
        &"--key" as &dyn AsRef<std::ffi::OsStr>,
        &key,
        &"--out",
        &out,
        &"--register",
        &register,
        &"--trust",
        &trust,
    ]);
    goodstanding(&args)
}

fn issue(issuer: &Issuer, request: &Path, register: &std::ffi::OsStr) -> common::Run {
    issuing(issuer, &[&"issue", &request], register)
}

/// Reissues certificate `id` for `subject` (the example request); returns the new id.
fn reissue(issuer: &Issuer, id: &str, subject: &str, register: &std::ffi::OsStr) -> String {
    let reissued = issuing(
        issuer,
        &[&"reissue", &id, &request_for(issuer, subject)],
        register,
    );
    ok(&reissued);
    reissued
        .stdout
        .split_whitespace()
        .find(|w| w.len() == 26 && *w != id)
        .unwrap()
        .to_string()
}

/// The example request for another subject.
fn request_for(issuer: &Issuer, subject: &str) -> PathBuf {
    let text = std::fs::read_to_string(example("clean-record")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["subject"]["reference"] = subject.into();
    let path = issuer.path(&format!("{subject}.json"));
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

/// Checks a certificate's proof as an offline verifier will: the entry in the proof matches the
/// certificate, its subject tag belongs to the subject, its leaf is in a checkpoint the log
/// signed and both witnesses cosigned.
fn check_proof(out: &Path, id: &str, policy: &Policy, tag_key: &[u8; 32], subject: &str) {
    let proof_text = std::fs::read_to_string(out.join(format!("{id}.tlog-proof"))).unwrap();
    let proof = TlogProof::parse(&proof_text).unwrap();
    let entry_bytes = proof.extra.clone().unwrap();
    let LogEntry::Certificate {
        id: logged_id,
        jws_sha256,
        period,
        tag,
        tag_proof,
        ..
    } = LogEntry::from_bytes(&entry_bytes).unwrap()
    else {
        panic!("not a certificate entry");
    };
    assert_eq!(logged_id, id);
    let jws = std::fs::read_to_string(out.join(format!("{id}.jws"))).unwrap();
    assert_eq!(
        jws_sha256,
        <[u8; 32]>::from(Sha256::digest(jws.trim_end().as_bytes()))
    );
    assert!(check_tag(tag_key, subject, &period, &tag, &tag_proof));
    assert!(!check_tag(
        tag_key,
        "SUBJ-SOMEONE-ELSE",
        &period,
        &tag,
        &tag_proof
    ));
    let (checkpoint, cosigned) = policy.check_checkpoint(&proof.checkpoint).unwrap();
    assert_eq!(cosigned, ["w0", "w1"]);
    verify_inclusion(
        &leaf_hash(&entry_bytes),
        proof.index,
        checkpoint.size,
        &proof.path,
        &checkpoint.root,
    )
    .unwrap();
    // The PDF carries the same proof beside the .jws.
    let pdf = std::fs::read(out.join(format!("{id}.pdf"))).unwrap();
    let attached = goodstanding_verifier::pdf::attached_proof(&pdf).unwrap();
    assert_eq!(attached.as_deref(), Some(proof_text.as_bytes()));
}

fn log_sizes(register: &std::ffi::OsStr) -> String {
    // What the log key signed, as the register recorded it.
    let run = goodstanding(&[&"log", &"show", &"--register", &register]);
    ok(&run);
    run.stdout
}

/// An issuer whose trust list names `body` for key tlog-2026-1, with a log set up in `log/`
/// and two witness processes, both needed.
pub(crate) struct Logged {
    pub(crate) issuer: Issuer,
    pub(crate) register: std::ffi::OsString,
    log_dir: PathBuf,
    log_vkey: String,
    tag_key: [u8; 32],
    w0: WitnessProcess,
    w1: WitnessProcess,
    policy: Policy,
}

fn logged_issuer(body: &str) -> Logged {
    logged_issuer_on(body, false)
}

/// [`logged_issuer`], with the register in PostgreSQL if `on_postgres`.
pub(crate) fn logged_issuer_on(body: &str, on_postgres: bool) -> Logged {
    let issuer = Issuer::without_keys();
    let issuer = if on_postgres {
        issuer.on_postgres()
    } else {
        issuer
    };
    ok(&goodstanding(&[
        &"keygen",
        &"--out",
        &issuer.path("keys"),
        &"--kid",
        &"tlog-2026-1",
    ]));
    ok(&issuer.trust(&[
        &"add",
        &issuer.path("keys/tlog-2026-1.pub.jwk"),
        &"--from",
        &"2000-01-01",
        &"--body-name",
        &body,
        &"--body-address",
        &"1 Example Street, Leeds LS1 1AA",
        &"--check-url",
        &"https://goodstanding.example.org/check",
    ]));
    issuer.publish();
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    let register = issuer.register();
    let log_dir = issuer.path("log");
    let init = goodstanding(&[
        &"log",
        &"init",
        &log_dir,
        &"--origin",
        &ORIGIN,
        &"--register",
        &register,
    ]);
    ok(&init);
    let log_vkey = init
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("log key (vkey): "))
        .unwrap()
        .to_string();
    let tag_key: [u8; 32] = {
        use base64::Engine as _;
        let line = init
            .stdout
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("subject-tag key (vrf-r255, base64): ")
            })
            .unwrap();
        base64::engine::general_purpose::STANDARD
            .decode(line)
            .unwrap()
            .try_into()
            .unwrap()
    };
    let w0 = start_witness(&issuer, "w0.example.org", &log_vkey);
    let w1 = start_witness(&issuer, "w1.example.org", &log_vkey);
    write_policy(&log_dir, &log_vkey, &[&w0, &w1]);
    let policy =
        Policy::parse(&std::fs::read_to_string(log_dir.join("log.policy")).unwrap()).unwrap();
    Logged {
        issuer,
        register,
        log_dir,
        log_vkey,
        tag_key,
        w0,
        w1,
        policy,
    }
}

#[test]
fn issuing_logs_first_fails_closed_without_the_quorum_and_refuses_a_restored_register() {
    let Logged {
        issuer,
        register,
        log_dir,
        log_vkey,
        tag_key,
        w0,
        w1,
        policy,
    } = logged_issuer("Demo Issuing Body (not a real issuer)");
    let out = issuer.path("out");

    // 1. Appended, witnessed, proof written and attached.
    let first = issue(&issuer, &request_for(&issuer, "SUBJ-100001"), &register);
    ok(&first);
    let first_id = first.stdout.trim().to_string();
    check_proof(&out, &first_id, &policy, &tag_key, "SUBJ-100001");
    let backup = issuer.path("backup.sqlite");
    std::fs::copy(&register, &backup).unwrap();

    // 2. One witness down: the quorum (both) fails, nothing is handed out, the certificate is
    // held.
    drop(w1);
    let held = issue(&issuer, &request_for(&issuer, "SUBJ-100002"), &register);
    assert_ne!(held.code, 0, "{}", held.stdout);
    assert!(
        held.stderr.contains("did not make the quorum"),
        "{}",
        held.stderr
    );
    assert!(
        held.stderr.contains("w1: did not answer"),
        "{}",
        held.stderr
    );
    let on_disk = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(on_disk, 4, "only the first certificate's four files");

    // 3. The witness is back (a new port): the next run releases the held certificate too.
    let w1 = start_witness(&issuer, "w1.example.org", &log_vkey);
    write_policy(&log_dir, &log_vkey, &[&w0, &w1]);
    let policy =
        Policy::parse(&std::fs::read_to_string(log_dir.join("log.policy")).unwrap()).unwrap();
    let third = issue(&issuer, &request_for(&issuer, "SUBJ-100003"), &register);
    ok(&third);
    check_proof(&out, third.stdout.trim(), &policy, &tag_key, "SUBJ-100003");
    let list = goodstanding(&[&"register", &"list", &"--register", &register, &"--json"]);
    ok(&list);
    let listed: Vec<serde_json::Value> = list
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let held_id = listed
        .iter()
        .find(|c| c["subject_reference"] == "SUBJ-100002")
        .unwrap();
    assert_eq!(held_id["state"], "issued");
    let held_id = held_id["id"].as_str().unwrap();
    check_proof(&out, held_id, &policy, &tag_key, "SUBJ-100002");
    assert!(log_sizes(&register).contains("entries: 3"));

    // A revocation is an entry of its own, witnessed at once; `publish` writes the tiles.
    ok(&goodstanding(&[
        &"revoke",
        &held_id,
        &"--reason",
        &"issued_in_error",
        &"--register",
        &register,
    ]));
    let shown = log_sizes(&register);
    assert!(
        shown.contains("entries: 4") && shown.contains("last witnessed checkpoint: 4 entries"),
        "{shown}"
    );
    let published = issuer.try_publish(&issuer.key(), &[]);
    ok(&published);
    assert!(
        published.stdout.contains("transparency log: 4 entries"),
        "{}",
        published.stdout
    );
    let site_log = issuer.path("site/log");
    let checkpoint = std::fs::read_to_string(site_log.join("checkpoint")).unwrap();
    let (cp, _) = policy.check_checkpoint(&checkpoint).unwrap();
    assert_eq!(cp.size, 4);
    assert_eq!(
        std::fs::read(site_log.join("tile/0/000.p/4"))
            .unwrap()
            .len(),
        4 * 32
    );
    let bundle = std::fs::read(site_log.join("tile/entries/000.p/4")).unwrap();
    let entries = goodstanding_verifier::tiles::unbundle(&bundle).unwrap();
    assert!(matches!(
        LogEntry::from_bytes(&entries[3]).unwrap(),
        LogEntry::Revocation { ref id, ref reason, .. } if id == held_id && reason == "issued_in_error"
    ));

    // Anyone can audit the published log; history rewritten on a copy of the site is caught.
    audit_and_rewrite(&issuer, &log_dir);

    // 5. The trust list names the log (version 3); verifiers check the PDF's proof offline.
    name_the_log(&issuer, &log_dir, &tag_key);
    let published = issuer.try_publish(&issuer.key(), &[]);
    ok(&published);
    assert!(issuer.path("site/trust-list-v3.jws").exists());
    assert!(issuer.path("site/trust-list-v2.jws").exists());
    // `trust update` syncs the log the list names, from the site's log/ folder.
    let updated = issuer.update_trust(&issuer.path("site").to_string_lossy());
    ok(&updated);
    assert!(
        updated
            .stdout
            .contains("synced the transparency log certificates.example.org/log: 4 entries (4 new")
            && updated.stdout.contains("3 certificates held (3 new)"),
        "{}",
        updated.stdout
    );
    let again = issuer.update_trust(&issuer.path("site").to_string_lossy());
    ok(&again);
    assert!(
        again.stdout.contains("4 entries (0 new"),
        "{}",
        again.stdout
    );
    let pdf = out.join(format!("{first_id}.pdf"));
    let run = issuer.verify(&pdf, &[]);
    ok(&run);
    assert!(
        run.stdout
            .contains("Public log:      in the log certificates.example.org/log: entry 0")
            && run.stdout.contains("cosigned by w0, w1"),
        "{}",
        run.stdout
    );
    let json = issuer.verify(&pdf, &["--json"]);
    let verdict: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(verdict["log"]["status"], "proven");
    // The .jws alone carries no proof: it is checked against the synced log.
    let run = issuer.verify(&out.join(format!("{first_id}.jws")), &["--json"]);
    ok(&run);
    let verdict: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(verdict["log"]["status"], "proven", "{verdict}");
    assert_eq!(verdict["log"]["by"], "synced_log");
    assert_eq!(verdict["log"]["index"], 0);
    assert_eq!(verdict["log"]["size"], 4);
    assert_eq!(verdict["warnings"], serde_json::json!([]));
    // Forged PDFs: the first certificate with another's proof, and with its own proof short of
    // the quorum (one cosignature removed): NOT VALID.
    let jws = std::fs::read_to_string(out.join(format!("{first_id}.jws"))).unwrap();
    let signed = goodstanding_verifier::SignedCertificate::from_compact(jws.trim()).unwrap();
    let certificate: goodstanding_verifier::Certificate =
        serde_json::from_slice(signed.payload()).unwrap();
    let own = std::fs::read_to_string(out.join(format!("{first_id}.tlog-proof"))).unwrap();
    let other = std::fs::read_to_string(out.join(format!("{held_id}.tlog-proof"))).unwrap();
    let short = own
        .lines()
        .filter(|l| !l.starts_with("\u{2014} w1.example.org"))
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    for (name, proof, expected) in [
        ("other", other, "another certificate"),
        ("short", short, "short of the quorum"),
    ] {
        let files =
            goodstanding_issuer::issue::logged_files(&certificate, &signed, None, &proof).unwrap();
        let forged = issuer.path(&format!("forged-{name}.pdf"));
        std::fs::write(&forged, &files[2].1).unwrap();
        let run = issuer.verify(&forged, &["--json"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stdout);
        let verdict: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(verdict["status"], "not_in_log", "{name}");
        assert!(
            verdict["reason"].as_str().unwrap().contains(expected),
            "{name}: {}",
            verdict["reason"]
        );
    }

    // An insider signs with the issuing key and does not log it. Backdated an hour, before the
    // synced checkpoint was cosigned: NOT VALID. Signed as that checkpoint was cosigned (the
    // tests' clock stands still): not yet checkable.
    for (name, seconds_earlier, status) in [("backdated", 3600, "not_in_log"), ("now", 0, "valid")]
    {
        let path = unlogged_copy(&issuer, &certificate, seconds_earlier, name);
        let run = issuer.verify(&path, &["--json"]);
        let verdict: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(verdict["status"], status, "{name}: {verdict}");
        if status == "valid" {
            assert_eq!(verdict["log"]["status"], "not_yet_checkable");
            assert_eq!(verdict["warnings"][0]["code"], "log_not_checked");
            let message = verdict["warnings"][0]["message"].as_str().unwrap();
            assert!(message.contains("update the trust data"), "{message}");
        } else {
            assert_eq!(run.code, 1);
            let reason = verdict["reason"].as_str().unwrap();
            assert!(reason.contains("the log does not hold it"), "{reason}");
        }
    }

    // 4. The register restored from the backup (one entry): the witnesses hold three, so the
    // log key signs nothing and nothing is handed out.
    std::fs::copy(&backup, &register).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", register.display()));
    }
    let before = std::fs::read_dir(&out).unwrap().count();
    let forked = issue(&issuer, &request_for(&issuer, "SUBJ-100004"), &register);
    assert_ne!(forked.code, 0);
    assert!(
        forked.stderr.contains("holds a checkpoint of 4 entries")
            && forked.stderr.contains("the log key signed nothing"),
        "{}",
        forked.stderr
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), before);
    assert!(log_sizes(&register).contains("last witnessed checkpoint: 1 entries"));
}

/// Names the log in the trust list (version 3), required from 2000.
fn name_the_log(issuer: &Issuer, log_dir: &Path, tag_key: &[u8; 32]) {
    let tag_key_text = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(tag_key)
    };
    let named = issuer.trust(&[
        &"log",
        &"--policy",
        &log_dir.join("log.policy"),
        &"--url",
        &"https://goodstanding.example.org/log",
        &"--subject-tag-key",
        &tag_key_text,
        &"--required-from",
        &"2000-01-01",
    ]);
    ok(&named);
    assert!(named.stdout.contains("Version 3"), "{}", named.stdout);
}

/// What an insider with the issuing key could make without the log: `certificate` under a new
/// id, issued `seconds_earlier` than it, signed with the key and never logged. Returns its
/// `.jws`.
fn unlogged_copy(
    issuer: &Issuer,
    certificate: &goodstanding_verifier::Certificate,
    seconds_earlier: i64,
    name: &str,
) -> PathBuf {
    let key =
        goodstanding_issuer::keys::load_issuing_key(&issuer.path("keys/tlog-2026-1.key.pem"), None)
            .unwrap();
    let mut unlogged = certificate.clone();
    unlogged.id = goodstanding_issuer::issue::random_certificate_id().unwrap();
    unlogged.issued_at =
        goodstanding_verifier::Timestamp::from_unix(certificate.issued_at.unix() - seconds_earlier)
            .unwrap();
    let signed = goodstanding_issuer::issue::sign_certificate(unlogged, &key).unwrap();
    let path = issuer.path(&format!("unlogged-{name}.jws"));
    std::fs::write(&path, signed.signed.to_compact()).unwrap();
    path
}

fn read_certificate(jws: &Path) -> goodstanding_verifier::Certificate {
    let text = std::fs::read_to_string(jws).unwrap();
    let signed = goodstanding_verifier::SignedCertificate::from_compact(text.trim()).unwrap();
    serde_json::from_slice(signed.payload()).unwrap()
}

/// Flips a bit of the first entry in the entry bundle at `bundle_path`; returns the entries as
/// altered.
fn alter_first_entry(bundle_path: &Path) -> Vec<Vec<u8>> {
    let mut entries =
        goodstanding_verifier::tiles::unbundle(&std::fs::read(bundle_path).unwrap()).unwrap();
    let last = entries[0].len() - 1;
    entries[0][last] ^= 1;
    std::fs::write(
        bundle_path,
        goodstanding_verifier::tiles::bundle(&entries).unwrap(),
    )
    .unwrap();
    entries
}

pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A logged issuer whose trust list names the log, with a certificate issued for each of
/// `subjects` (their ids returned), published and fetched into the trust folder.
fn published_with(subjects: &[&str]) -> (Logged, Vec<String>) {
    let logged = logged_issuer("Demo Issuing Body (not a real issuer)");
    let issuer = &logged.issuer;
    let ids = subjects
        .iter()
        .map(|subject| {
            let run = issue(issuer, &request_for(issuer, subject), &logged.register);
            ok(&run);
            run.stdout.trim().to_string()
        })
        .collect();
    name_the_log(issuer, &logged.log_dir, &logged.tag_key);
    let published = issuer.try_publish(&issuer.key(), &["--json"]);
    ok(&published);
    let published: serde_json::Value = serde_json::from_str(&published.stdout).unwrap();
    assert_eq!(published["log_size"], subjects.len());
    ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
    let shown = goodstanding(&[
        &"trust",
        &"show",
        &"--json",
        &"--trust",
        &issuer.path("trust"),
    ]);
    ok(&shown);
    let shown: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(shown["log"]["size"], subjects.len());
    assert_eq!(shown["log"]["certificates"], subjects.len());
    (logged, ids)
}

/// The web page syncs the log when it refreshes its lists, keeps the copy in IndexedDB, and
/// checks a pasted `.jws` against it, online and then offline.
#[test]
fn the_page_syncs_the_log_and_checks_a_jws_against_it_offline_too() {
    let (logged, _) = published_with(&["SUBJ-200001"]);
    let (issuer, register) = (&logged.issuer, &logged.register);
    let out = issuer.path("out");
    let pkg = issuer.path("pkg");
    crate::web::build_wasm(&pkg);
    let site = issuer.web_site(&pkg, &["--from", "published"]);
    // The verification service, refreshing from the issuer's site every second: its refresh
    // syncs the log too.
    let published = common::SiteServer::serve(&issuer.path("site"));
    // Its clock is pinned when it starts (the tests' override): a minute ahead, so that the
    // certificate issued below, whose clock is pinned later, is not "not yet valid" there
    // when the commands between take more than a second (as on a loaded CI machine).
    let ahead = goodstanding_verifier::Timestamp::from_unix(common::test_now().unix() + 60)
        .unwrap()
        .to_string();
    let service = crate::serve::Service::start_in(
        &issuer.path("trust"),
        &["--refresh-from", &published.url, "--refresh-every", "1s"],
        &[("GOODSTANDING_NOW", std::ffi::OsStr::new(&ahead))],
    );
    // Issued after the page was built and the service started: only the log they sync holds it.
    let second = issue(issuer, &request_for(issuer, "SUBJ-200002"), register);
    ok(&second);
    ok(&issuer.try_publish(&issuer.key(), &[]));
    copy_tree(&issuer.path("site"), &site.join("published"));
    let second_jws = out.join(format!("{}.jws", second.stdout.trim()));
    let unlogged = unlogged_copy(issuer, &read_certificate(&second_jws), 3600, "web");
    let shown = crate::web::drive(
        issuer,
        "log.mjs",
        &serde_json::json!({
            "site": site,
            "chromium": crate::web::CHROMIUM,
            "logged_jws": std::fs::read_to_string(&second_jws).unwrap().trim(),
            "unlogged_jws": std::fs::read_to_string(&unlogged).unwrap().trim(),
        }),
    );
    let synced = shown["synced_status"].as_str().unwrap();
    assert!(
        synced.contains("Public log synced: 2 entries, 2 certificates (2 new)"),
        "{synced}"
    );
    // The service judges the same .jws files by the same path, once its refresh has synced the
    // log that holds the second certificate.
    let started = std::time::Instant::now();
    let answer = loop {
        let answer = service.verify(Some("text/plain"), std::fs::read(&second_jws).unwrap(), "");
        if answer.json["log"]["status"] == "proven" && answer.json["status"] != "not_yet_valid" {
            break answer;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the service's refresh did not sync the log (or its clock reach the issue time) in \
             30 s: {}",
            answer.json
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(answer.json["status"], "valid", "{}", answer.json);
    assert_eq!(answer.json["log"]["by"], "synced_log");
    assert_eq!(answer.json["log"]["index"], 1);
    let answer = service.verify(Some("text/plain"), std::fs::read(&unlogged).unwrap(), "");
    assert_eq!(answer.json["status"], "not_in_log", "{}", answer.json);
    for scenario in ["online", "offline"] {
        let logged = &shown[format!("{scenario}_logged")];
        assert_eq!(logged["status"], "valid", "{scenario}: {logged}");
        let details = logged["details"].as_str().unwrap();
        assert!(
            details.contains("entry 1 of the checkpoint of 2 entries")
                && details.contains("checked against the log synced by this page"),
            "{scenario}: {details}"
        );
        let unlogged = &shown[format!("{scenario}_unlogged")];
        assert_eq!(unlogged["status"], "not_in_log", "{scenario}: {unlogged}");
        assert!(
            unlogged["reason"]
                .as_str()
                .unwrap()
                .contains("the log does not hold it"),
            "{scenario}: {unlogged}"
        );
    }
}

/// `batch` logs every certificate too: each gets a proof that checks, the log grows by the
/// batch; with a witness down nothing is handed out, and the same command run again once it is
/// back hands out what was held and finishes the batch.
#[test]
fn a_batch_appends_every_certificate_and_fails_closed_without_the_quorum() {
    let Logged {
        issuer,
        register,
        log_dir,
        log_vkey,
        tag_key,
        w0,
        w1,
        ..
    } = logged_issuer("Synthetic Issuing Body (test data)");
    let input = common::batches::synthetic_input(&issuer.path("round.jsonl"), 0..40);
    let out = issuer.path("round");
    let batch = |jobs: &str| {
        goodstanding(&[
            &"batch",
            &input,
            &"--key",
            &issuer.key(),
            &"--out",
            &out,
            &"--register",
            &register,
            &"--trust",
            &issuer.path("trust"),
            &"--jobs",
            &jobs,
        ])
    };
    drop(w1);
    let failed = batch("2");
    assert_ne!(failed.code, 0, "{}", failed.stdout);
    assert!(
        failed.stderr.contains("did not make the quorum"),
        "{}",
        failed.stderr
    );
    assert_eq!(common::batches::pdfs_in(&out), 0, "nothing handed out");
    let w1 = start_witness(&issuer, "w1.example.org", &log_vkey);
    write_policy(&log_dir, &log_vkey, &[&w0, &w1]);
    let policy =
        Policy::parse(&std::fs::read_to_string(log_dir.join("log.policy")).unwrap()).unwrap();
    let run = batch("2");
    ok(&run);
    assert_eq!(common::batches::pdfs_in(&out), 40);
    assert!(
        log_sizes(&register).contains("entries: 40"),
        "{}",
        log_sizes(&register)
    );
    let records = common::batches::records(register.as_os_str(), None);
    assert_eq!(records.len(), 40);
    for record in records {
        let id = record["id"].as_str().unwrap();
        let subject = record["subject_reference"].as_str().unwrap();
        check_proof(&out, id, &policy, &tag_key, subject);
    }
    // The manifest lists every file with the hashes of the files as handed out.
    let manifest = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".manifest.jws"))
        .unwrap();
    let checked = issuer.verify(&manifest, &[]);
    ok(&checked);
    assert!(
        !checked.stdout.contains("not listed"),
        "every file, proofs too, is listed: {}",
        checked.stdout
    );
    let payload = common::payload(&manifest);
    let files = payload["certificates"][0]["files"].as_object().unwrap();
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files.keys().any(|name| name.ends_with(".tlog-proof")));
    // An altered proof file is caught by the manifest.
    let proof = files.keys().find(|n| n.ends_with(".tlog-proof")).unwrap();
    let text = std::fs::read_to_string(out.join(proof)).unwrap();
    std::fs::write(out.join(proof), text.replacen("c2sp.org", "c2sp.net", 1)).unwrap();
    let altered = issuer.verify(&manifest, &[]);
    assert_ne!(altered.code, 0, "{}", altered.stdout);
    assert!(
        altered.stdout.contains(proof.as_str()),
        "{}",
        altered.stdout
    );
}

/// `log verify` on the published site passes and saves its state; on copies of the site, an
/// altered entry bundle, and a rewritten history re-signed by the log key and cosigned by both
/// witnesses (an insider with every key), are each caught.
fn audit_and_rewrite(issuer: &Issuer, log_dir: &Path) {
    use goodstanding_issuer::keys::load_issuing_key;
    use goodstanding_issuer::notes::{cosign, sign_note};
    use goodstanding_verifier::note::Checkpoint;
    let policy = log_dir.join("log.policy");
    let state = issuer.path("audit.json");
    let audit = |site: &Path| {
        goodstanding(&[
            &"log",
            &"verify",
            &"--site",
            &site,
            &"--policy",
            &policy,
            &"--state",
            &state,
        ])
    };
    let site = issuer.path("site");
    let first = audit(&site);
    ok(&first);
    assert!(
        first.stdout.contains("4 entries") && first.stdout.contains("first audit"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("3 certificate(s), 1 revocation(s)"),
        "{}",
        first.stdout
    );
    let again = audit(&site);
    ok(&again);
    assert!(
        again.stdout.contains("consistent with the 4 seen last"),
        "{}",
        again.stdout
    );

    let copy = |name: &str| {
        let to = issuer.path(name);
        let status = std::process::Command::new("cp")
            .args(["-r"])
            .arg(&site)
            .arg(&to)
            .status()
            .unwrap();
        assert!(status.success());
        to
    };
    // An entry altered in its bundle: it no longer hashes to its tile.
    let altered = copy("site-altered");
    let bundle_path = altered.join("log/tile/entries/000.p/4");
    let entries = alter_first_entry(&bundle_path);
    let caught = audit(&altered);
    assert_eq!(caught.code, 1, "{}", caught.stdout);
    assert!(
        caught.stderr.contains("does not hash to its leaf"),
        "{}",
        caught.stderr
    );

    // History rewritten with every key: tile and checkpoint remade, signed and cosigned.
    let rewritten = copy("site-rewritten");
    let bundle_path = rewritten.join("log/tile/entries/000.p/4");
    std::fs::write(
        &bundle_path,
        goodstanding_verifier::tiles::bundle(&entries).unwrap(),
    )
    .unwrap();
    let leaves: Vec<[u8; 32]> = entries
        .iter()
        .map(|e| goodstanding_verifier::merkle::leaf_hash(e))
        .collect();
    std::fs::write(rewritten.join("log/tile/0/000.p/4"), leaves.concat()).unwrap();
    let text = Checkpoint {
        origin: ORIGIN.into(),
        size: 4,
        root: goodstanding_verifier::merkle::root(&leaves),
        extensions: Vec::new(),
    }
    .to_text();
    let log_key = load_issuing_key(&log_dir.join("log.key.pem"), None).unwrap();
    let mut note = sign_note(&text, ORIGIN, &log_key).unwrap();
    for name in ["w0.example.org", "w1.example.org"] {
        let key = load_issuing_key(&issuer.path(&format!("{name}.key")), None).unwrap();
        note.push_str(&cosign(&text, name, &key, 1_800_000_000).unwrap());
    }
    std::fs::write(rewritten.join("log/checkpoint"), note).unwrap();
    let caught = audit(&rewritten);
    assert_eq!(caught.code, 1, "{}", caught.stdout);
    assert!(
        caught.stderr.contains("history was rewritten"),
        "{}",
        caught.stderr
    );
    // The state still holds the genuine log: the genuine site still passes.
    ok(&audit(&site));
}

/// A manager watches the log for certificates in their name: the one they hold, then one they
/// did not ask for (exit status 1), then the same one once they say they expect it.
#[test]
fn a_manager_sees_every_certificate_in_their_name_and_one_they_did_not_expect() {
    let (logged, ids) = published_with(&["SUBJ-300001", "SUBJ-300002"]);
    let (issuer, register) = (&logged.issuer, &logged.register);
    let out = issuer.path("out");
    let (mine, someone_else) = (ids[0].clone(), ids[1].clone());
    let (site, trust, state) = (
        issuer.path("site"),
        issuer.path("trust"),
        issuer.path("monitor.json"),
    );
    let pdf = out.join(format!("{mine}.pdf"));
    let monitor = |expect: &[&str]| {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"monitor", &"--cert", &pdf, &"--site", &site, &"--trust", &trust, &"--state", &state,
        ];
        for id in expect {
            args.push(&"--expect");
            args.push(id);
        }
        goodstanding(&args)
    };
    let first = monitor(&[]);
    ok(&first);
    assert!(
        first.stdout.contains("subject SUBJ-300001 in 2026 (from ")
            && first.stdout.contains("1 certificate(s) in the log")
            && first.stdout.contains(&format!(
                "entry 0: certificate {mine}, key tlog-2026-1, issued 2026-11-23T"
            )),
        "{}",
        first.stdout
    );
    assert!(first.stdout.contains("NEW  yours (a certificate given)"));
    assert!(!first.stdout.contains(&someone_else));

    // A certificate in the manager's name they did not ask for (here the issuer reissues).
    let theirs = reissue(issuer, &mine, "SUBJ-300001", register);
    ok(&issuer.try_publish(&issuer.key(), &[]));
    let second = monitor(&[]);
    assert_eq!(second.code, 1, "{}{}", second.stdout, second.stderr);
    assert!(
        second.stdout.contains("2 certificate(s) in the log")
            && second.stdout.contains(&format!(
                "certificate {mine}, key tlog-2026-1, issued 2026-11-23T"
            ))
            && second.stdout.contains(&format!("certificate {theirs}"))
            && second.stdout.contains("NEW  NOT EXPECTED"),
        "{}",
        second.stdout
    );
    let mine_line = second
        .stdout
        .lines()
        .find(|l| l.contains(&format!("certificate {mine}")))
        .unwrap();
    assert!(
        mine_line.ends_with("  yours (a certificate given)") && !mine_line.contains("NEW"),
        "seen before: {mine_line}"
    );
    assert!(second.stderr.contains(&theirs), "{}", second.stderr);
    let third = monitor(&[&theirs]);
    ok(&third);
    assert!(
        third.stdout.contains("expected (--expect)") && !third.stdout.contains("NEW"),
        "{}",
        third.stdout
    );
}

/// A new log key means a new log: `log rotate` freezes the log written so far (refused for a
/// name in use), the trust list names both (and refuses a policy that drops the old one), the
/// new log's certificates get proofs under the new key, `publish` puts the frozen log under
/// `log/frozen/<key id>/`, and verifiers sync both: a `.jws` of either log is proven, a PDF of
/// the old log keeps its proof, an unlogged certificate is still caught, the audit covers both
/// logs, and a manager sees their certificates in both.
#[test]
fn a_new_log_key_freezes_the_old_log_and_verifiers_keep_checking_both() {
    const NEW_ORIGIN: &str = "certificates.example.org/log-2";
    let (logged, ids) = published_with(&["SUBJ-400001"]);
    let Logged {
        issuer,
        register,
        log_dir,
        log_vkey,
        tag_key,
        w0,
        w1,
        ..
    } = logged;
    let (out, trust, site) = (
        issuer.path("out"),
        issuer.path("trust"),
        issuer.path("site"),
    );
    let old_id = ids[0].clone();
    let new_dir = issuer.path("log-2");
    let rotate = |origin: &str| {
        goodstanding(&[
            &"log",
            &"rotate",
            &new_dir,
            &"--origin",
            &origin,
            &"--register",
            &register,
        ])
    };
    let same_name = rotate(ORIGIN);
    assert_eq!(same_name.code, 2, "{}", same_name.stderr);
    assert!(
        same_name
            .stderr
            .contains("a new log key needs a new origin"),
        "{}",
        same_name.stderr
    );
    assert!(!new_dir.exists(), "a refused rotation leaves no folder");
    let rotated = rotate(NEW_ORIGIN);
    ok(&rotated);
    let new_vkey = rotated
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("new log key (vkey): "))
        .unwrap()
        .to_string();
    assert!(new_vkey.starts_with(NEW_ORIGIN), "{new_vkey}");
    assert!(log_dir.join("FROZEN").exists());
    let shown = log_sizes(&register);
    assert!(
        shown.contains(&format!("log {NEW_ORIGIN}"))
            && shown.contains("entries: 0")
            && shown.contains(&format!("frozen log {ORIGIN} (vkey {log_vkey}): 1 entries")),
        "{shown}"
    );
    // The subject-tag key moved with the log: tags do not change.
    let tag_text = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(tag_key)
    };
    assert!(shown.contains(&tag_text), "{shown}");
    // An unrelated log (a new subject-tag key, no frozen log in its policy) cannot follow.
    let unrelated = goodstanding(&[
        &"log",
        &"init",
        &issuer.path("log-other"),
        &"--origin",
        &"certificates.example.org/other",
        &"--register",
        &register,
    ]);
    assert_eq!(unrelated.code, 2, "{}", unrelated.stderr);
    assert!(
        unrelated
            .stderr
            .contains(&format!("froze the log {ORIGIN} before")),
        "{}",
        unrelated.stderr
    );

    // The witnesses learn the new log (here: restarted with both; new ports, so new URLs).
    drop((w0, w1));
    let w0 = start_witness_of(&issuer, "w0.example.org", &[&log_vkey, &new_vkey]);
    let w1 = start_witness_of(&issuer, "w1.example.org", &[&log_vkey, &new_vkey]);
    let witnesses = format!(
        "witness w0 {} {}\nwitness w1 {} {}\ngroup both all w0 w1\nquorum both\n",
        w0.vkey, w0.url, w1.vkey, w1.url
    );
    let policy_text = std::fs::read_to_string(new_dir.join("log.policy")).unwrap();
    let log_lines: Vec<&str> = policy_text
        .lines()
        .filter(|l| l.starts_with("log "))
        .collect();
    assert_eq!(
        log_lines,
        [format!("log {log_vkey}"), format!("log {new_vkey}")],
        "the frozen log first, the new one last"
    );
    std::fs::write(
        new_dir.join("log.policy"),
        format!("{}\n{witnesses}", log_lines.join("\n")),
    )
    .unwrap();
    let policy =
        Policy::parse(&std::fs::read_to_string(new_dir.join("log.policy")).unwrap()).unwrap();

    // A trust list that drops the old log would orphan its certificates.
    let dropped = issuer.path("dropped.policy");
    std::fs::write(&dropped, format!("log {new_vkey}\n{witnesses}")).unwrap();
    let refused = issuer.trust(&[
        &"log",
        &"--policy",
        &dropped,
        &"--url",
        &"https://goodstanding.example.org/log",
        &"--subject-tag-key",
        &tag_text,
        &"--required-from",
        &"2000-01-01",
    ]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("leaves out the log(s)") && refused.stderr.contains(&log_vkey),
        "{}",
        refused.stderr
    );
    name_the_log(&issuer, &new_dir, &tag_key);

    // The new log's certificate, proven under the new key.
    let second = issue(&issuer, &request_for(&issuer, "SUBJ-400002"), &register);
    ok(&second);
    let new_id = second.stdout.trim().to_string();
    check_proof(&out, &new_id, &policy, &tag_key, "SUBJ-400002");
    let proof = std::fs::read_to_string(out.join(format!("{new_id}.tlog-proof"))).unwrap();
    assert!(
        proof.contains(&format!("{NEW_ORIGIN}\n1\n")),
        "entry 0 of the new log: {proof}"
    );
    ok(&issuer.try_publish(&issuer.key(), &[]));
    let frozen_at = site.join(format!(
        "log/{}",
        goodstanding_verifier::tiles::frozen_log_prefix(
            goodstanding_verifier::note::VerifierKey::parse(&log_vkey)
                .unwrap()
                .id
        )
    ));
    let frozen_checkpoint = std::fs::read_to_string(frozen_at.join("checkpoint")).unwrap();
    assert!(frozen_checkpoint.starts_with(&format!("{ORIGIN}\n1\n")));
    let current_checkpoint = std::fs::read_to_string(site.join("log/checkpoint")).unwrap();
    assert!(current_checkpoint.starts_with(&format!("{NEW_ORIGIN}\n1\n")));

    // Verifiers sync both logs.
    let updated = issuer.update_trust(&site.to_string_lossy());
    ok(&updated);
    assert!(
        updated.stdout.contains(&format!(
            "synced the frozen log {ORIGIN}: 1 entries, 1 certificates"
        )),
        "{}",
        updated.stdout
    );
    let verdict = |file: &Path| {
        let run = goodstanding(&[&"verify", &file, &"--trust", &trust, &"--json"]);
        serde_json::from_str::<serde_json::Value>(&run.stdout)
            .unwrap_or_else(|_| panic!("{}{}", run.stdout, run.stderr))
    };
    for (id, origin, by) in [
        (&old_id, ORIGIN, "synced_log"),
        (&new_id, NEW_ORIGIN, "synced_log"),
    ] {
        let v = verdict(&out.join(format!("{id}.jws")));
        assert_eq!(v["status"], "valid", "{v}");
        assert_eq!(v["log"]["status"], "proven", "{v}");
        assert_eq!(v["log"]["by"], by, "{v}");
        assert_eq!(v["log"]["origin"], origin, "{v}");
    }
    let old_pdf = verdict(&out.join(format!("{old_id}.pdf")));
    assert_eq!(old_pdf["status"], "valid", "{old_pdf}");
    assert_eq!(old_pdf["log"]["by"], "attached_proof", "{old_pdf}");
    assert_eq!(old_pdf["log"]["origin"], ORIGIN, "{old_pdf}");
    let unlogged = unlogged_copy(
        &issuer,
        &read_certificate(&out.join(format!("{new_id}.jws"))),
        3600,
        "rotated",
    );
    let v = verdict(&unlogged);
    assert_eq!(v["status"], "not_in_log", "{v}");

    // The web page syncs both logs too, and keeps both copies for offline use: the old log's
    // `.jws` is proven by the frozen log's copy, and the unlogged one (which needs every log
    // held to be judged) is caught.
    let pkg = issuer.path("pkg");
    crate::web::build_wasm(&pkg);
    let page_site = issuer.web_site(&pkg, &["--from", "published"]);
    copy_tree(&site, &page_site.join("published"));
    let shown = crate::web::drive(
        &issuer,
        "log.mjs",
        &serde_json::json!({
            "site": page_site,
            "chromium": crate::web::CHROMIUM,
            "logged_jws": std::fs::read_to_string(out.join(format!("{old_id}.jws"))).unwrap().trim(),
            "unlogged_jws": std::fs::read_to_string(&unlogged).unwrap().trim(),
        }),
    );
    let synced = shown["synced_status"].as_str().unwrap();
    assert!(
        synced.contains("Public log synced: 1 entries, 1 certificates (1 new); frozen log certificates.example.org/log: 1 certificates."),
        "{synced}"
    );
    for scenario in ["online", "offline"] {
        let logged = &shown[format!("{scenario}_logged")];
        assert_eq!(logged["status"], "valid", "{scenario}: {logged}");
        let details = logged["details"].as_str().unwrap();
        assert!(
            details.contains(&format!(
                "in the log {ORIGIN}: entry 0 of the checkpoint of 1"
            )) && details.contains("checked against the log synced by this page"),
            "{scenario}: {details}"
        );
        let unlogged = &shown[format!("{scenario}_unlogged")];
        assert_eq!(unlogged["status"], "not_in_log", "{scenario}: {unlogged}");
    }

    // The audit covers both logs; an altered frozen log is caught.
    let state = issuer.path("audit.json");
    let audit = |at: &Path| {
        goodstanding(&[
            &"log", &"verify", &"--site", &at, &"--trust", &trust, &"--state", &state,
        ])
    };
    let audited = audit(&site);
    ok(&audited);
    assert!(
        audited.stdout.contains(&format!("log {NEW_ORIGIN} at "))
            && audited.stdout.contains(&format!("log {ORIGIN} at "))
            && audited.stdout.contains("/log/frozen/"),
        "{}",
        audited.stdout
    );
    let altered = issuer.path("site-altered");
    copy_tree(&site, &altered);
    let bundle_path = altered.join(format!(
        "log/{}/tile/entries/000.p/1",
        frozen_at.strip_prefix(site.join("log")).unwrap().display()
    ));
    alter_first_entry(&bundle_path);
    let caught = audit(&altered);
    assert_eq!(caught.code, 1, "{}", caught.stdout);
    assert!(
        caught.stderr.contains("/log/frozen/") && caught.stderr.contains("does not hash"),
        "{}",
        caught.stderr
    );

    // A manager's certificates in both logs: the old one (frozen log) and a new one.
    let third_id = reissue(&issuer, &old_id, "SUBJ-400001", &register);
    ok(&issuer.try_publish(&issuer.key(), &[]));
    let watched = goodstanding(&[
        &"monitor",
        &"--cert",
        &out.join(format!("{third_id}.pdf")),
        &"--site",
        &site,
        &"--trust",
        &trust,
        &"--state",
        &issuer.path("monitor.json"),
        &"--expect",
        &old_id,
    ]);
    ok(&watched);
    assert!(
        watched.stdout.contains("2 certificate(s) in the log")
            && watched.stdout.contains(&format!(
                "entry 0 of the frozen log {ORIGIN}: certificate {old_id}"
            ))
            && watched.stdout.contains(&format!("certificate {third_id}")),
        "{}",
        watched.stdout
    );
}

/// Two logged batches started at once from two processes against one PostgreSQL register:
/// every request is issued exactly once, the log holds one entry per certificate in one
/// sequence (each proof checks under the policy, the published log audits), and the register
/// and the log agree.
#[test]
fn two_logged_batches_at_once_on_postgresql_give_one_consistent_log() {
    let Logged {
        issuer,
        register,
        tag_key,
        policy,
        log_dir,
        w0: _w0,
        w1: _w1,
        ..
    } = logged_issuer_on("Synthetic Issuing Body (test data)", true);
    let inputs = [
        common::batches::synthetic_input(&issuer.path("first.jsonl"), 0..60),
        common::batches::synthetic_input(&issuer.path("second.jsonl"), 1_000..1_045),
    ];
    let spawn = |input: &Path, out: &str| {
        common::command(
            &[
                &"batch",
                &input,
                &"--key",
                &issuer.key(),
                &"--out",
                &issuer.path(out),
                &"--register",
                &register,
                &"--trust",
                &issuer.path("trust"),
                &"--jobs",
                &"2",
                &"--quiet",
            ],
            &[],
        )
        .spawn()
        .unwrap()
    };
    let (mut a, mut b) = (spawn(&inputs[0], "a"), spawn(&inputs[1], "b"));
    let (a, b) = (a.wait().unwrap(), b.wait().unwrap());
    assert!(a.success() && b.success(), "{a:?} {b:?}");
    assert_eq!(common::batches::pdfs_in(&issuer.path("a")), 60);
    assert_eq!(common::batches::pdfs_in(&issuer.path("b")), 45);
    let shown = log_sizes(&register);
    assert!(
        shown.contains("entries: 105") && shown.contains("last witnessed checkpoint: 105"),
        "{shown}"
    );
    let records = common::batches::records(&register, None);
    assert_eq!(records.len(), 105);
    for record in &records {
        let id = record["id"].as_str().unwrap();
        let subject = record["subject_reference"].as_str().unwrap();
        let folder = Path::new(record["folder"].as_str().unwrap());
        check_proof(folder, id, &policy, &tag_key, subject);
    }
    // Published and audited by anyone: one tree of 105 entries.
    name_the_log(&issuer, &log_dir, &tag_key);
    ok(&issuer.try_publish(&issuer.key(), &[]));
    let audited = goodstanding(&[
        &"log",
        &"verify",
        &"--site",
        &issuer.path("site"),
        &"--policy",
        &log_dir.join("log.policy"),
        &"--state",
        &issuer.path("audit.json"),
    ]);
    ok(&audited);
    assert!(
        audited.stdout.contains("105 entries") && audited.stdout.contains("105 certificate(s)"),
        "{}",
        audited.stdout
    );
}
