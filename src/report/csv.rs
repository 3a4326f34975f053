//! Findings as CSV, one row each, for a tracker import (Jira, DefectDojo, a spreadsheet): the
//! stable id to deduplicate on, the rule, severity and status, the elements by name, the fix,
//! the compliance references, and the decision's owner and justification.

use super::Input;

/// The columns, in order.
pub const COLUMNS: [&str; 11] = [
    "id",
    "rule",
    "title",
    "severity",
    "status",
    "elements",
    "message",
    "fix",
    "compliance",
    "owner",
    "justification",
];

/// Every finding as a CSV row under a header.
///
/// # Panics
/// Never: writing to memory does not fail.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).expect("writing to memory");
    for f in &input.analysis.findings {
        let elements: Vec<&str> = f
            .elements
            .iter()
            .map(|e| input.model.element_name(e).unwrap_or(e))
            .collect();
        let (owner, justification) = f
            .decision
            .as_ref()
            .map_or(("", ""), |d| (d.owner.as_str(), d.justification.as_str()));
        w.write_record([
            f.id.as_str(),
            f.rule.id,
            f.rule.title,
            f.severity.key(),
            f.status.key(),
            &elements.join("; "),
            &crate::text::plain(&f.message),
            &crate::text::plain(&f.fix),
            &f.rule.compliance().join(" "),
            owner,
            justification,
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 is UTF-8")
}
