//! Models from other tools: each importer turns a published format into a Rampart model plus
//! notes on what had no place in it, never silently dropping anything. Formats are detected
//! from the content (`rampart import` without `--from`).
//!
//! Each format's mapping (its kinds, protocols, authentication and so on to Rampart's) is a
//! table of data at the top of its module, documented in the README one table per format.

mod geometry;
pub mod otm;
pub mod threagile;
pub mod threat_dragon;
pub mod tm7;

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::model::{BoundaryKind, Model, id_from_name, is_valid_id};

/// An imported model and what the import could not carry over as is.
#[derive(Debug)]
pub struct Imported {
    pub model: Model,
    /// What was merged, guessed or left out, element by element.
    pub notes: Vec<Note>,
}

/// One remark on an import, about one element of the source (or the whole file when
/// `element` is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The source element's name as the source wrote it.
    pub element: String,
    pub text: String,
    /// A property or element of the source that has no place in the model (what `--strict`
    /// refuses), as opposed to a remark on how something was carried over.
    pub unmapped: bool,
}

impl Note {
    pub(crate) fn unmapped(element: impl Into<String>, text: impl Into<String>) -> Self {
        Note {
            element: element.into(),
            text: text.into(),
            unmapped: true,
        }
    }

    pub(crate) fn info(element: impl Into<String>, text: impl Into<String>) -> Self {
        Note {
            element: element.into(),
            text: text.into(),
            unmapped: false,
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.element.is_empty() {
            write!(f, "{}", self.text)
        } else {
            write!(f, "{}: {}", self.element, self.text)
        }
    }
}

/// The formats Rampart imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Threagile YAML (1.x and 0.9.x, with `includes`).
    Threagile,
    /// OWASP Threat Dragon JSON (v2, and v1).
    ThreatDragon,
    /// Open Threat Model 0.2 (JSON or YAML).
    Otm,
    /// Microsoft Threat Modeling Tool `.tm7` (XML).
    Tm7,
}

impl Format {
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Format::Threagile => "Threagile",
            Format::ThreatDragon => "Threat Dragon",
            Format::Otm => "Open Threat Model",
            Format::Tm7 => "Microsoft Threat Modeling Tool",
        }
    }
}

/// The largest file (and the largest sum of a Threagile model's includes) read.
const MAX_IMPORT_BYTES: u64 = crate::model::MAX_FILE_BYTES;

/// Imports a file's text, in the given format or the one its content shows. Threagile
/// `includes` cannot be followed from text alone; see [`import_file`].
///
/// # Errors
/// The text does not parse (with the line and column) or is not a model of a known format.
pub fn import(text: &str, format: Option<Format>) -> Result<Imported, String> {
    import_from(text, format, None)
}

/// Imports a file, following a Threagile model's `includes` relative to its folder, and heads
/// the model with a comment naming the source and listing what did not map.
///
/// # Errors
/// The file cannot be read, does not parse or is not a known format: one line, starting with
/// the file's name (and the line and column where there is one).
pub fn import_file(path: &Path, format: Option<Format>) -> Result<(Imported, Format), String> {
    let name = path.display().to_string();
    let text = read_text(path).map_err(|e| format!("{name}: {e}"))?;
    let format = match format {
        Some(f) => f,
        None => detect(&text).map_err(|e| format!("{name}:{e}"))?,
    };
    let mut imported =
        import_from(&text, Some(format), path.parent()).map_err(|e| format!("{name}:{e}"))?;
    imported.model.header = header(format, path, &imported.notes);
    Ok((imported, format))
}

pub(crate) fn read_text(path: &Path) -> Result<String, String> {
    let bytes = crate::fsio::read_limited(path, MAX_IMPORT_BYTES, "model file")?;
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
}

fn import_from(
    text: &str,
    format: Option<Format>,
    base: Option<&Path>,
) -> Result<Imported, String> {
    let format = match format {
        Some(f) => f,
        None => detect(text)?,
    };
    match format {
        Format::Tm7 => tm7::import(text),
        Format::ThreatDragon => threat_dragon::import(&parse_json(text)?, text),
        Format::Otm => otm::import(&parse_tree(text)?, text),
        Format::Threagile => threagile::import(parse_yaml(text)?, base, text),
    }
}

