//! ARCHITECTURE.md is checked against the code: who may call whom, no cycle between features,
//! and one writer per table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SHARED: &[&str] = &["web", "domain", "db", "clock", "config", "telemetry"];
const SEEDERS: &[&str] = &["demo", "bench"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The lines of the fenced block ```` ```name ```` in ARCHITECTURE.md, as `key: values`.
fn block(name: &str) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let start = text
        .find(&format!("```{name}\n"))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no ```{name} block"));
    let body = &text[start + name.len() + 4..];
    let body = &body[..body.find("```").unwrap()];
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (key, values) = l.split_once(':').unwrap_or_else(|| panic!("no colon in {l:?}"));
            let values = values
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            (key.trim().to_owned(), values)
        })
        .collect()
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The top-level module a file of `src/` belongs to (`src/calls/log.rs` → `calls`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(root().join("src")).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The modules of the crate a file names as `crate::name`, `crate::{a, b::c}` included.
fn modules_named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
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

#[test]
fn features_call_only_what_architecture_md_allows_and_form_no_cycle() {
    let allowed = block("dependencies");
    let features: BTreeSet<&str> = allowed.keys().map(String::as_str).collect();
    let mut broken = Vec::new();
    for file in rust_files(&root().join("src")) {
        let me = module_of(&file);
        if matches!(me.as_str(), "lib" | "main") {
            continue;
        }
        let known = features.contains(me.as_str()) || SHARED.contains(&me.as_str());
        assert!(
            known,
            "src/{me} is neither a feature in ARCHITECTURE.md nor a shared module"
        );
        let text = std::fs::read_to_string(&file).unwrap();
        for used in modules_named(&text) {
            if used == me || !features.contains(used.as_str()) {
                continue;
            }
            let ok = match allowed.get(&me) {
                Some(list) => list.iter().any(|a| a == "*" || *a == used),
                None => false, // a shared module uses no feature
            };
            if !ok {
                broken.push(format!(
                    "{} uses {used}",
                    file.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "not allowed by ARCHITECTURE.md:\n{}",
        broken.join("\n")
    );

    // The allowed graph itself has no cycle (tools, which may use anything, are used by nothing).
    let mut done = BTreeSet::new();
    fn visit<'a>(
        f: &'a str,
        allowed: &'a BTreeMap<String, Vec<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        assert!(!path.contains(&f), "a cycle: {} -> {f}", path.join(" -> "));
        if done.contains(f) {
            return;
        }
        path.push(f);
        for next in allowed.get(f).into_iter().flatten().filter(|n| *n != "*") {
            visit(next, allowed, path, done);
        }
        path.pop();
        done.insert(f);
    }
    for f in &features {
        visit(f, &allowed, &mut Vec::new(), &mut done);
    }
    for f in &features {
        for tool in allowed
            .iter()
            .filter(|(_, v)| v.iter().any(|x| x == "*"))
            .map(|(k, _)| k)
        {
            assert!(
                !allowed[*f].contains(tool),
                "{f} may not depend on the tool {tool}"
            );
        }
    }
}

/// Every table a statement of `text` writes, with how (`insert`, `update`, `delete`).
fn writes(text: &str, tables: &BTreeSet<String>) -> Vec<(String, &'static str)> {
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    for (verb, how) in [
        ("insert into ", "insert"),
        ("update ", "update"),
        ("delete from ", "delete"),
    ] {
        let mut rest = lower.as_str();
        while let Some(at) = rest.find(verb) {
            let before = rest[..at].chars().last();
            rest = &rest[at + verb.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if tables.contains(&name) {
                out.push((name, how));
            }
        }
    }
    out
}

#[test]
fn every_table_has_one_writer_as_architecture_md_says() {
    let owners = block("owners");
    let mut created = BTreeSet::new();
    for file in std::fs::read_dir(root().join("migrations")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path())
            .unwrap()
            .to_lowercase();
        for part in text.split("create table ").skip(1) {
            let name: String = part
                .trim_start_matches("if not exists ")
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            created.insert(name);
        }
    }
    let listed: BTreeSet<String> = owners.keys().cloned().collect();
    assert_eq!(
        created, listed,
        "ARCHITECTURE.md's owners list every table the migrations create"
    );

    let mut broken = Vec::new();
    for file in rust_files(&root().join("src")) {
        let me = module_of(&file);
        if SEEDERS.contains(&me.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (table, how) in writes(&text, &created) {
            let rule = &owners[&table];
            let ok = rule.iter().any(|owner| {
                owner == &me || owner.strip_prefix(&format!("{how} by ")).is_some_and(|o| o == me)
            });
            if !ok {
                broken.push(format!(
                    "{} writes {table} ({how}); its owner is {}",
                    file.strip_prefix(root()).unwrap().display(),
                    rule.join(", ")
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "tables written by another feature:\n{}",
        broken.join("\n")
    );
}
