//! # goodstanding-web
//!
//! The verifier for the browser page in `web/`: the same checks as `goodstanding verify`,
//! compiled to WebAssembly and bound to JavaScript with wasm-bindgen. The page gives it the
//! pinned root keys and the signed lists (bundled with the site, or fetched from the issuer), and
//! certificates as QR text, camera frames, photos or PDFs; it answers with JSON verdicts that the
//! page shows.
//!
//! Everything here is a thin layer over `goodstanding-verifier`; the JSON it returns is built by
//! [`verdict_json`], which the tests check on the host.

#![forbid(unsafe_code)]

use goodstanding_verifier::lists::{RevocationList, TrustList, is_rollback};
use goodstanding_verifier::summary;
use goodstanding_verifier::{
    Carrier, ErrorKind, PublicJwk, RevocationCheck, Timestamp, TrustStore, Verified, VerifyError,
};
use serde_json::{Value, json};
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
}

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
        })
    }

    /// Replaces the lists with newer ones, verified with the same roots; refuses older lists
    /// (rollback) and different lists under the same number. Returns whether anything changed.
    pub fn replace_lists(
        &mut self,
        trust_list: &str,
        revocation_list: &str,
    ) -> Result<bool, String> {
        let store = verify_lists(&self.roots, trust_list, revocation_list)?;
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
        self.store = store;
        self.trust_list = trust_list.to_string();
        self.revocation_list = revocation_list.to_string();
        Ok(changed)
    }

    /// The trust data in use, and how old it is at `now`.
    pub fn trust_data(&self, now: Timestamp) -> Value {
        let trust = self.store.trust_list();
        let revocations = self.store.revocations().map(|r| &r.content);
        json!({
            "trust_list": trust.map(|(sequence, issued_at)| json!({
                "sequence": sequence,
                "issued_at": issued_at.to_string(),
                "age_seconds": issued_at.seconds_until(now),
            })),
            "revocation_list": revocations.map(|r| json!({
                "sequence": r.sequence,
                "issued_at": r.issued_at.to_string(),
                "next_update": r.next_update.to_string(),
                "age_seconds": r.issued_at.seconds_until(now),
                "stale": now >= r.next_update,
                "revoked": r.revoked.len(),
            })),
        })
    }

    /// Verifies QR text or a `.jws` at `now`.
    pub fn verify_at(&self, text: &str, now: Timestamp) -> Value {
        let result = goodstanding_verifier::verify(text.trim().as_bytes(), &self.store, now);
        verdict_json(&result, now, self.trust_data(now))
    }
}

#[wasm_bindgen]
impl Verifier {
    /// A verifier from root keys (a JSON array of public JWKs) and the two signed lists.
    #[wasm_bindgen(constructor)]
    pub fn new(roots_json: &str, trust_list: &str, revocation_list: &str) -> Result<Self, JsError> {
        Self::from_parts(roots_json, trust_list, revocation_list).map_err(|e| JsError::new(&e))
    }

    /// Replaces the lists with newer ones (see [`Self::replace_lists`]).
    #[wasm_bindgen(js_name = updateLists)]
    pub fn update_lists(
        &mut self,
        trust_list: &str,
        revocation_list: &str,
    ) -> Result<bool, JsError> {
        self.replace_lists(trust_list, revocation_list)
            .map_err(|e| JsError::new(&e))
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
        Ok(self.trust_data(now).to_string())
    }

    /// Verifies QR text or a `.jws`; returns the verdict as JSON.
    #[wasm_bindgen(js_name = verifyText)]
    pub fn verify_text(&self, text: &str, now: f64) -> Result<String, JsError> {
        let now = timestamp(now).map_err(|e| JsError::new(&e))?;
        Ok(self.verify_at(text, now).to_string())
    }

    /// Verifies a certificate PDF (its attached `.jws`, and the QR code drawn on it); returns
    /// the verdict as JSON.
    #[wasm_bindgen(js_name = verifyPdf)]
    pub fn verify_pdf(&self, bytes: &[u8], now: f64) -> Result<String, JsError> {
        let now = timestamp(now).map_err(|e| JsError::new(&e))?;
        let trust = self.trust_data(now);
        match goodstanding_verifier::pdf::verify_pdf(bytes, &self.store, now) {
            Ok((result, drawn)) => {
                let mut verdict = verdict_json(&result, now, trust);
                if drawn == goodstanding_verifier::pdf::DrawnQr::Unread {
                    push_warning(
                        &mut verdict,
                        "The QR code printed on this PDF could not be read back, so only its \
                         attachment was verified: compare the printed name with the one below.",
                    );
                }
                Ok(verdict.to_string())
            }
            Err(e) => {
                Ok(unreadable(&format!("not a readable certificate PDF: {e}"), trust).to_string())
            }
        }
    }
}

