//! Keys in a PKCS#11 token, end to end, with SoftHSM2 (Debian's `softhsm2`, installed by
//! tools/test.sh): each test makes its own token in a temporary folder (`SOFTHSM2_CONF`), and
//! OpenSC's `pkcs11-tool` reads the token independently of goodstanding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::batches::{
    assert_batch_whole, batch_id, finish, ids_on_disk, records, synthetic_input,
    wait_until_under_way,
};
use crate::common::{ROOT_KID, Run, example, goodstanding_in, jose_verify, ok, repo};
use serde_json::Value;

/// SoftHSM2's module, as Debian installs it.
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "goodstanding";
const PIN: &str = "4711-0815";
const SO_PIN: &str = "so-12345678";

/// A SoftHSM2 token of its own in a temporary folder, and a folder for everything else.
struct Token {
    dir: tempfile::TempDir,
}

impl Token {
    fn new() -> Self {
        assert!(
            Path::new(MODULE).exists(),
            "{MODULE} is missing: apt-get install softhsm2, or run tools/test.sh, which installs \
             what the tests need"
        );
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        let token = Self { dir };
        token.tool(
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                TOKEN,
                "--so-pin",
                SO_PIN,
                "--pin",
                PIN,
            ],
        );
        token
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn conf(&self) -> OsString {
        self.path("softhsm2.conf").into_os_string()
    }

    /// Runs goodstanding with this token's module, configuration and PIN in the environment.
    fn run(&self, args: &[&dyn AsRef<OsStr>]) -> Run {
        self.run_with_pin(args, Some(PIN))
    }

    fn run_with_pin(&self, args: &[&dyn AsRef<OsStr>], pin: Option<&str>) -> Run {
        let env = self.env(pin);
        let env: Vec<(&str, &OsStr)> = env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
        goodstanding_in(args, None, &env)
    }