/// The format a text is in, from its content.
///
/// # Errors
/// The text parses as none of the formats, or as a document of none of them.
pub fn detect(text: &str) -> Result<Format, String> {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let code = start
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
        .unwrap_or("");
    if code.trim_start().starts_with('(') && start.contains("rampart:") {
        return Err(
            "1:1: this is already a Rampart model: open it (rampart check, rampart open) rather than import it".into(),
        );
    }
    if start.starts_with('<') {
        return if tm7::detect(start) {
            Ok(Format::Tm7)
        } else {
            Err(
                "1:1: XML, but not a Microsoft Threat Modeling Tool model (no <ThreatModel>)"
                    .into(),
            )
        };
    }
    let doc = parse_tree(text)?;
    if threat_dragon::detect(&doc) {
        Ok(Format::ThreatDragon)
    } else if otm::detect(&doc) {
        Ok(Format::Otm)
    } else if threagile::detect(&doc) {
        Ok(Format::Threagile)
    } else {
        Err("1:1: not a model format Rampart imports (Threagile, Threat Dragon, OTM, TM7); give --from".into())
    }
}

/// JSON, with the line and column of a syntax error.
fn parse_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        format!("{}:{}: not valid JSON: {message}", e.line(), e.column())
    })
}

/// YAML (a superset of JSON) into the same tree, with the line and column of a syntax error.
fn parse_yaml(text: &str) -> Result<Value, String> {
    serde_saphyr::from_str::<Value>(text.trim_start_matches('\u{feff}')).map_err(|e| {
        let message = e.to_string();
        let mut first = message.lines().next().unwrap_or("not YAML").trim();
        // The message repeats the position it is given with: keep it once, in front.
        first = first.strip_prefix("error:").unwrap_or(first).trim_start();
        if let Some(rest) = first.strip_prefix("line ")
            && let Some((_, after)) = rest.split_once(": ")
        {
            first = after;
        }
        let first = if first.starts_with("budget breached") {
            "the YAML expands too far (aliases, nesting or size beyond the import's limits)"
                .to_string()
        } else {
            first
                .split(", set DuplicateKeyPolicy")
                .next()
                .unwrap_or(first)
                .to_string()
        };
        match e.location() {
            Some(at) if at.line() > 0 => {
                format!("{}:{}: not valid YAML: {first}", at.line(), at.column())
            }
            _ => format!("1:1: not valid YAML: {first}"),
        }
    })
}

/// A JSON or YAML document: JSON when it opens with a brace (for JSON's exact errors).
fn parse_tree(text: &str) -> Result<Value, String> {
    if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
    {
        parse_json(text)
    } else {
        parse_yaml(text)
    }
}

/// The comment that heads an imported model: where it came from and what did not map.
fn header(format: Format, path: &Path, notes: &[Note]) -> String {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = format!(
        "// Imported from {} ({file}) by rampart import.",
        format.title()
    );
    let unmapped: Vec<&Note> = notes.iter().filter(|n| n.unmapped).collect();
    if unmapped.is_empty() {
        out.push_str("\n// Everything in the source had a place in this model.");
    } else {
        out.push_str("\n// Not mapped (Rampart's format has no place for these):");
        for n in unmapped {
            for (i, line) in n.to_string().lines().enumerate() {
                out.push_str(if i == 0 { "\n//   - " } else { "\n//     " });
                out.push_str(line);
            }
        }
    }
    out
}

// ---- helpers the importers share ----

/// Where the `nth` (0-based) `key: value` pair sits in a YAML or JSON text, as `LINE:COL`
/// (`1:1` when it cannot be found): for errors about an element found after parsing.
pub(crate) fn position_of(text: &str, key: &str, value: &str, nth: usize) -> String {
    let mut seen = 0;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let rest = trimmed
            .strip_prefix(key)
            .or_else(|| trimmed.strip_prefix(&format!("\"{key}\"")));
        let Some(rest) = rest else { continue };
        let Some(v) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let v = v
            .trim()
            .trim_end_matches(',')
            .trim_matches(|c| c == '"' || c == '\'');
        if v == value {
            if seen == nth {
                return format!("{}:{}", i + 1, line.len() - line.trim_start().len() + 1);
            }
            seen += 1;
        }
    }
    "1:1".to_string()
}

