//! `goodstanding demo`: the whole job on the built-in examples, with the clearly marked demo
//! keys: a trust list, a published site and a trust folder; three certificates issued and
//! verified; a request refused; a batch with its manifest; a revocation published and seen.

use std::path::{Path, PathBuf};

use goodstanding_issuer::{CertificateRequest, IssueError, IssuedCertificate, IssuingKey};
use goodstanding_verifier::{PublicJwk, Timestamp, TrustStore};

use crate::error::CliError;
use crate::io::{create_dir, outln, read_certificate_input, write_certificate_file, write_output};
use crate::report;
use crate::shared::{now, render_error};

/// Arguments of `goodstanding demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Folder for the demo certificates, its register, published site and trust folder.
    #[arg(long, value_name = "DIR", default_value = "goodstanding-demo")]
    pub out: PathBuf,
}

/// Renders the PDF, then writes `<id>.jws`, `<id>.qr.txt` and `<id>.pdf` into `out`; returns
/// their paths. Nothing is written if the PDF cannot be rendered.
fn write_certificate(issued: &IssuedCertificate, out: &Path) -> Result<[PathBuf; 3], CliError> {
    let pdf = goodstanding_issuer::pdf::render_with_qr(
        &issued.certificate,
        &issued.signed,
        issued.qr_text(),
    )
    .map_err(render_error)?;
    create_dir(out)?;
    let id = issued.id();
    let paths = [
        out.join(format!("{id}.jws")),
        out.join(format!("{id}.qr.txt")),
        out.join(format!("{id}.pdf")),
    ];
    write_certificate_file(&paths[0], format!("{}\n", issued.jws()).as_bytes())?;
    write_certificate_file(&paths[1], format!("{}\n", issued.qr_text()).as_bytes())?;
    write_certificate_file(&paths[2], &pdf)?;
    Ok(paths)
}

/// The demo key pairs: clearly marked, trusted by nothing unless told to. The root key signs
/// the demo trust list, which names the issuing key.
const DEMO_PRIVATE_KEY: &str = include_str!("../../../keys/demo/demo-2026.key.pem");
const DEMO_PUBLIC_KEY: &str = include_str!("../../../keys/demo/demo-2026.pub.jwk");
const DEMO_ROOT_PRIVATE_KEY: &str = include_str!("../../../keys/demo/demo-root.key.pem");
const DEMO_ROOT_PUBLIC_KEY: &str = include_str!("../../../keys/demo/demo-root.pub.jwk");

/// The built-in example requests.
const EXAMPLES: [(&str, &str); 3] = [
    (
        "clean-record",
        include_str!("../../../examples/requests/clean-record.json"),
    ),
    (
        "several-records",
        include_str!("../../../examples/requests/several-records.json"),
    ),
    (
        "appeal-pending",
        include_str!("../../../examples/requests/appeal-pending.json"),
    ),
];

/// A request the rules must refuse, to show that they do.
const REFUSED_EXAMPLE: (&str, &str) = (
    "finding-not-upheld",
    include_str!("../../../tests/rejects/rule2-finding-not-upheld.json"),
);

/// A built-in example as if its record had been checked today: the information date of a real
/// request must be at most 30 days old (rule 6), and the demo must run on any day.
fn example_checked_today(
    name: &str,
    json: &str,
    now: Timestamp,
) -> Result<CertificateRequest, CliError> {
    let mut request = CertificateRequest::from_json(json).map_err(|e| built_in(name, e))?;
    request.information_as_at = now.date();
    Ok(request)
}

/// The CSV example as if its records had been checked today (see [`example_checked_today`]).
fn batch_example_checked_today(now: Timestamp) -> Result<String, CliError> {
    let mut lines = BATCH_EXAMPLE.lines();
    let header = lines.next().unwrap_or_default();
    let column = header
        .split(',')
        .position(|c| c == "information_as_at")
        .ok_or_else(|| built_in("batch example", "no information_as_at column"))?;
    let mut out = format!("{header}\n");
    for line in lines {
        // The example's cells before the date hold no commas (no quoted cells).
        let mut cells: Vec<&str> = line.splitn(column + 2, ',').collect();
        let today = now.date().to_string();
        if let Some(cell) = cells.get_mut(column) {
            *cell = &today;
            out.push_str(&cells.join(","));
            out.push('\n');
        } else {
            return Err(built_in(
                "batch example",
                "a row without an information date",
            ));
        }
    }
    Ok(out)
}

