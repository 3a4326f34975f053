//! The crate's floors run one way. Reads every file under src/ and fails when a top-level
//! module refers (`crate::name`, `crate::{name, ...}`) to one on its own floor or above it,
//! as src/lib.rs describes: vocabulary and leaves, then model, then analysis, probe and diagram
//! side by side, then verify, then report and editor, then cli and ui.

#![allow(clippy::unwrap_used)] // a panic is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Floor of each top-level module: a module may use only modules on lower floors.
const FLOORS: &[(&str, u8)] = &[
    ("vocab", 0),
    ("text", 0),
    ("fsio", 0),
    ("model", 1),
    ("analysis", 2),
    ("probe", 2),
    ("diagram", 2),
    ("interchange", 3),
    ("verify", 3),
    ("diff", 3),
    ("report", 4),
    ("editor", 4),
    ("cli", 5),
    ("ui", 5),
];

fn floor(module: &str) -> Option<u8> {
    FLOORS.iter().find(|(m, _)| *m == module).map(|(_, f)| *f)
}

/// The top-level modules a source text refers to through `crate::`.
fn references(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d}`: every first segment, to the matching brace.
            let mut depth = 1;
            let mut end = 0;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars().chain([',']) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let first = item.trim().split("::").next().unwrap_or("").to_string();
                        if !first.is_empty() {
                            out.insert(first);
                        }
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn modules_import_only_lower_floors() {
    let src = Path::new("src");
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut edges: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if floor(&top).is_none() {
            // lib.rs and main.rs sit above everything.
            assert!(
                top == "lib" || top == "main",
                "{} is a top-level module with no floor: add it to FLOORS and to src/lib.rs",
                rel.display()
            );
            continue;
        }
        // Code only: comments may mention any module.
        let text: String = std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for used in references(&text) {
            if used != top && floor(&used).is_some() {
                edges
                    .entry((top.clone(), used))
                    .or_default()
                    .push(rel.display().to_string());
            }
        }
    }
    let wrong: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| floor(to) >= floor(from))
        .map(|((from, to), files)| format!("{from} -> {to} (in {})", files.join(", ")))
        .collect();
    assert!(
        wrong.is_empty(),
        "imports that go sideways or up:\n{}",
        wrong.join("\n")
    );
    // The test sees real imports (it would pass vacuously on an empty scan).
    assert!(edges.contains_key(&("analysis".to_string(), "model".to_string())));
    assert!(edges.contains_key(&("probe".to_string(), "vocab".to_string())));
}

#[test]
fn the_reference_scanner_reads_grouped_imports() {
    let found =
        references("use crate::{model::{Node, Flow}, analysis};\nlet x = crate::verify::run();");
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["analysis", "model", "verify"]
    );
}
