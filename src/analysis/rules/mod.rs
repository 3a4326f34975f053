//! The rules, one file per family. Each rule is a `static Rule` with its check; the catalog
//! (`catalog.rs`) lists them in order.

pub mod auth;
pub mod drift;
pub mod hygiene;
pub mod links;
pub mod privilege;

pub(crate) use super::context::FlowRef;

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