fn built_in(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Refused(format!("built-in {what} is broken (this is a bug): {e}"))
}

/// A demo key pair from the built-in PEM and JWK, checked against each other.
fn demo_key(private: &str, public: &str, what: &str) -> Result<IssuingKey, CliError> {
    let public = PublicJwk::from_json(public).map_err(|e| built_in(what, e))?;
    let key = IssuingKey::from_pkcs8_pem(private, Some(public.kid.clone()))
        .map_err(|e| built_in(what, e))?;
    if key.public_jwk() != public {
        return Err(built_in(what, "the public key does not match"));
    }
    Ok(key)
}

/// The demo's issuing body and verifier, made afresh in `out`: a trust list naming the demo key
/// (signed by the demo root), a register, a published site, and a trust folder updated from it.
struct DemoTrust {
    key: IssuingKey,
    root: IssuingKey,
    register: goodstanding_operations::register::Register,
    trust_list: PathBuf,
    site: PathBuf,
    trust_dir: PathBuf,
}

impl DemoTrust {
    fn new(out: &Path, now: Timestamp) -> Result<Self, CliError> {
        use goodstanding_operations::publication::{TrustChange, change_trust_list};
        let key = demo_key(DEMO_PRIVATE_KEY, DEMO_PUBLIC_KEY, "demo key pair")?;
        let root = demo_key(DEMO_ROOT_PRIVATE_KEY, DEMO_ROOT_PUBLIC_KEY, "demo root key")?;
        create_dir(out)?;
        let trust_list = out.join("trust-list.jws");
        let trust_dir = out.join("trust");
        // A fresh start: the demo's register, lists and trust folder from an earlier run go.
        for file in [
            "trust-list.jws",
            "register.sqlite",
            "register.sqlite-wal",
            "register.sqlite-shm",
        ] {
            let _ = std::fs::remove_file(out.join(file));
        }
        for dir in ["batch", "site", "trust", "log"] {
            let _ = std::fs::remove_dir_all(out.join(dir));
        }
        let from = Timestamp::parse("2026-01-01T00:00:00Z").map_err(|e| built_in("date", e))?;
        change_trust_list(
            &trust_list,
            &root,
            &TrustChange::Add {
                key: Box::new(key.public_jwk()),
                from: from.min(now),
                until: None,
                issuer: None,
            },
            now,
        )
        .map_err(|e| built_in("demo trust list", e))?;
        let register =
            goodstanding_operations::register::Register::open(&out.join("register.sqlite"))
                .map_err(|e| CliError::Input(e.to_string()))?;
        let mut demo = Self {
            key,
            root,
            register,
            trust_list,
            site: out.join("site"),
            trust_dir,
        };
        demo.publish_and_update(now)?;
        Ok(demo)
    }

    /// Publishes the site from the register, then updates the trust folder from it.
    fn publish_and_update(&mut self, now: Timestamp) -> Result<(), CliError> {
        use goodstanding_operations::publication::{PublishOptions, publish};
        let mut roots = TrustStore::new();
        roots
            .add(self.root.public_jwk())
            .map_err(|e| built_in("demo root", e))?;
        let next_update = now.plus_days(7).unwrap_or(now);
        publish(
            &PublishOptions {
                site: &self.site,
                key: &self.key,
                trust_list: &self.trust_list,
                roots: &roots,
                now,
                next_update,
            },
            &mut self.register,
        )
        .map_err(|e| built_in("demo publication", e))?;
        let read = |name: &str| {
            let path = self.site.join(name);
            std::fs::read(&path).map_err(|e| CliError::file(&path, e))
        };
        goodstanding_trust::folder::update(
            &self.trust_dir,
            &[self.root.public_jwk()],
            (&self.site.to_string_lossy(), now),
            &read(goodstanding_operations::publication::TRUST_LIST_FILE)?,
            &read(goodstanding_operations::publication::REVOCATION_LIST_FILE)?,
            None,
        )
        .map_err(|e| built_in("demo trust folder", e))?;
        Ok(())
    }

    fn store(&self) -> Result<TrustStore, CliError> {
        goodstanding_trust::folder::load(&self.trust_dir)
            .map(|(store, _)| store)
            .map_err(|e| built_in("demo trust folder", e))
    }
}

