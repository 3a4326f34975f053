//! Canvas geometry the importers share: which box holds a node, how boxes nest, and which side
//! of a drawn boundary line a node is on (Threat Dragon's curves, TMT's line boundaries).

use serde_json::Value;

use super::{Ids, Note};
use crate::model::{Boundary, BoundaryKind, Model};

fn num(v: &Value, path: &[&str]) -> f32 {
    let mut at = v;
    for k in path {
        match at.get(k) {
            Some(x) => at = x,
            None => return 0.0,
        }
    }
    super::coordinate(Some(at)).unwrap_or(0.0)
}

/// A box on a source tool's canvas.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Bounds {
    pub(crate) fn of(cell: &Value) -> Self {
        Bounds {
            x: num(cell, &["position", "x"]),
            y: num(cell, &["position", "y"]),
            w: num(cell, &["size", "width"]).max(1.0),
            h: num(cell, &["size", "height"]).max(1.0),
        }
    }
    pub(crate) fn centre(self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    pub(crate) fn contains(self, (px, py): (f32, f32)) -> bool {
        px >= self.x && px <= self.x + self.w && py >= self.y && py <= self.y + self.h
    }
    pub(crate) fn area(self) -> f32 {
        self.w * self.h
    }
}

pub(crate) type P = (f32, f32);

/// Each node in the smallest box around its centre; each box in the smallest larger box that
/// holds it whole.
pub(crate) fn box_membership(
    model: &mut Model,
    nodes: &[(String, Bounds, bool)],
    boxes: &[(String, Bounds)],
) {
    let smallest = |p: P| -> Option<String> {
        boxes
            .iter()
            .filter(|(_, b)| b.contains(p))
            .min_by(|a, b| a.1.area().total_cmp(&b.1.area()))
            .map(|(id, _)| id.clone())
    };
    for (id, b, _) in nodes {
        if let (Some(boundary), Some(node)) = (smallest(b.centre()), model.node_mut(id)) {
            node.boundary = Some(boundary);
        }
    }
    let parents: std::collections::BTreeMap<String, Option<String>> = boxes
        .iter()
        .map(|(id, b)| {
            let parent = boxes
                .iter()
                .filter(|(other, ob)| {
                    other != id
                        && ob.area() > b.area()
                        && ob.contains((b.x, b.y))
                        && ob.contains((b.x + b.w, b.y + b.h))
                })
                .min_by(|a, c| a.1.area().total_cmp(&c.1.area()))
                .map(|(o, _)| o.clone());
            (id.clone(), parent)
        })
        .collect();
    for b in &mut model.boundaries {
        b.parent = parents.get(&b.id).cloned().flatten();
    }
}

fn dist(a: P, b: P) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// Which side of a curve a point is on: `Some(true/false)` for the two sides of an open line
/// (extended at both ends), or inside (`true`) / outside of a closed one; `None` for a
/// degenerate line.
pub(crate) fn side(curve: &[P], p: P) -> Option<bool> {
    if curve.len() < 2 {
        return None;
    }
    let length: f32 = curve.windows(2).map(|w| dist(w[0], w[1])).sum();
    if length < 1.0 {
        return None;
    }
    let (first, last) = (curve[0], curve[curve.len() - 1]);
    if curve.len() >= 3 && dist(first, last) < 0.15 * length {
        // Closed: ray casting.
        let mut inside = false;
        let n = curve.len();
        for i in 0..n {
            let (a, b) = (curve[i], curve[(i + 1) % n]);
            if (a.1 > p.1) != (b.1 > p.1) && p.0 < (b.0 - a.0) * (p.1 - a.1) / (b.1 - a.1) + a.0 {
                inside = !inside;
            }
        }
        return Some(inside);
    }
    // Open: the side of the nearest segment, the end segments extended far out.
    let extend = |a: P, b: P| -> P {
        let d = dist(a, b).max(1e-3);
        (b.0 + (b.0 - a.0) / d * 1.0e7, b.1 + (b.1 - a.1) / d * 1.0e7)
    };
    let mut pts = curve.to_vec();
    pts.insert(0, extend(curve[1], curve[0]));
    let k = curve.len();
    pts.push(extend(curve[k - 2], curve[k - 1]));
    let mut best = (f32::INFINITY, 0.0f32);
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (vx, vy) = (b.0 - a.0, b.1 - a.1);
        let len2 = (vx * vx + vy * vy).max(1e-6);
        let t = (((p.0 - a.0) * vx + (p.1 - a.1) * vy) / len2).clamp(0.0, 1.0);
        let d = dist(p, (a.0 + t * vx, a.1 + t * vy));
        let cross = vx * (p.1 - a.1) - vy * (p.0 - a.0);
        if d < best.0 - 1e-3 {
            best = (d, cross);
        }
    }
    Some(best.1 >= 0.0)
}

