//! The logged path's rendering pool: once a chunk's checkpoint is witnessed, its certificates
//! go to `--jobs` rendering threads, and the writer puts what comes back into place while the
//! next chunk is signed and recorded.

#[allow(clippy::wildcard_imports)]
use super::*;

/// What a rendering thread sends back: the certificate, and its files or why not.
pub(super) type Rendered = (Held, Result<Written, ReleaseError>);

/// The logged path's rendering pool, seen from the writer: held certificates covered by a
/// witnessed checkpoint go out; their files, under temporary names, come back.
pub(super) struct RenderPipe {
    pub(super) to_render: SyncSender<Held>,
    pub(super) rendered: Receiver<Rendered>,
    /// Sent and not yet back.
    pub(super) outstanding: usize,
}

/// A rendering thread: renders what it is sent until the writer closes the pipe.
pub(super) fn render_loop(
    to_render: &Mutex<Receiver<Held>>,
    rendered: &std::sync::mpsc::Sender<Rendered>,
    body: Option<&goodstanding_verifier::lists::IssuingBody>,
) {
    loop {
        let next = match to_render.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(held) = next else { return };
        let result = render_held(&held, body);
        if rendered.send((held, result)).is_err() {
            return;
        }
    }
}

impl Writer<'_, '_> {
    /// Has the log's checkpoint of a recorded chunk witnessed, and sends its certificates to the
    /// rendering pool (made from what the workers signed, still in memory: the register holds
    /// the same JWS, for a later run if this one stops); then puts into place what is done.
    pub(super) fn render_chunk(&mut self, chunk: &mut [Signed]) -> Result<(), BatchError> {
        let Some(log) = self.log.as_deref_mut() else {
            return Ok(());
        };
        let witnessed = log.checkpoint(self.register).map_err(BatchError::Log)?;
        let ids: Vec<String> = chunk.iter().map(|s| s.record.id.to_string()).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let indexes = self.register.log_indexes(
            goodstanding_verifier::log_entry::CERTIFICATE_ENTRY,
            &id_refs,
        )?;
        let mut ready = Vec::with_capacity(chunk.len());
        for signed in chunk.iter_mut() {
            let id = signed.record.id.to_string();
            let (Some(to_render), Some(logged)) =
                (signed.to_render.take(), signed.record.logged.as_ref())
            else {
                continue;
            };
            let index = indexes.get(&id).copied().ok_or_else(|| {
                BatchError::Log(LogError::Setup(format!(
                    "certificate {id} was recorded without its log entry"
                )))
            })?;
            let held = Held::covered(
                log,
                &witnessed,
                (index, logged.entry.entry.clone()),
                PathBuf::from(&signed.record.out_dir),
                *to_render,
            )
            .ok_or_else(|| {
                BatchError::Log(LogError::Setup(format!(
                    "the witnessed checkpoint does not cover certificate {id}"
                )))
            })?;
            ready.push(held);
        }
        if let Some(pipe) = self.render.as_mut() {
            for held in ready {
                pipe.to_render.send(held).map_err(|_| BatchError::Output {
                    path: PathBuf::from("(renderer)"),
                    error: std::io::Error::other("the rendering threads stopped"),
                })?;
                pipe.outstanding += 1;
            }
        }
        self.collect_rendered(false)
    }

    /// Puts into place and marks issued the certificates rendered so far; with `wait`, every
    /// one still being rendered.
    pub(super) fn collect_rendered(&mut self, wait: bool) -> Result<(), BatchError> {
        let Some(pipe) = self.render.as_mut() else {
            return Ok(());
        };
        let mut done = Vec::new();
        let mut failure = None;
        while pipe.outstanding > 0 {
            let next = if wait {
                pipe.rendered.recv().ok()
            } else {
                pipe.rendered.try_recv().ok()
            };
            let Some((held, result)) = next else { break };
            pipe.outstanding -= 1;
            match result {
                Ok(written) => done.push((held, written)),
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        if let Some(e) = failure {
            discard(&done);
            return Err(BatchError::Release(e));
        }
        if done.is_empty() {
            return Ok(());
        }
        let ids = finish_release(self.register, &done, self.now).map_err(BatchError::Release)?;
        self.progress.issued += ids.len() as u64;
        Ok(())
    }

    /// After a failure: waits for what is being rendered and removes its files (the
    /// certificates stay held; the next run releases them).
    pub(super) fn discard_rendered(&mut self) {
        if let Some(pipe) = self.render.as_mut() {
            while pipe.outstanding > 0 {
                let Ok((held, result)) = pipe.rendered.recv() else {
                    break;
                };
                pipe.outstanding -= 1;
                if let Ok(written) = result {
                    discard(&[(held, written)]);
                }
            }
        }
    }
}