/// `goodstanding demo`.
pub fn demo(args: &DemoArgs) -> Result<(), CliError> {
    let out = args.out.as_path();
    let now = now()?;
    let mut demo = DemoTrust::new(out, now)?;
    let store = demo.store()?;
    let key = &demo.key;
    outln!(
        "goodstanding demo: issuing {} example certificates with the DEMO key {} (named in a \
         trust list signed by the DEMO root key {}; trusted by nothing unless told to)\n",
        EXAMPLES.len(),
        key.kid(),
        demo.root.kid()
    );
    let mut rows = vec![report::DemoRow::header()];
    let mut failures = Vec::new();
    let mut last_qr = None;
    for (name, json) in EXAMPLES {
        let request = example_checked_today(name, json, now)?;
        let issued =
            goodstanding_issuer::issue(&request, key, now).map_err(|e| built_in(name, e))?;
        let [jws_path, qr_path, pdf_path] = write_certificate(&issued, out)?;
        let mut verdicts = Vec::new();
        for path in [&jws_path, &qr_path] {
            let bytes = read_certificate_input(path)?;
            match goodstanding_verifier::verify(&bytes, &store, now) {
                Ok(v) if v.certificate == issued.certificate => verdicts.push("VALID"),
                Ok(_) => failures.push(format!("{}: verified content differs", path.display())),
                Err(e) => failures.push(format!("{}: {e}", path.display())),
            }
        }
        let qr = issued.qr_text();
        let pdf_size = std::fs::metadata(&pdf_path).map_or(0, |m| m.len());
        rows.push(report::DemoRow::new(name, &issued, qr, &verdicts, pdf_size));
        last_qr = Some(qr_path);
    }
    report::print_table(&rows);

    let (name, json) = REFUSED_EXAMPLE;
    let request = example_checked_today(name, json, now)?;
    match goodstanding_issuer::issue(&request, key, now) {
        Err(IssueError::Invalid(v)) => {
            outln!("\nrefused, as the rules require ({name}):");
            for violation in &v.0 {
                outln!("  - {violation}");
            }
        }
        _ => failures.push(format!("{name}: was not refused")),
    }

    outln!(
        "\n{} certificates issued into {}; each verified from its .jws and its QR text.",
        EXAMPLES.len(),
        out.display()
    );
    if let Some(qr) = last_qr {
        outln!(
            "Verify one yourself:  goodstanding verify {} --trust {}",
            qr.display(),
            demo.trust_dir.display()
        );
    }
    demo_batch(out, &mut demo, now, &mut failures)?;
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::Refused(format!(
            "the demo failed:\n  {}",
            failures.join("\n  ")
        )))
    }
}

/// The name of the demo's transparency log.
const DEMO_LOG_ORIGIN: &str = "demo.goodstanding.example/log";

/// The example requests as a CSV export, for the demo's batch.
const BATCH_EXAMPLE: &str = include_str!("../../../examples/batch/requests.csv");

