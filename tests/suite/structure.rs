//! The shape of the code, as the desk layer promises it: the ledger does not know how
//! documents are drawn, commands do not import each other, one recording loop serves
//! every command that charges, no module imports a layer above its own, no modules
//! import each other in a circle, and no file grows past the size one job needs.

use crate::common;

use std::path::Path;

fn source(path: &str) -> String {
    std::fs::read_to_string(common::root().join(path)).unwrap()
}

/// A command's source: `src/cmd/NAME.rs`, or every file of `src/cmd/NAME/`.
fn command_source(name: &str) -> String {
    let file = format!("src/cmd/{name}.rs");
    if common::root().join(&file).exists() {
        return source(&file);
    }
    files_under(&format!("src/cmd/{name}"))
        .iter()
        .map(|f| source(f))
        .collect()
}

fn files_under(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![common::root().join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(common::root()).unwrap();
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_ledger_does_not_know_documents() {
    for f in files_under("src/ledger") {
        let text = source(&f);
        assert!(
            !text.contains("crate::docs") && !text.contains("crate::typeset"),
            "{f} uses the documents"
        );
    }
}

#[test]
fn the_desk_knows_neither_storage_nor_drawing_nor_the_command_line() {
    for f in files_under("src/desk") {
        let text = source(&f);
        for other in [
            "crate::ledger",
            "crate::docs",
            "crate::typeset",
            "crate::cmd",
            "crate::cli",
        ] {
            assert!(!text.contains(other), "{f} uses {other}");
        }
    }
}

#[test]
fn commands_do_not_import_each_other() {
    let commands = [
        "register", "card", "certify", "status", "report", "fee", "check", "audit", "verify", "key",
    ];
    for c in commands {
        let text = command_source(c);
        for other in commands.iter().filter(|o| **o != c) {
            for path in [format!("super::{other}"), format!("cmd::{other}")] {
                assert!(!text.contains(&path), "src/cmd/{c} uses {path}");
            }
        }
    }
}

#[test]
fn one_recording_loop_serves_every_charging_command() {
    // The loop: desk::batch::record, the only code that begins a ledger transaction.
    for f in files_under("src") {
        let text = source(&f);
        if f != "src/desk/batch.rs" && !f.starts_with("src/ledger/") {
            assert!(!text.contains(".begin()"), "{f} opens a transaction");
            assert!(!text.contains(".commit()"), "{f} commits");
        }
        if f != "src/cmd/charging.rs" && f != "src/desk/batch.rs" {
            assert!(!text.contains("batch::record("), "{f} runs its own loop");
        }
    }
    // Each charging command is set up by the one front and hands its checked rows to
    // the loop through it, in cmd/charging.rs.
    for c in ["register", "card", "certify"] {
        let text = command_source(c);
        assert!(text.contains("Front::open("), "src/cmd/{c}.rs");
        assert!(text.contains("front.charge("), "src/cmd/{c}.rs");
        for own in [
            "Ledger::open",
            "bring_up_to_date",
            "context(common",
            "Spec {",
        ] {
            assert!(!text.contains(own), "src/cmd/{c}.rs sets up {own} itself");
        }
    }
    assert!(source("src/cmd/charging.rs").contains("crate::desk::batch::record("));
    assert!(Path::new(&common::root().join("src/desk/batch.rs")).exists());
}

/// The layers of `src/`, lowest first: a module imports only from layers below its
/// own. The pure core and the file primitives at the bottom; the desk's rules over
/// what is read; storage and drawing over the desk; the run's outputs over those;
/// the command line on top.
const LAYERS: &[&[&str]] = &[
    &["core", "files", "memory"],
    &["input", "typeset", "paths"],
    &["desk"],
    &["docs", "ledger", "keyfile"],
    &["outputs"],
    &["cli"],
    &["cmd"],
];

fn layer_of(top: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&top))
        .unwrap_or_else(|| panic!("src/{top} is in no layer: add it to LAYERS"))
}

