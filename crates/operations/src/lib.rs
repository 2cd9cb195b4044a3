//! # goodstanding-operations
//!
//! The issuing body's records and operations, on top of `goodstanding-issuer` (which makes one
//! certificate): issuing into a folder and the register, batches, the register itself, batch
//! manifests, the trust list, revocation and publication of the lists. No HTTP: what it
//! publishes is a folder of static files.
//!
//! ```text
//! request ----------------------> single::issue_recorded --\
//! batch file -> batch_input -> batch::run_batch (N workers) --+--> files in the output folder
//!                                                             \--> register (SQLite or PostgreSQL): pending -> issued
//!                                            register -> manifest (signed, per batch)
//! register: revoke / reissue -> publication::publish -> trust-list.jws, revocation-list.jws, jwks.json
//! root key -> publication::change_trust_list -> trust-list.jws (next number)
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`single`] | one certificate issued (or reissued) into a folder and recorded in the register |
//! | [`batch_input`] | reading JSON Lines and CSV batch files, one request at a time |
//! | [`batch`] | a batch run: parallel workers, crash recovery, the rejected file |
//! | [`register`] | the register of certificates, batches, revocations and the log's state: an SQLite file or a shared PostgreSQL database |
//! | [`manifest`] | the signed manifest of a batch, written and verified |
//! | [`publication`] | trust list changes, the revocation list, the published folder |
//! | [`preview`] | drafts for the people certificates name, before anything is signed |
//!
//! Every step that writes files follows one order: temporary names, the register row `pending`,
//! the files renamed into place, the row `issued`; a crash leaves nothing that looks issued.
//! Library code never prints.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
pub mod batch_input;
pub mod canonical_json;
pub mod log;
pub mod manifest;
pub mod preview;
pub mod publication;
pub mod register;
pub mod single;
#[cfg(any(test, feature = "test-postgres"))]
pub mod test_postgres;