/// The demo's batch: the examples as CSV, issued into `out/batch` and recorded in the demo's
/// register, checked against the signed manifest; then one of them revoked, the lists published
/// again and fetched, and the revoked certificate shown not valid.
fn demo_batch(
    out: &Path,
    demo: &mut DemoTrust,
    now: Timestamp,
    failures: &mut Vec<String>,
) -> Result<(), CliError> {
    use goodstanding_operations::batch::{BatchOptions, run_batch};
    use goodstanding_verifier::model::RevocationReason;

    // The transparency log, with two witnesses this demo runs on loopback.
    let log_dir = out.join("log");
    let setup = goodstanding_operations::log::LogSetup::init(&log_dir, DEMO_LOG_ORIGIN)
        .map_err(|e| built_in("demo log", e))?;
    let log_dir = std::fs::canonicalize(&log_dir).map_err(|e| CliError::file(&log_dir, e))?;
    demo.register
        .set_log_folder(&log_dir)
        .map_err(|e| built_in("demo log", e))?;
    let exe = std::env::current_exe().map_err(|e| CliError::Input(e.to_string()))?;
    let _witnesses = crate::transparency::start_local_witnesses(
        &exe,
        &log_dir,
        &setup.verifier_key.to_vkey(),
        &log_dir.join(goodstanding_operations::log::POLICY_FILE),
    )?;
    let setup = goodstanding_operations::log::LogSetup::open(&log_dir)
        .map_err(|e| built_in("demo log", e))?;
    let batch_dir = out.join("batch");
    let input = out.join("requests.csv");
    write_output(&input, batch_example_checked_today(now)?.as_bytes())?;
    let options = BatchOptions {
        input: &input,
        format: None,
        out_dir: &batch_dir,
        key: &demo.key,
        jobs: 2,
        now,
        wait: false,
        supersede: false,
        issuing_body: None,
        again: false,
        witnesses: Some(&crate::transparency::HttpWitnesses),
        clock: None,
    };
    let summary = run_batch(&options, &mut demo.register, &mut |_| {})
        .map_err(|e| built_in("batch example", e))?;
    let register_path = demo.register.path().to_path_buf();
    outln!(
        "
batch: the same requests as a CSV export ({}), issued into {} and recorded in {}:",
        input.display(),
        batch_dir.display(),
        register_path.display()
    );
    outln!(
        "  {} issued, {} refused; manifest {}",
        summary.progress.issued,
        summary.progress.rejected,
        summary.manifest.display()
    );
    let log_size = demo
        .register
        .latest_witnessed()
        .map_err(|e| CliError::Input(e.to_string()))?
        .map_or(0, |c| c.size);
    outln!(
        "  transparency log {DEMO_LOG_ORIGIN}: every certificate appended before it was handed \
         out ({log_size} entries), each PDF carries its proof; the checkpoint was cosigned by two \
         witnesses this demo runs on loopback, so they are NOT independent (a real log's \
         witnesses are run by other bodies)"
    );
    let store = demo.store()?;
    match goodstanding_operations::manifest::verify_manifest(&summary.manifest, &store) {
        Ok(check) if check.is_valid() && check.certificates == EXAMPLES.len() => outln!(
            "  manifest VALID: all {} files present and unchanged. Try: goodstanding register list --register {}",
            check.files,
            register_path.display()
        ),
        Ok(check) => failures.push(format!("batch manifest: {check:?}")),
        Err(e) => failures.push(format!("batch manifest: {e}")),
    }

    // Revoke the first certificate of the batch, publish, fetch, verify.
    let mut first = None;
    demo.register
        .list(
            &goodstanding_operations::register::ListFilter {
                subject: None,
                batch: Some(summary.batch_id.clone()),
            },
            |record| {
                first.get_or_insert(record);
            },
        )
        .map_err(|e| CliError::Input(e.to_string()))?;
    let Some(first) = first else {
        failures.push("batch: nothing issued".into());
        return Ok(());
    };
    // Its proof, checked as a verifier of a trust list naming the log will check it.
    let proof_path = batch_dir.join(format!("{}.tlog-proof", first.id));
    match std::fs::read_to_string(&proof_path)
        .map_err(|e| e.to_string())
        .and_then(|text| {
            goodstanding_verifier::tlog_proof::TlogProof::parse(&text).map_err(|e| e.to_string())
        })
        .and_then(|proof| {
            setup
                .policy
                .check_checkpoint(&proof.checkpoint)
                .map_err(|e| e.to_string())
        }) {
        Ok((_, witnesses)) if witnesses.len() == 2 => {}
        other => failures.push(format!("{}: {other:?}", proof_path.display())),
    }
    demo.register
        .revoke(&first.id, RevocationReason::IssuedInError, now)
        .map_err(|e| built_in("demo revocation", e))?;
    // The revocation is an entry of the log too, witnessed before it is published.
    goodstanding_operations::log::witness_entries(
        &mut demo.register,
        &crate::transparency::HttpWitnesses,
        "the demo",
    )
    .map_err(|e| built_in("demo log", e))?;
    demo.publish_and_update(now)?;
    let jws = batch_dir.join(format!("{}.jws", first.id));
    let bytes = read_certificate_input(&jws)?;
    match goodstanding_verifier::verify(&bytes, &demo.store()?, now) {
        Err(goodstanding_verifier::VerifyError::Revoked { .. }) => outln!(
            "
revocation: {} revoked (issued in error), published into {} and fetched into {}:
  verify now says NOT VALID, revoked. See:  goodstanding verify {} --trust {}",
            first.id,
            demo.site.display(),
            demo.trust_dir.display(),
            jws.display(),
            demo.trust_dir.display()
        ),
        other => failures.push(format!("revoked certificate verified as {other:?}")),
    }
    Ok(())
}
