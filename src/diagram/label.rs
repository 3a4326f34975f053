//! Flow labels: each flow's name goes on its route where it covers no box, no boundary title,
//! no other label and no other flow; where no such place exists, or the name is too long, the
//! flow gets a numbered callout (`F3`) on its route and the name goes in the key. Nothing is
//! dropped.

use std::collections::HashMap;

use super::structure::Structure;
use super::{
    FLOW_FONT, FlowLabel, KeyEntry, SceneBoundary, SceneFlow, SceneNode, expand, overlaps,
};
use crate::model::{Pos, Rect};
use crate::text;

/// Names wider than this get a callout rather than a label across the drawing.
const MAX_LABEL: f32 = 190.0;
const BUCKET: f32 = 80.0;

fn bucket(v: f32) -> i32 {
    (v / BUCKET).floor() as i32
}

/// Rectangles and route pieces in buckets.
#[derive(Default)]
struct Space {
    rects: Vec<Rect>,
    rect_grid: HashMap<(i32, i32), Vec<usize>>,
    /// Route pieces: (flow, a, b).
    pieces: Vec<(usize, Pos, Pos)>,
    piece_grid: HashMap<(i32, i32), Vec<usize>>,
}

fn cells(r: Rect) -> impl Iterator<Item = (i32, i32)> {
    let (x0, x1, y0, y1) = (
        bucket(r.x),
        bucket(r.x + r.w),
        bucket(r.y),
        bucket(r.y + r.h),
    );
    (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
}

impl Space {
    fn add_rect(&mut self, r: Rect) {
        let i = self.rects.len();
        self.rects.push(r);
        for c in cells(r) {
            self.rect_grid.entry(c).or_default().push(i);
        }
    }

    fn add_piece(&mut self, flow: usize, a: Pos, b: Pos) {
        let i = self.pieces.len();
        self.pieces.push((flow, a, b));
        let r = Rect {
            x: a.x.min(b.x),
            y: a.y.min(b.y),
            w: (a.x - b.x).abs(),
            h: (a.y - b.y).abs(),
        };
        for c in cells(r) {
            self.piece_grid.entry(c).or_default().push(i);
        }
    }

    fn hits_rect(&self, r: Rect) -> bool {
        cells(r).any(|c| {
            self.rect_grid
                .get(&c)
                .is_some_and(|list| list.iter().any(|i| overlaps(self.rects[*i], r)))
        })
    }

    /// Whether a route piece of another flow passes through `r`.
    fn hits_other_flow(&self, r: Rect, own: usize) -> bool {
        cells(r).any(|c| {
            self.piece_grid.get(&c).is_some_and(|list| {
                list.iter().any(|i| {
                    let (f, a, b) = self.pieces[*i];
                    f != own
                        && a.x.max(b.x) > r.x
                        && a.x.min(b.x) < r.x + r.w
                        && a.y.max(b.y) > r.y
                        && a.y.min(b.y) < r.y + r.h
                })
            })
        })
    }
}

/// Places every flow's label; returns the key (callouts, then names cut in the drawing).
pub(super) fn place(
    s: &Structure,
    nodes: &[SceneNode],
    boundaries: &[SceneBoundary],
    flows: &mut [SceneFlow],
) -> Vec<KeyEntry> {
    let mut space = Space::default();
    for n in nodes {
        space.add_rect(expand(n.rect, 2.0));
    }
    for b in boundaries {
        space.add_rect(expand(b.title_rect, 1.0));
    }
    for (fi, f) in flows.iter().enumerate() {
        for w in f.points.windows(2) {
            space.add_piece(fi, w[0], w[1]);
        }
        // Arrowheads stay in view: no label on the last few units of a route.
        if let Some(end) = f.points.last() {
            space.add_rect(Rect {
                x: end.x - 9.0,
                y: end.y - 9.0,
                w: 18.0,
                h: 18.0,
            });
        }
    }
    let fonts = text::fonts();
    let h = (FLOW_FONT * 1.45).round();
    let mut key = Vec::new();
    for (fi, f) in flows.iter_mut().enumerate() {
        let name = f.label.text().to_string();
        let w = (fonts.width(&name, FLOW_FONT, false) + 8.0).ceil();
        let spot = (w <= MAX_LABEL)
            .then(|| find(&space, &f.points, fi, w, h, true))
            .flatten();
        if let Some(rect) = spot {
            space.add_rect(rect);
            f.label = FlowLabel::Text { rect, text: name };
            continue;
        }
        let tag = format!("F{}", s.links[fi].number);
        let tw = (fonts.width(&tag, FLOW_FONT, true) + 8.0).ceil();
        let rect = find(&space, &f.points, fi, tw, h, true)
            .or_else(|| find(&space, &f.points, fi, tw, h, false))
            .unwrap_or_else(|| nearby(&space, &f.points, tw, h));
        space.add_rect(rect);
        key.push(KeyEntry {
            tag: tag.clone(),
            text: name.clone(),
            element: f.id.clone(),
        });
        f.label = FlowLabel::Callout {
            rect,
            tag,
            text: name,
        };
    }
    for n in nodes.iter().filter(|n| n.truncated) {
        key.push(KeyEntry {
            tag: n.id.clone(),
            text: n.name.clone(),
            element: n.id.clone(),
        });
    }
    for b in boundaries.iter().filter(|b| b.truncated) {
        key.push(KeyEntry {
            tag: b.id.clone(),
            text: b.full_title.clone(),
            element: b.id.clone(),
        });
    }
    key
}

/// A free place for a `w` x `h` label on a route: on one of its pieces (longest first), on the
/// line or beside it. With `strict`, it also keeps clear of other flows' lines.
fn find(space: &Space, points: &[Pos], own: usize, w: f32, h: f32, strict: bool) -> Option<Rect> {
    let n = points.len();
    let mut pieces: Vec<(f32, Pos, Pos)> = points
        .windows(2)
        .enumerate()
        // The stubs at the ends touch the boxes: keep labels off them when there is more.
        .filter(|(i, _)| n <= 3 || (*i != 0 && *i != n - 2))
        .map(|(_, w)| {
            let len = (w[0].x - w[1].x).abs() + (w[0].y - w[1].y).abs();
            (len, w[0], w[1])
        })
        .collect();
    pieces.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (len, a, b) in pieces {
        let horizontal = (a.y - b.y).abs() < 0.01;
        let need = if horizontal { w } else { h };
        if len < need + 6.0 {
            continue;
        }
        for t in [0.5, 0.35, 0.65, 0.2, 0.8] {
            let p = Pos {
                x: a.x + (b.x - a.x) * t,
                y: a.y + (b.y - a.y) * t,
            };
            let offsets: [(f32, f32); 3] = if horizontal {
                [(0.0, 0.0), (0.0, -(h / 2.0 + 2.0)), (0.0, h / 2.0 + 2.0)]
            } else {
                [(0.0, 0.0), (w / 2.0 + 3.0, 0.0), (-(w / 2.0 + 3.0), 0.0)]
            };
            for (dx, dy) in offsets {
                let rect = Rect {
                    x: (p.x + dx - w / 2.0).round(),
                    y: (p.y + dy - h / 2.0).round(),
                    w,
                    h,
                };
                if space.hits_rect(rect) {
                    continue;
                }
                if strict && space.hits_other_flow(expand(rect, 1.0), own) {
                    continue;
                }
                return Some(rect);
            }
        }
    }
    None
}

/// Where a callout goes when no place on its route is free: the free place nearest the middle
/// of its longest piece, in a widening spiral (it may then cover other flows' lines, never a box
/// or a label).
fn nearby(space: &Space, points: &[Pos], w: f32, h: f32) -> Rect {
    let (a, b) = points
        .windows(2)
        .map(|w| (w[0], w[1]))
        .max_by(|x, y| {
            let lx = (x.0.x - x.1.x).abs() + (x.0.y - x.1.y).abs();
            let ly = (y.0.x - y.1.x).abs() + (y.0.y - y.1.y).abs();
            lx.total_cmp(&ly)
        })
        .unwrap_or((Pos { x: 0.0, y: 0.0 }, Pos { x: 0.0, y: 0.0 }));
    let mid = Pos {
        x: f32::midpoint(a.x, b.x),
        y: f32::midpoint(a.y, b.y),
    };
    let at = |dx: f32, dy: f32| Rect {
        x: (mid.x + dx - w / 2.0).round(),
        y: (mid.y + dy - h / 2.0).round(),
        w,
        h,
    };
    for ring in 0..400 {
        let r = ring as f32 * 4.0;
        let steps = (ring * 4).max(1);
        for k in 0..steps {
            let t = k as f32 / steps as f32 * std::f32::consts::TAU;
            let rect = at(r * t.cos(), r * t.sin());
            if !space.hits_rect(rect) {
                return rect;
            }
        }
    }
    at(0.0, 0.0)
}
