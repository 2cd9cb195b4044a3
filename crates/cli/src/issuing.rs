//! The issuing body's commands: issue, reissue, revoke, register list/show, batch (with its
//! progress display), and the batch benchmark.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use goodstanding_issuer::token_uri::is_pkcs11_uri;
use goodstanding_issuer::{IssuingKey, write_key_pair};
use goodstanding_operations::batch::{BatchEvent, BatchOptions, BatchSummary, Progress, run_batch};
use goodstanding_operations::batch_input::InputFormat;
use goodstanding_operations::register::{CertificateRecord, ListFilter, RevokeError};
use goodstanding_operations::single::{IssueOneError, Recorded};
use goodstanding_verifier::CertificateId;
use goodstanding_verifier::model::RevocationReason;

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{
    SigningArgs, TokenArgs, issue_error, key_error, now, open_register, read_request, render_error,
};

fn one_error(request: &Path, e: IssueOneError) -> CliError {
    match e {
        IssueOneError::Issue(e) => issue_error(request, e),
        IssueOneError::Render(e) => render_error(e),
        IssueOneError::Replace(e) => revoke_error(e),
        other => CliError::Input(other.to_string()),
    }
}

fn revoke_error(e: RevokeError) -> CliError {
    match e {
        unknown @ RevokeError::Unknown(_) => CliError::Input(unknown.to_string()),
        RevokeError::Register(e) => CliError::Input(e.to_string()),
        other => CliError::Refused(other.to_string()),
    }
}

fn print_recorded(recorded: &Recorded) {
    outln!("{}", recorded.issued.id());
    let [jws, qr, pdf] = &recorded.files;
    eprintln!(
        "wrote {}, {} and {} ({} QR characters, QR version {} at error correction M)",
        jws.display(),
        qr.display(),
        pdf.display(),
        recorded.issued.qr_text().len(),
        recorded.issued.qr_version()
    );
}

/// `goodstanding issue`.
pub fn issue(request: &Path, signing: &SigningArgs) -> Result<(), CliError> {
    let parsed = read_request(request)?;
    let (key, mut register) = signing.open()?;
    let recorded = goodstanding_operations::single::issue_recorded(
        &mut register,
        &parsed,
        &key,
        now()?,
        &signing.out,
    )
    .map_err(|e| one_error(request, e))?;
    print_recorded(&recorded);
    Ok(())
}

/// `goodstanding reissue`.
pub fn reissue(old: &str, request: &Path, signing: &SigningArgs) -> Result<(), CliError> {
    let old = CertificateId::new(old)
        .map_err(|e| CliError::Input(format!("certificate id {old:?}: {e}")))?;
    let parsed = read_request(request)?;
    let (key, mut register) = signing.open()?;
    let recorded = goodstanding_operations::single::reissue(
        &mut register,
        &old,
        &parsed,
        &key,
        now()?,
        &signing.out,
    )
    .map_err(|e| one_error(request, e))?;
    print_recorded(&recorded);
    eprintln!(
        "certificate {old} is revoked (superseded by {})",
        recorded.issued.id()
    );
    Ok(())
}

/// `goodstanding revoke`.
pub fn revoke(id: &str, reason: &str, register: Option<&Path>) -> Result<(), CliError> {
    let reason = RevocationReason::from_code(reason).ok_or_else(|| {
        CliError::Input(format!(
            "--reason {reason:?}: not a reason code; use one of {}",
            RevocationReason::ALL
                .map(RevocationReason::as_code)
                .join(", ")
        ))
    })?;
    let mut register = open_register(register)?;
    let at = now()?;
    register.revoke(id, reason, at).map_err(revoke_error)?;
    outln!("revoked {id} at {at} ({})", reason.label());
    Ok(())
}