/// Curve boundaries, membership from geometry: nodes not in a box and boxes without a parent
/// on the curve's inner side belong to it; a curve whose side lies within another's nests.
pub(crate) fn curve_boundaries(
    model: &mut Model,
    ids: &mut Ids,
    notes: &mut Vec<Note>,
    curves: &[(String, String, Vec<P>)],
    node_bounds: &[(String, Bounds, bool)],
    boxes: &[(String, Bounds)],
) {
    struct Curve {
        id: String,
        nodes: Vec<String>,
        boxes: Vec<String>,
    }
    let mut made: Vec<Curve> = Vec::new();
    for (name, description, line) in curves {
        let label = if name.is_empty() {
            "Trust boundary".to_string()
        } else {
            name.clone()
        };
        // Each node's side, by its box's centre when it is in one.
        let box_of = |id: &str| {
            model
                .node(id)
                .and_then(|n| n.boundary.clone())
                .and_then(|b| boxes.iter().find(|(x, _)| *x == b).map(|(_, bb)| *bb))
        };
        let mut sides: [Vec<(String, bool)>; 2] = [Vec::new(), Vec::new()];
        for (id, b, external) in node_bounds {
            let at = box_of(id).unwrap_or(*b).centre();
            if let Some(s) = side(line, at) {
                sides[usize::from(s)].push((id.clone(), *external));
            }
        }
        if sides[0].is_empty() || sides[1].is_empty() {
            notes.push(Note::unmapped(
                label.as_str(),
                "curve boundary not imported: every element lies on one side of it",
            ));
            continue;
        }
        // A line named for an untrusted zone (the internet, a device, a partner) holds the
        // side with the external entities; any other line the side without them. When both or
        // neither side has them, the smaller side.
        let kind = super::boundary_kind_from_words(&label, description)
            .unwrap_or(BoundaryKind::InternalNetwork);
        let outside = matches!(
            kind,
            BoundaryKind::Internet | BoundaryKind::Device | BoundaryKind::ThirdParty
        );
        let externals = |s: &Vec<(String, bool)>| s.iter().any(|(_, e)| *e);
        let inner = match (externals(&sides[0]), externals(&sides[1])) {
            (true, false) => usize::from(!outside),
            (false, true) => usize::from(outside),
            _ => usize::from(sides[1].len() < sides[0].len()),
        };
        let id = ids.take(&label, "trust-boundary");
        let members: Vec<String> = sides[inner].iter().map(|(n, _)| n.clone()).collect();
        let free: Vec<String> = members
            .iter()
            .filter(|n| model.node(n).is_some_and(|x| x.boundary.is_none()))
            .cloned()
            .collect();
        let held_boxes: Vec<String> = boxes
            .iter()
            .filter(|(b, bb)| {
                side(line, bb.centre()) == Some(inner == 1)
                    && model.boundary(b).is_some_and(|x| x.parent.is_none())
            })
            .map(|(b, _)| b.clone())
            .collect();
        notes.push(Note::info(
            label.as_str(),
            format!(
                "curve boundary: membership from its line, the side of {}",
                members
                    .iter()
                    .map(|m| model.element_name(m).unwrap_or(m).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
        model.boundaries.push(Boundary {
            id: id.clone(),
            name: label.clone(),
            kind,
            trust: None,
            parent: None,
            scope: super::boundary_scope_from_words(&label),
            description: description.clone(),
            out_of_scope: None,
        });
        made.push(Curve {
            id,
            nodes: free,
            boxes: held_boxes,
        });
    }
    // Larger sides first, so that a smaller curve inside a larger one nests in it.
    made.sort_by_key(|c| std::cmp::Reverse(c.nodes.len() + c.boxes.len()));
    for i in 0..made.len() {
        let parent = (0..i).rev().find(|&j| {
            let (outer, inner) = (&made[j], &made[i]);
            inner.nodes.iter().all(|n| outer.nodes.contains(n))
                && inner.boxes.iter().all(|b| outer.boxes.contains(b))
        });
        let c = &made[i];
        for n in &c.nodes {
            if let Some(node) = model.node_mut(n) {
                node.boundary = Some(c.id.clone());
            }
        }
        for b in &c.boxes {
            if let Some(bx) = model.boundary_mut(b) {
                bx.parent = Some(c.id.clone());
            }
        }
        if let (Some(p), Some(b)) = (parent, model.boundary_mut(&c.id)) {
            b.parent = Some(made[p].id.clone());
        }
    }
}
