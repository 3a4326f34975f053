//! Diagram geometry, shared by the GUI canvas and the PDF report: where each node sits, the
//! region each trust boundary covers (nested inside its parent), and an automatic layout for
//! nodes the model gives no position. Pure functions over positions and rectangles.

use std::collections::{BTreeMap, HashMap};

use crate::model::{Model, Node, NodeKind, Pos, Rect};

/// Size of a node's shape, in canvas units.
pub const NODE_W: f32 = 150.0;
pub const NODE_H: f32 = 56.0;
/// Room between a boundary's edge and what it contains, and for its label on top.
pub const PAD: f32 = 22.0;
pub const LABEL_BAND: f32 = 24.0;
/// Spacing of the automatic layout.
const COL_GAP: f32 = 36.0;
const ROW_GAP: f32 = 40.0;
const ROWS_PER_COLUMN: usize = 7;

/// A boundary's drawn region.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub id: String,
    pub rect: Rect,
    /// Nesting depth (0 for top-level boundaries): deeper regions are drawn later.
    pub depth: usize,
}

/// Where everything goes.
#[derive(Clone, Debug, Default)]
pub struct Diagram {
    /// Node centres by id.
    pub nodes: HashMap<String, Pos>,
    /// Boundary regions, parents before children.
    pub regions: Vec<Region>,
}

impl Diagram {
    /// The rectangle around everything.
    #[must_use]
    pub fn bounds(&self) -> Option<Rect> {
        let rects = self
            .nodes
            .values()
            .map(|p| node_rect(*p))
            .chain(self.regions.iter().map(|r| r.rect));
        rects.reduce(union)
    }
}

/// The rectangle of a node centred at `p`.
#[must_use]
pub fn node_rect(p: Pos) -> Rect {
    Rect {
        x: p.x - NODE_W / 2.0,
        y: p.y - NODE_H / 2.0,
        w: NODE_W,
        h: NODE_H,
    }
}

fn union(a: Rect, b: Rect) -> Rect {
    let x0 = a.x.min(b.x);
    let y0 = a.y.min(b.y);
    let x1 = (a.x + a.w).max(b.x + b.w);
    let y1 = (a.y + a.h).max(b.y + b.h);
    Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    }
}

fn grow(r: Rect) -> Rect {
    Rect {
        x: r.x - PAD,
        y: r.y - PAD - LABEL_BAND,
        w: r.w + 2.0 * PAD,
        h: r.h + 2.0 * PAD + LABEL_BAND,
    }
}

/// Order of node kinds within an automatic column: callers before callees.
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
    }
}

/// Boundaries as a forest: children per parent (sorted), roots sorted by trust then id.
fn forest(model: &Model) -> (Vec<&str>, HashMap<&str, Vec<&str>>) {
    let known: HashMap<&str, u8> = model
        .boundaries
        .iter()
        .map(|b| (b.id.as_str(), b.trust_level()))
        .collect();
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut roots = Vec::new();
    for b in &model.boundaries {
        match b
            .parent
            .as_deref()
            .filter(|p| known.contains_key(p) && *p != b.id)
        {
            Some(p) => children.entry(p).or_default().push(b.id.as_str()),
            None => roots.push(b.id.as_str()),
        }
    }
    let key = |id: &&str| (known.get(id).copied().unwrap_or(0), id.to_string());
    roots.sort_by_key(key);
    for list in children.values_mut() {
        list.sort_by_key(key);
    }
    (roots, children)
}

