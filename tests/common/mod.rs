//! Helpers shared by the end-to-end tests: running the binary, a temporary issuer with its key
//! and trust store, the repository's files.
#![allow(dead_code)]

pub mod batches;

use std::io::BufRead as _;
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
    goodstanding_in(args, stdin, &[])
}

/// Runs the binary with extra environment variables.
pub fn goodstanding_in(
    args: &[&dyn AsRef<std::ffi::OsStr>],
    stdin: Option<&[u8]>,
    env: &[(&str, &std::ffi::OsStr)],
) -> Run {
    let mut command = command(args, env);
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

/// The binary with `args`, with none of the user's goodstanding settings, and `env` set.
pub fn command(args: &[&dyn AsRef<std::ffi::OsStr>], env: &[(&str, &std::ffi::OsStr)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_goodstanding"));
    command
        .args(args.iter().map(|a| a.as_ref()))
        // Every run at one pinned time (a test may set its own), so that the examples' dates,
        // the law's status changes and validity give the same answers on any day.
        .env("GOODSTANDING_NOW", test_now().to_string())
        .env_remove("GOODSTANDING_PKCS11_MODULE")
        .env_remove("GOODSTANDING_PKCS11_PIN")
        .envs(env.iter().copied())
        .env_remove("GOODSTANDING_TRUST")
        // The default register (for commands not given --register) goes to the build's
        // temporary folder, never to the user's own data directory.
        .env("XDG_DATA_HOME", data_home());
    command
}

/// The time the tests' clock starts at: every command runs at this time plus the real time since
/// the test began ([`test_now`]), unless a test sets `GOODSTANDING_NOW` itself.
pub const TEST_NOW: &str = "2026-11-23T12:00:00Z";

/// The tests' clock: [`TEST_NOW`] plus the real seconds since this test process first asked, so
/// that the examples' dates, the law's status changes and validity give the same answers on any
/// day, while a test that waits a second still sees time pass.
pub fn test_now() -> goodstanding_verifier::Timestamp {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let elapsed = STARTED.get_or_init(std::time::Instant::now).elapsed();
    let base = goodstanding_verifier::Timestamp::parse(TEST_NOW).unwrap();
    goodstanding_verifier::Timestamp::from_unix(base.unix() + elapsed.as_secs() as i64).unwrap()
}

/// The data directory the tests' default register lives in: one per test process, so that one
/// test's live certificates never meet another's (one live certificate per subject).
pub fn data_home() -> PathBuf {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let parent = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-data-home");
        std::fs::create_dir_all(&parent).unwrap();
        tempfile::tempdir_in(parent).unwrap()
    })
    .path()
    .to_path_buf()
}

/// The signed payload of a `.jws` file, as JSON (not verified: for tests that read what was
/// signed).
pub fn payload(jws: &Path) -> serde_json::Value {
    use base64::Engine as _;
    let text = std::fs::read_to_string(jws).unwrap();
    let part = text.trim().split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
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

/// A folder with a fresh issuing key (`keys/`), a root key (`root/`) whose trust list names it
/// (`trust-list.jws`), the published site (`site/`) and a verifier's trust folder (`trust/`)
/// updated from it.
pub struct Issuer {
    pub dir: tempfile::TempDir,
    /// A PostgreSQL register in place of `register.sqlite` ([`Issuer::on_postgres`]).
    pub postgres: Option<goodstanding_operations::test_postgres::TestDatabase>,
}

/// The root key's id in every test issuer.
pub const ROOT_KID: &str = "e2e-root";

pub fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
}

impl Issuer {
    pub fn new(kid: &str) -> Self {
        let issuer = Self::without_keys();
        issuer.add_key(kid, "2000-01-01");
        issuer.publish();
        ok(&issuer.update_trust(&issuer.path("site").to_string_lossy()));
        issuer
    }

    /// A root key and nothing else.
    pub fn without_keys() -> Self {
        let dir = tempfile::tempdir().unwrap();
        ok(&goodstanding(&[
            &"root",
            &"keygen",
            &"--out",
            &dir.path().join("root"),
            &"--kid",
            &ROOT_KID,
        ]));
        Self {
            dir,
            postgres: None,
        }
    }

    /// The same issuer with its register in a new PostgreSQL database (migrated) on the test
    /// run's server, instead of `register.sqlite`.
    pub fn on_postgres(mut self) -> Self {
        let database = goodstanding_operations::test_postgres::TestDatabase::new();
        ok(&goodstanding(&[
            &"register",
            &"migrate",
            &"--register",
            &database.url,
        ]));
        self.postgres = Some(database);
        self
    }