/// `goodstanding register list`.
pub fn register_list(
    subject: Option<String>,
    batch: Option<String>,
    register: Option<&Path>,
    json: bool,
) -> Result<(), CliError> {
    let register = open_register(register)?;
    let mut count = 0usize;
    if !json {
        outln!(
            "{:<26}  {:<8}  {:<16}  {:<20}  {:<20}  batch",
            "certificate",
            "state",
            "subject",
            "issued at",
            "valid until"
        );
    }
    register
        .list(&ListFilter { subject, batch }, |c| {
            count += 1;
            if json {
                outln!("{}", record_json(&c));
            } else {
                outln!(
                    "{:<26}  {:<8}  {:<16}  {:<20}  {:<20}  {}",
                    c.id,
                    state(&c),
                    c.subject_reference,
                    c.issued_at,
                    c.valid_until,
                    c.batch_id.as_deref().unwrap_or("-")
                );
            }
        })
        .map_err(|e| CliError::Input(e.to_string()))?;
    if !json {
        eprintln!("{count} certificate(s) in {}", register.path().display());
    }
    Ok(())
}

fn state(c: &CertificateRecord) -> &str {
    match &c.revocation {
        Some(_) => "revoked",
        None if c.state == "pending" => "pending",
        None => "issued",
    }
}

fn record_json(c: &CertificateRecord) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "state": state(c),
        "subject_reference": c.subject_reference,
        "kid": c.kid,
        "issued_at": c.issued_at,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "information_as_at": c.information_as_at,
        "folder": c.out_dir,
        "batch": c.batch_id,
        "batch_line": c.batch_item,
        "supersedes": c.supersedes,
        "sha256": {"jws": c.jws_sha256, "qr_txt": c.qr_sha256, "pdf": c.pdf_sha256},
        "revocation": c.revocation.as_ref().map(|r| serde_json::json!({
            "revoked_at": r.revoked_at,
            "reason": r.reason,
            "superseded_by": r.superseded_by,
        })),
    })
}

/// `goodstanding register show`.
pub fn register_show(id: &str, register: Option<&Path>, json: bool) -> Result<(), CliError> {
    let register = open_register(register)?;
    let c = register
        .certificate(id)
        .map_err(|e| CliError::Input(e.to_string()))?
        .ok_or_else(|| {
            CliError::Input(format!(
                "no certificate {id} in {}; `goodstanding register list` shows what it holds",
                register.path().display()
            ))
        })?;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&record_json(&c)).unwrap_or_default()
        );
        return Ok(());
    }
    let line = |label: &str, value: &str| outln!("{label:<18} {value}");
    line("Certificate", &c.id);
    line("State", state(&c));
    line("Subject ref.", &c.subject_reference);
    line("Signing key", &c.kid);
    line("Issued at", &c.issued_at);
    line("Valid", &format!("{} to {}", c.valid_from, c.valid_until));
    line("Record as at", &c.information_as_at);
    if let Some(batch) = &c.batch_id {
        let at = c
            .batch_item
            .map(|l| format!(", line {l}"))
            .unwrap_or_default();
        line("Batch", &format!("{batch}{at}"));
    }
    if let Some(old) = &c.supersedes {
        line("Replaces", old);
    }
    if let Some(r) = &c.revocation {
        line("Revoked", &format!("{} ({})", r.revoked_at, r.reason));
        if let Some(new) = &r.superseded_by {
            line("Superseded by", new);
        }
    }
    for (ext, hash) in [
        ("jws", &c.jws_sha256),
        ("qr.txt", &c.qr_sha256),
        ("pdf", &c.pdf_sha256),
    ] {
        let path = Path::new(&c.out_dir).join(format!("{}.{ext}", c.id));
        line(
            &format!("File .{ext}"),
            &format!("{}  sha256 {hash}", path.display()),
        );
    }
    Ok(())
}

/// Shows progress on standard error: a redrawn bar on a terminal, a line every tenth otherwise.
struct ProgressView {
    terminal: bool,
    quiet: bool,
    started: Instant,
    last_drawn: Option<Instant>,
    last_tenth: u64,
    shown_rejections: usize,
    first_done: u64,
}

