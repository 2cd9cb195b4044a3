-- goodstanding register on PostgreSQL, migration 2 (issue 26): operators and their roles,
-- submitted requests and their approvals, and the audit trail, as SQLite register version 3
-- holds them (register/audit.rs TEAM_SCHEMA).
CREATE TABLE operators (
    name TEXT COLLATE "C" PRIMARY KEY,
    public_key TEXT COLLATE "C" NOT NULL,
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('prepare', 'approve', 'issue', 'admin')),
    added_at TEXT COLLATE "C" NOT NULL,
    removed_at TEXT COLLATE "C"
);
CREATE TABLE requests (
    hash TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('certificate', 'revocation')),
    subject_reference TEXT COLLATE "C" NOT NULL,
    canonical TEXT NOT NULL,
    submitted_by TEXT COLLATE "C" NOT NULL,
    submitted_at TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'replaced', 'done'))
);
CREATE INDEX requests_by_subject ON requests(subject_reference);
CREATE TABLE approval_sets (
    root TEXT COLLATE "C" NOT NULL,
    approver TEXT COLLATE "C" NOT NULL,
    approved_at TEXT COLLATE "C" NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (root, approver)
);
CREATE TABLE approvals (
    set_root TEXT COLLATE "C" NOT NULL,
    approver TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL CHECK (position >= 0),
    request_hash TEXT COLLATE "C" NOT NULL REFERENCES requests(hash),
    record_set_sha256 TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (set_root, approver, position),
    FOREIGN KEY (set_root, approver) REFERENCES approval_sets(root, approver)
);
CREATE INDEX approvals_by_request ON approvals(request_hash);
-- The audit trail: bodies are hashed as stored (text is never re-formatted by the database).
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY CHECK (seq >= 1),
    body TEXT NOT NULL,
    prev_hash TEXT COLLATE "C" NOT NULL,
    row_hash TEXT COLLATE "C" NOT NULL,
    signature TEXT
);
