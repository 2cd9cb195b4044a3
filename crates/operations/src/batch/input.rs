//! The batch's input: its form, its SHA-256 and the id of this run of it, its requests counted,
//! and requests for one subject on several lines refused together.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A reader that hashes what passes through it.
pub(super) struct Hashing<R> {
    pub(super) inner: R,
    pub(super) hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// The id of this run of the input: the unfinished batch of it, if there is one (resumed);
/// else, for `--again` after a finished batch, a new batch (the n-th run of the same file);
/// else the input's own batch id. A finished batch asked for with another key or folder, without
/// `--again`, is said to be finished.
pub(super) fn batch_id_of_run(
    options: &BatchOptions<'_>,
    register: &Register,
    input_sha256: &[u8; 32],
) -> Result<String, BatchError> {
    let hex: String = input_sha256.iter().map(|b| format!("{b:02x}")).collect();
    let batches = register.batches_of_input(&hex)?;
    let Some(latest) = batches.last() else {
        return Ok(batch_id(input_sha256));
    };
    if latest.finished_at.is_none() {
        return Ok(latest.id.clone());
    }
    if options.again {
        let mut hasher = Sha256::new();
        hasher.update(input_sha256);
        hasher.update(format!("run {}", batches.len() + 1).as_bytes());
        return Ok(batch_id(&hasher.finalize()));
    }
    let out_dir = std::fs::canonicalize(options.out_dir).map_or_else(
        |_| options.out_dir.to_string_lossy().into_owned(),
        |p| p.to_string_lossy().into_owned(),
    );
    if latest.kid != options.key.kid().as_str() || latest.out_dir != out_dir {
        return Err(BatchError::Finished(Box::new(latest.clone())));
    }
    Ok(latest.id.clone())
}

/// The batch id of an input: `batch-` and 12 base32 characters (60 bits) of its SHA-256.
pub(super) fn batch_id(input_sha256: &[u8]) -> String {
    // The first 12 characters of the base32 of 8 bytes are exactly their first 60 bits.
    let mut out = goodstanding_issuer::issue::base32_lower(&input_sha256[..8]);
    out.truncate(12);
    format!("batch-{out}")
}

/// Reads the input, giving each request to `each` until it returns `false`; returns the
/// SHA-256 of the whole file, or `None` if `each` stopped early.
pub(super) fn read_items(
    path: &Path,
    format: InputFormat,
    mut each: impl FnMut(BatchItem) -> bool,
) -> Result<Option<[u8; 32]>, BatchError> {
    let input_error = |error| BatchError::Input {
        path: path.to_path_buf(),
        error,
    };
    let file = File::open(path).map_err(|e| input_error(InputError::Io(e)))?;
    let mut hashing = Hashing {
        inner: file,
        hasher: Sha256::new(),
    };
    for item in BatchReader::new(&mut hashing, format).map_err(input_error)? {
        if !each(item.map_err(input_error)?) {
            return Ok(None);
        }
    }
    // Anything the reader did not need (nothing, normally) still counts for the hash.
    std::io::copy(&mut hashing, &mut std::io::sink())
        .map_err(|e| input_error(InputError::Io(e)))?;
    Ok(Some(hashing.hasher.finalize().into()))
}

/// What the first reading of the input finds: its SHA-256, how many requests it holds, and the
/// lines of every subject that more than one request names.
pub(super) struct Counted {
    pub(super) sha256: [u8; 32],
    pub(super) total: u64,
    pub(super) repeated: HashMap<String, Vec<u64>>,
}

/// Reads the whole input once (see [`Counted`]).
pub(super) fn count_and_hash(path: &Path, format: InputFormat) -> Result<Counted, BatchError> {
    let mut total = 0;
    let mut lines: HashMap<String, Vec<u64>> = HashMap::new();
    let hash = read_items(path, format, |item| {
        total += 1;
        if let Some(reference) = item.subject_reference {
            lines.entry(reference).or_default().push(item.line);
        }
        true
    })?;
    lines.retain(|_, at| at.len() > 1);
    Ok(Counted {
        sha256: hash.unwrap_or_default(),
        total,
        repeated: lines,
    })
}

/// Refuses every request of a subject that several requests name (JSON Lines; a CSV file gathers
/// a subject's rows into one request): which one should the certificate say?
pub(super) fn refuse_repeated(item: &mut BatchItem, repeated: &HashMap<String, Vec<u64>>) {
    let Some(lines) = item
        .subject_reference
        .as_ref()
        .and_then(|reference| repeated.get(reference))
    else {
        return;
    };
    let list: Vec<String> = lines.iter().map(u64::to_string).collect();
    let problem = item.problem_at(
        "subject.reference",
        Some("rule 8: one certificate per subject, from all of its records"),
        format!(
            "the same subject is on lines {} of this input; all of one subject's records make \
             one certificate: merge them into one request (each is refused)",
            list.join(", ")
        ),
    );
    item.request = Err(vec![problem]);
}

/// The form of the input: given, or detected from its name and first bytes.
pub(super) fn input_format(
    path: &Path,
    given: Option<InputFormat>,
) -> Result<InputFormat, BatchError> {
    if let Some(format) = given {
        return Ok(format);
    }
    InputFormat::of_file(path).map_err(|e| BatchError::Input {
        path: path.to_path_buf(),
        error: InputError::Io(e),
    })
}
