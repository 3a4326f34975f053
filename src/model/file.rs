//! Model files: the RON schema, loading with `FILE:LINE:COL` diagnostics, and atomic,
//! deterministic saving.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Model;
use super::source::{Position, SourceMap};
use super::types::{Boundary, DataAsset, Flow, Layout, Node, Review, RiskDecision, Runtime};
use super::validate::{Problem, validate};
use crate::vocab::vocabulary;

/// The schema version this build writes (`rampart: 2` at the top of a file). Version 1 files
/// (before out-of-scope elements, local flows, CIA ratings, per-flow authorization, network
/// controls, WAF and human roles) read as version 2 unchanged: every version 2 property is
/// optional, with the version 1 meaning as its default. A save writes version 2.
pub const SCHEMA_VERSION: u32 = 2;
/// The oldest schema version this build reads.
pub const OLDEST_SCHEMA_VERSION: u32 = 1;

/// Files larger than this are refused before parsing (a 10,000-node model is about 6 MB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

vocabulary! {
    /// Compliance frameworks a model can put in scope explicitly.
    pub enum Framework {
        Asvs = "asvs", "OWASP ASVS 5.0",
        PciDss = "pci_dss", "PCI DSS 4.0.1",
        Hipaa = "hipaa", "HIPAA Security Rule",
        Gdpr = "gdpr", "GDPR Art. 25, 28, 32",
        Nist = "nist_800_53", "NIST SP 800-53 r5",
    }
}

/// A model file exactly as written: the public, hand-editable format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Schema version.
    pub rampart: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub author: String,
    /// Classification, version, reviewers, assumptions and what is out of scope.
    #[serde(default, skip_serializing_if = "Review::is_empty")]
    pub review: Review,
    /// Frameworks in scope regardless of the data the model holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frameworks: Vec<Framework>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<DataAsset>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boundaries: Vec<Boundary>,
    /// Hosts, VMs, clusters and serverless platforms that nodes share.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtimes: Vec<Runtime>,
    /// Boxed, here and in the model's graph: a node or flow is allocated once while parsing
    /// and moved into the graph as a pointer, so a large model is not held twice on load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<Box<Node>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Box<Flow>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<RiskDecision>,
    #[serde(default, skip_serializing_if = "Layout::is_empty")]
    pub layout: Layout,
    /// The `//` comment lines at the top of the file (before the opening parenthesis), kept
    /// verbatim when the model is saved; see [`header_comment`].
    #[serde(skip)]
    pub header: String,
}

/// The block of `//` comment lines (and blank lines between them) that opens a model file,
/// without trailing blank lines. Comments elsewhere are not kept by a save.
#[must_use]
pub fn header_comment(text: &str) -> String {
    let mut end = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("//") {
            end = offset + line.len();
        } else if !trimmed.is_empty() {
            break;
        }
        offset += line.len();
    }
    text[..end]
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One problem in a file, with its position when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; 0 when the problem has no position (the file could not be read at all).
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.col, self.message
            )
        }
    }
}

/// Why a model could not be loaded: one or more diagnostics, one line each.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", display_all(.diagnostics))]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

fn display_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl LoadError {
    fn single(file: &str, pos: Option<Position>, message: impl Into<String>) -> Self {
        let pos = pos.unwrap_or_default();
        LoadError {
            diagnostics: vec![Diagnostic {
                file: file.to_string(),
                line: pos.line,
                col: pos.col,
                message: message.into(),
            }],
        }
    }
}

/// Why a model could not be saved. The previous file is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{path}: cannot write: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: refusing to save: the model has problems:\n{problems}")]
    Invalid { path: String, problems: String },
    #[error("{path}: refusing to save: the written file did not read back as written")]
    ReadBack { path: String },
}

/// A model loaded from text. The text is kept so that positions of elements can be found
/// when needed (SARIF), without paying for it on every load.
pub struct Loaded {
    pub model: Model,
    /// The file's schema version when it was older than [`SCHEMA_VERSION`] (it was read as
    /// the current version; a save writes that).
    pub upgraded_from: Option<u32>,
    text: String,
}

impl Loaded {
    /// Where each element sits in the text it was loaded from.
    #[must_use]
    pub fn source_map(&self) -> SourceMap {
        SourceMap::scan(&self.text)
    }
}

fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(64)
}

