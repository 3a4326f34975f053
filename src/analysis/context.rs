//! Facts every rule needs, computed once per analysis: trust per node, what data each node and
//! flow handles, and the graph analyses (attack paths, effective privilege, blast radius).

use std::collections::HashMap;
use std::sync::OnceLock;

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
        DataTag::ALL
            .iter()
            .any(|t| t.is_regulated() && self.has(*t))
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
        DataTag::ALL
            .iter()
            .copied()
            .filter(|t| self.has(*t))
            .collect()
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
    /// Tags of the compliance zones the node is in (its boundary's and its ancestors' scopes).
    zones: u8,
    /// An actor or external system in untrusted space: where attacks start.
    entry: bool,
    /// A process (service, gateway, identity provider): attackers move on through it.
    process: bool,
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
    assets: HashMap<&'m str, (u32, DataSet)>,
    /// Data set of each asset, by index.
    asset_sets: Vec<DataSet>,
    nodes: Vec<NodeInfo>,
    flows: Vec<Option<FlowInfo>>,
    /// Outgoing and incoming flows per node, as compact adjacency lists (index `n` spans
    /// `start[n]..start[n + 1]`): graph walks read these instead of petgraph's linked lists.
    out_start: Vec<u32>,
    out_edges: Vec<EdgeIndex>,
    /// What graph searches need of each outgoing flow, in `out_edges` order.
    out_steps: Vec<Step>,
    in_start: Vec<u32>,
    in_edges: Vec<EdgeIndex>,
    // The graph analyses, computed on first use (possibly on another thread: see `analyze`).
    attack_paths: OnceLock<Vec<paths::AttackPath>>,
    privileges: OnceLock<Vec<paths::EffectivePrivilege>>,
    blast_radius: OnceLock<Vec<paths::BlastRadius>>,
}

/// One outgoing flow as the graph searches see it.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    pub edge: EdgeIndex,
    pub to: NodeIndex,
    /// Strength of the hop's controls, 1 to 10 (see `paths::hop_cost`).
    pub weight: u32,
    pub access: crate::model::Access,
    /// The target authorizes per end user, scoping what callers can do through it.
    pub scopes: bool,
}

/// Builds compact adjacency lists from (node, edge) pairs.
fn adjacency(bound: usize, pairs: &mut [(usize, EdgeIndex)]) -> (Vec<u32>, Vec<EdgeIndex>) {
    pairs.sort_unstable_by_key(|(n, e)| (*n, e.index()));
    let mut start = vec![0u32; bound + 1];
    for (n, _) in pairs.iter() {
        start[n + 1] += 1;
    }
    for i in 0..bound {
        start[i + 1] += start[i];
    }
    (start, pairs.iter().map(|(_, e)| *e).collect())
}

