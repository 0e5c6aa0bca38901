#![allow(clippy::unwrap_used, reason = "a test stops where its setup fails")]

//! The architecture, checked: crates depend on each other one way (domain → store → app →
//! server), no crate's modules import each other in a cycle, and the app's modules stay in their
//! layers (pages never import pages, components never import pages, services never import the
//! request context above them). Reads the sources and manifests; fails with the offending edges.
//! ARCHITECTURE.md explains the layers; change both together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// The workspace crates, bottom to top, and which of them each may depend on (dev-dependencies
/// included, so tests cannot reach upwards either).
const CRATES: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("store", &["domain"]),
    ("app", &["domain", "store"]),
    ("bench", &["domain", "store", "app"]),
    ("server", &["domain", "store", "app", "bench"]),
];

/// The app's modules by layer: a module may import its own layer or lower ones, never higher.
const APP_LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("flash", 1),
    ("i18n", 1),
    ("settings", 0),
    ("auth", 2),
    ("providers", 2),
    ("media", 2),
    ("gate", 2),
    ("markdown", 2),
    ("poster", 2),
    ("export", 2),
    ("ctx", 3),
    ("payments", 4),
    ("api", 5),
    ("components", 6),
    ("pages", 7),
    ("app", 8),
];

#[test]
fn crates_depend_one_way() {
    let names: BTreeSet<&str> = CRATES.iter().map(|(n, _)| *n).collect();
    let mut bad = vec![];
    for (name, allowed) in CRATES {
        let manifest = std::fs::read_to_string(root().join(name).join("Cargo.toml")).expect("manifest");
        for dep in workspace_deps(&manifest, &names) {
            if dep != *name && !allowed.contains(&dep.as_str()) {
                bad.push(format!("{name} -> {dep}"));
            }
        }
    }
    assert!(bad.is_empty(), "crate dependencies that run up or sideways: {bad:?}");
}

/// Workspace crates named as dependencies in any `[…dependencies]` table.
fn workspace_deps(manifest: &str, names: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut deps = BTreeSet::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line.contains("dependencies");
            continue;
        }
        if !in_deps {
            continue;
        }
        let key = line.split(['=', '.', ' ']).next().unwrap_or("").trim();
        if names.contains(key) {
            deps.insert(key.to_string());
        }
    }
    deps
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut report = vec![];
    for (name, _) in CRATES {
        let graph = module_graph(&root().join(name).join("src"));
        for cycle in cycles(&graph) {
            report.push(format!("{name}: {}", cycle.join(" -> ")));
        }
    }
    assert!(report.is_empty(), "module import cycles:\n{}", report.join("\n"));
}

#[test]
fn app_modules_stay_in_their_layers() {
    let graph = module_graph(&root().join("app/src"));
    let layer = |m: &str| {
        let top = m.split("::").next().unwrap_or(m);
        APP_LAYERS.iter().find(|(n, _)| *n == top).map(|(_, l)| *l)
    };
    let mut bad = vec![];
    for (from, tos) in &graph {
        if from.is_empty() {
            continue;
        }
        let Some(lf) = layer(from) else {
            bad.push(format!("{from} is in no layer: add it to APP_LAYERS and ARCHITECTURE.md"));
            continue;
        };
        for to in tos {
            let Some(lt) = layer(to) else { continue };
            if lt > lf {
                bad.push(format!("{from} -> {to} runs up a layer"));
            }
            let (ff, tt) = (from.split("::").collect::<Vec<_>>(), to.split("::").collect::<Vec<_>>());
            // Pages share pieces through components (or the pages module's helpers), never
            // through each other.
            if ff[0] == "pages" && tt[0] == "pages" && ff.len() > 1 && tt.len() > 1 && ff[1] != tt[1] {
                bad.push(format!("{from} -> {to}: a page imports another page"));
            }
        }
    }
    assert!(bad.is_empty(), "layer violations:\n{}", bad.join("\n"));
}

/// Module path (`api::orders`, or "" for the crate root) → the modules it refers to.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = vec![];
    collect(src, &mut files);
    let module_of = |path: &Path| -> String {
        let rel = path.strip_prefix(src).expect("under src").with_extension("");
        let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().to_string()).collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
            parts.pop();
        }
        parts.join("::")
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let me = module_of(f);
        let text = strip_comments(&std::fs::read_to_string(f).expect("source"));
        // An inline `mod tests { … }` is a module of its own (a consumer of this one).
        let (body, tests) = split_inline_tests(&text);
        // `super` is the parent of the file's module, whether the file is `a/b.rs` or `a/b/mod.rs`.
        let own: Vec<String> = if me.is_empty() { vec![] } else { me.split("::").map(String::from).collect() };
        let parent = &own[..own.len().saturating_sub(1)];
        add_edges(&mut graph, &modules, &me, parent, &body);
        if let Some(tests) = tests {
            let inner = if me.is_empty() { "tests".to_string() } else { format!("{me}::tests") };
            add_edges(&mut graph, &modules, &inner, &own, &tests);
        }
    }
    graph
}

