//! The rules, one file per family (and `estate` for runtimes and the build chain). Each rule is a `static Rule` with its check; the catalog
//! (`catalog.rs`) lists them in order.

pub mod auth;
pub mod drift;
pub mod estate;
pub mod hygiene;
pub mod links;
pub mod privilege;

use super::context::DataSet;
pub(crate) use super::context::FlowRef;
use crate::vocab::Severity;

/// A severity moved by the data at stake: one step up for restricted data, one step down when
/// nothing confidential, regulated or secret is involved.
fn scaled(base: Severity, data: DataSet) -> Severity {
    let at = Severity::ALL.iter().position(|s| *s == base).unwrap_or(0);
    let step = if data.is_restricted() {
        at + 1
    } else if data.is_high_value() {
        at
    } else {
        at.saturating_sub(1)
    };
    Severity::ALL[step.min(Severity::ALL.len() - 1)]
}

/// "`flow-id` (`from` -> `to`)", as findings name flows (formatted in place, no allocation).
fn flow_desc<'a>(f: &'a FlowRef<'a>) -> FlowDesc<'a> {
    FlowDesc(f)
}

struct FlowDesc<'a>(&'a FlowRef<'a>);

impl std::fmt::Display for FlowDesc<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let f = self.0;
        write!(out, "`{}` (`{}` -> `{}`)", f.flow.id, f.from.id, f.to.id)
    }
}
