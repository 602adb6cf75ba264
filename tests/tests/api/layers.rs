//! The layers the design keeps, checked where the compiler cannot: no function crate
//! spells a DynamoDB expression, a key or an attribute value by hand (the store
//! builds them from typed keys and field constants), and the library's crates keep
//! their dependencies pointing down (store: no HTTP; domain: no web framework glue).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The string literals of a line of code (one-line literals; comments skipped).
fn literals(line: &str) -> Vec<String> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut escaped = false;
    for c in code.chars() {
        match &mut current {
            Some(s) if escaped => {
                s.push(c);
                escaped = false;
            }
            Some(_) if c == '\\' => escaped = true,
            Some(s) if c != '"' => s.push(c),
            Some(_) => out.push(current.take().unwrap_or_default()),
            None if c == '"' => current = Some(String::new()),
            None => {}
        }
    }
    out
}

/// What a DynamoDB expression or a stored key looks like inside a literal.
fn spells_storage(lit: &str) -> Option<&'static str> {
    const WORDS: [&str; 7] = [
        "attribute_exists",
        "attribute_not_exists",
        "begins_with(",
        "SET #",
        "ADD #",
        "REMOVE #",
        "DELETE #",
    ];
    if let Some(w) = WORDS.iter().find(|w| lit.contains(*w)) {
        return Some(w);
    }
    let placeholder = |sigil: char| {
        lit.split(sigil)
            .skip(1)
            .any(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()))
    };
    if placeholder('#') && placeholder(':') && lit.contains(" = ") {
        return Some("a condition over #names and :values");
    }
    let head: String = lit.chars().take_while(|c| *c != '#').collect();
    if lit.contains('#')
        && !head.is_empty()
        && head.chars().all(|c| c.is_ascii_uppercase() || c == '_')
    {
        return Some("a key prefix (keys.rs builds every key)");
    }
    None
}

#[test]
fn function_crates_spell_no_expression_key_or_attribute_value() {
    let mut files = Vec::new();
    rust_files(&root().join("functions"), &mut files);
    assert!(files.len() > 50, "the function crates' sources are found");
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("a source file");
        for (n, line) in text.lines().enumerate() {
            let at = || {
                format!(
                    "{}:{}",
                    f.strip_prefix(root()).unwrap_or(f).display(),
                    n + 1
                )
            };
            if !line.trim_start().starts_with("//") {
                for banned in ["AttributeValue", "Field::new(", "Field::ENTITY"] {
                    if line.contains(banned) {
                        found.push(format!("{}: {banned}", at()));
                    }
                }
            }
            for lit in literals(line) {
                if let Some(what) = spells_storage(&lit) {
                    found.push(format!("{}: {what} in {lit:?}", at()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "storage spelled by hand:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert!(spells_storage("ADD #lessonCount :one").is_some());
    assert!(spells_storage("#status = :pending").is_some());
    assert!(spells_storage("attribute_not_exists(pk)").is_some());
    assert!(spells_storage("AUDIT#").is_some());
    assert!(spells_storage("A module holds at most 50 lessons").is_none());
    assert!(spells_storage("#error=1").is_none());
    assert_eq!(
        literals(r#"tx.update(&k, "SET #a = :a", x) // "not this""#),
        vec!["SET #a = :a".to_string(), "not this".to_string()]
    );
}

/// The crates' manifests: each layer depends only on those below it.
#[test]
fn lower_layers_do_not_depend_on_upper_ones() {
    let deps = |crate_dir: &str| -> Vec<String> {
        let manifest =
            std::fs::read_to_string(root().join(crate_dir).join("Cargo.toml")).expect("manifest");
        let table: toml_like::Deps = toml_like::dependencies(&manifest);
        table.0
    };
    let store = deps("shared/store");
    for web in [
        "axum",
        "lambda_http",
        "http",
        "tower-http",
        "utoipa-axum",
        "campus",
        "campus-domain",
    ] {
        assert!(
            !store.iter().any(|d| d == web),
            "the store depends on {web}"
        );
    }
    let domain = deps("shared/domain");
    for web in ["lambda_http", "tower-http", "utoipa-axum", "campus"] {
        assert!(
            !domain.iter().any(|d| d == web),
            "the domain depends on {web}"
        );
    }
    assert!(domain.iter().any(|d| d == "campus-store"));
}

/// Just enough of a manifest: the names under `[dependencies]`.
mod toml_like {
    pub struct Deps(pub Vec<String>);

    pub fn dependencies(manifest: &str) -> Deps {
        let mut out = Vec::new();
        let mut inside = false;
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                inside = line == "[dependencies]";
            } else if inside && !line.is_empty() && !line.starts_with('#') {
                out.extend(line.split(['.', '=', ' ']).next().map(str::to_string));
            }
        }
        Deps(out)
    }
}
