//! SARIF 2.1.0, so code-scanning tools show findings on the model file in a pull request: the
//! rule catalog goes into `tool.driver.rules`, each result points at its first element's line,
//! and accepted / mitigated / false-positive findings carry a suppression.

use std::collections::BTreeMap;

use serde_sarif::sarif;

use super::Input;
use crate::analysis::{Finding, RULES, Severity};
use crate::model::Status;

fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

/// GitHub code scanning reads `security-severity` (0.0 to 10.0) to rank security results.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

fn text(s: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(s).build()
}

fn rules() -> Vec<sarif::ReportingDescriptor> {
    RULES
        .iter()
        .map(|r| {
            let mut props = BTreeMap::new();
            let mut tags: Vec<String> = vec!["security".into(), r.family.key().into()];
            tags.extend(r.stride.iter().map(|s| s.key().to_string()));
            props.insert(
                "security-severity".to_string(),
                serde_json::Value::String(security_severity(r.severity).into()),
            );
            props.insert(
                "compliance".to_string(),
                serde_json::Value::from(r.compliance().to_vec()),
            );
            sarif::ReportingDescriptor::builder()
                .id(r.id)
                .name(r.id.replace('-', "_"))
                .short_description(text(r.title))
                .full_description(text(r.explanation))
                .help(
                    sarif::MultiformatMessageString::builder()
                        .text(format!("{}\n\nHow to fix: {}", r.explanation, r.mitigation))
                        .markdown(format!(
                            "{}\n\n**How to fix:** {}\n\n**Compliance:** {}",
                            r.explanation,
                            r.mitigation,
                            r.compliance().join(", ")
                        ))
                        .build(),
                )
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(serde_json::to_value(level(r.severity)).unwrap_or_default())
                        .build(),
                )
                .properties(
                    sarif::PropertyBag::builder()
                        .tags(tags)
                        .additional_properties(props)
                        .build(),
                )
                .build()
        })
        .collect()
}

fn result(input: &Input<'_>, f: &Finding, baseline: Option<&'static str>) -> sarif::Result {
    let index = RULES.iter().position(|r| r.id == f.rule.id).unwrap_or(0);
    let position = f
        .elements
        .iter()
        .find_map(|e| input.source.and_then(|s| s.element(e)));
    let mut locations = Vec::new();
    if let Some(file) = input.file {
        let physical = sarif::PhysicalLocation::builder().artifact_location(
            sarif::ArtifactLocation::builder()
                .uri(file.replace('\\', "/"))
                .build(),
        );
        let region = position.map(|p| {
            sarif::Region::builder()
                .start_line(i64::from(p.line))
                .start_column(i64::from(p.col))
                .build()
        });
        let physical = match region {
            Some(region) => physical.region(region).build(),
            None => physical.build(),
        };
        locations.push(
            sarif::Location::builder()
                .physical_location(physical)
                .logical_locations(
                    f.elements
                        .iter()
                        .map(|e| {
                            sarif::LogicalLocation::builder()
                                .name(e)
                                .kind("element")
                                .build()
                        })
                        .collect::<Vec<_>>(),
                )
                .build(),
        );
    }
    let mut message = f.message.clone();
    message.push_str(" Fix: ");
    message.push_str(&f.fix);
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("rampartFindingId/v1".to_string(), f.id.clone());
    let mut props = BTreeMap::new();
    props.insert(
        "severity".to_string(),
        serde_json::Value::String(f.severity.key().into()),
    );
    props.insert(
        "security-severity".to_string(),
        serde_json::Value::String(security_severity(f.severity).into()),
    );
    props.insert(
        "status".to_string(),
        serde_json::Value::String(f.status.key().into()),
    );
    if !f.path.is_empty() {
        props.insert("path".to_string(), serde_json::Value::from(f.path.clone()));
    }
    let builder = sarif::Result::builder()
        .rule_id(f.rule.id)
        .rule_index(i64::try_from(index).unwrap_or(0))
        .level(level(f.severity))
        .message(sarif::Message::builder().text(message).build())
        .locations(locations)
        .partial_fingerprints(fingerprints)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        );
    let mut result = if f.status.is_resolved() {
        let justification = f
            .decision
            .as_ref()
            .map(|d| d.justification.clone())
            .unwrap_or_default();
        let status = match f.status {
            Status::Accepted | Status::FalsePositive => "accepted",
            _ => "underReview",
        };
        let suppression = sarif::Suppression::builder()
            .kind(serde_json::Value::String("external".into()))
            .status(serde_json::Value::String(status.into()))
            .justification(format!("{}: {justification}", f.status.key()))
            .build();
        builder.suppressions(vec![suppression]).build()
    } else {
        builder.build()
    };
    result.baseline_state = baseline.map(|state| serde_json::Value::String(state.into()));
    result
}

/// The analysis as a SARIF 2.1.0 log.
///
/// # Panics
/// Never: every type here serializes.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    render_against(input, None)
}

/// The analysis as a SARIF 2.1.0 log whose results carry `baselineState` against the analysis
/// of an earlier version (`rampart diff --format sarif`): `new`, `updated` (severity or status
/// changed), `unchanged`, and `absent` for findings the change resolved, so code scanning shows
/// only what a pull request introduces.
///
/// # Panics
/// Never: every type here serializes.
#[must_use]
pub fn render_against(input: &Input<'_>, baseline: Option<&crate::analysis::Analysis>) -> String {
    let state = |f: &Finding| -> Option<&'static str> {
        let b = baseline?;
        Some(match b.findings.iter().find(|o| o.id == f.id) {
            None => "new",
            Some(o) if o.severity != f.severity || o.status != f.status => "updated",
            Some(_) => "unchanged",
        })
    };
    let mut results: Vec<sarif::Result> = input
        .analysis
        .findings
        .iter()
        .map(|f| result(input, f, state(f)))
        .collect();
    if let Some(b) = baseline {
        let gone = b
            .findings
            .iter()
            .filter(|o| !input.analysis.findings.iter().any(|f| f.id == o.id));
        results.extend(gone.map(|o| result(input, o, Some("absent"))));
    }
    let driver = sarif::ToolComponent::builder()
        .name("rampart")
        .full_name(format!("Rampart {}", env!("CARGO_PKG_VERSION")))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules())
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let log = sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL)
        .version(serde_json::Value::String("2.1.0".into()))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    text.push('\n');
    text
}