/// Refused requests shown one by one before the rest are only counted.
const SHOWN_REJECTIONS: usize = 20;

impl ProgressView {
    fn new(quiet: bool) -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            quiet,
            started: Instant::now(),
            last_drawn: None,
            last_tenth: 0,
            shown_rejections: 0,
            first_done: 0,
        }
    }

    fn clear_line(&self) {
        if self.terminal {
            eprint!("\r\x1b[K");
        }
    }

    fn event(&mut self, event: BatchEvent<'_>) {
        if self.quiet {
            return;
        }
        match event {
            BatchEvent::Started {
                batch_id,
                progress,
                recovered,
            } => {
                self.first_done = progress.done();
                // The rate counts from here, not from the reading of the input before.
                self.started = Instant::now();
                let mut line = format!("batch {batch_id}: {} request(s)", progress.total);
                if progress.skipped > 0 {
                    line += &format!(
                        "; {} already issued by an earlier run, skipped",
                        progress.skipped
                    );
                }
                if recovered > 0 {
                    line += &format!(
                        "; {recovered} left half-written by an interrupted run, removed and \
                         issued again"
                    );
                }
                eprintln!("{line}");
            }
            BatchEvent::Rejected {
                line,
                subject_reference,
                problems,
            } => {
                self.shown_rejections += 1;
                if self.shown_rejections > SHOWN_REJECTIONS {
                    return;
                }
                self.clear_line();
                let subject = subject_reference
                    .map(|s| format!(" (subject {s})"))
                    .unwrap_or_default();
                eprintln!("refused: request at line {line}{subject}:");
                for p in problems {
                    eprintln!("  - {p}");
                }
                if self.shown_rejections == SHOWN_REJECTIONS {
                    eprintln!("(further refusals are only counted; all are in the rejected file)");
                }
            }
            BatchEvent::Progress(p) => self.progress(p),
            BatchEvent::Waiting { what } => eprintln!("waiting for {what}"),
        }
    }

    fn progress(&mut self, p: Progress) {
        let now = Instant::now();
        let done_now = p.done() - self.first_done;
        let elapsed = now.duration_since(self.started).as_secs_f64().max(1e-3);
        let rate = done_now as f64 / elapsed;
        let left = p.total.saturating_sub(p.done());
        let eta = if rate > 0.0 { left as f64 / rate } else { 0.0 };
        let eta = format!("{}:{:02}", (eta as u64) / 60, (eta as u64) % 60);
        if self.terminal {
            if self
                .last_drawn
                .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
                && p.done() < p.total
            {
                return;
            }
            self.last_drawn = Some(now);
            let width = 30usize;
            let filled = (p.done() * width as u64)
                .checked_div(p.total)
                .map_or(width, |f| f as usize)
                .min(width);
            eprint!(
                "\r\x1b[K[{}{}] {}/{}  {rate:.0}/s  {eta} left  ({} refused)",
                "#".repeat(filled),
                ".".repeat(width - filled),
                p.done(),
                p.total,
                p.rejected
            );
            let _ = std::io::stderr().flush();
        } else {
            let tenth = (p.done() * 10).checked_div(p.total).unwrap_or(10);
            if tenth > self.last_tenth {
                self.last_tenth = tenth;
                eprintln!(
                    "{}/{} done ({} issued, {} refused), {rate:.0} per second, {eta} left",
                    p.done(),
                    p.total,
                    p.issued,
                    p.rejected
                );
            }
        }
    }

    fn finish(&self) {
        if self.terminal && !self.quiet {
            eprintln!();
        }
    }
}

