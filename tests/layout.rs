//! The workspace's layering stays as the README's "Layout" section says: each crate uses only
//! the crates below it, the verifying machine's crates pull in nothing of the issuing side, and
//! the command's modules import no sibling that imports them back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every crate name in `cargo tree -p <package> -e normal` (the package's normal dependencies,
/// with the features it turns on itself).
fn normal_dependencies(package: &str) -> BTreeSet<String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(repo())
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// What each crate must not depend on, directly or through another crate.
const FORBIDDEN: [(&str, &[&str]); 6] = [
    (
        "goodstanding-verifier",
        &[
            "goodstanding-files",
            "goodstanding-trust",
            "goodstanding-issuer",
            "goodstanding-operations",
            "rusqlite",
            "csv",
            "ttf-parser",
            "subsetter",
            "flate2",
            "libdeflater",
            "lopdf",
            "reqwest",
            "hyper",
            "tokio",
            // Signing keys in a PKCS#11 token are the issuing side's; a verifier loads no module.
            "cryptoki",
        ],
    ),
    (
        "goodstanding-files",
        &[
            "goodstanding-verifier",
            "goodstanding-trust",
            "goodstanding-issuer",
            "goodstanding-operations",
        ],
    ),
    (
        // The verifying machine: no register, no PDF writing or reading, no fonts, no CSV, no
        // signing keys (so no PKCS#11 module loader).
        "goodstanding-trust",
        &[
            "goodstanding-issuer",
            "goodstanding-operations",
            "rusqlite",
            "csv",
            "ttf-parser",
            "subsetter",
            "flate2",
            "libdeflater",
            "lopdf",
            "cryptoki",
        ],
    ),
    (
        // One certificate: no SQLite, no HTTP.
        "goodstanding-issuer",
        &[
            "goodstanding-trust",
            "goodstanding-operations",
            "rusqlite",
            "reqwest",
            "hyper",
            "tokio",
        ],
    ),
    (
        // The issuing body's operations: no HTTP.
        "goodstanding-operations",
        &[
            "goodstanding-trust",
            "goodstanding-service",
            "reqwest",
            "hyper",
            "tokio",
        ],
    ),
    (
        // The verification service: verifies only (no register, no PDF writing, no signing
        // keys), and has one TLS stack in its tree (reqwest's rustls), not a second.
        "goodstanding-service",
        &[
            "goodstanding-issuer",
            "goodstanding-operations",
            "rusqlite",
            "csv",
            "ttf-parser",
            "subsetter",
            "libdeflater",
            "cryptoki",
            "native-tls",
            "openssl",
        ],
    ),
];

#[test]
fn each_crate_depends_only_on_the_crates_below_it() {
    let mut found = Vec::new();
    for (package, forbidden) in FORBIDDEN {
        let dependencies = normal_dependencies(package);
        assert!(
            dependencies.contains(package),
            "cargo tree -p {package} did not list the package itself: {dependencies:?}"
        );
        for name in forbidden {
            if dependencies.contains(*name) {
                found.push(format!(
                    "{package} depends on {name}; see `cargo tree -p {package} -e normal -i {name}`"
                ));
            }
        }
    }
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

/// The modules of the command (`crates/cli/src`) and, for each, the sibling modules it uses
/// (`crate::name` anywhere in its text).
fn cli_module_imports() -> BTreeMap<String, BTreeSet<String>> {
    let dir = repo().join("crates/cli/src");
    let modules: BTreeMap<String, String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, text)| {
            let uses = names
                .iter()
                .filter(|other| *other != name)
                .filter(|other| {
                    text.contains(&format!("crate::{other}::"))
                        || text.contains(&format!("crate::{other};"))
                        || text.contains(&format!("crate::{other}}}"))
                        || text.contains(&format!("crate::{other},"))
                })
                .cloned()
                .collect();
            (name.clone(), uses)
        })
        .collect()
}

/// A cycle among `graph`'s nodes, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_command_modules_import_no_sibling_that_imports_them_back() {
    let graph = cli_module_imports();
    assert!(graph.len() >= 8, "modules found: {graph:?}");
    // The shared modules import no command module.
    for leaf in ["error", "io", "shared"] {
        let uses = &graph[leaf];
        assert!(
            uses.iter().all(|u| ["error", "io"].contains(&u.as_str())),
            "{leaf} imports {uses:?}; shared helpers must not import a command module"
        );
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "the command's modules import each other in a circle: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    // The check above can fail: a graph with a circle is reported, one without is not.
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            g.entry((*from).into()).or_default().insert((*to).into());
            g.entry((*to).into()).or_default();
        }
        g
    };
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
}
