//! What is visible: the boundary tree (cycles cut, collapsed boundaries turned into boxes), the
//! boxes to place (nodes and collapsed boundaries) with their containers, and the flows between
//! boxes (aggregated where a collapsed boundary hides their ends). Indices, not strings, from
//! here on.

use std::collections::{BTreeMap, HashMap};

use super::Options;
use crate::model::{Encryption, Model, NodeKind, Pos};

/// A boundary as the layout sees it.
pub(super) struct Bound {
    pub id: String,
    pub parent: Option<usize>,
    pub trust: u8,
    pub depth: usize,
    /// Visible child boundaries, in layout order.
    pub children: Vec<usize>,
    /// Boxes directly inside, in layout order.
    pub items: Vec<usize>,
    /// Drawn as a region (not collapsed, not inside a collapsed one).
    pub visible: bool,
    pub title: String,
    pub zone: bool,
}

/// A box to place: a node, or a collapsed boundary.
pub(super) struct Item {
    /// Node id, or boundary id for a collapsed boundary.
    pub key: String,
    /// The model node, when the item is one.
    pub node: Option<usize>,
    pub kind: NodeKind,
    pub name: String,
    /// The visible boundary directly around it.
    pub container: Option<usize>,
    /// For a collapsed boundary: its index and how many nodes it hides.
    pub collapsed: Option<(usize, usize)>,
    pub trust: u8,
    /// A position set by hand (the centre).
    pub hand: Option<Pos>,
}

/// A flow between two boxes (several model flows when aggregated).
pub(super) struct Link {
    pub ids: Vec<String>,
    pub from: usize,
    pub to: usize,
    pub encryption: Encryption,
    pub text: String,
    /// The flow's place in the model's flows by id, from 1: its callout is `F{number}`, the
    /// same wherever the boxes are.
    pub number: usize,
}

pub(super) struct Structure {
    pub bounds: Vec<Bound>,
    pub items: Vec<Item>,
    pub links: Vec<Link>,
    /// Top-level visible boundaries, in layout order.
    pub roots: Vec<usize>,
    /// Boxes outside every boundary.
    pub root_items: Vec<usize>,
    /// Positions set by hand are ignored.
    pub auto: bool,
}

/// Order of node kinds within a column: callers above callees.
fn kind_rank(kind: NodeKind) -> u8 {
    match kind {
        NodeKind::Actor => 0,
        NodeKind::ExternalSystem => 1,
        NodeKind::Gateway => 2,
        NodeKind::IdentityProvider => 3,
        NodeKind::Service => 4,
        NodeKind::MessageQueue => 5,
        NodeKind::SecretStore => 6,
        NodeKind::DataStore => 7,
        NodeKind::SourceRepository => 8,
        NodeKind::Pipeline => 9,
        NodeKind::ArtifactRegistry => 10,
    }
}

/// Parents that form a cycle are cut (the boundary becomes top level), in linear time: each
/// boundary has at most one parent, so a walk either ends at a root or closes a loop.
pub(crate) fn cut_cycles(parents: &[Option<usize>]) -> Vec<Option<usize>> {
    let n = parents.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on the current walk, 2 done
    let mut out = parents.to_vec();
    let mut walk = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        walk.clear();
        let mut here = Some(start);
        while let Some(b) = here {
            match state[b] {
                0 => {
                    state[b] = 1;
                    walk.push(b);
                    here = parents[b];
                }
                1 => {
                    // A loop: cut it at the boundary where it closed.
                    if let Some(last) = walk.last() {
                        out[*last] = None;
                    }
                    break;
                }
                _ => break,
            }
        }
        for b in &walk {
            state[*b] = 2;
        }
    }
    out
}

