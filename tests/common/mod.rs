//! Helpers shared by the end-to-end tests: running the binary, a temporary issuer with its key
//! and trust store, the repository's files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Exit status, standard output, standard error.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn goodstanding(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    goodstanding_with_stdin(args, None)
}

pub fn goodstanding_with_stdin(args: &[&dyn AsRef<std::ffi::OsStr>], stdin: Option<&[u8]>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_goodstanding"));
    command
        .args(args.iter().map(|a| a.as_ref()))
        .env_remove("GOODSTANDING_TRUST")
        // The default register (for commands not given --register) goes to the build's
        // temporary folder, never to the user's own data directory.
        .env("XDG_DATA_HOME", data_home());
    command.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The data directory the tests' default register lives in.
pub fn data_home() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-data-home")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn json_files(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// A folder with a fresh issuing key (`keys/`) and a trust store holding its public key.
pub struct Issuer {
    pub dir: tempfile::TempDir,
}

impl Issuer {
    pub fn new(kid: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let run = goodstanding(&[
            &"keygen",
            &"--out",
            &dir.path().join("keys"),
            &"--kid",
            &kid,
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        std::fs::create_dir(dir.path().join("trust")).unwrap();
        std::fs::copy(
            dir.path().join(format!("keys/{kid}.pub.jwk")),
            dir.path().join(format!("trust/{kid}.pub.jwk")),
        )
        .unwrap();
        Self { dir }
    }

    pub fn key(&self) -> PathBuf {
        let keys = self.path("keys");
        std::fs::read_dir(keys)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(".key.pem"))
            .unwrap()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Issues a request; returns the paths of the `.jws` and the `.qr.txt`.
    pub fn issue(&self, request: &Path) -> (PathBuf, PathBuf) {
        let out = self.path("out");
        let run = goodstanding(&[&"issue", &request, &"--key", &self.key(), &"--out", &out]);
        assert_eq!(run.code, 0, "{}: {}", request.display(), run.stderr);
        let id = run.stdout.trim();
        assert_eq!(id.len(), 26, "the id is printed: {:?}", run.stdout);
        (
            out.join(format!("{id}.jws")),
            out.join(format!("{id}.qr.txt")),
        )
    }

    pub fn verify(&self, input: &Path, extra: &[&str]) -> Run {
        let trust = self.path("trust");
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
            vec![&"verify", &input, &"--trust", &trust];
        for e in extra {
            args.push(e);
        }
        goodstanding(&args)
    }
}

pub fn example(name: &str) -> PathBuf {
    repo().join(format!("examples/requests/{name}.json"))
}

/// Writes a copy of a compact JWS file with one character of its payload changed (at `offset`
/// characters after the first dot); returns the copy's path.
pub fn with_payload_character_changed(jws: &Path, offset: usize, copy: &Path) -> PathBuf {
    let text = std::fs::read_to_string(jws).unwrap();
    let at = text.find('.').unwrap() + offset;
    let mut tampered = text.into_bytes();
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(copy, tampered).unwrap();
    copy.to_path_buf()
}
