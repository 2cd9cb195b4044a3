//! The issuing body's commands that sign: issue, reissue, batch (with its progress display) and
//! preview (the draft shown to the person a certificate names).

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use goodstanding_operations::batch::{BatchEvent, BatchOptions, BatchSummary, Progress, run_batch};
use goodstanding_operations::batch_input::InputFormat;
use goodstanding_operations::single::{IssueOneError, Recorded};
use goodstanding_verifier::CertificateId;

use crate::error::CliError;
use crate::io::outln;
use crate::register::revoke_error;
use crate::shared::{check_issuer_name, issue_error, now, read_request, render_error};

fn one_error(request: &Path, e: IssueOneError) -> CliError {
    match e {
        IssueOneError::Issue(e) => issue_error(request, e),
        IssueOneError::Render(e) => render_error(e),
        IssueOneError::Replace(e) => revoke_error(e),
        live @ IssueOneError::LiveCertificate { .. } => CliError::Refused(live.to_string()),
        unapproved @ IssueOneError::NotApproved(_) => {
            CliError::Refused(format!("{}: {unapproved}", request.display()))
        }
        other => CliError::Input(other.to_string()),
    }
}

/// Tells the operator what the law kept off a certificate (by field; never the record itself).
fn print_notices(request: &Path, notices: &[goodstanding_issuer::Notice]) {
    for notice in notices {
        eprintln!("note: {}: {notice}", request.display());
    }
}

fn print_recorded(request: &Path, recorded: &Recorded, json: bool) {
    let [jws, qr, pdf] = &recorded.files;
    let issued = &recorded.issued;
    if json {
        let c = &issued.certificate;
        crate::outputs::print(&crate::outputs::IssueOutput {
            id: issued.id().to_string(),
            subject_reference: c.subject.reference.to_string(),
            issued_at: c.issued_at.to_string(),
            valid_from: c.valid_from.to_string(),
            valid_until: c.valid_until.to_string(),
            supersedes: c.supersedes.as_ref().map(ToString::to_string),
            files: crate::outputs::CertificateFiles {
                jws: jws.display().to_string(),
                qr_txt: qr.display().to_string(),
                pdf: pdf.display().to_string(),
            },
            qr_characters: issued.qr_text().len(),
            qr_codes: issued.qr_codes(),
            qr_version: issued.qr_version(),
            notices: issued
                .notices
                .iter()
                .map(|n| crate::outputs::NoticeOutput {
                    field: n.field.clone(),
                    message: n.message.clone(),
                })
                .collect(),
        });
        return;
    }
    print_notices(request, &recorded.issued.notices);
    outln!("{}", recorded.issued.id());
    let codes = match issued.qr_codes() {
        1 => format!("QR version {}", issued.qr_version()),
        n => format!(
            "printed as {n} QR codes of at most version {}",
            issued.qr_version()
        ),
    };
    eprintln!(
        "wrote {}, {} and {} ({} QR characters, {codes} at error correction M)",
        jws.display(),
        qr.display(),
        pdf.display(),
        issued.qr_text().len(),
    );
    // With a transparency log, the proof of inclusion is written beside them (and attached to
    // the PDF).
    let proof = pdf.with_extension(goodstanding_issuer::issue::PROOF_FILE);
    if proof.exists() {
        eprintln!(
            "and {}: its proof of inclusion in the transparency log, also attached to the PDF",
            proof.display()
        );
    }
}

/// Refuses a request that breaks a rule, under the register's settings (how old its
/// information may be), before the key is opened.
fn judge_request(
    register: &goodstanding_operations::register::Register,
    path: &Path,
    request: &goodstanding_issuer::CertificateRequest,
    now: goodstanding_verifier::Timestamp,
) -> Result<(), CliError> {
    let policy = register
        .policy()
        .map_err(|e| CliError::Input(e.to_string()))?;
    goodstanding_issuer::validate_with(request, now, policy)
        .map(|_| ())
        .map_err(|v| issue_error(path, goodstanding_issuer::IssueError::Invalid(v)))
}

