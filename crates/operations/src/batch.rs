//! Batch issuance: many requests from one file, in parallel, recorded in the register, resumable
//! after a crash.
//!
//! ```text
//! input --reader--> items --workers (N)--> validate, sign, render, write .partial files
//!                                      \--> refused: problems
//!        --writer (1)--> register: pending -> rename into place -> issued; rejected.jsonl
//! ```
//! Every channel is bounded, so memory does not grow with the input. The batch id is derived from
//! the input's SHA-256: running the same input again resumes the batch. Lines already issued are
//! skipped, certificates left `pending` by a crash are removed with their files (they were never
//! issued) and their requests issued again, and leftover `.partial` files are deleted.

mod error;
mod files;
mod input;
mod render;
mod work;

pub use error::BatchError;
use files::*;
use input::*;
use render::*;
pub(crate) use work::judge_approvals;
use work::*;
pub use work::{APPROVAL_RULE, live_certificate_message};
pub(crate) use work::{new_certificate, place, write_partials};

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Read, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use goodstanding_verifier::{CertificateId, Timestamp};
use sha2::{Digest as _, Sha256};

use crate::batch_input::{BatchItem, BatchReader, InputError, InputFormat, Problem};
use crate::log::release::{
    Held, ReleaseError, Written, discard, finish_release, release_held, render_held,
};
use crate::log::{DEFAULT_WITNESS_TIMEOUT, LogError, LogSetup, LogWriter, WitnessTransport};
use crate::manifest::{WriteManifestError, sha256_hex, write_manifest};
use crate::register::{BatchRecord, NewCertificate, Register, RegisterError};
use goodstanding_files::lock::{self, Lock, LockError, Removal};
use goodstanding_files::{PARTIAL_SUFFIX, make_durable, temp_name, write_new};
use goodstanding_issuer::Notice;
use goodstanding_issuer::issue::{CERTIFICATE_FILES, IssueError, issue_under};
use goodstanding_issuer::keys::IssuingKey;
use goodstanding_issuer::keys::SignError;
use goodstanding_issuer::pdf::RenderError;

/// Most certificates recorded in one register transaction.
const CHUNK: usize = 64;

/// Longest the writer waits to fill a chunk.
const GATHER: Duration = Duration::from_millis(30);

/// What to issue and where.
#[derive(Debug)]
pub struct BatchOptions<'a> {
    /// The input file (JSON Lines or CSV).
    pub input: &'a Path,
    /// Its form; `None` to detect it from the name and content.
    pub format: Option<InputFormat>,
    /// The folder for certificate files, the manifest and the refused requests.
    pub out_dir: &'a Path,
    /// The issuing key.
    pub key: &'a IssuingKey,
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// The time of issue stamped on this run's certificates.
    pub now: Timestamp,
    /// If the same batch is already running: wait for it to finish and then resume, instead of
    /// refusing to start.
    pub wait: bool,
    /// A subject who already has a live certificate gets a new one that supersedes it (the old
    /// one is revoked as superseded when the new one is recorded); without this, such a request
    /// is refused (rule 8: one live certificate per subject).
    pub supersede: bool,
    /// The issuing body the trust list names for the key, if it names one: every request must
    /// give it as its issuer (rule 9), and the PDFs print its address and check address.
    pub issuing_body: Option<goodstanding_verifier::lists::IssuingBody>,
    /// Issue an input whose batch has finished again, as a new batch (with a new id). Without
    /// it, a finished batch is not run again (an unfinished one is always resumed).
    pub again: bool,
    /// How to reach the transparency log's witnesses, when the register has a log.
    pub witnesses: Option<&'a dyn WitnessTransport>,
    /// The clock each certificate's issue time is read from as it is signed (never before
    /// `now`); `None`: every certificate carries `now`.
    pub clock: Option<fn() -> Option<Timestamp>>,
}

/// The title of rule 8 in refusals.
pub const ONE_LIVE_RULE: &str = "rule 8: one live certificate per subject";

/// Counts as the batch goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Requests in the input.
    pub total: u64,
    /// Requests already issued by an earlier run, skipped.
    pub skipped: u64,
    /// Issued by this run.
    pub issued: u64,
    /// Refused by this run.
    pub rejected: u64,
}

