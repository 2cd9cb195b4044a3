//! # goodstanding-web
//!
//! The verifier for the browser page in `web/`: the same checks as `goodstanding verify`,
//! compiled to WebAssembly and bound to JavaScript with wasm-bindgen. The page gives it the
//! pinned root keys and the signed lists (bundled with the site, or fetched from the issuer), and
//! certificates as QR text, camera frames, photos or PDFs; it answers with JSON verdicts that the
//! page shows.
//!
//! Everything here is a thin layer over `goodstanding-verifier`: each certificate goes through
//! its one path ([`goodstanding_verifier::check`]) and comes back as its one
//! [`goodstanding_verifier::Verdict`], the same JSON `goodstanding verify --json` prints and the
//! verification service answers (`schemas/verdict.schema.json`).
//!
//! One file: the `Verifier` the page holds (root keys, lists, their updates), its verdicts, and
//! `scanLuma` for camera frames.

#![forbid(unsafe_code)]

use goodstanding_verifier::lists::{RevocationList, TrustList, is_rollback};
use goodstanding_verifier::log_sync::{
    SyncPlan, copies_from_bytes, copies_to_bytes, log_locations,
};
use goodstanding_verifier::root_handover;
use goodstanding_verifier::{
    Checked, Declared, PublicJwk, Timestamp, TrustData, TrustStore, Unreadable, Verdict,
};
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Runs when the module loads: a panic (a bug) is reported on the browser console with its
/// location, instead of only "unreachable"; a message formatted from data is withheld.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error(&goodstanding_verifier::panic_report::panic_report(info))
    }));
}

/// A verifier holding the pinned roots and the current, verified, trust and revocation lists.
#[wasm_bindgen]
pub struct Verifier {
    roots: TrustStore,
    store: TrustStore,
    trust_list: String,
    revocation_list: String,
    source: String,
    /// A sync of the transparency log under way: its plan and the bundles fetched so far.
    log_sync: Option<(SyncPlan, Vec<Vec<u8>>)>,
}

/// Where the lists of a new verifier came from, until [`Verifier::replace_lists`] names another
/// source.
pub const BUNDLED_SOURCE: &str = "the lists bundled with this page";

/// Seconds since 1970 (JavaScript's `Date.now() / 1000`) as a timestamp.
fn timestamp(now: f64) -> Result<Timestamp, String> {
    // Whole seconds; a clock outside 1900-2999 is refused by from_unix.
    #[allow(clippy::cast_possible_truncation)]
    Timestamp::from_unix(now.floor() as i64).ok_or_else(|| "the device clock is wrong".into())
}

fn verify_lists(
    roots: &TrustStore,
    trust_list: &str,
    revocation_list: &str,
) -> Result<TrustStore, String> {
    let trust = TrustList::verify(trust_list.as_bytes(), roots)
        .map_err(|e| format!("trust list refused: {e}"))?;
    let mut store = trust.to_store();
    let revocations = RevocationList::verify(revocation_list.as_bytes(), &store)
        .map_err(|e| format!("revocation list refused: {e}"))?;
    store.set_revocations(revocations);
    Ok(store)
}

impl Verifier {
    /// A verifier from root keys (a JSON array of public JWKs) and the two signed lists.
    pub fn from_parts(
        roots_json: &str,
        trust_list: &str,
        revocation_list: &str,
    ) -> Result<Self, String> {
        let values: Vec<Value> =
            serde_json::from_str(roots_json).map_err(|e| format!("root keys: {e}"))?;
        let mut roots = TrustStore::new();
        for value in values {
            let jwk =
                PublicJwk::from_json(&value.to_string()).map_err(|e| format!("root key: {e}"))?;
            roots.add(jwk).map_err(|e| format!("root key: {e}"))?;
        }
        if roots.is_empty() {
            return Err("no root key".into());
        }
        let store = verify_lists(&roots, trust_list, revocation_list)?;
        Ok(Self {
            roots,
            store,
            trust_list: trust_list.trim().to_string(),
            revocation_list: revocation_list.trim().to_string(),
            source: BUNDLED_SOURCE.into(),
            log_sync: None,
        })
    }