/// Peak resident memory of this process, in KiB (Linux).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Arguments of `goodstanding batch`.
pub struct BatchArgs {
    /// The input file.
    pub input: PathBuf,
    /// Key, folder and register.
    pub signing: SigningArgs,
    /// Worker threads.
    pub jobs: Option<usize>,
    /// Input form.
    pub format: Option<InputFormat>,
    /// No progress.
    pub quiet: bool,
    /// JSON summary.
    pub json: bool,
    /// Wait for a run of the same batch already under way, then resume.
    pub wait: bool,
    /// Write drafts for the people named instead of issuing anything.
    pub preview: bool,
}

/// `goodstanding batch`.
pub fn batch(args: BatchArgs) -> Result<(), CliError> {
    if args.preview {
        return preview_batch(&args.input, args.format, &args.signing.out, args.json);
    }
    let (key, mut register) = args.signing.open()?;
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if jobs == 0 {
        return Err(CliError::Input("--jobs must be at least 1".into()));
    }
    let options = BatchOptions {
        input: &args.input,
        format: args.format,
        out_dir: &args.signing.out,
        key: &key,
        jobs,
        now: now()?,
        wait: args.wait,
    };
    let started = Instant::now();
    let mut view = ProgressView::new(args.quiet || args.json);
    let summary = run_batch(&options, &mut register, &mut |event| view.event(event));
    view.finish();
    let summary = summary.map_err(|e| CliError::Input(e.to_string()))?;
    let seconds = started.elapsed().as_secs_f64();
    print_batch_summary(&summary, seconds, jobs, args.json);
    let p = summary.progress;
    if p.rejected > 0 {
        let file = summary
            .rejected_file
            .as_ref()
            .map_or(String::new(), |f| f.display().to_string());
        return Err(CliError::Refused(format!(
            "{} request(s) refused; each is in {file} with its line, field, rule and original \
             text. Correct those requests in a new input file and issue it as a new batch (running \
             a corrected copy of the whole file would issue everyone again)",
            p.rejected
        )));
    }
    Ok(())
}

fn print_batch_summary(s: &BatchSummary, seconds: f64, jobs: usize, json: bool) {
    let p = s.progress;
    let handled = p.issued + p.rejected;
    let per_second = if seconds > 0.0 {
        handled as f64 / seconds
    } else {
        0.0
    };
    if json {
        let summary = serde_json::json!({
            "batch": s.batch_id,
            "total": p.total,
            "issued": p.issued,
            "already_issued": p.skipped,
            "rejected": p.rejected,
            "rejected_by_reason": s.rejected_by_reason,
            "recovered": s.recovered,
            "issued_in_batch": s.issued_in_batch,
            "manifest": s.manifest,
            "rejected_file": s.rejected_file,
            "jobs": jobs,
            "seconds": seconds,
            "per_second": per_second,
            "peak_memory_kib": peak_memory_kib(),
        });
        outln!("{summary}");
        return;
    }
    outln!("batch {}: {} request(s)", s.batch_id, p.total);
    outln!("  issued     {:>7}", p.issued);
    if p.skipped > 0 {
        outln!("  skipped    {:>7}  (issued by an earlier run)", p.skipped);
    }
    match &s.rejected_file {
        Some(file) => outln!("  refused    {:>7}  -> {}", p.rejected, file.display()),
        None => outln!("  refused    {:>7}", p.rejected),
    }
    for (reason, count) in &s.rejected_by_reason {
        outln!("      {count:>7}  {reason}");
    }
    outln!(
        "  manifest   {}  ({} certificates)",
        s.manifest.display(),
        s.issued_in_batch
    );
    outln!("  took {seconds:.1} s with {jobs} job(s): {per_second:.0} requests per second");
}

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
}