    /// `batch INPUT --key KEY --out OUT --register register.sqlite --jobs 2`.
    fn batch_args(&self, key: &str, input: &Path, out: &Path) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["batch"].map(OsString::from).to_vec();
        args.push(input.into());
        args.extend(["--key", key, "--out"].map(OsString::from));
        args.push(out.into());
        args.push("--register".into());
        args.push(self.path("register.sqlite").into());
        args.push("--trust".into());
        args.push(self.path("trust").into());
        args.extend(["--jobs", "2"].map(OsString::from));
        args
    }

    /// The environment that points goodstanding at this token.
    fn env(&self, pin: Option<&str>) -> Vec<(&'static str, OsString)> {
        let mut env = vec![
            ("SOFTHSM2_CONF", self.conf()),
            ("GOODSTANDING_PKCS11_MODULE", MODULE.into()),
        ];
        if let Some(pin) = pin {
            env.push(("GOODSTANDING_PKCS11_PIN", pin.into()));
        }
        env
    }

    /// Starts goodstanding with this token's environment without waiting for it.
    fn start(&self, args: &[&dyn AsRef<OsStr>]) -> std::process::Child {
        let env = self.env(Some(PIN));
        let env: Vec<(&str, &OsStr)> = env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
        common::command(args, &env)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// An issuing key made in the token, trusted by the verifier's trust folder; returns its
    /// URI and public key file.
    fn trusted_issuing_key(&self, object: &str) -> (String, PathBuf) {
        let key = uri(object);
        let keys = self.path("keys");
        ok(&self.run(&[&"keygen", &"--pkcs11", &key, &"--out", &keys]));
        let jwk = keys.join(format!("{object}.pub.jwk"));
        let (root_key, root_public) = self.file_root();
        ok(&self.trust(&root_key, &[&"add", &jwk, &"--from", &"2000-01-01"]));
        ok(&self.publish(&key, &root_public));
        ok(&self.update_trust(&root_public));
        (key, jwk)
    }

    /// Runs a SoftHSM2 or OpenSC tool on this token; returns its standard output.
    fn tool(&self, program: &str, args: &[&str]) -> String {
        let output = Command::new(program)
            .args(args)
            .env("SOFTHSM2_CONF", self.conf())
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "{program}: {e}: apt-get install softhsm2 opensc, or run tools/test.sh, which \
                     installs what the tests need"
                )
            });
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// OpenSC's `pkcs11-tool` on this token, logged in, with `args`.
    fn pkcs11_tool(&self, args: &[&str]) -> String {
        let mut all = vec![
            "--module",
            MODULE,
            "--token-label",
            TOKEN,
            "--login",
            "--pin",
            PIN,
        ];
        all.extend_from_slice(args);
        self.tool("pkcs11-tool", &all)
    }

    /// `pkcs11-tool --list-objects` of one class.
    fn objects(&self, class: &str) -> String {
        self.pkcs11_tool(&["--list-objects", "--type", class])
    }

    /// The root key file and trust list of this issuer (the root is a file key unless a test
    /// makes its own), with `kid`'s public key added.
    fn trust(&self, root_key: &OsStr, args: &[&dyn AsRef<OsStr>]) -> Run {
        let list = self.path("trust-list.jws");
        let mut all: Vec<&dyn AsRef<OsStr>> = vec![&"trust"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[&"--root-key", &root_key, &"--list", &list]);
        self.run(&all)
    }

    /// A file root naming issuing key `kid` (its .pub.jwk in keys/), published with `key` and
    /// fetched into trust/: what an issuing machine judges its key by before signing.
    fn trusted(&self, kid: &str, key: &str) {
        let (root_key, root_public) = self.file_root();
        let jwk = self.path(&format!("keys/{kid}.pub.jwk"));
        ok(&self.trust(&root_key, &[&"add", &jwk, &"--from", &"2000-01-01"]));
        ok(&self.publish(key, &root_public));
        ok(&self.update_trust(&root_public));
    }

    fn publish(&self, key: &str, root_public: &Path) -> Run {
        let (site, list, register) = (
            self.path("site"),
            self.path("trust-list.jws"),
            self.path("register.sqlite"),
        );
        self.run(&[
            &"publish",
            &"--out",
            &site,
            &"--key",
            &key,
            &"--root",
            &root_public,
            &"--trust-list",
            &list,
            &"--register",
            &register,
        ])
    }

    fn update_trust(&self, root_public: &Path) -> Run {
        let (site, trust) = (self.path("site"), self.path("trust"));
        self.run(&[
            &"trust",
            &"update",
            &"--from",
            &site,
            &"--trust",
            &trust,
            &"--root",
            &root_public,
        ])
    }

    fn verify(&self, input: &Path) -> Run {
        let trust = self.path("trust");
        self.run(&[&"verify", &input, &"--trust", &trust])
    }

    fn issue(&self, key: &str, request: &Path) -> Run {
        let (out, register, trust) = (
            self.path("out"),
            self.path("register.sqlite"),
            self.path("trust"),
        );
        self.run(&[
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
        ])
    }

    /// A root key file, pinned by the verifier.
    fn file_root(&self) -> (OsString, PathBuf) {
        let root = self.path("root");
        ok(&self.run(&[&"root", &"keygen", &"--out", &root, &"--kid", &ROOT_KID]));
        (
            root.join(format!("{ROOT_KID}.key.pem")).into_os_string(),
            root.join(format!("{ROOT_KID}.pub.jwk")),
        )
    }
}

fn uri(object: &str) -> String {
    format!("pkcs11:token={TOKEN};object={object}")
}