    /// Replaces the lists with newer ones from `source`, verified with the pinned roots, or with
    /// the root that the published chain of root handovers (`handovers`, the site's
    /// `root-handovers.json`, if it has one) leads to from them, which is then pinned; refuses
    /// older lists (rollback) and different lists under the same number. Returns whether
    /// anything changed.
    pub fn replace_lists(
        &mut self,
        trust_list: &str,
        revocation_list: &str,
        source: &str,
        handovers: Option<&str>,
    ) -> Result<bool, String> {
        let handed_over = match handovers {
            Some(text) => {
                let chain = root_handover::read_chain(text.as_bytes())
                    .map_err(|e| format!("root handovers: {e}"))?;
                root_handover::roots_after(&self.roots, &chain)
                    .map_err(|e| format!("root handovers: {e}"))?
                    .map(|(roots, _)| roots)
            }
            None => None,
        };
        let roots = handed_over.as_ref().unwrap_or(&self.roots);
        let store = verify_lists(roots, trust_list, revocation_list)?;
        let (trust_list, revocation_list) = (trust_list.trim(), revocation_list.trim());
        let held_trust = self.store.trust_list().map_or(0, |t| t.0);
        let new_trust = store.trust_list().map_or(0, |t| t.0);
        if is_rollback(held_trust, &self.trust_list, new_trust, trust_list) {
            return Err(format!(
                "trust list number {new_trust} refused: number {held_trust} is already held"
            ));
        }
        let held_revocations = self.store.revocations().map_or(0, |r| r.content.sequence);
        let new_revocations = store.revocations().map_or(0, |r| r.content.sequence);
        if is_rollback(
            held_revocations,
            &self.revocation_list,
            new_revocations,
            revocation_list,
        ) {
            return Err(format!(
                "revocation list number {new_revocations} refused: number {held_revocations} is \
                 already held"
            ));
        }
        let changed = trust_list != self.trust_list || revocation_list != self.revocation_list;
        let mut store = store;
        // The copies synced under the old list are kept if the new list's policy accepts them.
        if let Some(policy) = store
            .transparency_log()
            .and_then(|log| log.parsed_policy().ok())
        {
            for held in self.store.synced_logs() {
                if held.accepted_by(&policy) {
                    store.set_synced_log(held.clone());
                }
            }
        }
        self.store = store;
        let changed = changed || handed_over.is_some();
        if let Some(roots) = handed_over {
            self.roots = roots;
        }
        self.trust_list = trust_list.to_string();
        self.revocation_list = revocation_list.to_string();
        source.clone_into(&mut self.source);
        Ok(changed)
    }

    /// Where each log the trust list names is published, under the issuer's `<site>/log/`:
    /// (origin, prefix), the log written now first at `""`, then each frozen log
    /// ([`log_locations`]); empty if the list names no log.
    pub fn log_locations(&self) -> Vec<(String, String)> {
        self.store
            .transparency_log()
            .and_then(|log| log.parsed_policy().ok())
            .map(|policy| log_locations(&policy))
            .unwrap_or_default()
    }

    /// Starts syncing the log `origin` the trust list names, from its checkpoint as fetched
    /// from that log's place: returns the entry bundles to fetch (paths under the log's
    /// prefix), or `None` if the trust list names no log.
    pub fn start_log_sync(
        &mut self,
        origin: &str,
        checkpoint: &[u8],
    ) -> Result<Option<Vec<String>>, String> {
        let Some(log) = self.store.transparency_log() else {
            return Ok(None);
        };
        let policy = log
            .parsed_policy()
            .map_err(|e| format!("the trust list's log policy: {e}"))?;
        let plan = SyncPlan::new(
            &policy,
            origin,
            checkpoint,
            self.store.synced_log_of(origin),
        )
        .map_err(|e| format!("the log's checkpoint refused: {e}"))?;
        let paths = plan.bundles.clone();
        self.log_sync = Some((plan, Vec::new()));
        Ok(Some(paths))
    }

    /// Completes the sync with the bundles fetched, in order; the copy is used from now on.
    /// Returns the new copy's size and how many certificates it holds, and how many are new.
    pub fn finish_log_sync(&mut self, bundles: Vec<Vec<u8>>) -> Result<(u64, usize, u64), String> {
        let (plan, _) = self.log_sync.take().ok_or("no log sync was started")?;
        let synced = plan
            .apply(&bundles)
            .map_err(|e| format!("the log was not synced: {e}"))?;
        let summary = (
            synced.log.size(),
            synced.log.certificates(),
            synced.new_certificates,
        );
        self.store.set_synced_log(synced.log);
        Ok(summary)
    }

    /// Uses a copy of the log kept from an earlier visit, if it satisfies the trust list's
    /// policy.
    pub fn use_synced_log(&mut self, bytes: &[u8]) -> Result<(), String> {
        let policy = self
            .store
            .transparency_log()
            .ok_or("the trust list names no log")?
            .parsed_policy()
            .map_err(|e| format!("the trust list's log policy: {e}"))?;
        for copy in copies_from_bytes(bytes, &policy).map_err(|e| e.to_string())? {
            self.store.set_synced_log(copy);
        }
        Ok(())
    }

    /// The trust data in use, and how old it is at `now`.
    pub fn trust_data(&self, now: Timestamp) -> TrustData {
        TrustData::new(&self.store, &self.source, None, now)
    }