impl Structure {
    pub fn new(model: &Model, options: &Options) -> Self {
        let index: HashMap<&str, usize> = model
            .boundaries
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.as_str(), i))
            .collect();
        let parents: Vec<Option<usize>> = model
            .boundaries
            .iter()
            .enumerate()
            .map(|(i, b)| {
                b.parent
                    .as_deref()
                    .and_then(|p| index.get(p).copied())
                    .filter(|p| *p != i)
            })
            .collect();
        let parents = cut_cycles(&parents);
        let n = model.boundaries.len();
        // Depth, and the outermost collapsed boundary at or above each one.
        let mut depth = vec![usize::MAX; n];
        let mut hidden_by: Vec<Option<usize>> = vec![None; n];
        let collapsed: Vec<bool> = model
            .boundaries
            .iter()
            .map(|b| options.collapsed.contains(&b.id))
            .collect();
        let mut stack = Vec::new();
        for start in 0..n {
            let mut here = start;
            while depth[here] == usize::MAX {
                stack.push(here);
                match parents[here] {
                    Some(p) => here = p,
                    None => break,
                }
            }
            while let Some(b) = stack.pop() {
                let (d, above) = match parents[b] {
                    Some(p) if depth[p] != usize::MAX => (depth[p] + 1, hidden_by[p]),
                    _ => (0, None),
                };
                depth[b] = d;
                hidden_by[b] = above.or(collapsed[b].then_some(b));
            }
        }
        let mut bounds: Vec<Bound> = model
            .boundaries
            .iter()
            .enumerate()
            .map(|(i, b)| Bound {
                id: b.id.clone(),
                parent: parents[i],
                trust: b.trust_level(),
                depth: depth[i],
                children: Vec::new(),
                items: Vec::new(),
                visible: hidden_by[i].is_none(),
                title: format!(
                    "{} · trust {}",
                    if b.name.is_empty() { &b.id } else { &b.name },
                    b.trust_level()
                ),
                zone: !b.scope.is_empty(),
            })
            .collect();

        let mut items: Vec<Item> = Vec::new();
        let mut root_items = Vec::new();
        // Collapsed boundaries first become boxes in their parent.
        let mut boxes: HashMap<usize, usize> = HashMap::new();
        for (i, b) in model.boundaries.iter().enumerate() {
            if hidden_by[i] == Some(i) {
                let container = parents[i];
                boxes.insert(i, items.len());
                items.push(Item {
                    key: b.id.clone(),
                    node: None,
                    kind: NodeKind::Service,
                    name: if b.name.is_empty() {
                        b.id.clone()
                    } else {
                        b.name.clone()
                    },
                    container,
                    collapsed: Some((i, 0)),
                    trust: b.trust_level(),
                    hand: None,
                });
            }
        }
        // Nodes: their own box, or the collapsed boundary's.
        let mut owner: HashMap<&str, usize> = HashMap::new();
        for (ni, node) in model.nodes().enumerate() {
            let container = node.boundary.as_deref().and_then(|b| index.get(b).copied());
            if let Some(hidden) = container.and_then(|c| hidden_by[c]) {
                let item = boxes[&hidden];
                if let Some((_, count)) = &mut items[item].collapsed {
                    *count += 1;
                }
                owner.insert(node.id.as_str(), item);
                continue;
            }
            owner.insert(node.id.as_str(), items.len());
            items.push(Item {
                key: node.id.clone(),
                node: Some(ni),
                kind: node.kind,
                name: node.label().to_string(),
                container,
                collapsed: None,
                trust: container.map_or(0, |c| bounds[c].trust),
                hand: if options.auto {
                    None
                } else {
                    model.layout.nodes.get(&node.id).copied()
                },
            });
        }
        for (i, item) in items.iter().enumerate() {
            match item.container {
                Some(c) => bounds[c].items.push(i),
                None => root_items.push(i),
            }
        }
        let sort_items = |list: &mut Vec<usize>, items: &[Item]| {
            list.sort_by(|a, b| {
                let (a, b) = (&items[*a], &items[*b]);
                (a.collapsed.is_none(), kind_rank(a.kind), &a.key).cmp(&(
                    b.collapsed.is_none(),
                    kind_rank(b.kind),
                    &b.key,
                ))
            });
        };
        sort_items(&mut root_items, &items);
        for b in &mut bounds {
            let mut list = std::mem::take(&mut b.items);
            sort_items(&mut list, &items);
            b.items = list;
        }
        let mut roots = Vec::new();
        for i in 0..n {
            if !bounds[i].visible {
                continue;
            }
            match parents[i] {
                Some(p) => bounds[p].children.push(i),
                None => roots.push(i),
            }
        }
        let by_trust = |list: &mut Vec<usize>, bounds: &[Bound]| {
            list.sort_by(|a, b| {
                (bounds[*a].trust, &bounds[*a].id).cmp(&(bounds[*b].trust, &bounds[*b].id))
            });
        };
        by_trust(&mut roots, &bounds);
        for i in 0..n {
            let mut list = std::mem::take(&mut bounds[i].children);
            by_trust(&mut list, &bounds);
            bounds[i].children = list;
        }

        // Links, in flow id order; those touching a collapsed box are aggregated per pair.
        let mut flows: Vec<_> = model.flows().collect();
        flows.sort_by(|a, b| a.id.cmp(&b.id));
        let mut links: Vec<Link> = Vec::new();
        let mut aggregated: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for (rank, f) in flows.into_iter().enumerate() {
            let (Some(&a), Some(&b)) = (owner.get(f.from.as_str()), owner.get(f.to.as_str()))
            else {
                continue;
            };
            let boxed = items[a].collapsed.is_some() || items[b].collapsed.is_some();
            if boxed && a == b {
                continue;
            }
            if boxed {
                if let Some(&l) = aggregated.get(&(a, b)) {
                    let link = &mut links[l];
                    link.ids.push(f.id.clone());
                    link.encryption = link.encryption.min(f.transport());
                    continue;
                }
                aggregated.insert((a, b), links.len());
            }
            let text = if f.label().is_empty() {
                f.id.clone()
            } else {
                f.label().to_string()
            };
            links.push(Link {
                ids: vec![f.id.clone()],
                from: a,
                to: b,
                encryption: f.transport(),
                text,
                number: rank + 1,
            });
        }
        for l in &mut links {
            if l.ids.len() > 1 {
                let plain = l
                    .ids
                    .iter()
                    .filter(|id| {
                        model
                            .flow(id)
                            .is_some_and(|f| f.encryption == Encryption::None)
                    })
                    .count();
                l.text = if plain > 0 {
                    format!("{} flows ({plain} plaintext)", l.ids.len())
                } else {
                    format!("{} flows", l.ids.len())
                };
            }
        }
        Structure {
            bounds,
            items,
            links,
            roots,
            root_items,
            auto: options.auto,
        }
    }

    /// The visible boundaries around an item, innermost first.
    pub fn chain(&self, item: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut here = self.items[item].container;
        while let Some(b) = here {
            out.push(b);
            here = self.bounds[b].parent;
        }
        out
    }
}