impl Progress {
    /// Requests dealt with so far, skipped ones included.
    pub fn done(&self) -> u64 {
        self.skipped + self.issued + self.rejected
    }
}

/// Something the caller may show as the batch goes.
#[derive(Debug)]
pub enum BatchEvent<'a> {
    /// The input has been counted; work starts.
    Started {
        /// The batch id.
        batch_id: &'a str,
        /// Counts so far (total and skipped are final).
        progress: Progress,
        /// Certificates left pending by an interrupted run, removed with their files.
        recovered: usize,
    },
    /// A request was refused.
    Rejected {
        /// Its first line.
        line: u64,
        /// The subject reference, if known.
        subject_reference: Option<&'a str>,
        /// What is wrong.
        problems: &'a [Problem],
    },
    /// A certificate was issued with records the law keeps off it (protected, or not shown at
    /// its disclosure level): the operator is told which, by field, never what they say.
    Noticed {
        /// The request's first line.
        line: u64,
        /// The subject reference.
        subject_reference: &'a str,
        /// The records left off, and why.
        notices: &'a [Notice],
    },
    /// More requests were dealt with.
    Progress(Progress),
    /// This run waits for another one before it starts.
    Waiting {
        /// What it waits for, and who holds it.
        what: &'a str,
    },
}

/// What a batch run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    /// The batch id.
    pub batch_id: String,
    /// Final counts of this run.
    pub progress: Progress,
    /// Certificates left pending by an interrupted run, removed and issued again.
    pub recovered: usize,
    /// Refused requests by reason (a rule's title, or `format` for unreadable requests).
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// The signed manifest.
    pub manifest: PathBuf,
    /// The refused requests with their problems and original text, if any were refused.
    pub rejected_file: Option<PathBuf>,
    /// Certificates of the batch in the register (all runs).
    pub issued_in_batch: u64,
    /// Records this run's certificates leave off as the law requires (each told as it came).
    pub records_left_off: u64,
}

/// The lock of an output folder: shared by every run writing certificates into it, exclusive
/// while a batch removes what an interrupted run left there.
pub(crate) fn folder_lock_path(dir: &Path) -> PathBuf {
    dir.join(FOLDER_LOCK)
}

/// A recorded certificate's notices for the operator: (line, subject reference, notices).
type Noticed = (u64, String, Vec<Notice>);

/// The writer's part: records signed certificates in chunks and collects refused requests.
struct Writer<'a, 'l> {
    register: &'a mut Register,
    /// The log's writer, when the register has a log.
    log: Option<&'a mut LogWriter<'l>>,
    /// The logged path's rendering pool, which renders a chunk while the next is recorded.
    render: Option<RenderPipe>,
    now: Timestamp,
    /// Records left off this run's certificates as the law requires.
    records_left_off: u64,
    dir: &'a Path,
    rejected_temp: PathBuf,
    rejected_out: Option<BufWriter<File>>,
    by_reason: BTreeMap<String, u64>,
    progress: Progress,
}

