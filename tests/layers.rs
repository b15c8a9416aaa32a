//! The layers of ARCHITECTURE.md, kept true: every `crate::…` path in a module of `src/`
//! (imports and inline paths, tests included; comments are not code) names its own layer or
//! one below it. A higher layer is an upward import, and fails this test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// Bottom to top, as in ARCHITECTURE.md and `src/lib.rs`.
const LAYERS: &[&str] = &[
    "time", "limits", "encoding", "model", "crypto", "gm", "trust", "status", "audit", "storage",
    "issue", "present", "verify",
];

/// Items the crate root re-exports, and the layer each comes from.
const ROOT_REEXPORTS: &[(&str, &str)] = &[("Limits", "limits")];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

/// The layer a `crate::<first>` path reaches.
fn layer_of(first: &str) -> Option<&'static str> {
    LAYERS.iter().copied().find(|l| *l == first).or_else(|| {
        ROOT_REEXPORTS
            .iter()
            .find(|(item, _)| *item == first)
            .map(|(_, layer)| *layer)
    })
}

/// Every `crate::<first>` in the code of `source` (comments skipped) that reaches a layer
/// above `layer`, as `(line number, reached layer)`; an unknown first segment is reported as
/// itself, so a new module must be given its place in [`LAYERS`].
fn upward_paths(source: &str, layer: &str) -> Vec<(usize, String)> {
    let own = rank(layer).unwrap_or(usize::MAX);
    let mut found = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // `yinzheng_crate::`, not this crate
            }
            let first: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if first.is_empty() {
                // `crate::{a, b::{c, d}}`: a grouped import from the root (on one line).
                for item in top_level_items(rest.strip_prefix('{').unwrap_or("")) {
                    check(item, own, number, &mut found);
                }
                continue;
            }
            check(&first, own, number, &mut found);
        }
    }
    found
}

/// The first path segment of each top-level item of a `{…}` group, up to its closing brace.
fn top_level_items(group: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..at]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items
        .into_iter()
        .map(|item| item.trim().split("::").next().unwrap_or("").trim())
        .collect()
}

fn check(first: &str, own: usize, number: usize, found: &mut Vec<(usize, String)>) {
    if first.is_empty() || first == "self" {
        return;
    }
    let reached = layer_of(first);
    if reached.and_then(rank).is_none_or(|r| r > own) {
        found.push((number + 1, reached.unwrap_or(first).to_owned()));
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src/");
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a path");
        let layer = first.trim_end_matches(".rs");
        if layer == "lib" || layer == "bin" {
            continue; // the root lists the layers; the CLI sits above all of them
        }
        assert!(
            rank(layer).is_some(),
            "src/{} is in no layer: give `{layer}` its place in LAYERS and ARCHITECTURE.md",
            relative.display()
        );
        let source = std::fs::read_to_string(file).expect("read a source file");
        for (line, reached) in upward_paths(&source, layer) {
            problems.push(format!(
                "src/{}:{line}: `{layer}` reaches up to `{reached}`",
                relative.display()
            ));
        }
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} files found under src/");
    assert!(
        problems.is_empty(),
        "upward imports:\n{}",
        problems.join("\n")
    );
}

#[test]
fn an_upward_import_is_caught() {
    let module = "//! A status module.\nuse crate::time::UnixTime;\nuse crate::audit::AuditLog;\n";
    assert_eq!(
        upward_paths(module, "status"),
        vec![(3, "audit".to_owned())]
    );
    let inline = "fn f() { let _ = crate::verify::Verifier::builder(); }\n";
    assert_eq!(
        upward_paths(inline, "issue"),
        vec![(1, "verify".to_owned())]
    );
    let grouped = "use crate::{Limits, present::{Presenter, QrCode}, model::Seal};\n";
    assert_eq!(
        upward_paths(grouped, "model"),
        vec![(1, "present".to_owned())]
    );
    let commented =
        "// see crate::verify\n/// [`crate::audit::AuditLog`]\nuse crate::limits::Limits;\n";
    assert!(upward_paths(commented, "encoding").is_empty());
    let unknown = "use crate::backends::Postgres;\n";
    assert_eq!(
        upward_paths(unknown, "verify"),
        vec![(1, "backends".to_owned())]
    );
}