/// A file's module path: `src/typeset/page.rs` is `["typeset", "page"]`.
fn module_of(file: &str) -> Vec<String> {
    let rel = file.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments and string literals' first words mattering:
/// only `use` lines and paths in code count, so comments are dropped.
fn code_of(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path a file names: `crate::a::b…` and `super::…` (resolved), each as
/// its segments (which may end in an item's name).
fn paths_named(file: &str, code: &str) -> Vec<Vec<String>> {
    let me = module_of(file);
    let is_mod_rs = file.ends_with("mod.rs");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let at_start = i == 0 || !(word(bytes[i - 1]) || bytes[i - 1] == b':');
        let rest = &code[i..];
        let (base, skip) = if at_start && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if at_start && rest.starts_with("super::") {
            // `super` of a file `a/b.rs` is `a`; of `a/b/mod.rs` (module a::b) it is `a`.
            let mut base = me.clone();
            let mut skip = 0;
            let mut r = rest;
            while r.starts_with("super::") {
                base.pop();
                skip += "super::".len();
                r = &r["super::".len()..];
            }
            let _ = is_mod_rs;
            (base, skip)
        } else {
            i += 1;
            continue;
        };
        let mut path = base;
        let mut j = i + skip;
        loop {
            let start = j;
            while j < bytes.len() && word(bytes[j]) {
                j += 1;
            }
            if start == j {
                // `{a, b}` after `::`: each name a path of its own.
                if j < bytes.len() && bytes[j] == b'{' {
                    let end = code[j..].find('}').map_or(bytes.len(), |e| j + e);
                    for name in code[j + 1..end].split(',') {
                        let name = name.trim().split("::").next().unwrap_or("").trim();
                        if !name.is_empty() && name != "self" {
                            let mut p = path.clone();
                            p.push(name.to_string());
                            out.push(p);
                        }
                    }
                    j = end;
                }
                break;
            }
            path.push(code[start..j].to_string());
            if code[j..].starts_with("::") {
                j += 2;
            } else {
                break;
            }
        }
        if !path.is_empty() {
            out.push(path);
        }
        i = j.max(i + 1);
    }
    out
}

/// The files of `src/` by module path.
fn modules() -> std::collections::BTreeMap<Vec<String>, String> {
    files_under("src")
        .into_iter()
        .filter(|f| f != "src/main.rs" && f != "src/lib.rs")
        .map(|f| (module_of(&f), f))
        .collect()
}

/// The deepest module a path names (a path may end in an item).
fn module_named(
    mods: &std::collections::BTreeMap<Vec<String>, String>,
    path: &[String],
) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| mods.contains_key(p))
}

/// Names a module's file re-exports from its children (`pub use page::Page;`), so that
/// `crate::typeset::Page` counts as the child `typeset::page`.
fn reexports(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in code_of(text).split("\n") {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((child, names)) = rest.split_once("::") else {
            continue;
        };
        if child == "crate" || child == "super" || child == "self" {
            continue;
        }
        let names = names
            .trim_end_matches(';')
            .trim_start_matches('{')
            .trim_end_matches('}');
        for n in names.split(',') {
            let n = n.trim();
            if !n.is_empty() {
                out.push((
                    n.rsplit("::").next().unwrap_or(n).to_string(),
                    child.to_string(),
                ));
            }
        }
    }
    out
}

