//! `goodstanding serve`: the verification service for HR and recruitment systems.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use goodstanding_service::{Config, Event, Limits};
use goodstanding_trust::fetch::Source;

use crate::error::CliError;
use crate::io::outln;
use crate::shared::{now, trust_dir};

/// Arguments of `goodstanding serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The trust folder the verdicts rest on (made by `goodstanding trust update`)
    /// [default: $GOODSTANDING_TRUST, else $XDG_DATA_HOME/goodstanding/trust, else ~/.local/share/goodstanding/trust].
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    /// The address and port to answer on (a bare port is on 127.0.0.1). The service has no TLS
    /// and no authentication: keep it on loopback or a private network, behind the HR system's
    /// own proxy.
    #[arg(long, value_name = "[ADDRESS:]PORT", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Fetch the lists in the background from where the issuing body publishes them (a URL or a
    /// folder), with the same checks as `trust update`; a failed fetch keeps what is held.
    #[arg(long, value_name = "URL|DIR")]
    refresh_from: Option<String>,
    /// How often to fetch: 30s, 10m, 1h, 1d.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1h",
        requires = "refresh_from"
    )]
    refresh_every: String,
    /// Not valid unless the revocation list is current (not past its next update).
    #[arg(long)]
    require_fresh: bool,
    /// Most bytes of one certificate's body (each carrier also has its own cap: 4 MiB for a
    /// PDF, 128 KiB for a .jws or QR text, 20 MiB for an image).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_body)]
    max_body: usize,
    /// Most bytes of a batch's body.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_batch_body)]
    max_batch_body: usize,
    /// Most time a request may take, reading its body included: 500ms, 30s.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    request_timeout: String,
    /// Most requests answered at once; more get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_concurrent)]
    max_concurrent: usize,
}

/// `goodstanding serve`.
pub fn serve(args: &ServeArgs) -> Result<(), CliError> {
    let trust_folder = trust_dir(args.trust.as_deref())?;
    let refresh = match &args.refresh_from {
        Some(from) => Some((
            Source::parse(from).map_err(|_| {
                CliError::Input(format!(
                    "--refresh-from {from:?}: neither an http(s):// URL nor a folder; give where \
                     the issuing body publishes its lists"
                ))
            })?,
            parse_duration("--refresh-every", &args.refresh_every)?,
        )),
        None => None,
    };
    let limits = Limits {
        max_body: args.max_body,
        max_batch_body: args.max_batch_body,
        request_timeout: parse_duration("--request-timeout", &args.request_timeout)?,
        max_concurrent: args.max_concurrent.max(1),
        ..Limits::default()
    };
    let config = Config {
        trust_folder,
        require_fresh: args.require_fresh,
        refresh,
        limits,
        workers: std::thread::available_parallelism().map_or(2, usize::from),
    };
    let listener = bind(&args.listen)?;
    goodstanding_service::run(listener, &config, Arc::new(log_event))
        .map_err(|e| CliError::Input(e.to_string()))
}

/// Listens on `--listen` (an address with a port, or a bare port on loopback), saying what to
/// do when it cannot.
pub fn bind(listen: &str) -> Result<std::net::TcpListener, CliError> {
    let address = listen_address(listen)?;
    std::net::TcpListener::bind(address).map_err(|e| {
        let fix = if e.kind() == std::io::ErrorKind::AddrInUse {
            match free_port(address) {
                Some(free) => format!(
                    "another program answers on {address}: stop it, or give another port, such \
                     as --listen {free} (free now)"
                ),
                None => "another program answers there: stop it, or give another port".into(),
            }
        } else {
            format!(
                "give an address of this machine with a port, such as 127.0.0.1:{}",
                address.port()
            )
        };
        CliError::Input(format!(
            "--listen {listen}: cannot listen there ({e}); {fix}"
        ))
    })
}

/// Where the service's events go: the address it listens on to standard output (a program that
/// started it reads the port there), everything else to standard error, a line each, with the
/// time.
pub fn log_event(event: &Event) {
    if let Event::Listening(_) = event {
        outln!("{event}");
        let _ = std::io::stdout().flush();
        return;
    }
    let at = now().map_or_else(|_| "-".to_string(), |t| t.to_string());
    let _ = writeln!(std::io::stderr().lock(), "{at} {event}");
}

/// A duration as given on the command line: a number and a unit (ms, s, m, h, d).
pub fn parse_duration(flag: &str, text: &str) -> Result<Duration, CliError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let millis_per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && millis_per_unit > 0 => {
            Ok(Duration::from_millis(n.saturating_mul(millis_per_unit)))
        }
        _ => Err(CliError::Input(format!(
            "{flag} {text:?}: give a positive number and a unit, such as 500ms, 30s, 10m, 1h or 1d"
        ))),
    }
}

/// `--listen`: ADDRESS:PORT (IPv6 in brackets), or a bare PORT on 127.0.0.1.
fn listen_address(text: &str) -> Result<std::net::SocketAddr, CliError> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse().map_err(|_| {
        CliError::Input(format!(
            "--listen {text:?}: give a port (8090, on 127.0.0.1) or ADDRESS:PORT (127.0.0.1:8090, \
             0.0.0.0:8090, [::1]:8090)"
        ))
    })
}

/// A port free now on the address of `taken`, to suggest instead of it.
fn free_port(taken: std::net::SocketAddr) -> Option<String> {
    let mut probe = taken;
    probe.set_port(0);
    let free = std::net::TcpListener::bind(probe).ok()?.local_addr().ok()?;
    Some(if taken.ip().is_loopback() && taken.is_ipv4() {
        free.port().to_string()
    } else {
        free.to_string()
    })
}
