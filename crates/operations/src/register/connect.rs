//! Connecting to a PostgreSQL register: TLS (rustls) for any server not on this machine.
//!
//! ```text
//! postgres://USER[:PASSWORD]@HOST:PORT/DATABASE[?sslmode=...&sslrootcert=FILE]
//! sslmode=disable         no TLS: only for a server on loopback (127.0.0.0/8, ::1, localhost)
//!                         or a Unix socket; refused for any other host
//! sslmode=verify-full     TLS, the server's certificate checked for its host name against
//! (or require, or none     the CA in sslrootcert (PEM), else the Web PKI's roots
//!  for another host)
//! ```
//!
//! Unlike libpq, `require` also checks the certificate: a register holding criminal-record
//! references is never reached over a connection anyone on the path could take over.

use std::path::PathBuf;

use super::RegisterError;
use super::records::postgres_detail;

/// How to reach the server: the URL to give the client (without the options read here) and
/// whether to use TLS, with the CA file if one was named.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Target {
    pub(super) url: String,
    pub(super) tls: Option<Option<PathBuf>>,
}

/// Whether `host` is this machine.
fn is_local(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.starts_with('/')
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Reads the TLS options of `url`.
pub(super) fn target(url: &str, shown: &str) -> Result<Target, RegisterError> {
    let refuse = |message: String| RegisterError::Open {
        path: PathBuf::from(shown),
        message,
    };
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let (mut mode, mut root) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => mode = Some(value.to_string()),
            Some(("sslrootcert", value)) => root = Some(PathBuf::from(value)),
            _ => kept.push(pair),
        }
    }
    let authority = base
        .split_once("://")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .map_or("", |h| h.trim_start_matches('['))
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let local = host.is_empty() || is_local(host);
    let tls_mode = matches!(
        mode.as_deref(),
        Some("require" | "verify-ca" | "verify-full")
    );
    if root.is_some() && !tls_mode && (local || mode.is_some()) {
        return Err(refuse(
            "sslrootcert without TLS: give sslmode=verify-full with it, or remove it".into(),
        ));
    }
    let tls = match mode.as_deref() {
        Some("disable") if local => None,
        Some("disable") => {
            return Err(refuse(format!(
                "sslmode=disable for {host}, another machine: a register is reached over TLS \
                 unless it is on this machine; remove sslmode=disable (and give the server's CA \
                 with sslrootcert=FILE if it is not a public one)"
            )));
        }
        None if local => None,
        None | Some("require" | "verify-ca" | "verify-full") => Some(root),
        Some(other) => {
            return Err(refuse(format!(
                "sslmode={other}: give verify-full (TLS, certificate and host name checked), or \
                 disable for a server on this machine"
            )));
        }
    };
    // With TLS, the client must not fall back to a plain connection if the server offers none
    // (its default, `prefer`, would): `require` makes it insist; rustls checks the certificate.
    if tls.is_some() {
        kept.push("sslmode=require");
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(Target { url, tls })
}

/// Connects to the register at `url` (`shown` is how messages name it).
pub(super) fn connect(url: &str, shown: &str) -> Result<postgres::Client, RegisterError> {
    let target = target(url, shown)?;
    let failed = |e: postgres::Error| RegisterError::Open {
        path: PathBuf::from(shown),
        message: format!(
            "cannot connect: {}; check the URL (postgres://USER[:PASSWORD]@HOST:PORT/DATABASE) \
             and that the server accepts this user",
            postgres_detail(&e)
        ),
    };
    match target.tls {
        None => postgres::Client::connect(&target.url, postgres::NoTls).map_err(failed),
        Some(root) => {
            let config = tls_config(root.as_deref(), shown)?;
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(config);
            postgres::Client::connect(&target.url, tls).map_err(failed)
        }
    }
}

fn tls_config(
    root: Option<&std::path::Path>,
    shown: &str,
) -> Result<rustls::ClientConfig, RegisterError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let refuse = |message: String| RegisterError::Open {
        path: PathBuf::from(shown),
        message,
    };
    let mut roots = rustls::RootCertStore::empty();
    match root {
        Some(file) => {
            let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(file)
                .and_then(Iterator::collect)
                .map_err(|e| refuse(format!("sslrootcert {}: {e}", file.display())))?;
            if certificates.is_empty() {
                return Err(refuse(format!(
                    "sslrootcert {}: no PEM certificate in it",
                    file.display()
                )));
            }
            for certificate in certificates {
                roots
                    .add(certificate)
                    .map_err(|e| refuse(format!("sslrootcert {}: {e}", file.display())))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| refuse(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_used_for_every_server_not_on_this_machine() {
        let plain = |url: &str| target(url, "x").unwrap().tls.is_none();
        assert!(plain("postgres://u@127.0.0.1:5432/db"));
        assert!(plain("postgres://u@localhost/db"));
        assert!(plain("postgres://u@[::1]:5432/db"));
        assert!(plain("postgres://u@127.0.0.1/db?sslmode=disable"));
        assert!(!plain("postgres://u:p@db.example.org:5432/db"));
        assert!(!plain("postgres://u@127.0.0.1/db?sslmode=verify-full"));
        let with_ca = target(
            "postgres://u@db.example.org/db?sslmode=verify-full&sslrootcert=/ca.pem&application_name=gs",
            "x",
        )
        .unwrap();
        assert_eq!(
            with_ca,
            Target {
                url: "postgres://u@db.example.org/db?application_name=gs&sslmode=require".into(),
                tls: Some(Some(PathBuf::from("/ca.pem"))),
            }
        );
        for refused in [
            "postgres://u@db.example.org/db?sslmode=disable",
            "postgres://u@db.example.org/db?sslmode=prefer",
            "postgres://u@127.0.0.1/db?sslrootcert=/ca.pem",
        ] {
            assert!(target(refused, "x").is_err(), "{refused}");
        }
    }
}