/// `goodstanding issue`.
pub fn issue(args: &IssueArgs) -> Result<(), CliError> {
    let (request, signing) = (args.request.as_path(), &args.signing);
    let parsed = read_request(request)?;
    let now = now()?;
    let mut register = signing.register.open()?;
    // What the request says is judged before the key: a refused request is refused for that.
    judge_request(&register, request, &parsed, now)?;
    let (key, body) = signing.key(now)?;
    check_issuer_name(body.as_ref(), parsed.issuer.as_str())
        .map_err(|m| CliError::Refused(format!("{}: {m}", request.display())))?;
    let recorded = goodstanding_operations::single::issue_recorded(
        &mut register,
        &parsed,
        &key,
        now,
        &signing.out,
        args.supersede,
        body.as_ref(),
        Some(&crate::transparency::HttpWitnesses),
    )
    .map_err(|e| one_error(request, e))?;
    print_recorded(request, &recorded, args.json);
    Ok(())
}

/// `goodstanding reissue`.
pub fn reissue(args: &ReissueArgs) -> Result<(), CliError> {
    let (old, request, signing) = (args.id.as_str(), args.request.as_path(), &args.signing);
    let old = CertificateId::new(old)
        .map_err(|e| CliError::Input(format!("certificate id {old:?}: {e}")))?;
    let parsed = read_request(request)?;
    let now = now()?;
    let mut register = signing.register.open()?;
    judge_request(&register, request, &parsed, now)?;
    let (key, body) = signing.key(now)?;
    check_issuer_name(body.as_ref(), parsed.issuer.as_str())
        .map_err(|m| CliError::Refused(format!("{}: {m}", request.display())))?;
    let recorded = goodstanding_operations::single::reissue(
        &mut register,
        &old,
        &parsed,
        &key,
        now,
        &signing.out,
        body.as_ref(),
        Some(&crate::transparency::HttpWitnesses),
    )
    .map_err(|e| one_error(request, e))?;
    print_recorded(request, &recorded, args.json);
    eprintln!(
        "certificate {old} is revoked (superseded by {})",
        recorded.issued.id()
    );
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
            BatchEvent::Noticed {
                line,
                subject_reference,
                notices,
            } => {
                self.clear_line();
                for notice in notices {
                    eprintln!(
                        "note: request at line {line} (subject {subject_reference}): {notice}"
                    );
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

/// Arguments of `goodstanding issue`.
#[derive(clap::Args)]
pub struct IssueArgs {
    /// The request (JSON; see schemas/certificate-request.schema.json).
    pub request: PathBuf,
    #[command(flatten)]
    pub signing: crate::shared::SigningArgs,
    /// If the subject already has a live certificate, issue one that supersedes it (the old one
    /// is revoked as superseded in the same register transaction). Without this, such a request
    /// is refused: a subject has one live certificate at a time.
    #[arg(long)]
    pub supersede: bool,
    /// Print one JSON object (schemas/issue-output.schema.json) instead of the id and the
    /// files written.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `goodstanding reissue`.
#[derive(clap::Args)]
pub struct ReissueArgs {
    /// The certificate to supersede.
    pub id: String,
    /// The corrected request (JSON), for the same subject reference.
    pub request: PathBuf,
    #[command(flatten)]
    pub signing: crate::shared::SigningArgs,
    /// Print one JSON object (schemas/issue-output.schema.json) instead of the id and the
    /// files written.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `goodstanding batch`.
#[derive(clap::Args)]
pub struct BatchArgs {
    /// The requests: JSON Lines (one request per line) or CSV (one row per record).
    pub input: PathBuf,
    #[command(flatten)]
    pub signing: crate::shared::SigningArgs,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// The input's form [default: from its extension, else its content].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// No progress display; the summary and errors only.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the summary as JSON (no progress display).
    #[arg(long)]
    pub json: bool,
    /// If this batch is already running (same input and register), wait for that run to
    /// finish, then issue what is left, instead of refusing to start.
    #[arg(long)]
    pub wait: bool,
    /// A subject who already has a live certificate gets one that supersedes it (the old one is
    /// revoked as superseded when the new one is recorded). Without this, such requests are
    /// refused and set aside: a subject has one live certificate at a time.
    #[arg(long)]
    pub supersede: bool,
    /// Issue a file whose batch has finished again, as a new batch (a new id, folder and
    /// manifest of its own): with --supersede each subject's live certificate is replaced,
    /// else such requests are refused as with `issue`. Without it, a finished batch is not run
    /// again; an unfinished one is always resumed.
    #[arg(long)]
    pub again: bool,
    /// Sign nothing: write a draft DIR/<subject_ref>-draft.pdf per request for the person
    /// it names to check (as `preview`), under the register's rules settings. Needs no key;
    /// never changes the register.
    #[arg(long)]
    pub preview: bool,
}

/// The form of a batch input.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// JSON Lines: one request per line.
    Jsonl,
    /// CSV: one row per record (see the README).
    Csv,
}

/// Arguments of `goodstanding preview`.
#[derive(clap::Args)]
pub struct PreviewArgs {
    /// The request (JSON), or a batch file (.jsonl or .csv).
    pub input: PathBuf,
    /// Folder for the drafts (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
    /// The register whose rules settings the drafts follow (how old information may be), as
    /// `issue` will apply them; only read. Without a register, the default rules
    /// [default: the register `issue` uses, if there is one].
    #[command(flatten)]
    pub register: crate::shared::RegisterArg,
}

impl FormatArg {
    fn format(self) -> InputFormat {
        match self {
            Self::Jsonl => InputFormat::JsonLines,
            Self::Csv => InputFormat::Csv,
        }
    }
}

/// `goodstanding batch`.
pub fn batch(args: BatchArgs) -> Result<(), CliError> {
    if args.preview {
        return preview_batch(
            &args.input,
            args.format.map(FormatArg::format),
            &args.signing.out,
            args.signing.register.path.as_deref(),
            args.json,
        );
    }
    let now = now()?;
    let (key, body, mut register) = args.signing.open(now)?;
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if jobs == 0 {
        return Err(CliError::Input("--jobs must be at least 1".into()));
    }
    let options = BatchOptions {
        input: &args.input,
        format: args.format.map(FormatArg::format),
        out_dir: &args.signing.out,
        key: &key,
        jobs,
        now,
        wait: args.wait,
        supersede: args.supersede,
        issuing_body: body,
        again: args.again,
        witnesses: Some(&crate::transparency::HttpWitnesses),
        clock: Some(|| goodstanding_clock::now().ok()),
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
            "records_left_off": s.records_left_off,
            "manifest": s.manifest,
            "rejected_file": s.rejected_file,
            "jobs": jobs,
            "seconds": seconds,
            "per_second": per_second,
            "peak_memory_kib": crate::bench::memory::peak_kib(std::process::id()),
        });
        outln!("{summary}");
        return;
    }
    outln!("batch {}: {} request(s)", s.batch_id, p.total);
    outln!("  issued     {:>7}", p.issued);
    if s.records_left_off > 0 {
        outln!(
            "  records left off {:>7}  (protected, or not shown at the certificate's level; \
             each noted above)",
            s.records_left_off
        );
    }
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

/// `goodstanding preview REQUEST.json --out DIR` (a batch file: as `batch --preview`).
pub fn preview(args: &PreviewArgs) -> Result<(), CliError> {
    let (input, out, json) = (args.input.as_path(), args.out.as_path(), args.json);
    let is_single = input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let register = args.register.path.as_deref();
    audit_preview(&args.register, input)?;
    if !is_single {
        return preview_batch(input, None, out, register, json);
    }
    let request = read_request(input)?;
    let policy = crate::shared::register_policy(register)?;
    let (path, notices) =
        goodstanding_operations::preview::preview_one(&request, now()?, policy, out)
            .map_err(|e| preview_error(input, e))?;
    print_notices(input, &notices);
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

/// On a team register, drafts are records shown to an operator: who previewed which input
/// (by its SHA-256) is audited before any draft is written. Without a register, or on a
/// single operator's, `preview` does not touch the register.
fn audit_preview(register: &crate::shared::RegisterArg, input: &Path) -> Result<(), CliError> {
    let location = crate::shared::register_location(register.path.as_deref())?;
    if crate::shared::postgres_url(&location).is_none() && !location.exists() {
        return Ok(());
    }
    let mut opened = register.open()?;
    if !opened
        .is_team()
        .map_err(|e| CliError::Input(e.to_string()))?
    {
        return Ok(());
    }
    let bytes = std::fs::read(input).map_err(|e| CliError::file(input, e))?;
    let sha256 = goodstanding_operations::manifest::sha256_hex(&bytes);
    opened
        .audit(
            goodstanding_operations::register::Duty::View,
            vec![
                serde_json::json!({"action": "display", "what": "preview drafts",
                                    "input_sha256": sha256}),
            ],
        )
        .map_err(|e| CliError::Refused(e.to_string()))
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
    register: Option<&Path>,
    json: bool,
) -> Result<(), CliError> {
    let policy = crate::shared::register_policy(register)?;
    let summary =
        goodstanding_operations::preview::preview_batch(input, format, now()?, policy, out)
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
        if summary.notices > 0 {
            outln!(
                "{} record(s) left off the drafts as the law requires (protected, or not shown at \
                 the certificate's level), as `batch` would leave them off",
                summary.notices
            );
        }
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
