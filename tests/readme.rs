//! The README cannot drift from what the tool does (issue 24, item 8): its walk-through blocks
//! run as written, in order, in a fresh folder with a data folder of their own and the real
//! clock (the built binary stands for `goodstanding`; nothing else of the text is changed), and
//! the demo's table in the README is what `goodstanding demo` prints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use crate::common::repo;

/// The ```sh block that follows the first line starting with `heading` in the README.
fn block_after(readme: &str, heading: &str) -> String {
    let start = readme
        .find(&format!("\n{heading}"))
        .unwrap_or_else(|| panic!("the README has no {heading:?}"));
    let rest = &readme[start..];
    let open = rest.find("```sh\n").expect("a ```sh block") + "```sh\n".len();
    let close = rest[open..].find("```").expect("the block's end");
    rest[open..open + close].to_string()
}

#[test]
fn the_readme_walk_through_runs_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let blocks = [
        block_after(
            &readme,
            "## Walk-through: keys, trust list, issue, publish, verify",
        ),
        block_after(&readme, "**Rotation, retirement, compromise**"),
    ];
    let mut script =
        String::from("set -euo pipefail\ngoodstanding() { \"$GOODSTANDING_BIN\" \"$@\"; }\n");
    for block in &blocks {
        for line in block.lines() {
            // The one line that says how to get the command; the function above stands for it.
            if line.starts_with("alias goodstanding=") {
                continue;
            }
            script.push_str(line);
            script.push('\n');
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("examples"), dir.path().join("examples")).unwrap();
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("GOODSTANDING_BIN", env!("CARGO_BIN_EXE_goodstanding"))
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env_remove("GOODSTANDING_NOW")
        .env_remove("GOODSTANDING_TRUST")
        .output()
        .expect("bash runs the README's walk-through");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        output.status.success(),
        "the README's walk-through failed:\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    // Each verify printed its verdict: the QR text, the photo, another time, fresh and
    // out/*.pdf (and the JSON one).
    assert_eq!(
        stdout
            .matches("VALID  certificate of good standing")
            .count(),
        5,
        "{stdout}"
    );
    assert!(stdout.contains("\"valid\": true"), "{stdout}");
    assert!(
        dir.path()
            .join("data/goodstanding/trust-list.jws")
            .is_file()
    );
}

/// One row of the demo's table: example, subject, records, QR characters, QR version, PDF KB.
fn rows(table: &str) -> Vec<(String, String, String, f64, String, f64)> {
    table
        .lines()
        .filter(|line| line.contains("VALID (") && line.starts_with("  "))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let valid = words.iter().position(|w| *w == "VALID").unwrap();
            let n = valid;
            (
                words[0].to_string(),
                words[1..n - 4].join(" "),
                words[n - 4].to_string(),
                words[n - 3].parse().unwrap(),
                words[n - 2].to_string(),
                words[n - 1].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_readme_demo_table_is_what_demo_prints() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let documented = rows(&readme);
    assert_eq!(documented.len(), 3, "the README's demo table");
    let dir = tempfile::tempdir().unwrap();
    let output = crate::common::command(&[&"demo", &"--out", &dir.path().join("demo")], &[])
        .env_remove("GOODSTANDING_NOW")
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed = rows(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(printed.len(), documented.len());
    for (readme_row, demo_row) in documented.iter().zip(&printed) {
        // Names, records and QR versions are exact; the sizes move a little with the random
        // certificate id and today's date.
        assert_eq!(
            (&readme_row.0, &readme_row.1, &readme_row.2, &readme_row.4),
            (&demo_row.0, &demo_row.1, &demo_row.2, &demo_row.4),
            "README {readme_row:?}, demo {demo_row:?}"
        );
        assert!(
            (readme_row.3 - demo_row.3).abs() / demo_row.3 < 0.03,
            "QR characters: README {readme_row:?}, demo {demo_row:?}"
        );
        assert!(
            (readme_row.5 - demo_row.5).abs() / demo_row.5 < 0.05,
            "PDF KB: README {readme_row:?}, demo {demo_row:?}"
        );
    }
}
