//! Compliance mapping. Frameworks are data (`assets/compliance/*.ron`): each requirement names
//! the rules that test it. A framework is in scope when the model holds its data (pci, phi,
//! pii) or declares it; each of its requirements is then met, a gap (with the open findings), or
//! not assessed (no rule can judge it from a diagram).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::Finding;
use crate::model::{DataTag, Framework, Model};

/// A framework as its data file declares it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkDef {
    /// Prefix of references, e.g. `PCI-DSS-4.0.1`.
    pub id: String,
    pub framework: Framework,
    pub name: String,
    /// Data tags that bring the framework into scope.
    pub scope: Vec<DataTag>,
    pub requirements: Vec<RequirementDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementDef {
    pub id: String,
    pub title: String,
    pub rules: Vec<String>,
}

const SOURCES: &[(&str, &str)] = &[
    (
        "asvs-5.0.ron",
        include_str!("../../assets/compliance/asvs-5.0.ron"),
    ),
    (
        "pci-dss-4.0.1.ron",
        include_str!("../../assets/compliance/pci-dss-4.0.1.ron"),
    ),
    (
        "hipaa-security-rule.ron",
        include_str!("../../assets/compliance/hipaa-security-rule.ron"),
    ),
    ("gdpr.ron", include_str!("../../assets/compliance/gdpr.ron")),
    (
        "nist-800-53r5.ron",
        include_str!("../../assets/compliance/nist-800-53r5.ron"),
    ),
];

/// Every framework, in a fixed order.
///
/// # Panics
/// If a bundled framework file does not parse (a test guards this).
pub fn frameworks() -> &'static [FrameworkDef] {
    static FRAMEWORKS: OnceLock<Vec<FrameworkDef>> = OnceLock::new();
    FRAMEWORKS.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(name, text)| {
                ron::from_str(text).unwrap_or_else(|e| panic!("assets/compliance/{name}: {e}"))
            })
            .collect()
    })
}

/// References like `PCI-DSS-4.0:8.4.2` for a rule, sorted.
pub fn references_for(rule: &str) -> &'static [String] {
    static INDEX: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index: HashMap<String, Vec<String>> = HashMap::new();
        for fw in frameworks() {
            for req in &fw.requirements {
                for r in &req.rules {
                    index
                        .entry(r.clone())
                        .or_default()
                        .push(format!("{}:{}", fw.id, req.id));
                }
            }
        }
        for refs in index.values_mut() {
            refs.sort();
            refs.dedup();
        }
        index
    });
    index.get(rule).map_or(&[], Vec::as_slice)
}

/// The verdict on one requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Rules test it and none has an open finding.
    Met,
    /// Open findings from its rules.
    Gap,
    /// No rule can judge it from the model.
    NotAssessed,
}

impl Verdict {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Gap => "gap",
            Verdict::NotAssessed => "not assessed",
        }
    }
}

#[derive(Clone, Debug)]
pub struct RequirementResult {
    pub id: String,
    pub title: String,
    pub verdict: Verdict,
    /// The rules that tested it.
    pub rules: Vec<String>,
    /// Rules that would test it but did not run (live checks without a verification).
    pub not_run: Vec<String>,
    /// The open findings that make it a gap, as indices into `Analysis::findings` (ascending).
    pub findings: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct FrameworkResult {
    pub id: String,
    pub name: String,
    /// Why the framework applies, e.g. "the model holds pci data".
    pub scope_reason: String,
    pub requirements: Vec<RequirementResult>,
}

impl FrameworkResult {
    /// (met, gap, not assessed).
    #[must_use]
    pub fn totals(&self) -> (usize, usize, usize) {
        let count = |v| self.requirements.iter().filter(|r| r.verdict == v).count();
        (
            count(Verdict::Met),
            count(Verdict::Gap),
            count(Verdict::NotAssessed),
        )
    }
}

/// The matrix for every framework in scope of `model`. `live` says whether the live checks
/// (`drift.*` rules) ran, i.e. a verification is merged in: without one they are listed as not
/// run, and a requirement only they can judge is not assessed (never "met" on a check that did
/// not happen).
#[must_use]
pub fn evaluate(model: &Model, findings: &[Finding], live: bool) -> Vec<FrameworkResult> {
    let mut open_by_rule: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate().filter(|(_, f)| f.is_open()) {
        open_by_rule.entry(f.rule.id).or_default().push(i);
    }
    let held: Vec<DataTag> = {
        let mut tags: Vec<DataTag> = model
            .assets
            .iter()
            .flat_map(|a| a.tags.iter().copied())
            .collect();
        tags.sort();
        tags.dedup();
        tags
    };
    let mut out = Vec::new();
    for fw in frameworks() {
        let declared = model.frameworks.contains(&fw.framework);
        let by_data: Vec<&str> = fw
            .scope
            .iter()
            .filter(|t| held.contains(t))
            .map(|t| t.key())
            .collect();
        if !declared && by_data.is_empty() {
            continue;
        }
        let scope_reason = match (declared, by_data.is_empty()) {
            (true, true) => "declared in the model".to_string(),
            (true, false) => format!(
                "declared in the model; it holds {} data",
                by_data.join(", ")
            ),
            (false, _) => format!("the model holds {} data", by_data.join(", ")),
        };
        let requirements = fw
            .requirements
            .iter()
            .map(|req| {
                let mut ids: Vec<usize> = req
                    .rules
                    .iter()
                    .flat_map(|r| open_by_rule.get(r.as_str()).into_iter().flatten())
                    .copied()
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                let (run, not_run): (Vec<String>, Vec<String>) = req
                    .rules
                    .iter()
                    .cloned()
                    .partition(|r| live || !r.starts_with("drift."));
                let verdict = if run.is_empty() {
                    Verdict::NotAssessed
                } else if ids.is_empty() {
                    Verdict::Met
                } else {
                    Verdict::Gap
                };
                RequirementResult {
                    id: req.id.clone(),
                    title: req.title.clone(),
                    verdict,
                    rules: run,
                    not_run,
                    findings: ids,
                }
            })
            .collect();
        out.push(FrameworkResult {
            id: fw.id.clone(),
            name: fw.name.clone(),
            scope_reason,
            requirements,
        });
    }
    out
}
