//! `goodstanding site`: the verifier web page, ready for any static host, with the trust data
//! of a trust folder bundled in.

use std::path::PathBuf;

use goodstanding_operations::manifest::sha256_hex;
use goodstanding_trust::folder as trust_folder;

use crate::error::CliError;
use crate::io::{create_dir, outln, write_output};
use crate::shared::{describe_cache, now, trust_dir};

/// The page's own files, built into the command.
const STATIC_FILES: [(&str, &str); 4] = [
    ("index.html", include_str!("../../../web/index.html")),
    ("style.css", include_str!("../../../web/style.css")),
    ("app.js", include_str!("../../../web/app.js")),
    ("manifest.json", include_str!("../../../web/manifest.json")),
];
const SERVICE_WORKER: &str = include_str!("../../../web/sw.js");

/// The files wasm-bindgen writes for the verifier.
const WASM_FILES: [&str; 2] = ["goodstanding_web.js", "goodstanding_web_bg.wasm"];

/// Arguments of `goodstanding site`.
#[derive(clap::Args)]
pub struct SiteArgs {
    /// Folder to write the site into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The trust folder whose root keys and lists are bundled (see `trust update`)
    /// [default: $GOODSTANDING_TRUST, else $XDG_DATA_HOME/goodstanding/trust, else ~/.local/share/goodstanding/trust].
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    /// Where the page refreshes the lists from when online [default: where the trust folder
    /// fetched them, if that was a URL].
    #[arg(long, value_name = "URL")]
    from: Option<String>,
    /// The WebAssembly verifier (goodstanding_web.js and goodstanding_web_bg.wasm), which is
    /// not built into the command: web/build.sh in a source checkout writes it to web/pkg
    /// (it needs the wasm32-unknown-unknown target and wasm-bindgen-cli 0.2.130). The page's
    /// HTML, CSS and JavaScript are built into the command.
    #[arg(long, value_name = "DIR", default_value = "web/pkg")]
    wasm: PathBuf,
}

/// `goodstanding site`.
pub fn site(args: &SiteArgs) -> Result<(), CliError> {
    let trust_dir = trust_dir(args.trust.as_deref())?;
    let bundle = trust_folder::bundle(&trust_dir).map_err(|e| CliError::Input(e.to_string()))?;
    let mut files: Vec<(String, Vec<u8>)> = STATIC_FILES
        .iter()
        .map(|(name, text)| ((*name).to_string(), text.as_bytes().to_vec()))
        .collect();
    for name in WASM_FILES {
        let path = args.wasm.join(name);
        let bytes = std::fs::read(&path).map_err(|e| {
            CliError::file(
                &path,
                format!(
                    "{e}. The page's WebAssembly verifier is not built into the command: in a \
                     source checkout of goodstanding run web/build.sh (it installs nothing; it \
                     needs `rustup target add wasm32-unknown-unknown` and `cargo install \
                     wasm-bindgen-cli --version 0.2.130`), then give its web/pkg folder with \
                     --wasm DIR (the default, web/pkg, is relative to the folder you run this in)"
                ),
            )
        })?;
        files.push((format!("pkg/{name}"), bytes));
    }
    let roots: Vec<serde_json::Value> = bundle
        .roots
        .iter()
        .filter_map(|jwk| serde_json::from_str(&jwk.to_json()).ok())
        .collect();
    files.push((
        "trust/roots.json".into(),
        serde_json::to_vec_pretty(&roots).unwrap_or_default(),
    ));
    files.push((
        "trust/trust-list.jws".into(),
        bundle.trust_list.clone().into_bytes(),
    ));
    files.push((
        "trust/revocation-list.jws".into(),
        bundle.revocation_list.clone().into_bytes(),
    ));
    let source = args.from.clone().or_else(|| {
        let s = &bundle.info.source;
        (s.starts_with("https://") || s.starts_with("http://")).then(|| s.clone())
    });
    files.push((
        "config.json".into(),
        serde_json::to_vec_pretty(&serde_json::json!({ "source": source })).unwrap_or_default(),
    ));

    // The service worker caches every file; its version changes whenever any file does.
    let mut all = Vec::new();
    for (name, bytes) in &files {
        all.extend_from_slice(name.as_bytes());
        all.extend_from_slice(&sha256_hex(bytes).into_bytes());
    }
    let version = sha256_hex(&all)[..16].to_string();
    let mut cached = vec!["./".to_string()];
    cached.extend(files.iter().map(|(name, _)| name.clone()));
    let worker = SERVICE_WORKER
        .replace("'__VERSION__'", &format!("'{version}'"))
        .replace(
            "__FILES__",
            &serde_json::to_string(&cached).unwrap_or_default(),
        );
    files.push(("sw.js".into(), worker.into_bytes()));

    for (name, bytes) in &files {
        let path = args.out.join(name);
        if let Some(dir) = path.parent() {
            create_dir(dir)?;
        }
        write_output(&path, bytes)?;
    }
    let wasm = files
        .iter()
        .find(|(n, _)| n.ends_with(".wasm"))
        .map_or(0, |(_, b)| b.len());
    outln!(
        "wrote the verifier site into {} ({} files, version {version}; WebAssembly {} KiB \
         uncompressed)",
        args.out.display(),
        files.len(),
        wasm / 1024
    );
    outln!("  trust data: {}", describe_cache(&bundle.info, now()?));
    match &source {
        Some(url) => outln!("  refreshes from {url} when online"),
        None => outln!("  no refresh URL (pass --from URL): the page uses only the bundled lists"),
    }
    outln!("Serve the folder with any static web server (HTTPS, or localhost, for the camera).");
    Ok(())
}
