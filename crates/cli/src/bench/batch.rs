//! `goodstanding bench batch`: synthetic requests issued end to end by `goodstanding batch`, in
//! a fresh process for each run.

use std::io::Write as _;
use std::path::Path;

use goodstanding_issuer::token_uri::is_pkcs11_uri;
use goodstanding_issuer::{IssuingKey, write_key_pair};

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{TokenArgs, key_error, now, open_key};
use crate::transparency::{LocalWitness, start_local_witnesses};

/// What `goodstanding bench batch` is asked to do.
pub struct BenchBatch<'a> {
    /// Requests to issue in each run.
    pub count: u64,
    /// The `--jobs` values to run.
    pub jobs: &'a [usize],
    /// Keep the input, key and output here.
    pub keep: Option<&'a Path>,
    /// A key to compare with the generated key file (a `pkcs11:` URI or a key file).
    pub key: Option<&'a std::ffi::OsStr>,
    /// The module and PIN file for a token key.
    pub token: &'a TokenArgs,
    /// Also run with a transparency log and two witnesses on loopback.
    pub log: bool,
    /// Also run against a PostgreSQL register on this server (each run a new database).
    pub postgres: Option<&'a str>,
    /// Also run with two-person approval on (a team register whose every request two
    /// approvers approved, each with one signature for the whole set).
    pub approvals: bool,
}

