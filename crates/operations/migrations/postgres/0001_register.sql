-- goodstanding register on PostgreSQL, migration 1: the tables of SQLite register version 3
-- with the transparency log's (issue 25). Integers are BIGINT (the register binds 64-bit
-- integers); text compares byte by byte (COLLATE "C"), as in SQLite, so that RFC 3339 times
-- and ids sort the same on both.
CREATE TABLE batches (
    id TEXT COLLATE "C" PRIMARY KEY,
    input_sha256 TEXT COLLATE "C" NOT NULL,
    input_name TEXT NOT NULL,
    kid TEXT COLLATE "C" NOT NULL,
    out_dir TEXT NOT NULL,
    started_at TEXT COLLATE "C" NOT NULL,
    finished_at TEXT COLLATE "C",
    issued BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE certificates (
    id TEXT COLLATE "C" PRIMARY KEY,
    state TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'issued')),
    subject_reference TEXT COLLATE "C" NOT NULL,
    kid TEXT COLLATE "C" NOT NULL,
    issued_at TEXT COLLATE "C" NOT NULL,
    valid_from TEXT COLLATE "C" NOT NULL,
    valid_until TEXT COLLATE "C" NOT NULL,
    information_as_at TEXT COLLATE "C" NOT NULL,
    out_dir TEXT NOT NULL,
    batch_id TEXT COLLATE "C" REFERENCES batches(id),
    batch_item BIGINT,
    supersedes TEXT COLLATE "C" REFERENCES certificates(id),
    jws_sha256 TEXT COLLATE "C" NOT NULL,
    qr_sha256 TEXT COLLATE "C" NOT NULL,
    pdf_sha256 TEXT COLLATE "C" NOT NULL,
    live BIGINT CHECK (live = 1),
    UNIQUE (batch_id, batch_item)
);
CREATE INDEX certificates_by_subject ON certificates(subject_reference);
-- One live certificate per subject (rule 8), enforced by the database itself.
CREATE UNIQUE INDEX one_live_certificate_per_subject
    ON certificates(subject_reference) WHERE live = 1;
CREATE TABLE revocations (
    certificate_id TEXT COLLATE "C" PRIMARY KEY REFERENCES certificates(id),
    revoked_at TEXT COLLATE "C" NOT NULL,
    reason TEXT COLLATE "C" NOT NULL,
    superseded_by TEXT COLLATE "C" REFERENCES certificates(id)
);
CREATE TABLE settings (
    name TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE revocation_lists (
    sequence BIGINT PRIMARY KEY,
    issued_at TEXT COLLATE "C" NOT NULL,
    next_update TEXT COLLATE "C" NOT NULL,
    kid TEXT COLLATE "C" NOT NULL,
    entries BIGINT NOT NULL
);
CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    kind BIGINT NOT NULL,
    certificate_id TEXT COLLATE "C" NOT NULL,
    entry BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL CHECK (length(leaf_hash) = 32),
    UNIQUE (kind, certificate_id)
);
CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY CHECK (size >= 0),
    root BYTEA NOT NULL CHECK (length(root) = 32),
    signed_note TEXT NOT NULL,
    witnessed_note TEXT
);
CREATE TABLE proof_files (
    id TEXT COLLATE "C" PRIMARY KEY REFERENCES certificates(id) ON DELETE CASCADE,
    proof_sha256 TEXT COLLATE "C" NOT NULL
);
CREATE TABLE held_certificates (
    id TEXT COLLATE "C" PRIMARY KEY REFERENCES certificates(id) ON DELETE CASCADE,
    jws TEXT NOT NULL
);
CREATE TABLE frozen_logs (
    origin TEXT COLLATE "C" PRIMARY KEY,
    vkey TEXT NOT NULL,
    folder TEXT NOT NULL,
    frozen_at TEXT COLLATE "C" NOT NULL,
    size BIGINT NOT NULL CHECK (size >= 0),
    witnessed_note TEXT NOT NULL
);
CREATE TABLE frozen_log_entries (
    origin TEXT COLLATE "C" NOT NULL REFERENCES frozen_logs(origin),
    idx BIGINT NOT NULL CHECK (idx >= 0),
    kind BIGINT NOT NULL,
    certificate_id TEXT COLLATE "C" NOT NULL,
    entry BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL CHECK (length(leaf_hash) = 32),
    PRIMARY KEY (origin, idx),
    UNIQUE (origin, kind, certificate_id)
);
