//! `.woodpecker.yml` against Woodpecker's own JSON schema.
//!
//! The schema is the one Woodpecker's linter uses, copied into the repository
//! at `tests/data/woodpecker.schema.json` (from woodpecker-ci/woodpecker,
//! Apache-2.0; origin and commit in `tests/data/README.md`) so that the test
//! needs nothing outside the checkout. The check runs in Python with
//! the PyPI packages `jsonschema` and `PyYAML` (Debian: python3-jsonschema,
//! python3-yaml); without them, or without the schema, these tests fail and
//! say what is missing rather than passing unchecked.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Validates the YAML file argv[1] against the JSON schema argv[2] and
/// prints every violation. Exit 3: a package is missing.
const VALIDATOR: &str = r#"
import json, sys
try:
    import jsonschema
    import yaml
except ImportError as error:
    print(f"missing Python package: {error.name}", file=sys.stderr)
    sys.exit(3)
pipeline_path, schema_path = sys.argv[1], sys.argv[2]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
with open(pipeline_path, encoding="utf-8") as f:
    pipeline = yaml.safe_load(f)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(pipeline), key=lambda e: list(map(str, e.absolute_path)))
def leaves(error):
    # oneOf/anyOf failures hold the real reasons in their context.
    if not error.context:
        yield error
    for sub in error.context or []:
        yield from leaves(sub)
seen = set()
for e in errors:
    for leaf in leaves(e):
        where = "/".join(map(str, leaf.absolute_path)) or "(top level)"
        message = leaf.message if len(leaf.message) <= 160 else leaf.message[:157] + "..."
        if (where, message) not in seen:
            seen.add((where, message))
            print(f"{where}: {message}", file=sys.stderr)
if errors:
    print(f"{len(errors)} schema violation(s) in {pipeline_path}", file=sys.stderr)
    sys.exit(1)
print(f"{pipeline_path} is valid")
"#;

const INSTALL_HINT: &str =
    "install them with `apt-get install -y python3 python3-jsonschema python3-yaml` \
     or `python3 -m pip install jsonschema PyYAML`";

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The in-repository copy; its absence is a failure, not a skip.
fn schema() -> PathBuf {
    let path = crate_root().join("tests/data/woodpecker.schema.json");
    assert!(
        path.is_file(),
        "Woodpecker's schema is missing at {}",
        path.display()
    );
    path
}

/// Debian's own Python, which has the Debian packages the hint names; a
/// `python3` earlier in PATH (pyenv, a venv) may not.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// Runs the validator; Ok(stdout) when valid, Err(stderr) when not.
fn validate(pipeline: &Path) -> Result<String, String> {
    let output = Command::new(python())
        .arg("-c")
        .arg(VALIDATOR)
        .arg(pipeline)
        .arg(schema())
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run python3 ({error}); the schema check needs Python 3 with jsonschema and PyYAML: {INSTALL_HINT}")
        });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(0) => Ok(stdout),
        Some(3) => panic!(
            "{} — the schema check needs jsonschema and PyYAML: {INSTALL_HINT}",
            stderr.trim()
        ),
        _ => Err(stderr),
    }
}

#[test]
fn the_pipeline_validates_against_woodpeckers_schema() {
    let pipeline = crate_root().join(".woodpecker.yml");
    assert!(pipeline.is_file(), "{} is missing", pipeline.display());
    if let Err(errors) = validate(&pipeline) {
        panic!(".woodpecker.yml does not validate against Woodpecker's schema:\n{errors}");
    }
}

/// The check is live: a step with a key Woodpecker does not know fails.
#[test]
fn an_invalid_pipeline_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("bad.yml");
    std::fs::write(
        &pipeline,
        "steps:\n  build:\n    image: rust\n    commands: [cargo build]\n    secrets: [token]\n    when:\n      event: nightly\n",
    )
    .unwrap();
    match validate(&pipeline) {
        Ok(stdout) => panic!("an invalid pipeline passed the schema check: {stdout}"),
        Err(errors) => assert!(
            errors.contains("schema violation") && errors.contains("steps/build"),
            "unexpected validator output:\n{errors}"
        ),
    }
}
