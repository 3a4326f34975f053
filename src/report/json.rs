//! JSON: the public, machine-readable form of an analysis (see DESIGN.md, "CLI contract").

use serde::Serialize;
use serde_json::value::RawValue;

use super::Input;
use crate::analysis::compliance::{FrameworkResult, Verdict};
use crate::analysis::paths::EffectivePrivilege;
use crate::analysis::{Finding, Rule, Severity};

/// One finding as JSON shows it.
#[derive(Serialize)]
pub struct FindingJson<'a> {
    pub id: &'a str,
    pub rule: &'a str,
    pub title: &'a RawValue,
    pub family: &'a str,
    pub severity: Severity,
    pub stride: Vec<&'a str>,
    pub elements: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub path: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub hops: &'a [String],
    pub message: &'a str,
    pub fix: &'a str,
    pub mitigation: &'a RawValue,
    pub compliance: &'a [Box<RawValue>],
    pub status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<&'a str>,
}

impl<'a> FindingJson<'a> {
    /// `text` is the finding's rule's [`RuleText`].
    #[must_use]
    pub fn new(f: &'a Finding, text: &'a RuleText) -> Self {
        let non_empty = |s: &'a str| (!s.is_empty()).then_some(s);
        FindingJson {
            id: &f.id,
            rule: f.rule.id,
            title: &text.title,
            family: f.rule.family.key(),
            severity: f.severity,
            stride: f.rule.stride.iter().map(|s| s.key()).collect(),
            elements: &f.elements,
            path: &f.path,
            hops: &f.hops,
            message: &f.message,
            fix: &f.fix,
            mitigation: &text.mitigation,
            compliance: &text.compliance,
            status: f.status.key(),
            justification: f
                .decision
                .as_ref()
                .and_then(|d| non_empty(&d.justification)),
            owner: f.decision.as_ref().and_then(|d| non_empty(&d.owner)),
            date: f.decision.as_ref().and_then(|d| non_empty(&d.date)),
        }
    }
}

/// A rule's constant text as JSON, escaped once per report rather than once per finding: in a
/// large model a rule has thousands of findings, and its title, mitigation and compliance
/// references are half of their bytes.
pub struct RuleText {
    title: Box<RawValue>,
    mitigation: Box<RawValue>,
    compliance: Vec<Box<RawValue>>,
}

impl RuleText {
    /// # Panics
    /// Never: a string always serializes, to valid JSON.
    #[must_use]
    pub fn new(rule: &Rule) -> Self {
        let raw = |s: &str| {
            RawValue::from_string(serde_json::to_string(s).expect("a string serializes"))
                .expect("serde_json writes valid JSON")
        };
        RuleText {
            title: raw(rule.title),
            mitigation: raw(rule.mitigation),
            compliance: rule.compliance().iter().map(|c| raw(c)).collect(),
        }
    }
}

/// The [`RuleText`] of every rule the findings come from.
fn rule_texts(findings: &[Finding]) -> std::collections::HashMap<&'static str, RuleText> {
    let mut texts = std::collections::HashMap::new();
    for f in findings {
        texts
            .entry(f.rule.id)
            .or_insert_with(|| RuleText::new(f.rule));
    }
    texts
}

/// One rule as `rampart rules --format json` lists it.
#[derive(Serialize)]
pub struct RuleJson<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub family: &'a str,
    pub severity: Severity,
    pub stride: Vec<&'a str>,
    pub explanation: &'a str,
    pub mitigation: &'a str,
    pub compliance: &'a [String],
}

impl<'a> RuleJson<'a> {
    #[must_use]
    pub fn new(r: &'a Rule) -> Self {
        RuleJson {
            id: r.id,
            title: r.title,
            family: r.family.key(),
            severity: r.severity,
            stride: r.stride.iter().map(|s| s.key()).collect(),
            explanation: r.explanation,
            mitigation: r.mitigation,
            compliance: r.compliance(),
        }
    }
}