    /// The verdict on `bytes` (as `declared`) at `now`, as JSON: the verifier's one path, and
    /// for input that holds no certificate a verdict with status `unreadable`.
    pub fn verdict_at(&self, bytes: &[u8], declared: Declared, now: Timestamp) -> Value {
        self.verdict_json(
            goodstanding_verifier::check(bytes, declared, &self.store, now),
            now,
        )
    }

    /// The verdict on QR text or a `.jws` at `now`, with the records in words (see
    /// `verdict_json`).
    pub fn verify_at(&self, text: &str, now: Timestamp) -> Value {
        // Untrimmed: a trailing space may be data; the decoder drops what a paste adds.
        self.verdict_at(text.as_bytes(), Declared::Text, now)
    }

    /// The verdict on the text of a QR code read from a camera frame or a photo, as JSON.
    pub fn scanned_verdict_at(&self, text: &str, now: Timestamp) -> Value {
        self.verdict_json(
            goodstanding_verifier::check::check_scanned(text, &self.store, now),
            now,
        )
    }

    /// `{"verdict": ..., "sections": ...}`: the verdict, the same JSON `verify --json` prints
    /// and the service answers, and for the page to show, the genuine certificate's records in
    /// words (null when there is none).
    fn verdict_json(&self, checked: Result<Checked, Unreadable>, now: Timestamp) -> Value {
        let trust = self.trust_data(now);
        let verdict = match &checked {
            Ok(checked) => Verdict::new(checked, now, trust),
            Err(why) => Verdict::unreadable(why, now, trust),
        };
        let sections = verdict
            .certificate
            .map(|c| goodstanding_verifier::verdict::sections(c, now.date()));
        // The disclosure level in the same words as the command line's.
        let disclosure_level = verdict
            .certificate
            .and_then(|c| c.disclosure_level)
            .map(|level| level.label());
        // The issuing body the trust list names for the key (version 2 lists), shown beside the
        // issuer's name, which verification has checked against it.
        let issuing_body = verdict
            .certificate
            .and_then(|c| self.store.issuing_body(c.issuer.kid.as_str()));
        serde_json::json!({
            "verdict": verdict,
            "sections": sections,
            "disclosure_level": disclosure_level,
            "issuing_body": issuing_body,
        })
    }
}

#[wasm_bindgen]
impl Verifier {
    /// A verifier from root keys (a JSON array of public JWKs) and the two signed lists.
    #[wasm_bindgen(constructor)]
    pub fn new(roots_json: &str, trust_list: &str, revocation_list: &str) -> Result<Self, JsError> {
        Self::from_parts(roots_json, trust_list, revocation_list).map_err(|e| JsError::new(&e))
    }

    /// Replaces the lists with newer ones fetched from `source`, following the site's root
    /// handovers if given (see [`Self::replace_lists`]).
    #[wasm_bindgen(js_name = updateLists)]
    pub fn update_lists(
        &mut self,
        trust_list: &str,
        revocation_list: &str,
        source: &str,
        handovers: Option<String>,
    ) -> Result<bool, JsError> {
        self.replace_lists(trust_list, revocation_list, source, handovers.as_deref())
            .map_err(|e| JsError::new(&e))
    }

