//! The end-to-end tests: they drive the built `goodstanding` binary (and the web page in headless
//! Chromium, the service on loopback, a PKCS#11 token in SoftHSM2) the way a user does. One test
//! binary with a module per area, so that a change rebuilds them once; `tools/test.sh` runs it
//! with cargo-nextest, one process per test, so that the timing-sensitive tests (the PIN prompt,
//! concurrent batches, the service's limits) do not share a process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod batch;
mod capacity;
mod concurrency;
mod e2e;
mod hsm;
mod layout;
mod limits;
mod readme;
mod serve;
mod team;
mod transparency;
mod trust;
mod verdicts;
mod web;