#[derive(Serialize)]
struct Summary {
    /// Open or in progress (what `--fail-on` counts); the severity counts are of these.
    open: usize,
    /// Accepted, mitigated or false positive.
    resolved: usize,
    /// One sentence: what is open and what reaches high-value data.
    posture: String,
    /// Every finding by status.
    by_status: std::collections::BTreeMap<&'static str, usize>,
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
struct PrivilegeJson<'a> {
    actor: &'a str,
    store: &'a str,
    access: crate::model::Access,
    scoped: bool,
    via: Vec<&'a str>,
}

#[derive(Serialize)]
struct FrameworkJson<'a> {
    id: &'a str,
    name: &'a str,
    scope_reason: &'a str,
    requirements: Vec<RequirementJson<'a>>,
}

#[derive(Serialize)]
struct RequirementJson<'a> {
    id: &'a str,
    title: &'a str,
    verdict: Verdict,
    rules: &'a [String],
    /// Live checks that would test it but did not run (no verification merged).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    not_run: &'a [String],
    findings: Vec<&'a str>,
}

fn framework_json<'a>(fw: &'a FrameworkResult, findings: &'a [Finding]) -> FrameworkJson<'a> {
    FrameworkJson {
        id: &fw.id,
        name: &fw.name,
        scope_reason: &fw.scope_reason,
        requirements: fw
            .requirements
            .iter()
            .map(|r| RequirementJson {
                id: &r.id,
                title: &r.title,
                verdict: r.verdict,
                rules: &r.rules,
                not_run: &r.not_run,
                findings: r
                    .findings
                    .iter()
                    .filter_map(|i| findings.get(*i))
                    .map(|f| f.id.as_str())
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct ModelInfo<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    nodes: usize,
    flows: usize,
    boundaries: usize,
    assets: usize,
}

/// The whole analysis as pretty JSON.
///
/// # Panics
/// Never: every type here serializes.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    render_with(input, None)
}

/// The analysis as pretty JSON, with the verification its drift findings came from.
///
/// # Panics
/// Never: every type here serializes.
#[must_use]
pub fn render_with(
    input: &Input<'_>,
    verification: Option<&crate::verify::Verification>,
) -> String {
    let mut out = Vec::new();
    write_with(&mut out, input, verification).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The analysis as pretty JSON, byte for byte what `serde_json::to_writer_pretty` writes for
/// the whole report.
///
/// A 10,000-node model's report is about 100 MB: its sections are rendered on two threads. The
/// findings, attack paths and effective privileges (two thirds of it) need nothing from the
/// view, so a second thread renders them while this one builds the view, renders the summary
/// and the fix-first list, writes them, and renders the rest; then the sections are written in
/// order.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_with(
    out: &mut impl std::io::Write,
    input: &Input<'_>,
    verification: Option<&crate::verify::Verification>,
) -> std::io::Result<()> {
    let a = input.analysis;
    let m = input.model;
    let mut lead: &[u8] = b"\n";
    let (second, last) = std::thread::scope(|s| -> std::io::Result<_> {
        let second = s.spawn(|| {
            let texts = rule_texts(&a.findings);
            Sections::default()
                .add(
                    "findings",
                    &Seq(|| {
                        a.findings
                            .iter()
                            .map(|f| FindingJson::new(f, &texts[f.rule.id]))
                    }),
                )
                .add("attack_paths", &a.attack_paths)
                .add(
                    "effective_privileges",
                    &Seq(|| {
                        a.privileges
                            .iter()
                            .map(|p: &EffectivePrivilege| PrivilegeJson {
                                actor: p.actor_id(m),
                                store: p.store_id(m),
                                access: p.access,
                                scoped: p.scoped,
                                via: p.via_ids(m),
                            })
                    }),
                )
        });
        let view = super::view::View::new(input);
        let count = |s: Severity| view.open_count(s);
        let summary = Summary {
            open: view.open_total,
            resolved: a.findings.len() - view.open_total,
            posture: view.posture.clone(),
            by_status: view.statuses.iter().map(|(s, n)| (s.key(), *n)).collect(),
            critical: count(Severity::Critical),
            high: count(Severity::High),
            medium: count(Severity::Medium),
            low: count(Severity::Low),
            info: count(Severity::Info),
        };
        let first = Sections::default()
            .add(
                "tool",
                &Tool {
                    name: "rampart",
                    version: env!("CARGO_PKG_VERSION"),
                },
            )
            .add(
                "model",
                &ModelInfo {
                    name: &m.name,
                    file: input.file,
                    nodes: m.node_count(),
                    flows: m.flow_count(),
                    boundaries: m.boundaries.len(),
                    assets: m.assets.len(),
                },
            )
            .add("summary", &summary)
            // Open findings grouped by the change that clears them, worst first.
            .add("fix_first", &view.fix_first);
        out.write_all(b"{")?;
        first.write(out, &mut lead)?;
        drop(first);
        let last = Sections::default()
            .add("blast_radius", &a.blast_radius)
            .add(
                "compliance",
                &Seq(|| {
                    a.compliance
                        .iter()
                        .map(|fw| framework_json(fw, &a.findings))
                }),
            );
        // The verification merged into the findings (`rampart verify`), when there is one.
        let last = match verification {
            Some(v) => last.add("verification", v),
            None => last,
        };
        let second = second
            .join()
            .map_err(|_| std::io::Error::other("rendering the findings failed"))?;
        Ok((second, last))
    })?;
    second.write(out, &mut lead)?;
    last.write(out, &mut lead)?;
    out.write_all(b"\n}\n")
}

/// A sequence serialized straight from an iterator (no vector of borrowed rows in between).
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// Top-level members of the report, each rendered as `to_writer_pretty` renders it one level
/// deep, and the first error (none in practice: every type here serializes, into memory).
#[derive(Default)]
struct Sections {
    parts: Vec<(&'static str, Vec<u8>)>,
    error: Option<serde_json::Error>,
}

impl Sections {
    fn add(mut self, key: &'static str, value: &impl Serialize) -> Self {
        let mut body = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut body, Nested::default());
        match value.serialize(&mut ser) {
            Ok(()) => self.parts.push((key, body)),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Writes `,\n  "key": value` for each member (`lead` says what comes before the first: the
    /// object's opening newline, then a comma), or the first error rendering them met.
    fn write(&self, out: &mut impl std::io::Write, lead: &mut &[u8]) -> std::io::Result<()> {
        if let Some(e) = &self.error {
            return Err(std::io::Error::other(e.to_string()));
        }
        for (key, body) in &self.parts {
            for chunk in [*lead, b"  \"", key.as_bytes(), b"\": ", body.as_slice()] {
                out.write_all(chunk)?;
            }
            *lead = b",\n";
        }
        Ok(())
    }
}

/// serde_json's pretty format (two-space indent) for a value nested one level deep.
struct Nested {
    level: usize,
    has_value: bool,
}

impl Default for Nested {
    fn default() -> Self {
        Nested {
            level: 1,
            has_value: false,
        }
    }
}

impl Nested {
    fn open(
        &mut self,
        w: &mut (impl std::io::Write + ?Sized),
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close(
        &mut self,
        w: &mut (impl std::io::Write + ?Sized),
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w, b"\n")?;
        }
        w.write_all(bracket)
    }

    fn newline(&self, w: &mut (impl std::io::Write + ?Sized), lead: &[u8]) -> std::io::Result<()> {
        const SPACES: &[u8] = b"                                ";
        w.write_all(lead)?;
        let mut left = 2 * self.level;
        while left > 0 {
            let n = left.min(SPACES.len());
            w.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline(w, if first { b"\n" } else { b",\n" })
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline(w, if first { b"\n" } else { b",\n" })
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}