/// Automatic positions for every node. Each boundary is laid out as a box: its own nodes in
/// columns (callers above callees), then its child boundaries side by side; top-level boxes are
/// ordered from least to most trusted and stacked into columns no taller than the tallest box,
/// so small zones (the internet, partners) share a column instead of widening the diagram.
#[must_use]
pub fn auto_layout(model: &Model) -> BTreeMap<String, Pos> {
    let (roots, children) = forest(model);
    let mut members: HashMap<Option<&str>, Vec<&Node>> = HashMap::new();
    for node in model.nodes() {
        let b = node
            .boundary
            .as_deref()
            .filter(|b| model.boundary(b).is_some());
        members.entry(b).or_default().push(node);
    }
    for list in members.values_mut() {
        list.sort_by(|a, b| {
            kind_rank(a.kind)
                .cmp(&kind_rank(b.kind))
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    let mut visited = std::collections::HashSet::new();
    let mut boxes: Vec<LaidOut> = Vec::new();
    if let Some(list) = members.get(&None) {
        boxes.push(column_block(list, 0.0, 0.0));
    }
    for root in roots {
        boxes.push(subtree(root, &children, &members, &mut visited));
    }
    // Stack boxes into columns no taller than the tallest box.
    let limit = boxes.iter().map(|b| b.h).fold(0.0, f32::max);
    let mut out = BTreeMap::new();
    let (mut x, mut y, mut col_w) = (0.0f32, 0.0f32, 0.0f32);
    for b in boxes {
        if y > 0.0 && y + b.h > limit + 1.0 {
            x += col_w + SIBLING_GAP;
            y = 0.0;
            col_w = 0.0;
        }
        for (id, p) in b.nodes {
            out.insert(
                id,
                Pos {
                    x: p.x + x,
                    y: p.y + y,
                },
            );
        }
        y += b.h + SIBLING_GAP;
        col_w = col_w.max(b.w);
    }
    out
}

/// Space between sibling boundary boxes.
const SIBLING_GAP: f32 = 28.0;

/// Node centres relative to a box's top-left corner, and the box's size.
struct LaidOut {
    nodes: Vec<(String, Pos)>,
    w: f32,
    h: f32,
}

/// Nodes in columns of at most `ROWS_PER_COLUMN`, the first centred at `(x, y)` + half a node.
fn column_block(nodes: &[&Node], x: f32, y: f32) -> LaidOut {
    let mut out = Vec::with_capacity(nodes.len());
    let (mut w, mut h) = (0.0f32, 0.0f32);
    for (i, node) in nodes.iter().enumerate() {
        let col = i / ROWS_PER_COLUMN;
        let row = i % ROWS_PER_COLUMN;
        let cx = x + NODE_W / 2.0 + col as f32 * (NODE_W + COL_GAP);
        let cy = y + NODE_H / 2.0 + row as f32 * (NODE_H + ROW_GAP);
        out.push((node.id.clone(), Pos { x: cx, y: cy }));
        w = w.max(cx + NODE_W / 2.0 - x);
        h = h.max(cy + NODE_H / 2.0 - y);
    }
    LaidOut { nodes: out, w, h }
}

/// A boundary's box: padding and label band, its own nodes, then its children side by side.
fn subtree<'a>(
    id: &'a str,
    children: &HashMap<&'a str, Vec<&'a str>>,
    members: &HashMap<Option<&str>, Vec<&Node>>,
    visited: &mut std::collections::HashSet<&'a str>,
) -> LaidOut {
    visited.insert(id);
    let top = PAD + LABEL_BAND;
    let mut nodes = Vec::new();
    let mut x = PAD;
    let mut inner_h = 0.0f32;
    if let Some(list) = members.get(&Some(id))
        && !list.is_empty()
    {
        let block = column_block(list, x, top);
        x += block.w + COL_GAP;
        inner_h = inner_h.max(block.h);
        nodes.extend(block.nodes);
    }
    for kid in children.get(id).into_iter().flatten() {
        if visited.contains(kid) {
            continue;
        }
        let child = subtree(kid, children, members, visited);
        for (nid, p) in child.nodes {
            nodes.push((
                nid,
                Pos {
                    x: p.x + x,
                    y: p.y + top,
                },
            ));
        }
        x += child.w + SIBLING_GAP;
        inner_h = inner_h.max(child.h);
    }
    let w = if nodes.is_empty() {
        NODE_W + 2.0 * PAD
    } else {
        x - COL_GAP.min(SIBLING_GAP) + PAD
    };
    LaidOut {
        nodes,
        w,
        h: top + inner_h.max(NODE_H) + PAD,
    }
}

/// The diagram of a model: stored positions where the layout has them, the automatic layout
/// for the rest (placed below what is positioned, so nothing overlaps), and boundary regions.
#[must_use]
pub fn layout(model: &Model) -> Diagram {
    let mut nodes: HashMap<String, Pos> = HashMap::with_capacity(model.node_count());
    let missing: Vec<&Node> = model
        .nodes()
        .filter(|n| !model.layout.nodes.contains_key(&n.id))
        .collect();
    for node in model.nodes() {
        if let Some(p) = model.layout.nodes.get(&node.id) {
            nodes.insert(node.id.clone(), *p);
        }
    }
    if !missing.is_empty() {
        let auto = auto_layout(model);
        if nodes.is_empty() {
            nodes.extend(auto);
        } else {
            // Some nodes are placed by hand: put the others in a row below them.
            let bottom = nodes.values().map(|p| p.y).fold(f32::MIN, f32::max);
            let left = nodes.values().map(|p| p.x).fold(f32::MAX, f32::min);
            for (i, node) in missing.iter().enumerate() {
                nodes.insert(
                    node.id.clone(),
                    Pos {
                        x: left + i as f32 * (NODE_W + COL_GAP / 2.0),
                        y: bottom + NODE_H + ROW_GAP + LABEL_BAND + 2.0 * PAD,
                    },
                );
            }
        }
    }
    let regions = regions(model, &nodes);
    Diagram { nodes, regions }
}

/// Boundary regions: a hand-sized rectangle where the layout has one, otherwise the union of the
/// boundary's nodes and child regions, padded. Empty boundaries get a small region of their own.
#[must_use]
pub fn regions(model: &Model, nodes: &HashMap<String, Pos>) -> Vec<Region> {
    let (roots, children) = forest(model);
    let mut direct: HashMap<&str, Vec<Rect>> = HashMap::new();
    for node in model.nodes() {
        if let (Some(b), Some(p)) = (node.boundary.as_deref(), nodes.get(&node.id)) {
            direct.entry(b).or_default().push(node_rect(*p));
        }
    }
    let mut builder = Regions {
        model,
        children: &children,
        direct: &direct,
        seen: std::collections::HashSet::new(),
        empty_x: nodes.values().map(|p| p.x).fold(0.0, f32::max) + NODE_W,
        out: Vec::new(),
    };
    for root in roots {
        builder.visit(root, 0);
    }
    builder.out
}

/// The state of the walk that computes regions, children before parents.
struct Regions<'a, 'm> {
    model: &'m Model,
    children: &'a HashMap<&'m str, Vec<&'m str>>,
    direct: &'a HashMap<&'m str, Vec<Rect>>,
    seen: std::collections::HashSet<&'m str>,
    /// Where the next empty boundary goes.
    empty_x: f32,
    out: Vec<Region>,
}

impl<'m> Regions<'_, 'm> {
    fn visit(&mut self, id: &'m str, depth: usize) -> Option<Rect> {
        if !self.seen.insert(id) {
            return None;
        }
        let slot = self.out.len();
        self.out.push(Region {
            id: id.to_string(),
            rect: Rect {
                x: 0.0,
                y: 0.0,
                w: 0.0,
                h: 0.0,
            },
            depth,
        });
        let mut inner: Option<Rect> = self
            .direct
            .get(id)
            .and_then(|r| r.iter().copied().reduce(union));
        let kids = self.children.get(id).cloned().unwrap_or_default();
        for kid in kids {
            if let Some(r) = self.visit(kid, depth + 1) {
                inner = Some(inner.map_or(r, |i| union(i, r)));
            }
        }
        let rect = match (self.model.layout.boundaries.get(id), inner) {
            (Some(manual), _) => *manual,
            (None, Some(inner)) => grow(inner),
            (None, None) => {
                let r = Rect {
                    x: self.empty_x,
                    y: 0.0,
                    w: NODE_W + 2.0 * PAD,
                    h: NODE_H + 2.0 * PAD + LABEL_BAND,
                };
                self.empty_x += r.w + PAD;
                r
            }
        };
        self.out[slot].rect = rect;
        Some(rect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BoundaryKind, Layout};

    fn overlaps(a: Rect, b: Rect) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    fn contains(outer: Rect, inner: Rect) -> bool {
        outer.x <= inner.x
            && outer.y <= inner.y
            && outer.x + outer.w >= inner.x + inner.w
            && outer.y + outer.h >= inner.y + inner.h
    }

    #[test]
    fn example_auto_layout_is_legible() {
        let mut m = Model::example();
        m.layout = Layout::default();
        let d = layout(&m);
        assert_eq!(d.nodes.len(), m.node_count());
        let rects: Vec<(String, Rect)> = d
            .nodes
            .iter()
            .map(|(id, p)| (id.clone(), node_rect(*p)))
            .collect();
        for (i, (a, ra)) in rects.iter().enumerate() {
            for (b, rb) in &rects[i + 1..] {
                assert!(!overlaps(*ra, *rb), "{a} overlaps {b}");
            }
        }
        let region = |id: &str| d.regions.iter().find(|r| r.id == id).unwrap().rect;
        // Every node is inside its boundary, and nested boundaries inside their parents.
        for node in m.nodes() {
            let b = node.boundary.as_deref().unwrap();
            assert!(
                contains(region(b), node_rect(d.nodes[&node.id])),
                "{} in {b}",
                node.id
            );
        }
        for b in &m.boundaries {
            if let Some(p) = &b.parent {
                assert!(contains(region(p), region(&b.id)), "{} in {p}", b.id);
            }
        }
        // Sibling top-level regions do not overlap; the internet is left of the data tier.
        assert!(!overlaps(region("internet"), region("aws-prod")));
        assert!(region("internet").x < region("data-tier").x);
    }

    #[test]
    fn hand_placed_nodes_stay_and_new_ones_go_below() {
        let mut m = Model::example();
        m.layout = Layout::default();
        m.layout
            .nodes
            .insert("customer".into(), Pos { x: 500.0, y: 300.0 });
        let d = layout(&m);
        assert_eq!(d.nodes["customer"], Pos { x: 500.0, y: 300.0 });
        assert!(d.nodes["vault"].y > 300.0 + NODE_H);
    }

    #[test]
    fn empty_and_cyclic_boundaries_do_not_break_layout() {
        let mut m = Model::new("x");
        for (id, parent) in [("a", Some("b")), ("b", Some("a")), ("c", None)] {
            m.boundaries.push(crate::model::Boundary {
                id: id.into(),
                name: String::new(),
                kind: BoundaryKind::Dmz,
                trust: None,
                parent: parent.map(str::to_string),
                scope: vec![],
                description: String::new(),
            });
        }
        let d = layout(&m);
        assert!(d.regions.iter().any(|r| r.id == "c"));
        assert!(d.bounds().is_some());
    }
}