/// The text of the QR code in a grey image (a camera frame or a photo the browser decoded),
/// `width` by `height`, one byte a pixel; `undefined` if none was found.
#[wasm_bindgen(js_name = scanLuma)]
pub fn scan_luma(luma: Vec<u8>, width: u32, height: u32) -> Option<String> {
    goodstanding_verifier::scan::qr_text_in_luma(luma, width, height).ok()
}

fn push_warning(verdict: &mut Value, warning: &str) {
    if let Some(list) = verdict["warnings"].as_array_mut() {
        list.push(warning.into());
    }
}

fn unreadable(reason: &str, trust: Value) -> Value {
    json!({
        "valid": false,
        "status": "unreadable",
        "reason": reason,
        "warnings": [],
        "trust_data": trust,
    })
}

fn carrier_label(carrier: Carrier) -> String {
    carrier.to_string()
}

/// The verdict as the page shows it: valid or not, why, warnings, and everything the
/// certificate says, as labelled text.
pub fn verdict_json(result: &Result<Verified, VerifyError>, now: Timestamp, trust: Value) -> Value {
    let verified = match result {
        Ok(v) => Some(v),
        Err(e) => e.verified(),
    };
    if let Err(e) = result
        && e.kind() == ErrorKind::Input
    {
        return unreadable(&format!("{e}. Nothing was verified."), trust);
    }
    let mut warnings: Vec<String> = Vec::new();
    if let Some(v) = verified {
        if let Some(at) = v.key_compromised_at {
            warnings.push(format!(
                "The key that signed this was marked compromised at {at}, after this \
                 certificate was issued. Ask the issuing body for a reissued certificate."
            ));
        }
        if let RevocationCheck::Checked {
            stale: true,
            next_update,
            ..
        } = v.revocation
        {
            warnings.push(format!(
                "Revocation status stale since {next_update}: it may have been revoked since. \
                 Go online to refresh the trust data."
            ));
        }
        if v.certificate.has_pending_appeal() {
            warnings.push("An appeal is pending on at least one record below.".into());
        }
    }
    json!({
        "valid": result.is_ok(),
        "status": result.as_ref().map_or_else(|e| e.code(), |_| "valid"),
        "reason": result.as_ref().err().map(ToString::to_string),
        "checked_at": now.to_string(),
        "warnings": warnings,
        "trust_data": trust,
        "certificate": verified.map(describe),
    })
}

/// What the employer compares with the person: the subject, validity, issuer, and every record.
fn describe(v: &Verified) -> Value {
    let c = &v.certificate;
    let s = &c.subject;
    let sections: Vec<Value> = summary::sections(c)
        .into_iter()
        .map(|(title, records)| {
            json!({
                "title": title,
                "records": records.iter().map(|r| json!({
                    "when": r.when,
                    "who": r.who,
                    "what": r.what,
                    "appeal_pending": r.appeal_pending,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": c.id.to_string(),
        "full_name": s.full_name.to_string(),
        "date_of_birth": s.date_of_birth.to_string(),
        "previous_names": s.previous_names.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "registrations": s.registrations.iter()
            .map(|r| format!("{} {}", r.regulator, r.number)).collect::<Vec<_>>(),
        "role_applied_for": s.role_applied_for.as_ref().map(ToString::to_string),
        "reference": s.reference.to_string(),
        "valid_from": c.valid_from.to_string(),
        "valid_until": c.valid_until.to_string(),
        "information_as_at": c.information_as_at.to_string(),
        "issuer": c.issuer.name.to_string(),
        "kid": c.issuer.kid.to_string(),
        "issued_at": c.issued_at.to_string(),
        "supersedes": c.supersedes.as_ref().map(ToString::to_string),
        "read_from": carrier_label(v.carrier),
        "sections": sections,
    })
}