/// `goodstanding bench batch`: issues `count` synthetic requests with 1, 2, ... jobs, each run in
/// a fresh process with its own register, and reports throughput and peak memory: with a new key
/// file, and then with `--key` if given (a key in a token, say), with its share of the file key's
/// throughput.
pub fn bench_batch(bench: &BenchBatch<'_>) -> Result<(), CliError> {
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
    let mut keys = vec![("file", key_path.into_os_string())];
    if let Some(given) = bench.key {
        let label = if given.to_str().is_some_and(is_pkcs11_uri) {
            "pkcs11"
        } else {
            "--key"
        };
        keys.push((label, given.to_os_string()));
    }
    let exe = std::env::current_exe().map_err(|e| CliError::Input(e.to_string()))?;
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
        "vs file"
    );
    let mut file_rates = Vec::new();
    for (label, key) in &keys {
        for (i, &n) in bench.jobs.iter().enumerate() {
            let run = dir.join(format!("{label}-jobs-{n}"));
            let _ = std::fs::remove_dir_all(&run);
            let mut command = std::process::Command::new(&exe);
            command
                .arg("batch")
                .arg(&input)
                .arg("--key")
                .arg(key)
                .arg("--out")
                .arg(&run)
                .arg("--register")
                .arg(run.join("register.sqlite"))
                .arg("--jobs")
                .arg(n.to_string())
                .arg("--json")
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
            let share = if *label == "file" {
                file_rates.push(per_second);
                String::new()
            } else {
                file_rates
                    .get(i)
                    .map(|file| format!("{:.0}%", 100.0 * per_second / file.max(1e-9)))
                    .unwrap_or_default()
            };
            outln!(
                "{label:>6}  {n:>5}  {per_second:>14.0}  {:>16.2}  {:>9.1} MiB  {share:>10}",
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

/// `goodstanding preview REQUEST.json --out DIR` (a batch file: as `batch --preview`).
pub fn preview(input: &Path, out: &Path, json: bool) -> Result<(), CliError> {
    let is_single = input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if !is_single {
        return preview_batch(input, None, out, json);
    }
    let request = read_request(input)?;
    let path = goodstanding_operations::preview::preview_one(&request, now()?, out)
        .map_err(|e| preview_error(input, e))?;
    if json {
        outln!("{}", serde_json::json!({ "drafts": [path], "refused": 0 }));
    } else {
        outln!("wrote {}", path.display());
        outln!(
            "  a DRAFT for the person named to check: not a certificate, not signed, not recorded"
        );
    }
    Ok(())
}

/// A draft that could not be made: refused by the rules (exit 1), else an input error.
fn preview_error(input: &Path, e: goodstanding_operations::preview::PreviewError) -> CliError {
    use goodstanding_operations::preview::PreviewError;
    match e {
        PreviewError::Refused(e) => issue_error(input, e),
        PreviewError::Render(e) => render_error(e),
        other => CliError::Input(other.to_string()),
    }
}

/// `goodstanding batch INPUT --preview --out DIR`: a draft per request, nothing signed or
/// recorded; refused requests listed by line, field and rule (exit 1).
fn preview_batch(
    input: &Path,
    format: Option<InputFormat>,
    out: &Path,
    json: bool,
) -> Result<(), CliError> {
    let summary = goodstanding_operations::preview::preview_batch(input, format, now()?, out)
        .map_err(|e| preview_error(input, e))?;
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "drafts": summary.written,
                "refused": summary.refused.len(),
            })
        );
    } else {
        for problems in &summary.refused {
            for problem in problems {
                eprintln!("goodstanding: {}: refused: {problem}", input.display());
            }
        }
        outln!(
            "{} draft(s) in {}: for the people named to check; not certificates, not signed, \
             not recorded",
            summary.written.len(),
            out.display()
        );
        if !summary.refused.is_empty() {
            outln!(
                "{} request(s) refused (listed above)",
                summary.refused.len()
            );
        }
    }
    if summary.refused.is_empty() {
        Ok(())
    } else {
        Err(CliError::Refused(format!(
            "{} request(s) of {} refused",
            summary.refused.len(),
            input.display()
        )))
    }
}