/// Parses model text. `file` is only used in diagnostics.
///
/// # Errors
/// Syntax, type and reference problems, every one found, each with line and column.
pub fn parse(text: &str, file: &str) -> Result<Loaded, LoadError> {
    parse_owned(text.to_string(), file)
}

fn parse_owned(mut owned: String, file: &str) -> Result<Loaded, LoadError> {
    if owned.starts_with('\u{feff}') {
        owned.drain(..'\u{feff}'.len_utf8());
    }
    let text = owned.as_str();
    if text.trim().is_empty() {
        return Err(LoadError::single(
            file,
            Some(Position { line: 1, col: 1 }),
            "the file is empty; a model starts with `(rampart: 2, name: \"...\", ...)`",
        ));
    }
    if text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with("//")
    }) {
        return Err(LoadError::single(
            file,
            Some(Position {
                line: u32::try_from(text.lines().count().max(1)).unwrap_or(u32::MAX),
                col: 1,
            }),
            "the file holds only comments and no model (is the file truncated?)",
        ));
    }
    // A large file parses on two threads; when that gives nothing (an error in either piece,
    // or an unusual file), the whole text parses on one, which also words the error.
    let split = super::split::parse(text, &ron_options(), super::split::MIN_TAIL_BYTES);
    let mut parsed: ModelFile = match split {
        Some(parsed) => Ok(parsed),
        None => ron_options().from_str(text),
    }
    .map_err(|e| {
        let pos = skip_whitespace(text, ron_position(&e));
        let mut message = describe_ron_error(&e.code);
        if e.code != ron::Error::Eof && at_end(text, pos) {
            message = format!("unexpected end of file (is the file truncated?): {message}");
        }
        LoadError::single(file, Some(pos), message)
    })?;
    parsed.header = header_comment(text);
    let problems = validate(&parsed);
    if !problems.is_empty() {
        let source = SourceMap::scan(text);
        return Err(LoadError {
            diagnostics: problems.iter().map(|p| locate(p, &source, file)).collect(),
        });
    }
    let upgraded_from = (parsed.rampart < SCHEMA_VERSION).then_some(parsed.rampart);
    Ok(Loaded {
        model: Model::from_valid_file(parsed),
        upgraded_from,
        text: owned,
    })
}

/// Moves a position forward over whitespace, so it points at the offending token.
fn skip_whitespace(text: &str, mut pos: Position) -> Position {
    let Some(line) = text.lines().nth(pos.line.saturating_sub(1) as usize) else {
        return pos;
    };
    let skip = pos.col.saturating_sub(1) as usize;
    let ahead = line
        .chars()
        .skip(skip)
        .take_while(|c| c.is_whitespace())
        .count();
    if skip + ahead < line.chars().count() {
        pos.col += u32::try_from(ahead).unwrap_or(0);
    }
    pos
}

/// Whether the text ends at `pos` (1-based line and column in characters), give or take the
/// token there: the sign of a truncated file.
fn at_end(text: &str, pos: Position) -> bool {
    let Some(line_start) = text
        .split_inclusive('\n')
        .take(pos.line.saturating_sub(1) as usize)
        .map(str::len)
        .reduce(|a, b| a + b)
        .or(Some(0))
    else {
        return false;
    };
    let rest = &text[line_start.min(text.len())..];
    let skip: usize = rest
        .chars()
        .take(pos.col.saturating_sub(1) as usize)
        .map(char::len_utf8)
        .sum();
    // Truncated when nothing, or only the (cut-off) offending token, follows.
    let rest = rest[skip..].trim();
    rest.len() < 200
        && rest
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\''))
}

fn locate(problem: &Problem, source: &SourceMap, file: &str) -> Diagnostic {
    let pos = source.locate(&problem.segs());
    Diagnostic {
        file: file.to_string(),
        line: pos.line,
        col: pos.col,
        message: problem.message.clone(),
    }
}

fn ron_position(e: &ron::error::SpannedError) -> Position {
    let p = e.span.start;
    Position {
        line: u32::try_from(p.line.max(1)).unwrap_or(u32::MAX),
        col: u32::try_from(p.col.max(1)).unwrap_or(u32::MAX),
    }
}

