//! The workspace's layering stays as the README's "Layout" section says: each crate uses only
//! the crates below it, the verifying machine's crates pull in nothing of the issuing side, and
//! no crate's modules import a sibling that imports them back.

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
const FORBIDDEN: [(&str, &[&str]); 7] = [
    (
        "goodstanding-verifier",
        &[
            // The verifier reads no clock: its callers pass the time.
            "goodstanding-clock",
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
        // The one clock: the verifier's time type, nothing else of goodstanding's.
        "goodstanding-clock",
        &[
            "goodstanding-files",
            "goodstanding-trust",
            "goodstanding-issuer",
            "goodstanding-operations",
            "reqwest",
            "tokio",
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
        // The issuing body's operations: no HTTP (tokio is there only as the runtime inside
        // the PostgreSQL register's client).
        "goodstanding-operations",
        &[
            "goodstanding-trust",
            "goodstanding-service",
            "reqwest",
            "hyper",
            "native-tls",
            "openssl",
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

/// The code of a module file that counts for its imports: comments (and so intra-doc links)
/// and the unit tests at the end (`#[cfg(test)]`) left out.
fn code_of(text: &str) -> String {
    let text = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names `lib.rs` re-exports and the module each comes from (`pub use module::{A, B};`), so
/// that `crate::A` counts as an import of `module`.
fn re_exports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let code = code_of(lib);
    for statement in code.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.trim().rsplit(' ').next().unwrap_or_default();
            if !name.is_empty() && !name.contains("::") {
                names.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    names
}

/// The top-level modules of the crate in `src` (a `name.rs` file, and its `name/` folder if it
/// has one, or `name/mod.rs`) and, for each, the sibling modules it uses: `crate::name`, a
/// `crate::{name, ...}` group, or a name `lib.rs` re-exports from `name`.
fn module_imports(src: &std::path::Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |name: String, path: &std::path::Path| {
        let text = code_of(&std::fs::read_to_string(path).unwrap());
        let entry = modules.entry(name).or_default();
        entry.push_str(&text);
        entry.push('\n');
    };
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            for file in walk(&path) {
                add(stem.clone(), &file);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && stem != "lib" && stem != "main" {
            add(stem, &path);
        }
    }
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    let exported = re_exports(&lib);
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, text)| {
            let mut uses = BTreeSet::new();
            for (at, _) in text.match_indices("crate::") {
                let rest = &text[at + "crate::".len()..];
                let referenced: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    group
                        .split(',')
                        .map(|item| {
                            item.trim()
                                .split("::")
                                .next()
                                .unwrap_or_default()
                                .to_string()
                        })
                        .collect()
                } else {
                    let ident: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    vec![ident]
                };
                for ident in referenced {
                    let module = if names.contains(&ident) {
                        Some(ident)
                    } else {
                        exported.get(&ident).cloned()
                    };
                    if let Some(module) = module.filter(|m| m != name && names.contains(m)) {
                        uses.insert(module);
                    }
                }
            }
            (name.clone(), uses)
        })
        .collect()
}

/// Every `.rs` file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
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
fn no_crate_has_modules_that_import_each_other_in_a_circle() {
    let crates = repo().join("crates");
    let mut circles = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        seen += 1;
        if let Some(cycle) = find_cycle(&module_imports(&src)) {
            circles.push(format!("{}: {}", src.display(), cycle.join(" -> ")));
        }
    }
    assert!(seen >= 8, "crates found: {seen}");
    assert!(
        circles.is_empty(),
        "modules import each other in a circle:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_command_modules_import_no_sibling_that_imports_them_back() {
    let graph = module_imports(&repo().join("crates/cli/src"));
    assert!(graph.len() >= 8, "modules found: {graph:?}");
    // The shared modules import no command module.
    for leaf in ["error", "io", "shared"] {
        let uses = &graph[leaf];
        assert!(
            uses.iter().all(|u| ["error", "io"].contains(&u.as_str())),
            "{leaf} imports {uses:?}; shared helpers must not import a command module"
        );
    }
}

#[test]
fn the_import_reader_sees_plain_grouped_and_re_exported_imports_but_not_comments() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(
        src.join("lib.rs"),
        "pub mod a;\npub use c::{Thing, Other as O};\n",
    )
    .unwrap();
    std::fs::write(
        src.join("a.rs"),
        "use crate::{b::X, d};\nfn f() -> crate::Thing { todo!() }\n",
    )
    .unwrap();
    std::fs::write(src.join("b.rs"), "/// See [`crate::a`].\nfn g() {}\n").unwrap();
    std::fs::write(
        src.join("c.rs"),
        "pub struct Thing;\n#[cfg(test)]\nmod tests { use crate::a; }\n",
    )
    .unwrap();
    std::fs::create_dir(src.join("d")).unwrap();
    std::fs::write(src.join("d.rs"), "mod inner;\n").unwrap();
    std::fs::write(src.join("d/inner.rs"), "use crate::a::Y;\n").unwrap();
    let graph = module_imports(src);
    let set = |names: &[&str]| {
        names
            .iter()
            .map(|n| (*n).to_string())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(graph["a"], set(&["b", "c", "d"]));
    assert_eq!(graph["b"], set(&[]), "a doc link is not an import");
    assert_eq!(
        graph["c"],
        set(&[]),
        "a unit test's import is not the module's"
    );
    assert_eq!(
        graph["d"],
        set(&["a"]),
        "a submodule's import is its module's"
    );
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "d".into(), "a".into()])
    );
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