impl Writer<'_, '_> {
    /// pending -> rename into place -> flush to disk -> issued, for one chunk. Returns the
    /// certificates recorded with notices for the operator: (line, subject, notices).
    fn record(&mut self, chunk: &mut Vec<Signed>) -> Result<Vec<Noticed>, BatchError> {
        if chunk.is_empty() {
            return Ok(Vec::new());
        }
        let records: Vec<NewCertificate> = chunk.iter().map(|s| s.record.clone()).collect();
        let conflicts = self.register.record_pending(&records, self.now)?;
        // The register refused these (another certificate for the subject became live since the
        // batch started): their files go, and the requests are set aside.
        for (index, live) in conflicts.iter().rev() {
            let signed = chunk.remove(*index);
            for (temp, _) in &signed.files {
                let _ = std::fs::remove_file(temp);
            }
            let line = signed.record.batch.as_ref().map_or(0, |(_, line)| *line);
            let message = match (live, &signed.record.supersedes) {
                (Some(live), None) => live_certificate_message(live),
                (Some(live), Some(_)) => format!(
                    "another run gave the subject a new certificate, {live}, while this batch \
                     ran; run the batch again to supersede it"
                ),
                (None, _) => "the certificate this one was to supersede is no longer the \
                              subject's live certificate; run the batch again"
                    .into(),
            };
            self.reject(&Refused {
                line,
                subject_reference: Some(signed.record.subject_reference.clone()),
                problems: vec![Problem {
                    line,
                    column: None,
                    field: Some("subject.reference".into()),
                    rule: Some(ONE_LIVE_RULE),
                    message,
                }],
                original: signed.original,
            })?;
        }
        let approved: Vec<String> = chunk
            .iter()
            .filter_map(|s| s.request_hash.clone())
            .collect();
        self.register.mark_requests_done(&approved)?;
        if self.log.is_some() {
            // Logged: the entries went in with the pending rows; a witnessed checkpoint, then
            // the files (each PDF with its proof) rendered by the pool while the next chunk is
            // recorded, then issued.
            self.render_chunk(chunk)?;
            return Ok(self.noticed(chunk));
        }
        let records: Vec<NewCertificate> = chunk.iter().map(|s| s.record.clone()).collect();
        for signed in chunk.iter() {
            place(&signed.files).map_err(|(path, error)| BatchError::Output { path, error })?;
        }
        let placed: Vec<&Path> = chunk
            .iter()
            .flat_map(|s| s.files.iter().map(|(_, target)| target.as_path()))
            .collect();
        make_durable(self.dir, &placed).map_err(|error| BatchError::Output {
            path: self.dir.to_path_buf(),
            error,
        })?;
        let ids: Vec<CertificateId> = records.into_iter().map(|r| r.id).collect();
        self.register.mark_issued(&ids, self.now)?;
        self.progress.issued += ids.len() as u64;
        Ok(self.noticed(chunk))
    }

    /// The chunk's certificates with notices for the operator, counted; empties the chunk.
    fn noticed(&mut self, chunk: &mut Vec<Signed>) -> Vec<Noticed> {
        let noticed: Vec<Noticed> = chunk
            .drain(..)
            .filter(|s| !s.notices.is_empty())
            .map(|s| {
                let line = s.record.batch.as_ref().map_or(0, |(_, line)| *line);
                (line, s.record.subject_reference, s.notices)
            })
            .collect();
        self.records_left_off += noticed.iter().map(|(_, _, n)| n.len() as u64).sum::<u64>();
        noticed
    }

    fn reject(&mut self, refused: &Refused) -> Result<(), BatchError> {
        let output = |path: &Path| {
            let path = path.to_path_buf();
            move |error| BatchError::Output { path, error }
        };
        if self.rejected_out.is_none() {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let file = options
                .open(&self.rejected_temp)
                .map_err(output(&self.rejected_temp))?;
            self.rejected_out = Some(BufWriter::new(file));
        }
        let problems: Vec<serde_json::Value> = refused
            .problems
            .iter()
            .map(|p| {
                serde_json::json!({
                    "line": p.line,
                    "column": p.column,
                    "field": p.field,
                    "rule": p.rule,
                    "message": p.message,
                })
            })
            .collect();
        let line = serde_json::json!({
            "line": refused.line,
            "subject_reference": refused.subject_reference,
            "problems": problems,
            "input": refused.original,
        });
        if let Some(out) = &mut self.rejected_out {
            writeln!(out, "{line}").map_err(output(&self.rejected_temp))?;
        }
        for p in &refused.problems {
            *self
                .by_reason
                .entry(p.rule.unwrap_or("format").to_string())
                .or_default() += 1;
        }
        self.progress.rejected += 1;
        Ok(())
    }

    /// Moves the refused requests into place; with none, removes an older run's file.
    fn finish(
        mut self,
        target: &Path,
    ) -> Result<(Progress, BTreeMap<String, u64>, bool), BatchError> {
        let output = |path: &Path| {
            let path = path.to_path_buf();
            move |error| BatchError::Output { path, error }
        };
        let any = match self.rejected_out.take() {
            Some(out) => {
                let file = out
                    .into_inner()
                    .map_err(|e| output(&self.rejected_temp)(e.into_error()))?;
                file.sync_all().map_err(output(&self.rejected_temp))?;
                std::fs::rename(&self.rejected_temp, target).map_err(output(target))?;
                true
            }
            None => {
                remove_if_present(target)?;
                false
            }
        };
        Ok((self.progress, self.by_reason, any))
    }
}