fn add_edges(
    graph: &mut BTreeMap<String, BTreeSet<String>>,
    modules: &BTreeSet<String>,
    me: &str,
    parent: &[String],
    text: &str,
) {
    let mut targets = BTreeSet::new();
    for path in paths_after(text, "crate::") {
        targets.insert(resolve(modules, &path));
    }
    for path in paths_after(text, "super::") {
        let mut full = parent.to_vec();
        full.extend(path);
        targets.insert(resolve(modules, &full));
    }
    // A module naming one of its ancestors (`use super::*`, the crate root's `Db`) uses the
    // module it is part of; only imports across the tree count as edges.
    targets.retain(|t| t != me && !is_ancestor(t, me));
    graph.entry(me.to_string()).or_default().extend(targets);
}

/// The text of a file without its `#[cfg(test)] mod tests { … }` block, and that block.
fn split_inline_tests(text: &str) -> (String, Option<String>) {
    let Some(at) = text.find("#[cfg(test)]\nmod tests {") else { return (text.to_string(), None) };
    let open = at + text[at..].find('{').expect("brace");
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let end = open + i + 1;
                    let body = format!("{}{}", &text[..at], &text[end..]);
                    return (body, Some(text[open..end].to_string()));
                }
            }
            _ => {}
        }
    }
    (text.to_string(), None)
}

fn is_ancestor(a: &str, of: &str) -> bool {
    a.is_empty() && !of.is_empty() || of.len() > a.len() && of.starts_with(a) && of[a.len()..].starts_with("::")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("source directory").flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The longest known module that `path` starts with.
fn resolve(modules: &BTreeSet<String>, path: &[String]) -> String {
    for n in (0..=path.len()).rev() {
        let candidate = path[..n].join("::");
        if modules.contains(&candidate) {
            return candidate;
        }
    }
    String::new()
}

/// Every path after `prefix`, with groups expanded: `crate::{a, b::c}` gives `a` and `b::c`.
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let (paths, used) = parse_path(rest);
        out.extend(paths);
        rest = &rest[used..];
    }
    out
}

/// Parses `a::b::{c, d::e}` at the start of `s`; returns the paths and the bytes used.
fn parse_path(s: &str) -> (Vec<Vec<String>>, usize) {
    let mut segs = vec![];
    let mut i = 0;
    let b = s.as_bytes();
    loop {
        if i < b.len() && b[i] == b'{' {
            let mut depth = 0;
            let start = i + 1;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let inner = &s[start..j.min(s.len())];
            let mut out = vec![];
            for part in split_top(inner) {
                let part = part.trim();
                if part.is_empty() || part == "self" {
                    out.push(segs.clone());
                    continue;
                }
                let (sub, _) = parse_path(part);
                for p in sub {
                    let mut full = segs.clone();
                    full.extend(p);
                    out.push(full);
                }
            }
            return (out, j + 1);
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        if i == start {
            return (vec![segs], i);
        }
        segs.push(s[start..i].to_string());
        if s[i..].starts_with("::") {
            i += 2;
        } else {
            return (vec![segs], i);
        }
    }
}

fn split_top(s: &str) -> Vec<&str> {
    let mut parts = vec![];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn strip_comments(s: &str) -> String {
    s.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Strongly connected components with more than one module (or a module importing itself).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on.insert(v);
            if let Some(ws) = self.graph.get(v) {
                for w in ws {
                    let w = w.as_str();
                    if !self.index.contains_key(w) {
                        self.visit(w);
                        let lw = self.low[w];
                        let lv = self.low.get_mut(v).expect("visited");
                        *lv = (*lv).min(lw);
                    } else if self.on.contains(w) {
                        let iw = self.index[w];
                        let lv = self.low.get_mut(v).expect("visited");
                        *lv = (*lv).min(iw);
                    }
                }
            }
            if self.low[v] == self.index[v] {
                let mut comp = vec![];
                while let Some(w) = self.stack.pop() {
                    self.on.remove(w);
                    comp.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    self.out.push(comp);
                }
            }
        }
    }
    let mut t =
        Tarjan { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: vec![], on: BTreeSet::new(), out: vec![] };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.out
}

#[test]
fn the_checker_sees_a_cycle_and_a_grouped_import() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    g.entry("d".into()).or_default().insert("a".into());
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    let p = paths_after("use crate::{ctx, store::users, api::{form, orders::Buy}};", "crate::");
    let flat: Vec<String> = p.iter().map(|s| s.join("::")).collect();
    assert_eq!(flat, ["ctx", "store::users", "api::form", "api::orders::Buy"]);
}