/// Turns `ron`'s error into a sentence for people who write model files.
fn describe_ron_error(code: &ron::Error) -> String {
    use ron::Error as E;
    let one_of = |names: &[&str]| {
        if names.is_empty() {
            "none are allowed here".to_string()
        } else {
            format!("expected one of: {}", names.join(", "))
        }
    };
    match code {
        E::NoSuchStructField {
            expected, found, ..
        } => format!(
            "unknown field `{}`; {}",
            crate::text::shorten(found, 80),
            one_of(expected)
        ),
        E::NoSuchEnumVariant {
            expected, found, ..
        } => format!(
            "unknown value `{}`; {}",
            crate::text::shorten(found, 80),
            one_of(expected)
        ),
        E::MissingStructField { field, outer } => match outer.as_deref() {
            Some("ModelFile") if *field == "rampart" => {
                "not a Rampart model: missing the schema version `rampart: 2`".to_string()
            }
            Some(outer) => format!("missing field `{field}` in {}", friendly(outer)),
            None => format!("missing field `{field}`"),
        },
        E::DuplicateStructField { field, .. } => format!("field `{field}` is given twice"),
        E::InvalidValueForType { expected, found } => format!(
            "expected {expected}, found {}",
            crate::text::shorten(&found.clone(), 80)
        ),
        E::Eof => "unexpected end of file (is the file truncated?)".to_string(),
        E::ExpectedStringEnd => "unterminated string: a closing `\"` is missing".to_string(),
        E::ExpectedNamedStructLike(name) => format!("expected `(` to open {}", friendly(name)),
        E::Utf8Error(_) => "the file is not valid UTF-8 text".to_string(),
        E::ExceededRecursionLimit => "values are nested too deeply".to_string(),
        other => {
            let text = crate::text::shorten(&other.to_string(), 200);
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

fn friendly(type_name: &str) -> &str {
    match type_name {
        "ModelFile" => "the model",
        "DataAsset" => "a data asset",
        "Boundary" => "a boundary",
        "Node" => "a node",
        "Flow" => "a flow",
        "RiskDecision" => "a risk decision",
        "Grant" => "a grant",
        "Endpoint" => "an endpoint",
        other => other,
    }
}

/// Reads and parses a model file.
///
/// # Errors
/// A one-line diagnostic for unreadable files (missing, a directory, too large, not UTF-8),
/// or every problem in the text.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let name = path.display().to_string();
    let bytes = read_limited(path).map_err(|message| LoadError::single(&name, None, message))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = &bytes[..e.utf8_error().valid_up_to()];
            // `valid_up_to` ends on a character boundary, so this decodes without loss.
            let prefix = String::from_utf8_lossy(valid);
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(LoadError::single(
                &name,
                Some(Position {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    col: u32::try_from(col).unwrap_or(u32::MAX),
                }),
                "the file is not UTF-8 text (is it a model file?)",
            ));
        }
    };
    parse_owned(text, &name)
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    crate::fsio::read_limited(path, MAX_FILE_BYTES, "model file")
}

/// The canonical text of a model: same model, same bytes.
///
/// # Panics
/// Never in practice: every model type serializes to RON.
#[must_use]
pub fn to_text(model: &Model) -> String {
    file_text(&model.to_file())
}

fn file_text(file: &ModelFile) -> String {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(3)
        .escape_strings(false)
        .indentor("  ".to_string())
        .struct_names(false)
        .extensions(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut text = String::new();
    if !file.header.is_empty() {
        text.push_str(&file.header);
        text.push('\n');
    }
    text.push_str(
        &ron_options()
            .to_string_pretty(file, config)
            .expect("model types always serialize"),
    );
    text.push('\n');
    text
}

/// Saves atomically: validates the model, writes a temporary file beside `path`, flushes it to
/// disk, reads it back and checks it holds exactly the bytes meant, then renames it over `path`.
/// (That the canonical text parses back to the same model is a property of [`to_text`], checked
/// by the round-trip and property tests rather than on every save.)
///
/// # Errors
/// The model has problems, or any step of writing fails; `path` is then untouched.
pub fn save(model: &Model, path: &Path) -> Result<(), SaveError> {
    let name = path.display().to_string();
    let file = model.to_file();
    let problems = validate(&file);
    if !problems.is_empty() {
        return Err(SaveError::Invalid {
            path: name,
            problems: problems
                .iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    let text = file_text(&file);
    drop(file);
    crate::fsio::write_atomic(path, text.as_bytes(), true).map_err(|source| {
        if source.to_string().contains("read back") {
            SaveError::ReadBack { path: name.clone() }
        } else {
            SaveError::Io {
                path: name.clone(),
                source,
            }
        }
    })
}