fn jose_verifies(jws: &Path, jwk: &Path) -> Value {
    jose_verify(jws, jwk).unwrap_or_else(|e| panic!("{}: {e}", jws.display()))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn an_issuing_key_made_in_the_token_signs_certificates_and_batches_that_verify() {
    let token = Token::new();
    let keys = token.path("keys");
    let key = uri("nhs-gs-2027-1");
    let run = token.run(&[&"keygen", &"--pkcs11", &key, &"--out", &keys]);
    ok(&run);
    assert!(run.stdout.contains("nhs-gs-2027-1"), "{}", run.stdout);
    // Only the public key is written; the private key stays in the token.
    assert_eq!(files_in(&keys), ["nhs-gs-2027-1.pub.jwk"]);
    let jwk = keys.join("nhs-gs-2027-1.pub.jwk");

    // Read independently (OpenSC): an Ed25519 private key, sensitive, never extractable.
    let private = token.objects("privkey");
    assert!(private.contains("EC_EDWARDS"), "{private}");
    assert!(private.contains("label:      nhs-gs-2027-1"), "{private}");
    assert!(
        private.contains("sensitive, always sensitive, never extractable, local"),
        "{private}"
    );
    // `key show` prints the same public key as the file keygen wrote, with its thumbprint.
    let run = token.run(&[&"key", &"show", &key]);
    ok(&run);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&jwk).unwrap()).unwrap();
    assert!(
        run.stdout.contains(&format!("\"x\": {}", written["x"])),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("thumbprint"), "{}", run.stdout);

    // The trust list names the token key; the revocation list is signed by it too.
    let (root_key, root_public) = token.file_root();
    ok(&token.trust(&root_key, &[&"add", &jwk, &"--from", &"2000-01-01"]));
    ok(&token.publish(&key, &root_public));
    ok(&token.update_trust(&root_public));
    assert_eq!(
        jose_verifies(&token.path("site/revocation-list.jws"), &jwk)["header"]["kid"],
        "nhs-gs-2027-1"
    );

    let run = token.issue(&key, &example("several-records"));
    ok(&run);
    let jws = token.path(&format!("out/{}.jws", run.stdout.trim()));
    let verified = token.verify(&jws);
    ok(&verified);
    assert!(verified.stdout.starts_with("VALID"), "{}", verified.stdout);
    let pdf = jws.with_extension("pdf");
    ok(&token.verify(&pdf));
    let jose = jose_verifies(&jws, &jwk);
    assert_eq!(jose["header"]["kid"], "nhs-gs-2027-1");
    assert_eq!(jose["payload"]["subject"]["full_name"], "Łukasz Żółć");

    // A batch on two workers, its manifest signed by the token too.
    let out = token.path("batch");
    let input = repo().join("examples/batch/requests.jsonl");
    let run = token.run(&as_args(&token.batch_args(&key, &input, &out)));
    assert!(run.code <= 1, "{}{}", run.stdout, run.stderr);
    let manifest = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".manifest.jws"))
        .unwrap();
    let checked = token.verify(&manifest);
    ok(&checked);
    assert!(
        checked.stdout.starts_with("VALID: batch manifest"),
        "{}",
        checked.stdout
    );
    assert_eq!(
        jose_verifies(&manifest, &jwk)["header"]["typ"],
        "gs-manifest+jws"
    );
}

