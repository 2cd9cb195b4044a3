//! A real PostgreSQL server for the register's tests (issue 26, item 5): the Debian package's
//! server (`pg_config --bindir`, else `/usr/lib/postgresql/*/bin`) started in a temporary
//! folder on a free loopback port, as an unprivileged user (`runuser -u postgres` when the tests
//! run as root, since `initdb` refuses root), `fsync` and `synchronous_commit` on, never the
//! packaged cluster on 5432; one database per test.
//!
//! `GOODSTANDING_TEST_POSTGRES` (set by `tools/test.sh`, which starts one server for the whole
//! run and stops it at the end) names a server to use instead: a URL without a database. Without
//! it, the first test in a process starts a server, and the last [`TestDatabase`] dropped stops
//! it, a failing test included (its guard drops while the panic unwinds).
//!
//! Test support only (the feature `test-postgres`): it panics, as a test fails, when the server
//! cannot start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, Weak};

/// A server this process started: stopped and removed when dropped.
struct Server {
    bin: PathBuf,
    dir: tempfile::TempDir,
    url: String,
    as_postgres: bool,
}

impl Server {
    fn run(&self, tool: &str, args: &[&str]) -> std::process::Output {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", program.display()))
    }

    fn start() -> Self {
        Self::start_with(false)
    }

    /// A server that also speaks TLS, with a certificate for 127.0.0.1 and localhost from a CA
    /// of its own (`ca.pem` in its folder), made with `openssl`.
    fn start_with(tls: bool) -> Self {
        let bin = bindir().expect(
            "no PostgreSQL server binaries (pg_config --bindir, /usr/lib/postgresql/*/bin): \
             run tools/test.sh, which installs the postgresql package",
        );
        let dir = tempfile::Builder::new()
            .prefix("goodstanding-pg-")
            .tempdir()
            .expect("a temporary folder");
        // Root (sessions and CI): initdb refuses it, so the server runs as postgres.
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if root {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success(), "chown the server's folder to postgres");
        }
        let data = dir.path().join("data");
        let socket = dir.path().to_path_buf();
        let port = free_port();
        let server = Self {
            bin,
            url: format!("postgres://goodstanding@127.0.0.1:{port}"),
            dir,
            as_postgres: root,
        };
        let data_text = data.to_string_lossy().into_owned();
        let init = server.run(
            "initdb",
            &[
                "-D",
                &data_text,
                "-U",
                "goodstanding",
                "--auth=trust",
                "--no-locale",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
        );
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=on -c \
             synchronous_commit=on",
            socket.display()
        );
        if tls {
            make_certificates(server.dir.path(), root);
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={0}/server.pem -c ssl_key_file={0}/server.key",
                server.dir.path().display()
            ));
        }
        let log = server.dir.path().join("server.log");
        let start = server.run(
            "pg_ctl",
            &[
                "-D",
                &data_text,
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "start",
            ],
        );
        assert!(
            start.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&start.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.run(
            "pg_ctl",
            &["-D", &data.to_string_lossy(), "-m", "fast", "-w", "stop"],
        );
    }
}

/// A CA (`ca.pem`) and a server certificate it signed for 127.0.0.1 and localhost
/// (`server.pem`, `server.key`, owned by postgres when `root`, mode 0600) in `dir`.
fn make_certificates(dir: &std::path::Path, root: bool) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (tools/test.sh installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A new P-256 key, unencrypted.
    let new_key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &new_key,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=goodstanding test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &new_key,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("write san.ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    let key = dir.join("server.key");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    if root {
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&key)
            .arg(dir.join("server.pem"))
            .status()
            .expect("chown");
        assert!(status.success());
    }
}

/// A server of its own that speaks TLS (with a CA of its own), for the tests of TLS.
pub struct TlsServer {
    server: Server,
}

impl TlsServer {
    /// Starts one.
    pub fn start() -> Self {
        Self {
            server: Server::start_with(true),
        }
    }

    /// The server's URL (no database), for 127.0.0.1.
    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// The CA that signed the server's certificate (PEM).
    pub fn ca(&self) -> PathBuf {
        self.server.dir.path().join("ca.pem")
    }
}

/// The PostgreSQL server binaries' folder.
fn bindir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

/// A loopback port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The server of this process, shared by its tests while any of them holds it.
static SERVER: Mutex<Weak<Server>> = Mutex::new(Weak::new());

/// A database of its own for one test, on the run's server (or this process's); dropped after
/// the test.
pub struct TestDatabase {
    /// The database's URL.
    pub url: String,
    /// The server's URL (no database).
    server_url: String,
    /// The database's name.
    name: String,
    _server: Option<Arc<Server>>,
}

impl TestDatabase {
    /// A new, empty database.
    pub fn new() -> Self {
        let (base, server) = match std::env::var("GOODSTANDING_TEST_POSTGRES") {
            Ok(url) if !url.is_empty() => (url, None),
            _ => {
                let mut shared = SERVER.lock().unwrap_or_else(|e| e.into_inner());
                let server = shared.upgrade().unwrap_or_else(|| {
                    let started = Arc::new(Server::start());
                    *shared = Arc::downgrade(&started);
                    started
                });
                (server.url.clone(), Some(server))
            }
        };
        let name = format!("gs_test_{}", random_suffix());
        let mut admin = postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to the test server {base}: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        Self {
            url: format!("{base}/{name}"),
            server_url: base,
            name,
            _server: server,
        }
    }
}

impl TestDatabase {
    /// Ends every connection to the database, as a network failure or a restarted server would;
    /// returns how many there were.
    pub fn disconnect_everyone(&self) -> i64 {
        let mut admin =
            postgres::Client::connect(&format!("{}/postgres", self.server_url), postgres::NoTls)
                .expect("connect to the test server");
        admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                &[&self.name],
            )
            .expect("terminate the database's connections")
            .len() as i64
    }
}

impl Default for TestDatabase {
    fn default() -> Self {
        Self::new()
    }
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
