//! Facts every rule needs, computed once per analysis: trust per node, what data each node and
//! flow handles, and the graph analyses (attack paths, effective privilege, blast radius).

use std::collections::HashMap;

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::{EdgeIndexable, EdgeRef, IntoEdgeReferences, NodeIndexable};

use super::paths;
use crate::model::{Classification, DataTag, Flow, Model, Node, NodeKind};

/// Boundaries at or below this trust level are untrusted (internet, devices, third parties).
pub const UNTRUSTED_MAX: u8 = 2;

/// The classification and tags of a set of data assets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DataSet {
    /// The most sensitive classification in the set.
    pub class: Option<Classification>,
    tags: u8,
}

impl DataSet {
    fn tag_bit(tag: DataTag) -> u8 {
        1 << (tag as u8)
    }

    pub fn add(&mut self, other: DataSet) {
        self.class = self.class.max(other.class);
        self.tags |= other.tags;
    }

    #[must_use]
    pub fn has(self, tag: DataTag) -> bool {
        self.tags & Self::tag_bit(tag) != 0
    }

    /// Confidential or restricted data.
    #[must_use]
    pub fn is_sensitive(self) -> bool {
        self.class.is_some_and(Classification::is_sensitive)
    }

    /// Restricted data.
    #[must_use]
    pub fn is_restricted(self) -> bool {
        self.class == Some(Classification::Restricted)
    }

    /// PII, PHI or cardholder data.
    #[must_use]
    pub fn is_regulated(self) -> bool {
        DataTag::ALL.iter().any(|t| t.is_regulated() && self.has(*t))
    }

    /// Worth an attacker's while: sensitive, regulated, or credentials and secrets.
    #[must_use]
    pub fn is_high_value(self) -> bool {
        self.is_sensitive()
            || self.is_regulated()
            || self.has(DataTag::Credentials)
            || self.has(DataTag::Secret)
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.class.is_none()
    }

    /// The tags present, in vocabulary order.
    #[must_use]
    pub fn tags(self) -> Vec<DataTag> {
        DataTag::ALL.iter().copied().filter(|t| self.has(*t)).collect()
    }
}

/// Per-node facts.
#[derive(Clone, Debug, Default)]
pub struct NodeInfo {
    pub trust: u8,
    /// Data held at rest.
    pub stored: DataSet,
    /// Data stored, sent or received.
    pub handled: DataSet,
}

/// Per-flow facts.
#[derive(Clone, Debug)]
pub struct FlowInfo {
    pub data: DataSet,
    pub from: NodeIndex,
    pub to: NodeIndex,
    /// The two ends are in different innermost boundaries.
    pub crosses: bool,
}

/// One flow with everything about it, as rules iterate them.
#[derive(Clone, Copy)]
pub struct FlowRef<'a> {
    pub index: EdgeIndex,
    pub flow: &'a Flow,
    pub from: &'a Node,
    pub to: &'a Node,
    pub info: &'a FlowInfo,
    pub from_info: &'a NodeInfo,
    pub to_info: &'a NodeInfo,
}

/// The analysis context: the model plus precomputed facts.
pub struct Ctx<'m> {
    pub model: &'m Model,
    assets: HashMap<&'m str, DataSet>,
    nodes: Vec<NodeInfo>,
    flows: Vec<Option<FlowInfo>>,
    attack_paths: Vec<paths::AttackPath>,
    privileges: Vec<paths::EffectivePrivilege>,
    blast_radius: Vec<paths::BlastRadius>,
}

impl<'m> Ctx<'m> {
    #[must_use]
    pub fn new(model: &'m Model) -> Self {
        let graph = model.graph();
        let mut assets = HashMap::with_capacity(model.assets.len());
        for asset in &model.assets {
            let mut set = DataSet {
                class: Some(asset.classification),
                tags: 0,
            };
            for tag in &asset.tags {
                set.tags |= DataSet::tag_bit(*tag);
            }
            assets.insert(asset.id.as_str(), set);
        }
        let data_of = |ids: &[String]| {
            let mut set = DataSet::default();
            for id in ids {
                if let Some(d) = assets.get(id.as_str()) {
                    set.add(*d);
                }
            }
            set
        };
        let trust_by_boundary: HashMap<&str, u8> = model
            .boundaries
            .iter()
            .map(|b| (b.id.as_str(), b.trust_level()))
            .collect();
        let mut nodes = vec![NodeInfo::default(); graph.node_bound()];
        for index in graph.node_indices() {
            let node = &graph[index];
            let stored = data_of(&node.stores);
            nodes[index.index()] = NodeInfo {
                trust: node
                    .boundary
                    .as_deref()
                    .and_then(|b| trust_by_boundary.get(b).copied())
                    .unwrap_or(0),
                stored,
                handled: stored,
            };
        }
        let mut flows = vec![None; graph.edge_bound()];
        for edge in graph.edge_references() {
            let flow = edge.weight();
            let data = data_of(&flow.data);
            let (a, b) = (edge.source(), edge.target());
            nodes[a.index()].handled.add(data);
            nodes[b.index()].handled.add(data);
            flows[edge.id().index()] = Some(FlowInfo {
                data,
                from: a,
                to: b,
                crosses: graph[a].boundary != graph[b].boundary,
            });
        }
        let mut ctx = Ctx {
            model,
            assets,
            nodes,
            flows,
            attack_paths: Vec::new(),
            privileges: Vec::new(),
            blast_radius: Vec::new(),
        };
        ctx.attack_paths = paths::attack_paths(&ctx);
        ctx.privileges = paths::effective_privileges(&ctx);
        ctx.blast_radius = paths::blast_radius(&ctx);
        ctx
    }