#[test]
fn a_root_key_made_in_the_token_signs_every_trust_list_change() {
    let token = Token::new();
    let roots = token.path("root");
    let root = uri("gs-root-2027");
    ok(&token.run(&[&"root", &"keygen", &"--pkcs11", &root, &"--out", &roots]));
    assert_eq!(files_in(&roots), ["gs-root-2027.pub.jwk"]);
    let root_public = roots.join("gs-root-2027.pub.jwk");
    let root_key = OsString::from(&root);

    // Three issuing keys (files here: the root is what this test is about); c publishes.
    let keys = token.path("keys");
    for kid in ["issuing-a", "issuing-b", "issuing-c"] {
        ok(&token.run(&[&"keygen", &"--out", &keys, &"--kid", &kid]));
        let jwk = keys.join(format!("{kid}.pub.jwk"));
        ok(&token.trust(&root_key, &[&"add", &jwk, &"--from", &"2000-01-01"]));
    }
    let key_a = keys
        .join("issuing-a.key.pem")
        .to_string_lossy()
        .into_owned();
    let key_b = keys
        .join("issuing-b.key.pem")
        .to_string_lossy()
        .into_owned();
    let key_c = keys
        .join("issuing-c.key.pem")
        .to_string_lossy()
        .into_owned();
    // The issuing machine judges its keys by the published list, so it fetches it first.
    ok(&token.publish(&key_a, &root_public));
    ok(&token.update_trust(&root_public));
    let a = token.issue(&key_a, &example("clean-record"));
    ok(&a);
    // Another subject: a second certificate for the same one would supersede the first.
    let b = token.issue(&key_b, &example("several-records"));
    ok(&b);
    let jws_a = token.path(&format!("out/{}.jws", a.stdout.trim()));
    let jws_b = token.path(&format!("out/{}.jws", b.stdout.trim()));
    ok(&token.verify(&jws_a));
    ok(&token.verify(&jws_b));

    // Retire a (what it signed stays valid: it signed a second or more before), mark b
    // compromised since before it signed.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&token.trust(&root_key, &[&"retire", &"issuing-a"]));
    ok(&token.trust(
        &root_key,
        &[&"compromise", &"issuing-b", &"--at", &"2001-01-01"],
    ));
    ok(&token.publish(&key_c, &root_public));
    ok(&token.update_trust(&root_public));
    ok(&token.verify(&jws_a));
    let refused = token.verify(&jws_b);
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(refused.stdout.contains("NOT VALID"), "{}", refused.stdout);
    assert!(refused.stdout.contains("compromise"), "{}", refused.stdout);

    // The trust list verifies with the token root's public key in a stock JOSE library.
    let header = jose_verifies(&token.path("trust-list.jws"), &root_public);
    assert_eq!(header["header"]["kid"], "gs-root-2027");
}

/// Runs `issue` with a token key and checks it fails with exit 2, a message containing each of
/// `expected`, and nothing written.
fn refused(token: &Token, run: Run, expected: &[&str]) {
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for text in expected {
        assert!(run.stderr.contains(text), "{text:?} not in: {}", run.stderr);
    }
    assert!(!token.path("out").exists(), "nothing is written");
    assert!(!run.stderr.contains(PIN), "the PIN is never printed");
}

#[test]
fn token_problems_are_clear_errors_with_exit_2_and_nothing_written() {
    let token = Token::new();
    let keys = token.path("keys");
    let key = uri("gs-key");
    ok(&token.run(&[&"keygen", &"--pkcs11", &key, &"--out", &keys]));
    token.trusted("gs-key", &key);
    let request = example("clean-record");
    let (register, trust) = (token.path("register.sqlite"), token.path("trust"));
    let issue = |key: &str, extra: &[&dyn AsRef<OsStr>], pin: Option<&str>| {
        let out = token.path("out");
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![
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
        ];
        args.extend_from_slice(extra);
        token.run_with_pin(&args, pin)
    };

    refused(
        &token,
        issue(&key, &[], Some("0000-0000")),
        &["wrong PIN for token \"goodstanding\"", "tries"],
    );
    refused(
        &token,
        issue(
            &key,
            &[&"--pkcs11-module", &"/nonexistent/libvendor.so"],
            Some(PIN),
        ),
        &[
            "/nonexistent/libvendor.so could not be loaded",
            "--pkcs11-module",
        ],
    );
    refused(
        &token,
        issue(&uri("no-such-key"), &[], Some(PIN)),
        &["no private key on token \"goodstanding\"", "\"gs-key\""],
    );
    refused(
        &token,
        issue("pkcs11:token=elsewhere;object=gs-key", &[], Some(PIN)),
        &["no token matches", "tokens seen: \"goodstanding\""],
    );
    refused(
        &token,
        issue(&format!("{key}?pin-value={PIN}"), &[], Some(PIN)),
        &["holds a PIN"],
    );
    refused(&token, issue(&key, &[], None), &["needs its user PIN"]);

    // A PIN file others may read is refused; a 0600 one is used.
    let pin_file = token.path("pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    set_mode(&pin_file, 0o644);
    refused(
        &token,
        issue(&key, &[&"--pin-file", &pin_file], None),
        &["readable by others", "chmod 600"],
    );
    set_mode(&pin_file, 0o600);
    ok(&issue(&key, &[&"--pin-file", &pin_file], None));
    std::fs::remove_dir_all(token.path("out")).unwrap();

    // An ECDSA P-256 key made with OpenSC is not an Ed25519 key.
    token.pkcs11_tool(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--label",
        "p256",
        "--id",
        "0256",
    ]);
    refused(
        &token,
        issue(&uri("p256"), &[], Some(PIN)),
        &["is an ECDSA (EC) key, not an Ed25519 key"],
    );

    // keygen never replaces a key in the token.
    let again = token.run(&[&"keygen", &"--pkcs11", &key, &"--out", &token.path("keys2")]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("already exists on the token"),
        "{}",
        again.stderr
    );
    assert!(!token.path("keys2").exists());
}