/// A string (or a number or boolean written where a string belongs) at `key`.
pub(crate) fn text(v: &Value, key: &str) -> String {
    scalar(v.get(key))
}

pub(crate) fn scalar(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A boolean at `key` (`true`, or the strings "true"/"yes").
pub(crate) fn flag(v: &Value, key: &str) -> bool {
    match v.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_lowercase().as_str(), "true" | "yes"),
        _ => false,
    }
}

/// The strings of a list at `key` (scalars only).
pub(crate) fn list(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| scalar(Some(x)))
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A canvas coordinate kept on the canvas: a hostile file's huge or non-finite numbers would
/// not survive a save.
pub(crate) fn coordinate(v: Option<&Value>) -> Option<f32> {
    let v = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    v.is_finite().then(|| v.clamp(-1.0e6, 1.0e6) as f32)
}

/// Unique, valid ids from names: the same input always gives the same ids.
#[derive(Default)]
pub(crate) struct Ids {
    used: HashSet<String>,
}

impl Ids {
    /// An id from `name` (or `fallback` when the name gives none), made unique with `-2`, `-3`.
    pub(crate) fn take(&mut self, name: &str, fallback: &str) -> String {
        let mut base = id_from_name(name);
        if base.is_empty() || !is_valid_id(&base) {
            base = id_from_name(fallback);
        }
        if base.is_empty() || !is_valid_id(&base) {
            base = "element".to_string();
        }
        let mut id = base.clone();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        id
    }

    /// A flow's id: from its source and its name, or `FROM-to-TO` when it has none.
    pub(crate) fn flow(&mut self, from: &str, to: &str, name: &str) -> String {
        let plain = format!("{from}-to-{to}");
        if name.is_empty() {
            self.take(&plain, &plain)
        } else {
            self.take(&format!("{from} {name}"), &plain)
        }
    }

    /// An id from the source's id when it is a word, from the name when the source's id is a
    /// GUID or number (OTM and TM7 ids usually are).
    pub(crate) fn take_readable(&mut self, source_id: &str, name: &str) -> String {
        let opaque = source_id.is_empty()
            || source_id.chars().filter(char::is_ascii_digit).count() * 3 >= source_id.len()
            || (source_id.len() >= 32
                && source_id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
        if opaque && !name.trim().is_empty() {
            self.take(name, source_id)
        } else {
            self.take(source_id, name)
        }
    }
}

/// Whether `words` (lowercase) say `word`: a token equal to it, a token starting with it when
/// it is five letters or more ("credential" says "credentials"), or, for a hyphenated word,
/// the words containing it.
fn says(words: &str, word: &str) -> bool {
    if word.contains('-') {
        return words.contains(word);
    }
    words
        .split(|c: char| !c.is_alphanumeric())
        .any(|t| t == word || (word.len() >= 5 && t.starts_with(word)))
}

/// The flows an importer has taken, by their ends, so that a flow drawn back against one (its
/// response) or beside one (the same ends again) can be merged into it: Rampart draws one flow
/// per exchange, in the direction of the request.
#[derive(Default)]
pub(crate) struct Exchanges {
    /// (from, to) -> (the flow's label for notes, its id).
    taken: std::collections::HashMap<(String, String), (String, String)>,
}

impl Exchanges {
    /// The request a flow from `from` to `to` answers (a flow taken the other way), as its id
    /// and the note that says the flow was merged into it.
    pub(crate) fn response_of(
        &self,
        model: &Model,
        from: &str,
        to: &str,
        name: &str,
    ) -> Option<(String, Note)> {
        let (label, id) = self.taken.get(&(to.to_string(), from.to_string()))?;
        Some((
            id.clone(),
            Note::info(
                unnamed(name),
                format!(
                    "flow ({} → {}) merged into \"{label}\", its request: Rampart draws one flow per exchange, in the direction of the request",
                    model.element_name(from).unwrap_or(from),
                    model.element_name(to).unwrap_or(to),
                ),
            ),
        ))
    }

    /// A flow taken before between the same ends in the same direction, as its id and the note
    /// that says this one was merged into it.
    pub(crate) fn repeat_of(&self, from: &str, to: &str, name: &str) -> Option<(String, Note)> {
        let (_, id) = self.taken.get(&(from.to_string(), to.to_string()))?;
        Some((
            id.clone(),
            Note::info(
                unnamed(name),
                "flow merged into the flow drawn before it between the same elements",
            ),
        ))
    }