    #[must_use]
    pub fn node(&self, index: NodeIndex) -> &'m Node {
        &self.model.graph()[index]
    }

    #[must_use]
    pub fn info(&self, index: NodeIndex) -> &NodeInfo {
        &self.nodes[index.index()]
    }

    /// Node indices with their nodes and facts.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeIndex, &'m Node, &NodeInfo)> + '_ {
        let graph = self.model.graph();
        graph
            .node_indices()
            .map(move |i| (i, &graph[i], &self.nodes[i.index()]))
    }

    /// Every flow with its ends and facts.
    pub fn flows(&self) -> impl Iterator<Item = FlowRef<'_>> + '_ {
        let graph = self.model.graph();
        graph.edge_indices().filter_map(move |e| {
            let info = self.flows[e.index()].as_ref()?;
            Some(FlowRef {
                index: e,
                flow: &graph[e],
                from: &graph[info.from],
                to: &graph[info.to],
                info,
                from_info: &self.nodes[info.from.index()],
                to_info: &self.nodes[info.to.index()],
            })
        })
    }

    /// One flow by index.
    #[must_use]
    pub fn flow(&self, e: EdgeIndex) -> Option<FlowRef<'_>> {
        let graph = self.model.graph();
        let info = self.flows.get(e.index())?.as_ref()?;
        Some(FlowRef {
            index: e,
            flow: &graph[e],
            from: &graph[info.from],
            to: &graph[info.to],
            info,
            from_info: &self.nodes[info.from.index()],
            to_info: &self.nodes[info.to.index()],
        })
    }

    /// Outgoing flows of a node.
    pub fn outgoing(&self, index: NodeIndex) -> impl Iterator<Item = FlowRef<'_>> + '_ {
        self.model
            .graph()
            .edges_directed(index, petgraph::Direction::Outgoing)
            .filter_map(|e| self.flow(e.id()))
    }

    /// Incoming flows of a node.
    pub fn incoming(&self, index: NodeIndex) -> impl Iterator<Item = FlowRef<'_>> + '_ {
        self.model
            .graph()
            .edges_directed(index, petgraph::Direction::Incoming)
            .filter_map(|e| self.flow(e.id()))
    }

    /// The data set of one asset.
    #[must_use]
    pub fn asset(&self, id: &str) -> DataSet {
        self.assets.get(id).copied().unwrap_or_default()
    }

    /// Whether the node sits in an untrusted boundary (or none at all).
    #[must_use]
    pub fn untrusted(&self, index: NodeIndex) -> bool {
        self.nodes[index.index()].trust <= UNTRUSTED_MAX
    }

    /// Whether the node is where attacks start: an actor or external system in untrusted space.
    #[must_use]
    pub fn is_entry(&self, index: NodeIndex) -> bool {
        self.node(index).kind.is_external() && self.untrusted(index)
    }

    /// Whether attackers can move on from this node to the nodes it calls.
    #[must_use]
    pub fn is_traversable(&self, index: NodeIndex) -> bool {
        self.node(index).kind.is_process()
    }

    /// Whether a node is worth attacking for its own sake.
    #[must_use]
    pub fn is_high_value(&self, index: NodeIndex) -> bool {
        let node = self.node(index);
        matches!(
            node.kind,
            NodeKind::SecretStore | NodeKind::IdentityProvider
        ) || (node.kind.is_store() && self.nodes[index.index()].stored.is_high_value())
    }

    /// Whether the model has any gateway.
    #[must_use]
    pub fn has_gateway(&self) -> bool {
        self.model.nodes().any(|n| n.kind == NodeKind::Gateway)
    }

    /// Whether the node is inside a boundary that is the compliance zone for `tag`.
    #[must_use]
    pub fn in_zone(&self, node: &Node, tag: DataTag) -> bool {
        node.boundary.as_deref().is_some_and(|b| {
            self.model
                .boundary_chain(b)
                .iter()
                .any(|c| c.scope.contains(&tag))
        })
    }

    /// Whether any boundary is declared the compliance zone for `tag`.
    #[must_use]
    pub fn has_zone(&self, tag: DataTag) -> bool {
        self.model.boundaries.iter().any(|b| b.scope.contains(&tag))
    }

    pub fn attack_paths(&self) -> &[paths::AttackPath] {
        &self.attack_paths
    }

    pub fn privileges(&self) -> &[paths::EffectivePrivilege] {
        &self.privileges
    }

    pub fn blast_radius(&self) -> &[paths::BlastRadius] {
        &self.blast_radius
    }

    /// The names of the sensitive/regulated assets in a list, for messages.
    #[must_use]
    pub fn describe_data(&self, ids: &[String], keep: impl Fn(DataSet) -> bool) -> String {
        let names: Vec<String> = ids
            .iter()
            .filter(|id| keep(self.asset(id)))
            .map(|id| format!("`{id}`"))
            .collect();
        names.join(", ")
    }
}