    /// Where the register is: `register.sqlite` here, or the PostgreSQL URL.
    pub fn register(&self) -> std::ffi::OsString {
        match &self.postgres {
            Some(database) => database.url.clone().into(),
            None => self.path("register.sqlite").into_os_string(),
        }
    }

    /// Makes issuing key `kid` and adds it to the trust list, allowed from `from`.
    pub fn add_key(&self, kid: &str, from: &str) {
        ok(&goodstanding(&[
            &"keygen",
            &"--out",
            &self.path("keys"),
            &"--kid",
            &kid,
        ]));
        ok(&self.trust(&[
            &"add",
            &self.path(&format!("keys/{kid}.pub.jwk")),
            &"--from",
            &from,
        ]));
    }

    /// Runs `goodstanding trust ARGS --root-key ROOT --list trust-list.jws`.
    pub fn trust(&self, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
        let root_key = self.path(&format!("root/{ROOT_KID}.key.pem"));
        let list = self.path("trust-list.jws");
        let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"trust"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[&"--root-key", &root_key, &"--list", &list]);
        goodstanding(&all)
    }

    pub fn root_public(&self) -> PathBuf {
        self.path(&format!("root/{ROOT_KID}.pub.jwk"))
    }

    /// Publishes into `site/`, signing the revocation list with `key()`.
    pub fn publish(&self) -> Run {
        self.publish_with(&self.key(), &[])
    }

    pub fn publish_with(&self, key: &Path, extra: &[&str]) -> Run {
        let run = self.try_publish(key, extra);
        ok(&run);
        run
    }

    /// `publish_with` without requiring success.
    pub fn try_publish(&self, key: &Path, extra: &[&str]) -> Run {
        let (site, root, list, register) = (
            self.path("site"),
            self.root_public(),
            self.path("trust-list.jws"),
            self.register(),
        );
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"publish",
            &"--out",
            &site,
            &"--key",
            &key,
            &"--root",
            &root,
            &"--trust-list",
            &list,
            &"--register",
            &register,
        ];
        for e in extra {
            args.push(e);
        }
        goodstanding(&args)
    }

    /// `trust update --from SOURCE --trust trust/ --root root public key`.
    pub fn update_trust(&self, source: &str) -> Run {
        let (trust, root) = (self.path("trust"), self.root_public());
        goodstanding(&[
            &"trust", &"update", &"--from", &source, &"--trust", &trust, &"--root", &root,
        ])
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

    /// Issues a request into this issuer's register, superseding the subject's live certificate
    /// if there is one (tests issue the examples many times); returns the paths of the `.jws`
    /// and the `.qr.txt`.
    pub fn issue(&self, request: &Path) -> (PathBuf, PathBuf) {
        let jws = self.issue_in(&self.key(), request, &[]);
        let id = jws.file_stem().unwrap().to_string_lossy().into_owned();
        assert_eq!(id.len(), 26, "the id is printed: {id:?}");
        let qr = jws.with_file_name(format!("{id}.qr.txt"));
        (jws, qr)
    }

    /// Issues a request with the key file `key`, recorded in this issuer's own register;
    /// returns the `.jws` path.
    pub fn issue_with(&self, key: &Path, request: &Path) -> PathBuf {
        self.issue_in(key, request, &[])
    }

    /// `issue_with`, with extra environment variables (such as the clock override); supersedes
    /// the subject's live certificate, if any.
    pub fn issue_in(
        &self,
        key: &Path,
        request: &Path,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> PathBuf {
        let (out, register, trust) = (self.path("out"), self.register(), self.path("trust"));
        let run = goodstanding_in(
            &[
                &"issue",
                &request,
                &"--key",
                &key,
                &"--out",
                &out,
                &"--register",
                &register,
                &"--trust",
                &trust,
                &"--supersede",
            ],
            None,
            env,
        );
        ok(&run);
        out.join(format!("{}.jws", run.stdout.trim()))
    }

    /// Revokes the certificate of `jws` (a file named `<id>.jws`) in this issuer's register,
    /// for new information.
    pub fn revoke(&self, jws: &Path) {
        let id = jws.file_stem().unwrap().to_str().unwrap();
        ok(&goodstanding(&[
            &"revoke",
            &id,
            &"--reason",
            &"new_information",
            &"--register",
            &self.register(),
        ]));
    }

    /// `preview` of the example request several-records into `drafts/`; returns the draft
    /// of subject SUBJ-002231 (the example several-records).
    pub fn several_records_draft(&self) -> PathBuf {
        let drafts = self.path("drafts");
        ok(&goodstanding(&[
            &"preview",
            &example("several-records"),
            &"--out",
            &drafts,
        ]));
        drafts.join("SUBJ-002231-draft.pdf")
    }

    /// The verifier web page for this issuer's trust folder, with the WebAssembly in `pkg`,
    /// written to `web-site/`; `extra` is passed to `goodstanding site`.
    pub fn web_site(&self, pkg: &Path, extra: &[&str]) -> PathBuf {
        let (site, trust) = (self.path("web-site"), self.path("trust"));
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"site", &"--out", &site, &"--trust", &trust, &"--wasm", &pkg,
        ];
        for e in extra {
            args.push(e);
        }
        ok(&goodstanding(&args));
        site
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

/// Draws the QR text of `qr_file` (another certificate's) on the PDF of the certificate in
/// `jws` (its own attachment kept) and checks that `verify` calls it not valid: the printed
/// codes hold a different certificate.
pub fn assert_substituted_qr_is_not_valid(issuer: &Issuer, jws: &Path, qr_file: &Path) {
    let text = std::fs::read_to_string(jws).unwrap();
    let signed = goodstanding_verifier::SignedCertificate::from_compact(text.trim_end()).unwrap();
    let certificate: goodstanding_verifier::Certificate =
        serde_json::from_slice(signed.payload()).unwrap();
    let drawn = std::fs::read_to_string(qr_file).unwrap();
    let pdf =
        goodstanding_issuer::pdf::render_with_qr(&certificate, &signed, drawn.trim_end()).unwrap();
    let path = issuer.path("substituted.pdf");
    std::fs::write(&path, pdf).unwrap();
    let run = issuer.verify(&path, &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("holds a different certificate"),
        "{}",
        run.stdout
    );
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

/// A stock JOSE library (the `jose` npm package in tests/jose, under Node.js) verifies the
/// compact JWS in `jws` with the public JWK in `jwk`: its protected header and payload, or what
/// it said when it refused.
pub fn jose_verify(jws: &Path, jwk: &Path) -> Result<serde_json::Value, String> {
    let jose = repo().join("tests/jose");
    assert!(
        jose.join("node_modules/jose").exists(),
        "tests/jose has no node_modules: run tools/test.sh, which installs what the tests need \
         (npm ci in tests/jose)"
    );
    let run = Command::new("node")
        .arg(jose.join("verify.mjs"))
        .arg(jws)
        .arg(jwk)
        .output()
        .expect("node (Node.js) runs the JOSE check");
    if run.status.success() {
        Ok(serde_json::from_slice(&run.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&run.stderr).into_owned())
    }
}

/// A PNG file that is only a header claiming `width` x `height` pixels, with no pixel data: a
/// decoder that trusts it allocates `width * height` bytes.
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    use goodstanding_verifier::carrier::crc32;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], body: &[u8]| {
        png.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
        let mut typed = kind.to_vec();
        typed.extend_from_slice(body);
        png.extend_from_slice(&typed);
        png.extend_from_slice(&crc32(&typed).to_be_bytes());
    };
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IEND", &[]);
    png
}

/// A static web server on loopback (Python's http.server) serving one folder, as an issuing
/// body's site would be; stopped when dropped.
pub struct SiteServer {
    child: std::process::Child,
    pub url: String,
}

impl SiteServer {
    pub fn serve(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the test's web server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let port: u16 = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected server banner: {line:?}"));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ImageMagick `convert` effects that make a page scan look like a phone's photo: tilted, out of
/// focus, noisy, unevenly lit, and saved as a JPEG; each with the file name to write.
pub const PHONE_LIKE_PHOTOS: [(&str, &[&str]); 3] = [
    (
        "tilted-blurred.png",
        &[
            "-rotate",
            "-5",
            "-blur",
            "0x1.2",
            "-background",
            "white",
            "-flatten",
        ],
    ),
    (
        "noisy-uneven.png",
        &[
            "(",
            "+clone",
            "-sparse-color",
            "Barycentric",
            "0,0 white %[w],%[h] gray45",
            ")",
            "-compose",
            "multiply",
            "-composite",
            "-attenuate",
            "0.4",
            "+noise",
            "Gaussian",
        ],
    ),
    (
        "phone.jpg",
        &[
            "-rotate",
            "2",
            "-blur",
            "0x1",
            "-attenuate",
            "0.3",
            "+noise",
            "Gaussian",
            "-quality",
            "70",
        ],
    ),
];