/// Which module imports which: edges between files, through re-exports to the file
/// that defines the item; none between a module and its own ancestors or descendants
/// (a parent declares its children; a child may use its parent's items).
fn import_graph() -> std::collections::BTreeMap<Vec<String>, std::collections::BTreeSet<Vec<String>>>
{
    let mods = modules();
    let re: std::collections::BTreeMap<Vec<String>, Vec<(String, String)>> = mods
        .iter()
        .map(|(m, f)| (m.clone(), reexports(&source(f))))
        .collect();
    let mut graph = std::collections::BTreeMap::new();
    for (me, file) in &mods {
        let code = code_of(&source(file));
        let mut to = std::collections::BTreeSet::new();
        for path in paths_named(file, &code) {
            let Some(mut target) = module_named(&mods, &path) else {
                continue;
            };
            // `crate::typeset::Page` is `typeset::page`'s, re-exported.
            if let Some(item) = path.get(target.len())
                && let Some((_, child)) = re[&target].iter().find(|(n, _)| n == item)
            {
                let mut c = target.clone();
                c.push(child.clone());
                if mods.contains_key(&c) {
                    target = c;
                }
            }
            let related = target.starts_with(me) || me.starts_with(&target);
            if !related {
                to.insert(target);
            }
        }
        graph.insert(me.clone(), to);
    }
    graph
}

#[test]
fn no_module_imports_a_layer_above_its_own() {
    for (me, to) in import_graph() {
        let mine = layer_of(&me[0]);
        for t in to {
            if t[0] != me[0] {
                assert!(
                    layer_of(&t[0]) < mine,
                    "{} imports {}, a layer above or beside its own",
                    me.join("::"),
                    t.join("::")
                );
            }
        }
    }
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let graph = import_graph();
    // Depth-first search; a grey node met again is a circle.
    fn visit(
        n: &Vec<String>,
        graph: &std::collections::BTreeMap<Vec<String>, std::collections::BTreeSet<Vec<String>>>,
        state: &mut std::collections::BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for t in graph.get(n).into_iter().flatten() {
            match state.get(t) {
                Some(1) => {
                    let from = stack.iter().position(|s| s == t).unwrap();
                    let circle: Vec<String> = stack[from..].iter().map(|s| s.join("::")).collect();
                    panic!(
                        "an import circle: {} -> {}",
                        circle.join(" -> "),
                        t.join("::")
                    );
                }
                Some(_) => {}
                None => visit(t, graph, state, stack),
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
    }
    let mut state = std::collections::BTreeMap::new();
    for n in graph.keys() {
        if !state.contains_key(n) {
            visit(n, &graph, &mut state, &mut Vec::new());
        }
    }
}

#[test]
fn the_checker_sees_a_circle_and_a_layer_above() {
    // The checks above are only as good as the paths they read: a sibling named
    // through `super::`, through a re-export, and in a `{…}` list.
    let p = paths_named(
        "src/typeset/layout.rs",
        "use super::page::Page;\nuse crate::typeset::{Style, MM};\n",
    );
    assert!(
        p.contains(&vec!["typeset".to_string(), "page".into(), "Page".into()]),
        "{p:?}"
    );
    assert!(
        p.contains(&vec!["typeset".to_string(), "Style".into()]),
        "{p:?}"
    );
    let g = import_graph();
    let layout = vec!["typeset".to_string(), "layout".into()];
    assert!(
        g[&layout].contains(&vec!["typeset".to_string(), "page".into()]),
        "{:?}",
        g[&layout]
    );
    assert!(
        g[&vec!["docs".to_string(), "receipt".into()]]
            .iter()
            .any(|t| t[0] == "typeset")
    );
}

#[test]
fn files_hold_one_job_each() {
    for f in files_under("src") {
        let lines = source(&f).lines().count();
        let limit = if f.starts_with("src/cmd/") { 300 } else { 700 };
        assert!(
            lines <= limit,
            "{f} is {lines} lines, over {limit}: split it along its seams"
        );
    }
}

#[test]
fn commands_use_no_renderer_library() {
    for f in files_under("src/cmd") {
        let text = source(&f);
        for lib in ["rust_xlsxwriter", "pdf_writer"] {
            assert!(
                !text.contains(lib),
                "{f} uses {lib}: rendering belongs in outputs or docs"
            );
        }
    }
}