impl<'m> Ctx<'m> {
    #[must_use]
    pub fn new(model: &'m Model) -> Self {
        let graph = model.graph();
        let mut assets = HashMap::with_capacity(model.assets.len());
        let mut asset_sets = Vec::with_capacity(model.assets.len());
        for (i, asset) in model.assets.iter().enumerate() {
            let mut set = DataSet {
                class: Some(asset.classification),
                tags: 0,
            };
            for tag in &asset.tags {
                set.tags |= DataSet::tag_bit(*tag);
            }
            assets.insert(
                asset.id.as_str(),
                (u32::try_from(i).unwrap_or(u32::MAX), set),
            );
            asset_sets.push(set);
        }
        let data_of = |ids: &[String]| {
            let mut set = DataSet::default();
            for id in ids {
                if let Some((_, d)) = assets.get(id.as_str()) {
                    set.add(*d);
                }
            }
            set
        };
        // Trust and compliance zones per boundary, zones inherited from ancestors.
        let by_id: HashMap<&str, &crate::model::Boundary> = model
            .boundaries
            .iter()
            .map(|b| (b.id.as_str(), b))
            .collect();
        let boundary_facts: HashMap<&str, (u8, u8)> = model
            .boundaries
            .iter()
            .map(|b| {
                let mut zones = 0u8;
                let mut here = Some(b);
                // Bounded walk up the parents (a cycle can only exist in unchecked models).
                for _ in 0..=model.boundaries.len() {
                    let Some(c) = here else { break };
                    zones = c
                        .scope
                        .iter()
                        .fold(zones, |bits, tag| bits | DataSet::tag_bit(*tag));
                    here = c.parent.as_deref().and_then(|p| by_id.get(p).copied());
                }
                (b.id.as_str(), (b.trust_level(), zones))
            })
            .collect();
        let mut nodes = vec![NodeInfo::default(); graph.node_bound()];
        for index in graph.node_indices() {
            let node = &graph[index];
            let stored = data_of(&node.stores);
            let (trust, zones) = node
                .boundary
                .as_deref()
                .and_then(|b| boundary_facts.get(b).copied())
                .unwrap_or((0, 0));
            nodes[index.index()] = NodeInfo {
                trust,
                stored,
                handled: stored,
                zones,
                entry: node.kind.is_external() && trust <= UNTRUSTED_MAX,
                process: node.kind.is_process(),
            };
        }
        let mut flows = vec![None; graph.edge_bound()];
        let mut out_pairs = Vec::with_capacity(graph.edge_count());
        let mut in_pairs = Vec::with_capacity(graph.edge_count());
        for edge in graph.edge_references() {
            out_pairs.push((edge.source().index(), edge.id()));
            in_pairs.push((edge.target().index(), edge.id()));
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
        let (out_start, out_edges) = adjacency(graph.node_bound(), &mut out_pairs);
        let (in_start, in_edges) = adjacency(graph.node_bound(), &mut in_pairs);
        let out_steps = out_edges
            .iter()
            .map(|e| {
                let flow = &graph[*e];
                let to = graph
                    .edge_endpoints(*e)
                    .map_or(NodeIndex::end(), |(_, b)| b);
                let target = &graph[to];
                Step {
                    edge: *e,
                    to,
                    weight: paths::hop_weight(flow, target),
                    access: flow.access,
                    scopes: target.kind.is_process()
                        && target.authorization == crate::model::Authorization::EndUser,
                }
            })
            .collect();
        Ctx {
            model,
            assets,
            asset_sets,
            out_start,
            out_edges,
            out_steps,
            in_start,
            in_edges,
            nodes,
            flows,
            attack_paths: OnceLock::new(),
            privileges: OnceLock::new(),
            blast_radius: OnceLock::new(),
        }
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
            .map(move |i| (i, &*graph[i], &self.nodes[i.index()]))
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
        let (a, b) = (
            self.out_start[index.index()],
            self.out_start[index.index() + 1],
        );
        self.out_edges[a as usize..b as usize]
            .iter()
            .filter_map(|e| self.flow(*e))
    }

    /// Outgoing flows of a node, in the compact form graph searches use.
    #[must_use]
    pub fn steps(&self, index: NodeIndex) -> &[Step] {
        let (a, b) = (
            self.out_start[index.index()],
            self.out_start[index.index() + 1],
        );
        &self.out_steps[a as usize..b as usize]
    }

    /// Incoming flows of a node.
    pub fn incoming(&self, index: NodeIndex) -> impl Iterator<Item = FlowRef<'_>> + '_ {
        let (a, b) = (
            self.in_start[index.index()],
            self.in_start[index.index() + 1],
        );
        self.in_edges[a as usize..b as usize]
            .iter()
            .filter_map(|e| self.flow(*e))
    }

    /// The data set of one asset.
    #[must_use]
    pub fn asset(&self, id: &str) -> DataSet {
        self.assets.get(id).map(|(_, d)| *d).unwrap_or_default()
    }

    /// The data set of one asset, by index into the model's assets.
    #[must_use]
    pub fn asset_at(&self, index: u32) -> DataSet {
        self.asset_sets
            .get(index as usize)
            .copied()
            .unwrap_or_default()
    }

    /// The index of an asset in the model's list.
    #[must_use]
    pub fn asset_index(&self, id: &str) -> Option<u32> {
        self.assets.get(id).map(|(i, _)| *i)
    }

    /// Whether the node sits in an untrusted boundary (or none at all).
    #[must_use]
    pub fn untrusted(&self, index: NodeIndex) -> bool {
        self.nodes[index.index()].trust <= UNTRUSTED_MAX
    }

    /// Whether the node is where attacks start: an actor or external system in untrusted space.
    #[must_use]
    pub fn is_entry(&self, index: NodeIndex) -> bool {
        self.nodes[index.index()].entry
    }

    /// Whether attackers can move on from this node to the nodes it calls.
    #[must_use]
    pub fn is_traversable(&self, index: NodeIndex) -> bool {
        self.nodes[index.index()].process
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
    pub fn in_zone(&self, index: NodeIndex, tag: DataTag) -> bool {
        self.nodes[index.index()].zones & DataSet::tag_bit(tag) != 0
    }

    /// Whether any boundary is declared the compliance zone for `tag`.
    #[must_use]
    pub fn has_zone(&self, tag: DataTag) -> bool {
        self.model.boundaries.iter().any(|b| b.scope.contains(&tag))
    }

    /// The graph analyses, handed over when the rules are done with them.
    #[must_use]
    pub fn into_graph_results(
        self,
    ) -> (
        Vec<paths::AttackPath>,
        Vec<paths::EffectivePrivilege>,
        Vec<paths::BlastRadius>,
    ) {
        let _ = (self.attack_paths(), self.privileges(), self.blast_radius());
        (
            self.attack_paths.into_inner().unwrap_or_default(),
            self.privileges.into_inner().unwrap_or_default(),
            self.blast_radius.into_inner().unwrap_or_default(),
        )
    }

    pub fn attack_paths(&self) -> &[paths::AttackPath] {
        self.attack_paths.get_or_init(|| paths::attack_paths(self))
    }

    pub fn privileges(&self) -> &[paths::EffectivePrivilege] {
        self.privileges
            .get_or_init(|| paths::effective_privileges(self))
    }

    pub fn blast_radius(&self) -> &[paths::BlastRadius] {
        self.blast_radius.get_or_init(|| paths::blast_radius(self))
    }

    /// The names of the sensitive/regulated assets in a list, for messages.
    #[must_use]
    pub fn describe_data(&self, ids: &[String], keep: impl Fn(DataSet) -> bool) -> String {
        let mut out = String::new();
        for id in ids.iter().filter(|id| keep(self.asset(id))) {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push('`');
            out.push_str(id);
            out.push('`');
        }
        out
    }
}