    /// The key ids of the pinned root keys, comma-separated.
    #[wasm_bindgen(js_name = rootKids)]
    pub fn root_kids(&self) -> String {
        self.roots
            .kids()
            .map(|kid| kid.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The logs to sync, as the JSON array `[[origin, prefix], ...]`: each log's prefix under
    /// `<site>/log/` (`""` for the log written now, first; `frozen/<key id>` for a frozen one).
    #[wasm_bindgen(js_name = logLocations)]
    pub fn log_locations_js(&self) -> String {
        serde_json::to_string(&self.log_locations()).unwrap_or_else(|_| "[]".into())
    }

    /// Starts syncing the log `origin` from its checkpoint's text: returns the JSON array of
    /// entry bundles to fetch under that log's URL (`null` if the trust list names no log).
    #[wasm_bindgen(js_name = logSyncStart)]
    pub fn log_sync_start(&mut self, origin: &str, checkpoint: &str) -> Result<String, JsError> {
        let paths = self
            .start_log_sync(origin, checkpoint.as_bytes())
            .map_err(|e| JsError::new(&e))?;
        serde_json::to_string(&paths).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Whether the trust list names a transparency log (then the page syncs it).
    #[wasm_bindgen(js_name = namesLog)]
    pub fn names_log(&self) -> bool {
        self.store.transparency_log().is_some()
    }

    /// Gives the next bundle fetched, in the order `logSyncStart` listed them.
    #[wasm_bindgen(js_name = logSyncAdd)]
    pub fn log_sync_add(&mut self, bundle: Vec<u8>) -> Result<(), JsError> {
        let (_, bundles) = self
            .log_sync
            .as_mut()
            .ok_or_else(|| JsError::new("no log sync was started"))?;
        bundles.push(bundle);
        Ok(())
    }

    /// Completes the sync: `{"size", "certificates", "new_certificates"}` as JSON.
    #[wasm_bindgen(js_name = logSyncFinish)]
    pub fn log_sync_finish(&mut self) -> Result<String, JsError> {
        let bundles = self
            .log_sync
            .as_mut()
            .map(|(_, bundles)| std::mem::take(bundles))
            .unwrap_or_default();
        let (size, certificates, new_certificates) = self
            .finish_log_sync(bundles)
            .map_err(|e| JsError::new(&e))?;
        Ok(serde_json::json!({
            "size": size,
            "certificates": certificates,
            "new_certificates": new_certificates,
        })
        .to_string())
    }

    /// The synced copies of the logs, to keep for the next visit (`undefined` if none).
    #[wasm_bindgen(js_name = syncedLog)]
    pub fn synced_log_bytes(&self) -> Option<Vec<u8>> {
        let copies = self.store.synced_logs();
        (!copies.is_empty()).then(|| copies_to_bytes(copies))
    }

    /// Uses a copy of the log kept from an earlier visit ([`Self::use_synced_log`]).
    #[wasm_bindgen(js_name = useSyncedLog)]
    pub fn use_synced_log_js(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.use_synced_log(bytes).map_err(|e| JsError::new(&e))
    }

    /// The current trust list, as signed (to store it for the next visit).
    #[wasm_bindgen(js_name = trustList)]
    pub fn trust_list_text(&self) -> String {
        self.trust_list.clone()
    }

    /// The current revocation list, as signed.
    #[wasm_bindgen(js_name = revocationList)]
    pub fn revocation_list_text(&self) -> String {
        self.revocation_list.clone()
    }

    /// The trust data in use, as JSON.
    #[wasm_bindgen(js_name = trustData)]
    pub fn trust_data_json(&self, now: f64) -> Result<String, JsError> {
        let now = timestamp(now).map_err(|e| JsError::new(&e))?;
        serde_json::to_string(&self.trust_data(now)).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Verifies QR text or a `.jws`; returns `{"verdict", "sections"}` as JSON.
    #[wasm_bindgen(js_name = verifyText)]
    pub fn verify_text(&self, text: &str, now: f64) -> Result<String, JsError> {
        let now = timestamp(now).map_err(|e| JsError::new(&e))?;
        Ok(self.verify_at(text, now).to_string())
    }

    /// Verifies the text of a QR code the page read from a camera frame or a photo; returns the
    /// verdict as JSON (read from: the QR code in the image).
    #[wasm_bindgen(js_name = verifyScanned)]
    pub fn verify_scanned(&self, text: &str, now: f64) -> Result<String, JsError> {
        let now = timestamp(now).map_err(|e| JsError::new(&e))?;
        Ok(self.scanned_verdict_at(text, now).to_string())
    }

    /// Verifies a certificate PDF (its attached `.jws`, and the QR code printed on it); returns
    /// the verdict as JSON.
    #[wasm_bindgen(js_name = verifyPdf)]
    pub fn verify_pdf(&self, bytes: &[u8], now: f64) -> Result<String, JsError> {
        let now = timestamp(now).map_err(|e| JsError::new(&e))?;
        Ok(self.verdict_at(bytes, Declared::Pdf, now).to_string())
    }

    /// The verdict on a photo in which no QR code could be read ([`Self::unreadable_json`]).
    #[wasm_bindgen(js_name = noQrCode)]
    pub fn no_qr_code(&self, now: f64) -> Result<String, JsError> {
        self.unreadable_json(
            &goodstanding_verifier::scan::ScanError::NoQrCode.to_string(),
            now,
        )
    }

    /// The verdict on input the page could not read at all (a file the browser could not
    /// open), as JSON of the same shape as every verdict: status `unreadable`, and `why`.
    #[wasm_bindgen(js_name = unreadable)]
    pub fn unreadable_json(&self, why: &str, now: f64) -> Result<String, JsError> {
        let now = timestamp(now).map_err(|e| JsError::new(&e))?;
        let verdict = Verdict::unreadable(&why, now, self.trust_data(now));
        Ok(serde_json::json!({ "verdict": verdict, "sections": null }).to_string())
    }
}

/// The text of the QR code in a grey image (a camera frame or a photo the browser decoded),
/// `width` by `height`, one byte a pixel; `undefined` if none was found. A certificate printed
/// as several QR codes gives the parts found, a line each (`verifyScanned` joins them, and
/// says which are missing; the camera collects them frame by frame).
#[wasm_bindgen(js_name = scanLuma)]
pub fn scan_luma(luma: Vec<u8>, width: u32, height: u32) -> Option<String> {
    goodstanding_verifier::scan::qr_texts_in_luma(luma, width, height)
        .ok()
        .map(|texts| texts.join("\n"))
}