fn as_args(args: &[OsString]) -> Vec<&dyn AsRef<OsStr>> {
    args.iter().map(|a| a as &dyn AsRef<OsStr>).collect()
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_batch_whose_token_goes_away_mid_way_stops_cleanly_and_resumes() {
    let token = Token::new();
    let (key, _) = token.trusted_issuing_key("gs-batch");
    let requests = 800;
    let input = synthetic_input(&token.path("requests.jsonl"), 0..requests);
    let (out, register) = (token.path("out"), token.path("register.sqlite"));
    let batch = token.batch_args(&key, &input, &out);
    let batch = as_args(&batch);
    let mut child = token.start(&batch);
    wait_until_under_way(&mut child, &out, 64);
    // The token goes away under the running batch (SoftHSM2 keeps it in this folder: as if the
    // HSM were unplugged), and comes back after the batch has stopped.
    let (tokens, away) = (token.path("tokens"), token.path("tokens-away"));
    std::fs::rename(&tokens, &away).unwrap();
    let stopped = finish(child);
    std::fs::rename(&away, &tokens).unwrap();
    assert_eq!(stopped.code, 2, "{}{}", stopped.stdout, stopped.stderr);
    assert!(
        stopped.stderr.contains("C_Sign failed")
            && stopped.stderr.contains("run the same command again"),
        "{}",
        stopped.stderr
    );
    // Stopped cleanly: no half-written file, and what is on disk is what the register says.
    let on_disk = ids_on_disk(&out);
    let listed = records(register.as_os_str(), None);
    assert!(
        !listed.is_empty() && (listed.len() as u64) < requests,
        "stopped part way: {} issued",
        listed.len()
    );
    for record in &listed {
        assert!(on_disk.contains(record["id"].as_str().unwrap()));
    }

    // The same command again issues the rest, each request once.
    let resumed = token.run(&batch);
    ok(&resumed);
    assert!(
        resumed.stdout.contains("(issued by an earlier run)"),
        "{}",
        resumed.stdout
    );
    assert_batch_whole(
        register.as_os_str(),
        &batch_id(&resumed),
        requests,
        &out,
        &|manifest| token.verify(manifest),
    );
}

#[test]
fn without_a_pin_file_or_variable_the_pin_is_asked_on_the_terminal_without_echo() {
    use std::io::{Read as _, Write as _};
    let token = Token::new();
    let key = uri("gs-prompt");
    ok(&token.run(&[&"keygen", &"--pkcs11", &key, &"--out", &token.path("keys")]));
    token.trusted("gs-prompt", &key);
    // `script` (util-linux, in every Debian) runs the command on a terminal of its own.
    let command = format!(
        "'{}' issue '{}' --key '{key}' --out '{}' --register '{}' --trust '{}'",
        env!("CARGO_BIN_EXE_goodstanding"),
        example("clean-record").display(),
        token.path("out").display(),
        token.path("register.sqlite").display(),
        token.path("trust").display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("GOODSTANDING_NOW", common::test_now().to_string())
        .env("SOFTHSM2_CONF", token.conf())
        .env("GOODSTANDING_PKCS11_MODULE", MODULE)
        .env_remove("GOODSTANDING_PKCS11_PIN")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) gives the command a terminal");
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    // Answer once the prompt is up, as a person would: the prompt is printed just before echo
    // is turned off, so a reply within microseconds of it could still be echoed (seen on a
    // loaded machine); a second later, echo is long off.
    while !String::from_utf8_lossy(&seen).contains("User PIN of goodstanding: ") {
        assert_eq!(stdout.read(&mut byte).unwrap(), 1, "no prompt: {seen:?}");
        seen.push(byte[0]);
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PIN}\n").as_bytes())
        .unwrap();
    stdout.read_to_end(&mut seen).unwrap();
    let status = child.wait().unwrap();
    let output = String::from_utf8_lossy(&seen);
    assert!(status.success(), "{output}");
    assert!(output.contains("wrote "), "{output}");
    assert!(!output.contains(PIN), "the PIN is not echoed: {output}");
}

/// The transparency log's key can live in the token too (issue 25): `log init --log-key URI`
/// keeps only the URI, every issuing run opens the key unattended, and the checkpoint in a
/// certificate's proof is signed by the token's key.
#[test]
fn a_log_key_in_the_token_signs_the_checkpoints() {
    use goodstanding_verifier::tlog_policy::Policy;
    use goodstanding_verifier::tlog_proof::TlogProof;

    let token = Token::new();
    let (issuing, _) = token.trusted_issuing_key("nhs-gs-2027-1");
    let log_key = uri("gs-log-2027");
    ok(&token.run(&[
        &"keygen",
        &"--pkcs11",
        &log_key,
        &"--out",
        &token.path("log-keys"),
    ]));
    let log_dir = token.path("log");
    let register = token.path("register.sqlite");
    let init = token.run(&[
        &"log",
        &"init",
        &log_dir,
        &"--origin",
        &"certificates.example.org/log",
        &"--log-key",
        &log_key,
        &"--register",
        &register,
    ]);
    ok(&init);
    assert_eq!(
        files_in(&log_dir),
        ["log.key.uri", "log.policy", "subject-tag.key"]
    );
    // The policy's log key is the token's public key.
    let token_public = std::fs::read_to_string(token.path("log-keys/gs-log-2027.pub.jwk")).unwrap();
    let token_public = goodstanding_verifier::PublicJwk::from_json(&token_public).unwrap();
    let policy =
        Policy::parse(&std::fs::read_to_string(log_dir.join("log.policy")).unwrap()).unwrap();
    assert_eq!(policy.logs[0].key.key, token_public.key, "{}", init.stdout);

    let issued = token.issue(&issuing, &example("clean-record"));
    ok(&issued);
    let id = issued.stdout.trim();
    let proof = std::fs::read_to_string(token.path(&format!("out/{id}.tlog-proof"))).unwrap();
    let proof = TlogProof::parse(&proof).unwrap();
    let (checkpoint, _) = policy.check_checkpoint(&proof.checkpoint).unwrap();
    assert_eq!(checkpoint.size, 1);

    // Without the PIN nobody can sign a checkpoint: nothing is handed out.
    let request = token.path("second.json");
    let mut second: Value =
        serde_json::from_str(&std::fs::read_to_string(example("clean-record")).unwrap()).unwrap();
    second["subject"]["reference"] = "SUBJ-777777".into();
    std::fs::write(&request, second.to_string()).unwrap();
    let pin_file = token.path("pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    set_mode(&pin_file, 0o600);
    let (out, trust) = (token.path("out"), token.path("trust"));
    let no_pin = token.run_with_pin(
        &[
            &"issue",
            &request,
            &"--key",
            &issuing,
            &"--pin-file",
            &pin_file,
            &"--out",
            &out,
            &"--register",
            &register,
            &"--trust",
            &trust,
        ],
        None,
    );
    assert_ne!(no_pin.code, 0, "{}", no_pin.stdout);
    assert!(no_pin.stderr.contains("the log key"), "{}", no_pin.stderr);
    assert_eq!(
        files_in(&out).len(),
        4,
        "only the first certificate's files"
    );
}