    /// Records a flow the importer took.
    pub(crate) fn take(&mut self, flow: &crate::model::Flow) {
        let label = if flow.name.is_empty() {
            flow.id.clone()
        } else {
            flow.name.clone()
        };
        self.taken.insert(
            (flow.from.clone(), flow.to.clone()),
            (label, flow.id.clone()),
        );
    }
}

/// A source element's name for notes, "(unnamed)" when it has none.
pub(crate) fn unnamed(name: &str) -> &str {
    if name.is_empty() { "(unnamed)" } else { name }
}

/// Words in a boundary's name that say what kind of zone it is, first match wins (so "Public
/// Cloud" is a cloud account and "Public Internet" the internet); formats without boundary
/// kinds (Threat Dragon, TM7) and names that say more than a kind (a Threagile "DMZ" of type
/// network-cloud-security-group) use it.
pub(crate) const BOUNDARY_WORDS: &[(&[&str], BoundaryKind)] = &[
    (
        &["dmz", "demilitarized", "demilitarised", "perimeter", "edge"],
        BoundaryKind::Dmz,
    ),
    (
        &[
            "restricted",
            "database",
            "databases",
            "secure",
            "pci",
            "cde",
            "cardholder",
        ],
        BoundaryKind::RestrictedZone,
    ),
    (
        &["third", "partner", "vendor", "saas"],
        BoundaryKind::ThirdParty,
    ),
    (
        &["kubernetes", "cluster", "namespace", "k8s"],
        BoundaryKind::ClusterNamespace,
    ),
    (
        &[
            "cloud",
            "aws",
            "azure",
            "gcp",
            "account",
            "subscription",
            "vpc",
        ],
        BoundaryKind::CloudAccount,
    ),
    (
        &["internet", "public", "untrusted", "external", "wan"],
        BoundaryKind::Internet,
    ),
    (
        &["device", "browser", "mobile", "client", "endpoint"],
        BoundaryKind::Device,
    ),
];

/// A boundary kind from the words of its name (and description, when given), if they name one.
pub(crate) fn boundary_kind_from_words(name: &str, description: &str) -> Option<BoundaryKind> {
    let words = format!("{name} {description}").to_lowercase();
    BOUNDARY_WORDS
        .iter()
        .find(|(w, _)| w.iter().any(|x| says(&words, x)))
        .map(|(_, k)| *k)
}

/// The regulated scope a boundary's name declares: a cardholder data environment.
pub(crate) fn boundary_scope_from_words(name: &str) -> Vec<crate::model::DataTag> {
    let words = name.to_lowercase();
    if ["pci", "cde", "cardholder"].iter().any(|w| says(&words, w)) {
        vec![crate::model::DataTag::Pci]
    } else {
        Vec::new()
    }
}

/// Data tags from the words of an asset's tags, name and description.
pub(crate) const TAG_WORDS: &[(&[&str], crate::model::DataTag)] = {
    use crate::model::DataTag;
    &[
        (&["pii", "personal", "gdpr", "customer-data"], DataTag::Pii),
        (
            &["phi", "health", "medical", "hipaa", "patient"],
            DataTag::Phi,
        ),
        (
            &["pci", "cardholder", "card-data", "payment-card", "pan"],
            DataTag::Pci,
        ),
        (&["credential", "password", "passwd"], DataTag::Credentials),
        (
            &[
                "secret",
                "secrets",
                "private-key",
                "api-key",
                "apikey",
                "key-material",
            ],
            DataTag::Secret,
        ),
        (
            &["financial", "finance", "billing", "invoice"],
            DataTag::Financial,
        ),
        (
            &[
                "log",
                "logs",
                "logging",
                "telemetry",
                "metrics",
                "audit-trail",
            ],
            DataTag::Telemetry,
        ),
    ]
};

/// The data tags a list of tag words names.
pub(crate) fn tags_from_words(words: &[String]) -> Vec<crate::model::DataTag> {
    let mut out = Vec::new();
    for w in words {
        let w = w.to_lowercase().replace([' ', '_'], "-");
        for (keys, tag) in TAG_WORDS {
            if keys.iter().any(|k| says(&w, k)) && !out.contains(tag) {
                out.push(*tag);
            }
        }
    }
    out
}