/// Runs this goodstanding with `args`; its error output if it fails, saying `what` failed.
fn run_exe(exe: &Path, args: &[&std::ffi::OsStr], what: &str) -> Result<(), CliError> {
    let output = std::process::Command::new(exe)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| CliError::Input(format!("cannot run {}: {e}", exe.display())))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(CliError::Refused(format!(
            "{what}: {:?} failed: {}",
            args.first(),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

/// Makes the register of `run` a team's with two approvals per certificate, has a preparer
/// submit `input` and two approvers approve it all (one signature each), as the commands do;
/// returns the arguments that make `batch` act as the admin.
fn team_with_approvals(
    exe: &Path,
    run: &Path,
    register: &std::ffi::OsStr,
    input: &Path,
) -> Result<Vec<std::ffi::OsString>, CliError> {
    let ops = run.join("ops");
    let goodstanding = |args: &[&std::ffi::OsStr]| -> Result<(), CliError> {
        let mut all = args.to_vec();
        all.extend([std::ffi::OsStr::new("--register"), register]);
        run_exe(exe, &all, "setting up approvals")
    };
    let mut keys = Vec::new();
    for name in ["ada", "pat", "bo", "cy"] {
        let key = IssuingKey::generate(Some(
            goodstanding_verifier::KeyId::new(name).map_err(|e| CliError::Input(e.to_string()))?,
        ))
        .map_err(key_error)?;
        let (path, _) = write_key_pair(&key, &ops, true).map_err(key_error)?;
        keys.push((name, path, ops.join(format!("{name}.pub.jwk"))));
    }
    let os = |s: &str| std::ffi::OsString::from(s);
    let drafts = run.join("drafts");
    goodstanding(&[
        &os("register"),
        &os("init"),
        &os("--approvals"),
        &os("2"),
        &os("--as"),
        &os("ada"),
        &os("--key"),
        keys[0].1.as_os_str(),
    ])?;
    for ((name, _, public), role) in keys[1..].iter().zip(["prepare", "approve", "approve"]) {
        goodstanding(&[
            &os("operator"),
            &os("add"),
            &os(name),
            public.as_os_str(),
            &os("--role"),
            &os(role),
            &os("--as"),
            &os("ada"),
            &os("--key"),
            keys[0].1.as_os_str(),
        ])?;
    }
    goodstanding(&[
        &os("submit"),
        input.as_os_str(),
        &os("--as"),
        &os("pat"),
        &os("--key"),
        keys[1].1.as_os_str(),
    ])?;
    for (name, key, _) in &keys[2..] {
        goodstanding(&[
            &os("approve"),
            &os("--all-pending"),
            &os("--yes"),
            &os("--drafts"),
            drafts.as_os_str(),
            &os("--as"),
            &os(name),
            &os("--key"),
            key.as_os_str(),
        ])?;
    }
    let _ = std::fs::remove_dir_all(&drafts);
    Ok(vec![
        os("--as"),
        os("ada"),
        os("--operator-key"),
        keys[0].1.clone().into_os_string(),
    ])
}

/// Sets up a log for the register of `run` in `run/log`, starts two witnesses for it, and
/// writes the policy naming both, both needed. Returns the witnesses (stopped when dropped).
fn log_with_witnesses(
    exe: &Path,
    run: &Path,
    register: &std::ffi::OsStr,
) -> Result<Vec<LocalWitness>, CliError> {
    let log_dir = run.join("log");
    let output = std::process::Command::new(exe)
        .arg("log")
        .arg("init")
        .arg(&log_dir)
        .args(["--origin", "bench.example.org/log", "--register"])
        .arg(register)
        .output()
        .map_err(|e| CliError::Input(e.to_string()))?;
    if !output.status.success() {
        return Err(CliError::Refused(format!(
            "log init failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let log_vkey = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("log key (vkey): "))
        .ok_or_else(|| CliError::Refused("log init printed no vkey".into()))?
        .to_string();
    start_local_witnesses(exe, run, &log_vkey, &log_dir.join("log.policy"))
}

/// `goodstanding bench batch`: issues `count` synthetic requests with 1, 2, ... jobs, each run in
/// a fresh process with its own register, and reports throughput and peak memory: with a new key
/// file, and then with `--key` if given (a key in a token, say), with its share of the file key's
/// throughput.
pub fn batch(bench: &BenchBatch<'_>) -> Result<(), CliError> {
    let count = bench.count;
    let now = now()?;
    let dir = match bench.keep {
        Some(dir) => dir.to_path_buf(),
        None => std::env::temp_dir().join(format!("goodstanding-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| CliError::file(&dir, e))?;
    let input = dir.join("synthetic.jsonl");
    {
        let file = std::fs::File::create(&input).map_err(|e| CliError::file(&input, e))?;
        let mut out = std::io::BufWriter::new(file);
        for n in 0..count {
            let line = goodstanding_issuer::synthetic::request(n, now.date());
            writeln!(out, "{line}").map_err(|e| CliError::file(&input, e))?;
        }
        out.flush().map_err(|e| CliError::file(&input, e))?;
    }
    let key = IssuingKey::generate(None).map_err(key_error)?;
    let (key_path, _) = write_key_pair(&key, &dir.join("key"), true).map_err(key_error)?;
    let mut public_keys = vec![dir.join(format!("key/{}.pub.jwk", key.kid()))];
    let mut keys = vec![("file", key_path.into_os_string())];
    if let Some(given) = bench.key {
        let label = if given.to_str().is_some_and(is_pkcs11_uri) {
            "pkcs11"
        } else {
            "--key"
        };
        // Its public key, for the trust list `batch` judges it by.
        let opened = open_key("--key", given, None, bench.token)?;
        let public = dir.join("given.pub.jwk");
        std::fs::write(&public, opened.public_jwk().to_json())
            .map_err(|e| CliError::file(&public, e))?;
        public_keys.push(public);
        keys.push((label, given.to_os_string()));
    }
    let exe = std::env::current_exe().map_err(|e| CliError::Input(e.to_string()))?;
    let trust = trust_folder(&exe, &dir, &public_keys, &keys[0].1)?;
    outln!(
        "{count} synthetic requests (half with no records, half with 1-4; names with \
         diacritics): validate, sign, QR, PDF, write, register"
    );
    outln!(
        "{:>6}  {:>5}  {:>14}  {:>16}  {:>12}  {:>10}",
        "key",
        "jobs",
        "certificates/s",
        "ms/certificate",
        "peak memory",
        "vs"
    );
    // Each run: (label, key, logged, on PostgreSQL, with approvals, the label of the run it is
    // compared with).
    let mut runs: Vec<(&str, &std::ffi::OsString, bool, bool, bool, &str)> = keys
        .iter()
        .map(|(l, k)| (*l, k, false, false, false, "file"))
        .collect();
    if bench.log {
        runs.push(("+log", &keys[0].1, true, false, false, "file"));
    }
    if bench.approvals {
        runs.push(("+appr", &keys[0].1, false, false, true, "file"));
    }
    if bench.postgres.is_some() {
        runs.push(("pg", &keys[0].1, false, true, false, "file"));
        if bench.log {
            runs.push(("pg+log", &keys[0].1, true, true, false, "+log"));
        }
        if bench.approvals {
            runs.push(("pg+appr", &keys[0].1, false, true, true, "+appr"));
        }
    }
    let mut rates: std::collections::HashMap<(&str, usize), f64> = Default::default();
    for (label, key, logged, on_postgres, approvals, compared_with) in runs {
        for &n in bench.jobs {
            let run = dir.join(format!("{label}-jobs-{n}"));
            let _ = std::fs::remove_dir_all(&run);
            std::fs::create_dir_all(&run).map_err(|e| CliError::file(&run, e))?;
            let register: std::ffi::OsString = match bench.postgres.filter(|_| on_postgres) {
                Some(server) => {
                    let name = format!(
                        "gs_bench_{}_{}_{n}",
                        std::process::id(),
                        label.replace('+', "_")
                    );
                    goodstanding_operations::register::create_postgres_database(server, &name)
                        .map_err(|e| CliError::Input(format!("--postgres: {e}")))?
                        .into()
                }
                None => run.join("register.sqlite").into_os_string(),
            };
            let _witnesses = if logged {
                log_with_witnesses(&exe, &run, &register)?
            } else {
                Vec::new()
            };
            let acting = if approvals {
                team_with_approvals(&exe, &run, &register, &input)?
            } else {
                Vec::new()
            };
            let mut command = std::process::Command::new(&exe);
            command
                .arg("batch")
                .arg(&input)
                .arg("--key")
                .arg(key)
                .arg("--out")
                .arg(&run)
                .arg("--register")
                .arg(&register)
                .arg("--trust")
                .arg(&trust)
                .arg("--jobs")
                .arg(n.to_string())
                .arg("--json")
                .args(&acting)
                .stdin(std::process::Stdio::null());
            if let Some(module) = &bench.token.module {
                command.arg("--pkcs11-module").arg(module);
            }
            if let Some(pin_file) = &bench.token.pin_file {
                command.arg("--pin-file").arg(pin_file);
            }
            let output = command
                .output()
                .map_err(|e| CliError::Input(format!("cannot run {}: {e}", exe.display())))?;
            let summary: serde_json::Value =
                serde_json::from_slice(&output.stdout).map_err(|_| {
                    CliError::Refused(format!(
                        "the batch with the {label} key and {n} job(s) failed: {}",
                        String::from_utf8_lossy(&output.stderr)
                    ))
                })?;
            let issued = summary["issued"].as_u64().unwrap_or(0);
            if issued != count {
                return Err(CliError::Refused(format!(
                    "the batch with {n} job(s) issued {issued} of {count}: {summary}"
                )));
            }
            let per_second = summary["per_second"].as_f64().unwrap_or(0.0);
            let peak = summary["peak_memory_kib"].as_u64().unwrap_or(0);
            rates.insert((label, n), per_second);
            let share = if label == "file" {
                String::new()
            } else {
                rates
                    .get(&(compared_with, n))
                    .map(|base| {
                        format!(
                            "{:.0}% of {compared_with}",
                            100.0 * per_second / base.max(1e-9)
                        )
                    })
                    .unwrap_or_default()
            };
            outln!(
                "{label:>6}  {n:>5}  {per_second:>14.0}  {:>16.2}  {:>9.1} MiB  {share}",
                1000.0 / per_second.max(1e-9),
                peak as f64 / 1024.0
            );
        }
    }
    if bench.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// A trust folder naming `public_keys`, made as an issuing body makes one (`root keygen`, `trust
/// add`, `publish` with `publishing_key`, `trust update`), since `batch` judges its key by one.
fn trust_folder(
    exe: &Path,
    dir: &Path,
    public_keys: &[std::path::PathBuf],
    publishing_key: &std::ffi::OsStr,
) -> Result<std::path::PathBuf, CliError> {
    for old in ["root", "site", "trust"] {
        let _ = std::fs::remove_dir_all(dir.join(old));
    }
    for old in ["trust-list.jws", "publish.sqlite"] {
        let _ = std::fs::remove_file(dir.join(old));
    }
    let (root, list, trust) = (
        dir.join("root"),
        dir.join("trust-list.jws"),
        dir.join("trust"),
    );
    let (root_key, root_public) = (
        root.join("bench-root.key.pem"),
        root.join("bench-root.pub.jwk"),
    );
    let run = |args: &[&std::ffi::OsStr]| run_exe(exe, args, "making the bench's trust folder");
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    run(&[
        os("root"),
        os("keygen"),
        os("--out"),
        root.as_os_str(),
        os("--kid"),
        os("bench-root"),
    ])?;
    for public in public_keys {
        run(&[
            os("trust"),
            os("add"),
            public.as_os_str(),
            os("--from"),
            os("2000-01-01"),
            os("--root-key"),
            root_key.as_os_str(),
            os("--list"),
            list.as_os_str(),
        ])?;
    }
    let (site, register) = (dir.join("site"), dir.join("publish.sqlite"));
    run(&[
        os("publish"),
        os("--out"),
        site.as_os_str(),
        os("--key"),
        publishing_key,
        os("--root"),
        root_public.as_os_str(),
        os("--trust-list"),
        list.as_os_str(),
        os("--register"),
        register.as_os_str(),
    ])?;
    run(&[
        os("trust"),
        os("update"),
        os("--from"),
        site.as_os_str(),
        os("--trust"),
        trust.as_os_str(),
        os("--root"),
        root_public.as_os_str(),
    ])?;
    Ok(trust)
}