/// Runs (or resumes) a batch. `on_event` is called from the writer thread as work completes.
pub fn run_batch(
    options: &BatchOptions<'_>,
    register: &mut Register,
    on_event: &mut (dyn FnMut(BatchEvent<'_>) + Send),
) -> Result<BatchSummary, BatchError> {
    // Who signs is known, and allowed to, before anything is done.
    register.actor_for(crate::register::Duty::Issue)?;
    let log_setup = match register.log_folder()? {
        Some(dir) => Some(LogSetup::open(&dir).map_err(BatchError::Log)?),
        None => None,
    };
    let input = options.input;
    let format = input_format(input, options.format)?;
    let Counted {
        sha256: input_sha256,
        total,
        repeated,
    } = count_and_hash(input, format)?;
    let id = batch_id_of_run(options, register, &input_sha256)?;
    // One run of a batch at a time: a second is refused (or waits) before it changes anything.
    let _batch_lock = lock_batch(register, &id, options, on_event)?;
    let dir = create_out_dir(options.out_dir)?;
    // Recovery sweeps the folder's temporary files, so it waits until no other run writes there.
    let folder_lock = lock_folder(&dir, &id, options.now, on_event)?;
    let out_dir = dir.to_string_lossy().into_owned();
    let kid = options.key.kid().to_string();
    let batch = register.begin_batch(&BatchRecord {
        id: id.clone(),
        input_sha256: input_sha256.iter().map(|b| format!("{b:02x}")).collect(),
        input_name: input.to_string_lossy().into_owned(),
        kid: kid.clone(),
        out_dir: out_dir.clone(),
        started_at: options.now.to_string(),
        finished_at: None,
        issued: 0,
        rejected: 0,
    })?;
    if batch.kid != kid {
        return Err(BatchError::Mismatch {
            batch_id: id,
            what: "key",
            was: batch.kid,
            now: kid,
        });
    }
    if batch.out_dir != out_dir {
        return Err(BatchError::Mismatch {
            batch_id: id,
            what: "--out folder",
            was: batch.out_dir,
            now: out_dir,
        });
    }
    // With a log: the writer of the log for this run, and the certificates an earlier run
    // signed and logged but could not hand out (the witnesses did not answer) released first.
    let mut log_writer = match &log_setup {
        Some(setup) => {
            let transport = options.witnesses.ok_or_else(|| {
                BatchError::Log(LogError::Setup(
                    "this register has a transparency log, and no way to reach its witnesses \
                     was given"
                        .into(),
                ))
            })?;
            let holder = lock::holder_line(&options.now.to_string());
            let mut writer =
                LogWriter::open(setup, register, transport, DEFAULT_WITNESS_TIMEOUT, &holder)
                    .map_err(BatchError::Log)?;
            if !register.held_certificates()?.is_empty() {
                let witnessed = writer.checkpoint(register).map_err(BatchError::Log)?;
                release_held(
                    register,
                    &writer,
                    &witnessed,
                    options.issuing_body.as_ref(),
                    options.now,
                    options.jobs.max(1),
                )
                .map_err(BatchError::Release)?;
            }
            Some(writer)
        }
        None => None,
    };
    // Pending certificates that were never logged are removed with their files (their
    // requests are issued again); held ones were released above.
    let recovered = recover(register, &batch, &dir)?;
    // From here on other runs may write into the folder too (their own files only).
    let _folder_lock = folder_lock.downgrade().map_err(|e| lock_error(&dir, e))?;
    let done = register.issued_items(&id)?;
    let progress = Progress {
        total,
        skipped: done.len() as u64,
        issued: 0,
        rejected: 0,
    };
    on_event(BatchEvent::Started {
        batch_id: &id,
        progress,
        recovered,
    });

    let rejected_path = dir.join(format!("{id}.rejected.jsonl"));
    let live = register.live_certificates(options.now)?;
    // The two-person rule: the approvals in force as the run starts, their signatures checked.
    let approvals = {
        let policy = register.approval_policy()?;
        if policy.approvals > 0 || policy.revocation_approvals > 0 {
            Some(register.approvals_in_force()?)
        } else {
            None
        }
    };
    let work = Work {
        key: options.key,
        now: options.now,
        dir: &dir,
        batch_id: &id,
        live: &live,
        supersede: options.supersede,
        policy: register.policy()?,
        issuing_body: options.issuing_body.as_ref(),
        log: log_setup.as_ref(),
        clock: options.clock,
        approvals: approvals.as_ref(),
    };
    let mut writer = Writer {
        register,
        now: options.now,
        records_left_off: 0,
        dir: &dir,
        rejected_temp: dir.join(temp_name(&format!("{id}.rejected.jsonl"))),
        rejected_out: None,
        by_reason: BTreeMap::new(),
        progress,
        log: log_writer.as_mut(),
        render: None,
    };
    let jobs = options.jobs.max(1);
    let stop = AtomicBool::new(false);
    let (work_tx, work_rx) = sync_channel::<BatchItem>(jobs * 4);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = sync_channel::<Outcome>(jobs * 4 + CHUNK);
    // The logged path renders in a pool of its own, a chunk behind the signing.
    let (render_tx, render_rx) = sync_channel::<Held>(CHUNK * 2);
    let render_rx = Mutex::new(render_rx);
    let (rendered_tx, rendered_rx) = std::sync::mpsc::channel::<Rendered>();
    let logged = writer.log.is_some();
    if logged {
        writer.render = Some(RenderPipe {
            to_render: render_tx,
            rendered: rendered_rx,
            outstanding: 0,
        });
    } else {
        drop((render_tx, rendered_rx));
    }
    let body = options.issuing_body.as_ref();

    let (read_result, write_result) = std::thread::scope(|scope| {
        for _ in 0..if logged { jobs } else { 0 } {
            let (render_rx, rendered_tx) = (&render_rx, rendered_tx.clone());
            scope.spawn(move || render_loop(render_rx, &rendered_tx, body));
        }
        drop(rendered_tx);
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let (work_rx, work, stop) = (&work_rx, &work, &stop);
            scope.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(item) = next else { return };
                    if stop.load(Ordering::Relaxed) {
                        continue;
                    }
                    let outcome = process(item, work);
                    if done_tx.send(outcome).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let stop_ref = &stop;
        let writer_ref = &mut writer;
        let writing = scope.spawn(move || write_all(writer_ref, &done_rx, stop_ref, on_event));
        let read_result = feed(
            input,
            format,
            &done,
            &repeated,
            &work_tx,
            &stop,
            &input_sha256,
        );
        drop(work_tx);
        let write_result = writing.join().unwrap_or_else(|_| {
            Err(BatchError::Output {
                path: PathBuf::from("(writer)"),
                error: std::io::Error::other("the writer thread stopped unexpectedly"),
            })
        });
        (read_result, write_result)
    });
    write_result?;
    read_result?;

    let records_left_off = writer.records_left_off;
    let (progress, rejected_by_reason, any_rejected) = writer.finish(&rejected_path)?;
    let finished_at = options.now;
    let batch = register.finish_batch(&id, finished_at, progress.rejected)?;
    let manifest = write_manifest(register, &batch, options.key, finished_at, &dir)
        .map_err(BatchError::Manifest)?;
    Ok(BatchSummary {
        batch_id: id,
        progress,
        recovered,
        rejected_by_reason,
        manifest,
        rejected_file: any_rejected.then_some(rejected_path),
        issued_in_batch: batch.issued,
        records_left_off,
    })
}

/// The reader's part: sends each request not yet issued to the workers, and checks that the
/// input is the one counted.
fn feed(
    input: &Path,
    format: InputFormat,
    done: &[u64],
    repeated: &HashMap<String, Vec<u64>>,
    work: &SyncSender<BatchItem>,
    stop: &AtomicBool,
    expected_sha256: &[u8; 32],
) -> Result<(), BatchError> {
    let hash = read_items(input, format, |mut item| {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        refuse_repeated(&mut item, repeated);
        done.binary_search(&item.line).is_ok() || work.send(item).is_ok()
    })?;
    match hash {
        Some(hash) if hash != *expected_sha256 => {
            stop.store(true, Ordering::Relaxed);
            Err(BatchError::InputChanged(input.to_path_buf()))
        }
        _ => Ok(()),
    }
}

/// Tells the operator what the law kept off each recorded certificate.
fn tell(noticed: &[Noticed], on_event: &mut (dyn FnMut(BatchEvent<'_>) + Send)) {
    for (line, subject_reference, notices) in noticed {
        on_event(BatchEvent::Noticed {
            line: *line,
            subject_reference,
            notices,
        });
    }
}

/// The writer thread: takes outcomes as they come, records them in chunks of up to [`CHUNK`].
fn write_all(
    writer: &mut Writer<'_, '_>,
    outcomes: &Receiver<Outcome>,
    stop: &AtomicBool,
    on_event: &mut (dyn FnMut(BatchEvent<'_>) + Send),
) -> Result<(), BatchError> {
    let mut chunk: Vec<Signed> = Vec::with_capacity(CHUNK);
    let mut failure = None;
    let fail = |e: BatchError, failure: &mut Option<BatchError>| {
        stop.store(true, Ordering::Relaxed);
        failure.get_or_insert(e);
    };
    while let Ok(first) = outcomes.recv() {
        let gathering = Instant::now();
        let mut next = Some(first);
        // Take whatever else is ready, up to a chunk, before writing.
        while let Some(outcome) = next.take() {
            if failure.is_none() {
                match outcome {
                    Outcome::Signed(signed) => chunk.push(*signed),
                    Outcome::Refused(refused) => {
                        if let Err(e) = writer.reject(&refused) {
                            fail(e, &mut failure);
                        }
                        on_event(BatchEvent::Rejected {
                            line: refused.line,
                            subject_reference: refused.subject_reference.as_deref(),
                            problems: &refused.problems,
                        });
                    }
                    Outcome::Failed(e) => fail(e, &mut failure),
                }
            } else if let Outcome::Signed(signed) = outcome {
                // Not recorded: its temporary files go.
                for (temp, _) in &signed.files {
                    let _ = std::fs::remove_file(temp);
                }
            }
            // Gather a chunk for up to GATHER, so that the flush and the two commits serve many
            // certificates.
            if chunk.len() < CHUNK {
                let left = GATHER.saturating_sub(gathering.elapsed());
                match outcomes.recv_timeout(left) {
                    Ok(more) => next = Some(more),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
                }
            }
        }
        if failure.is_none() {
            match writer.record(&mut chunk) {
                Ok(noticed) => tell(&noticed, on_event),
                Err(e) => fail(e, &mut failure),
            }
        }
        on_event(BatchEvent::Progress(writer.progress));
    }
    if failure.is_none()
        && let Err(e) = writer.record(&mut chunk)
    {
        fail(e, &mut failure);
    }
    // The last chunks' renders: put into place, or (after a failure) removed.
    if failure.is_none() {
        if let Err(e) = writer.collect_rendered(true) {
            fail(e, &mut failure);
        }
    } else {
        writer.discard_rendered();
    }
    // Closing the pipe stops the rendering threads.
    writer.render = None;
    on_event(BatchEvent::Progress(writer.progress));
    for signed in chunk {
        for (temp, _) in &signed.files {
            let _ = std::fs::remove_file(temp);
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_ids_are_12_base32_characters_of_the_input_hash() {
        let id = batch_id(&[0u8; 32]);
        assert_eq!(id, "batch-aaaaaaaaaaaa");
        let id = batch_id(&[0xff; 32]);
        assert_eq!(id, "batch-777777777777");
        // 0x80: the first bit set, the next 59 clear.
        let mut hash = [0u8; 32];
        hash[0] = 0x80;
        assert_eq!(batch_id(&hash), "batch-qaaaaaaaaaaa");
    }
}
