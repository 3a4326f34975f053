//! JSON: the public, machine-readable form of an analysis (see DESIGN.md, "CLI contract").

use serde::Serialize;

use super::Input;
use crate::analysis::compliance::{FrameworkResult, Verdict};
use crate::analysis::paths::{AttackPath, BlastRadius, EffectivePrivilege};
use crate::analysis::{Finding, Rule, Severity};

/// One finding as JSON shows it.
#[derive(Serialize)]
pub struct FindingJson<'a> {
    pub id: &'a str,
    pub rule: &'a str,
    pub title: &'a str,
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
    pub mitigation: &'a str,
    pub compliance: &'a [String],
    pub status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<&'a str>,
}

impl<'a> FindingJson<'a> {
    #[must_use]
    pub fn new(f: &'a Finding) -> Self {
        let non_empty = |s: &'a str| (!s.is_empty()).then_some(s);
        FindingJson {
            id: &f.id,
            rule: f.rule.id,
            title: f.rule.title,
            family: f.rule.family.key(),
            severity: f.severity,
            stride: f.rule.stride.iter().map(|s| s.key()).collect(),
            elements: &f.elements,
            path: &f.path,
            hops: &f.hops,
            message: &f.message,
            fix: &f.fix,
            mitigation: f.rule.mitigation,
            compliance: f.rule.compliance(),
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
struct Report<'a> {
    tool: Tool,
    model: ModelInfo<'a>,
    summary: Summary,
    /// Open findings grouped by the change that clears them, worst first.
    fix_first: &'a [super::view::FixGroup],
    findings: Vec<FindingJson<'a>>,
    attack_paths: &'a [AttackPath],
    effective_privileges: Vec<PrivilegeJson<'a>>,
    blast_radius: &'a [BlastRadius],
    compliance: Vec<FrameworkJson<'a>>,
    /// The verification merged into the findings (`rampart verify`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a crate::verify::Verification>,
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

/// The analysis as pretty JSON, written as it is produced (a 10,000-node model's report is
/// about 100 MB: no copy of it is held in memory).
///
/// # Errors
/// Writing to `out` failed.
pub fn write_with(
    out: &mut impl std::io::Write,
    input: &Input<'_>,
    verification: Option<&crate::verify::Verification>,
) -> std::io::Result<()> {
    let a = input.analysis;
    let view = super::view::View::new(input);
    let count = |s: Severity| view.open_count(s);
    let report = Report {
        tool: Tool {
            name: "rampart",
            version: env!("CARGO_PKG_VERSION"),
        },
        model: ModelInfo {
            name: &input.model.name,
            file: input.file,
            nodes: input.model.node_count(),
            flows: input.model.flow_count(),
            boundaries: input.model.boundaries.len(),
            assets: input.model.assets.len(),
        },
        summary: Summary {
            open: view.open_total,
            resolved: a.findings.len() - view.open_total,
            posture: view.posture.clone(),
            by_status: view.statuses.iter().map(|(s, n)| (s.key(), *n)).collect(),
            critical: count(Severity::Critical),
            high: count(Severity::High),
            medium: count(Severity::Medium),
            low: count(Severity::Low),
            info: count(Severity::Info),
        },
        fix_first: &view.fix_first,
        findings: a.findings.iter().map(FindingJson::new).collect(),
        attack_paths: &a.attack_paths,
        effective_privileges: a
            .privileges
            .iter()
            .map(|p: &EffectivePrivilege| PrivilegeJson {
                actor: p.actor_id(input.model),
                store: p.store_id(input.model),
                access: p.access,
                scoped: p.scoped,
                via: p.via_ids(input.model),
            })
            .collect(),
        blast_radius: &a.blast_radius,
        compliance: a
            .compliance
            .iter()
            .map(|fw| framework_json(fw, &a.findings))
            .collect(),
        verification,
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
