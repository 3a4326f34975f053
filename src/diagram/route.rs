//! Flow routes: orthogonal polylines from a port on one box's side to a port on another's,
//! clear of every other box and of boundary titles. Ports are spread along each side in the
//! order of the other ends, so parallel and neighbouring flows leave side by side. Each route is
//! the simplest free shape (straight, one or two bends through a free lane), or else the
//! cheapest path found by A* on a grid, with bends and already-used cells costing extra.

use std::collections::{HashMap, HashSet};

use super::structure::Structure;
use super::{FlowLabel, SceneBoundary, SceneFlow, SceneNode, expand};
use crate::model::{Pos, Rect};

/// How far a route keeps from the boxes it passes.
pub(super) const CLEAR: f32 = 8.0;
/// The straight piece out of a port, perpendicular to the side.
pub(super) const STUB: f32 = 16.0;
/// Lanes of vertical (or horizontal) pieces in one channel are this far apart.
const LANE: f32 = 9.0;
/// A* grid cell.
const CELL: f32 = 10.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Side {
    E,
    W,
    N,
    S,
}

impl Side {
    fn normal(self) -> (f32, f32) {
        match self {
            Side::E => (1.0, 0.0),
            Side::W => (-1.0, 0.0),
            Side::N => (0.0, -1.0),
            Side::S => (0.0, 1.0),
        }
    }

    fn horizontal(self) -> bool {
        matches!(self, Side::E | Side::W)
    }
}

fn centre(r: Rect) -> Pos {
    Pos {
        x: r.x + r.w / 2.0,
        y: r.y + r.h / 2.0,
    }
}

/// Which sides a flow leaves and enters by.
fn sides(a: Rect, b: Rect, same: bool) -> (Side, Side) {
    if same {
        return (Side::E, Side::N);
    }
    let gap = 2.0 * STUB + 4.0;
    if b.x >= a.x + a.w + gap {
        (Side::E, Side::W)
    } else if b.x + b.w + gap <= a.x {
        (Side::W, Side::E)
    } else if centre(b).y >= centre(a).y {
        (Side::S, Side::N)
    } else {
        (Side::N, Side::S)
    }
}

/// Obstacles in buckets, for quick segment tests.
struct Obstacles {
    rects: Vec<Rect>,
    grid: HashMap<(i32, i32), Vec<usize>>,
}

const BUCKET: f32 = 96.0;

fn bucket(v: f32) -> i32 {
    (v / BUCKET).floor() as i32
}

impl Obstacles {
    fn new(rects: Vec<Rect>) -> Self {
        let mut grid: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
        for (i, r) in rects.iter().enumerate() {
            for x in bucket(r.x)..=bucket(r.x + r.w) {
                for y in bucket(r.y)..=bucket(r.y + r.h) {
                    grid.entry((x, y)).or_default().push(i);
                }
            }
        }
        Obstacles { rects, grid }
    }

    /// Whether an axis-aligned segment passes through the inside of an obstacle.
    fn blocks(&self, a: Pos, b: Pos) -> bool {
        let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
        let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
        let mut seen = HashSet::new();
        for bx in bucket(x0)..=bucket(x1) {
            for by in bucket(y0)..=bucket(y1) {
                let Some(list) = self.grid.get(&(bx, by)) else {
                    continue;
                };
                for &i in list {
                    if !seen.insert(i) {
                        continue;
                    }
                    let r = self.rects[i];
                    if x1 > r.x && x0 < r.x + r.w && y1 > r.y && y0 < r.y + r.h {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Pieces of routes already laid, per line, so that a new route does not run along one.
#[derive(Default)]
struct Used {
    vertical: HashMap<i32, Vec<(f32, f32)>>,
    horizontal: HashMap<i32, Vec<(f32, f32)>>,
}

impl Used {
    fn key(v: f32) -> i32 {
        (v * 2.0).round() as i32
    }

    fn collides(&self, a: Pos, b: Pos) -> bool {
        let (map, line, lo, hi) = if (a.x - b.x).abs() < 0.01 {
            (&self.vertical, a.x, a.y.min(b.y), a.y.max(b.y))
        } else {
            (&self.horizontal, a.y, a.x.min(b.x), a.x.max(b.x))
        };
        // Nearby lines too: two pieces closer than half a lane read as one.
        (-2..=2).any(|d| {
            map.get(&(Self::key(line) + d))
                .is_some_and(|list| list.iter().any(|(p, q)| lo < q - 1.0 && hi > p + 1.0))
        })
    }

    fn add(&mut self, points: &[Pos]) {
        for w in points.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a.x - b.x).abs() < 0.01 {
                self.vertical
                    .entry(Self::key(a.x))
                    .or_default()
                    .push((a.y.min(b.y), a.y.max(b.y)));
            } else if (a.y - b.y).abs() < 0.01 {
                self.horizontal
                    .entry(Self::key(a.y))
                    .or_default()
                    .push((a.x.min(b.x), a.x.max(b.x)));
            }
        }
    }
}

/// Routes every link of the structure between the scene's boxes (`nodes` is in item order).
pub(super) fn route(
    s: &Structure,
    nodes: &[SceneNode],
    boundaries: &[SceneBoundary],
) -> Vec<SceneFlow> {
    let rects: Vec<Rect> = nodes.iter().map(|n| n.rect).collect();
    // Sides, then ports spread along each side in the order of the other ends.
    let ends: Vec<(Side, Side)> = s
        .links
        .iter()
        .map(|l| sides(rects[l.from], rects[l.to], l.from == l.to))
        .collect();
    // Per (box, side): (where the other end is along the side, link, whether it starts here).
    type Ends = Vec<(f32, usize, bool)>;
    let mut per_side: HashMap<(usize, Side), Ends> = HashMap::new();
    for (li, l) in s.links.iter().enumerate() {
        let (sa, sb) = ends[li];
        let (ca, cb) = (centre(rects[l.from]), centre(rects[l.to]));
        let along = |side: Side, other: Pos| if side.horizontal() { other.y } else { other.x };
        per_side
            .entry((l.from, sa))
            .or_default()
            .push((along(sa, cb), li, true));
        per_side
            .entry((l.to, sb))
            .or_default()
            .push((along(sb, ca), li, false));
    }
    let mut ports: Vec<[Pos; 2]> = vec![[Pos { x: 0.0, y: 0.0 }; 2]; s.links.len()];
    for ((item, side), list) in &mut per_side {
        list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let r = rects[*item];
        let k = list.len() as f32;
        for (i, (_, li, start)) in list.iter().enumerate() {
            let t = 0.15 + 0.7 * (i as f32 + 0.5) / k;
            let p = match side {
                Side::E => Pos {
                    x: r.x + r.w,
                    y: r.y + r.h * t,
                },
                Side::W => Pos {
                    x: r.x,
                    y: r.y + r.h * t,
                },
                Side::N => Pos {
                    x: r.x + r.w * t,
                    y: r.y,
                },
                Side::S => Pos {
                    x: r.x + r.w * t,
                    y: r.y + r.h,
                },
            };
            ports[*li][usize::from(!*start)] = Pos {
                x: p.x.round(),
                y: p.y.round(),
            };
        }
    }
    let mut obstacle_rects: Vec<Rect> = rects.iter().map(|r| expand(*r, CLEAR)).collect();
    obstacle_rects.extend(boundaries.iter().map(|b| expand(b.title_rect, 3.0)));
    let obstacles = Obstacles::new(obstacle_rects);
    let mut used = Used::default();
    let mut grid: Option<Grid> = None;
    let mut tight: Option<Grid> = None;
    // Short routes first: they have the fewest choices.
    let mut order: Vec<usize> = (0..s.links.len()).collect();
    let length = |li: usize| {
        let [a, b] = ports[li];
        (a.x - b.x).abs() + (a.y - b.y).abs()
    };
    order.sort_by(|a, b| length(*a).total_cmp(&length(*b)).then(a.cmp(b)));
    let mut routes: Vec<Vec<Pos>> = vec![Vec::new(); s.links.len()];
    for li in order {
        let (sa, sb) = ends[li];
        let [pa, pb] = ports[li];
        let stub = |p: Pos, side: Side| {
            let (nx, ny) = side.normal();
            Pos {
                x: p.x + nx * STUB,
                y: p.y + ny * STUB,
            }
        };
        let (qa, qb) = (stub(pa, sa), stub(pb, sb));
        let routed = simple(qa, sa, qb, sb, &obstacles, &used)
            .or_else(|| {
                let g = grid.get_or_insert_with(|| Grid::new(&rects, &obstacles));
                g.path(qa, sa, qb, sb, true)
            })
            .map(|middle| (pa, middle, pb))
            .or_else(|| {
                // Boxes set by hand too close for the usual clearance (or ports facing a
                // neighbour): other sides, then a tighter clearance, before giving up.
                let l = &s.links[li];
                if l.from == l.to {
                    return None;
                }
                let g = grid.get_or_insert_with(|| Grid::new(&rects, &obstacles));
                rescue(g, rects[l.from], rects[l.to], STUB).or_else(|| {
                    let t = tight.get_or_insert_with(|| {
                        let mut r: Vec<Rect> = rects.iter().map(|r| expand(*r, 2.0)).collect();
                        r.extend(boundaries.iter().map(|b| expand(b.title_rect, 1.0)));
                        Grid::new(&rects, &Obstacles::new(r))
                    });
                    rescue(t, rects[l.from], rects[l.to], 6.0)
                })
            });
        let (pa, middle, pb) = routed.unwrap_or_else(|| (pa, elbow(qa, sa, qb), pb));
        let mut points = vec![pa];
        points.extend(middle);
        points.push(pb);
        let points = simplify(points);
        used.add(&points);
        routes[li] = points;
    }
    nudge(&mut routes, &obstacles);
    s.links
        .iter()
        .zip(routes)
        .map(|(l, points)| SceneFlow {
            id: l.ids[0].clone(),
            flows: l.ids.clone(),
            from: s.items[l.from].key.clone(),
            to: s.items[l.to].key.clone(),
            encryption: l.encryption,
            points,
            label: FlowLabel::Text {
                rect: Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 0.0,
                    h: 0.0,
                },
                text: l.text.clone(),
            },
        })
        .collect()
}

/// Pieces of different routes running along the same line are moved apart, a few units each,
/// where the move keeps them clear of every obstacle (the pieces at the ports stay put).
fn nudge(routes: &mut [Vec<Pos>], obstacles: &Obstacles) {
    const APART: f32 = 5.0;
    for horizontal in [true, false] {
        // (line, low end, high end, route, piece)
        let mut pieces: Vec<(i32, f32, f32, usize, usize)> = Vec::new();
        for (r, points) in routes.iter().enumerate() {
            let n = points.len();
            for i in 1..n.saturating_sub(2) {
                let (a, b) = (points[i], points[i + 1]);
                let flat = if horizontal {
                    (a.y - b.y).abs() < 0.01
                } else {
                    (a.x - b.x).abs() < 0.01
                };
                if !flat {
                    continue;
                }
                let (line, lo, hi) = if horizontal {
                    (a.y, a.x.min(b.x), a.x.max(b.x))
                } else {
                    (a.x, a.y.min(b.y), a.y.max(b.y))
                };
                pieces.push(((line * 2.0).round() as i32, lo, hi, r, i));
            }
        }
        pieces.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.3.cmp(&b.3)));
        let mut k = 0;
        while k < pieces.len() {
            // A run of pieces on one line, each overlapping the run so far.
            let mut end = k + 1;
            let mut reach = pieces[k].2;
            while end < pieces.len() && pieces[end].0 == pieces[k].0 && pieces[end].1 < reach - 1.0
            {
                reach = reach.max(pieces[end].2);
                end += 1;
            }
            let group = &pieces[k..end];
            let count = group.iter().map(|p| p.3).collect::<HashSet<_>>().len();
            if count > 1 {
                let mut members: Vec<(usize, usize)> = group.iter().map(|p| (p.3, p.4)).collect();
                members.sort_unstable();
                let mid = (members.len() as f32 - 1.0) / 2.0;
                for (j, (r, i)) in members.into_iter().enumerate() {
                    let offset = (j as f32 - mid) * APART;
                    if offset.abs() < 0.01 {
                        continue;
                    }
                    let points = &routes[r];
                    let mut moved = points.clone();
                    if horizontal {
                        moved[i].y += offset;
                        moved[i + 1].y += offset;
                    } else {
                        moved[i].x += offset;
                        moved[i + 1].x += offset;
                    }
                    let lo = i.saturating_sub(1);
                    let hi = (i + 2).min(moved.len() - 1);
                    let clear = moved[lo..=hi]
                        .windows(2)
                        .all(|w| !obstacles.blocks(w[0], w[1]));
                    if clear {
                        routes[r] = moved;
                    }
                }
            }
            k = end;
        }
    }
}

/// The points from one stub end to the other by the simplest free shape, if one is free.
fn simple(
    qa: Pos,
    sa: Side,
    qb: Pos,
    sb: Side,
    obstacles: &Obstacles,
    used: &Used,
) -> Option<Vec<Pos>> {
    let free = |points: &[Pos]| {
        points
            .windows(2)
            .all(|w| !obstacles.blocks(w[0], w[1]) && !used.collides(w[0], w[1]))
    };
    let mut candidates: Vec<Vec<Pos>> = Vec::new();
    match (sa.horizontal(), sb.horizontal()) {
        (true, true) => {
            if (qa.y - qb.y).abs() < 0.5 {
                candidates.push(vec![qa, qb]);
            }
            for x in lanes(qa.x, qb.x) {
                candidates.push(vec![qa, Pos { x, y: qa.y }, Pos { x, y: qb.y }, qb]);
            }
        }
        (false, false) => {
            if (qa.x - qb.x).abs() < 0.5 {
                candidates.push(vec![qa, qb]);
            }
            for y in lanes(qa.y, qb.y) {
                candidates.push(vec![qa, Pos { x: qa.x, y }, Pos { x: qb.x, y }, qb]);
            }
        }
        (true, false) => candidates.push(vec![qa, Pos { x: qb.x, y: qa.y }, qb]),
        (false, true) => candidates.push(vec![qa, Pos { x: qa.x, y: qb.y }, qb]),
    }
    candidates.into_iter().find(|c| free(c))
}

/// Where the middle piece of a two-bend route may run between `a` and `b`: the middle first,
/// then lanes next to each end, then lanes spreading from the middle.
fn lanes(a: f32, b: f32) -> Vec<f32> {
    let (lo, hi) = (a.min(b), a.max(b));
    let mid = f32::midpoint(lo, hi).round();
    let mut out = vec![mid];
    for k in 1..=8 {
        let d = k as f32 * LANE;
        for x in [mid - d, mid + d, hi - d, lo + d] {
            if x > lo + 1.0 && x < hi - 1.0 {
                out.push(x);
            }
        }
    }
    out
}

/// A route between the middles of any two sides of `a` and `b` (nearest stub ends first), with
/// stubs of `stub` units, searched near the ends on `grid`: (port, middle points, port).
fn rescue(grid: &mut Grid, a: Rect, b: Rect, stub: f32) -> Option<(Pos, Vec<Pos>, Pos)> {
    let port = |r: Rect, side: Side| {
        let c = centre(r);
        let p = match side {
            Side::E => Pos {
                x: r.x + r.w,
                y: c.y,
            },
            Side::W => Pos { x: r.x, y: c.y },
            Side::N => Pos { x: c.x, y: r.y },
            Side::S => Pos {
                x: c.x,
                y: r.y + r.h,
            },
        };
        let (nx, ny) = side.normal();
        let p = Pos {
            x: p.x.round(),
            y: p.y.round(),
        };
        (
            p,
            Pos {
                x: p.x + nx * stub,
                y: p.y + ny * stub,
            },
        )
    };
    let all = [Side::E, Side::W, Side::N, Side::S];
    let mut pairs: Vec<(f32, Side, Side)> = Vec::new();
    for sa in all {
        for sb in all {
            let ((_, qa), (_, qb)) = (port(a, sa), port(b, sb));
            pairs.push(((qa.x - qb.x).abs() + (qa.y - qb.y).abs(), sa, sb));
        }
    }
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    pairs.into_iter().find_map(|(_, sa, sb)| {
        let ((pa, qa), (pb, qb)) = (port(a, sa), port(b, sb));
        grid.path(qa, sa, qb, sb, false).map(|m| (pa, m, pb))
    })
}

/// A last resort (no path on the grid): one bend.
fn elbow(qa: Pos, sa: Side, qb: Pos) -> Vec<Pos> {
    if sa.horizontal() {
        vec![qa, Pos { x: qb.x, y: qa.y }, qb]
    } else {
        vec![qa, Pos { x: qa.x, y: qb.y }, qb]
    }
}

/// Drops repeated points and points in the middle of a straight run.
fn simplify(points: Vec<Pos>) -> Vec<Pos> {
    let mut out: Vec<Pos> = Vec::with_capacity(points.len());
    for p in points {
        if out
            .last()
            .is_some_and(|q: &Pos| (q.x - p.x).abs() < 0.01 && (q.y - p.y).abs() < 0.01)
        {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let straight = ((a.x - b.x).abs() < 0.01 && (b.x - p.x).abs() < 0.01)
                || ((a.y - b.y).abs() < 0.01 && (b.y - p.y).abs() < 0.01);
            if straight {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// A grid over the drawing for A*: which cells obstacles block. (Routes that end up along one
/// line are moved apart afterwards, by [`nudge`]: costing overlap in the search made it
/// explore four times as much.)
struct Grid {
    x0: f32,
    y0: f32,
    w: usize,
    h: usize,
    blocked: Vec<bool>,
    /// Search state, reused between searches (`stamp` tells which entries are current).
    cost: Vec<u32>,
    from: Vec<u32>,
    stamp: Vec<u32>,
    epoch: u32,
}

const DIRS: [(i32, i32); 4] = [(1, 0), (-1, 0), (0, -1), (0, 1)];
const STEP: u32 = 10;
const BEND: u32 = 70;

impl Grid {
    fn new(rects: &[Rect], obstacles: &Obstacles) -> Self {
        let all = rects.iter().copied().reduce(super::union).unwrap_or(Rect {
            x: 0.0,
            y: 0.0,
            w: 1.0,
            h: 1.0,
        });
        let margin = 6.0 * CELL + STUB;
        let (x0, y0) = (all.x - margin, all.y - margin);
        let w = ((all.w + 2.0 * margin) / CELL).ceil() as usize + 1;
        let h = ((all.h + 2.0 * margin) / CELL).ceil() as usize + 1;
        let mut blocked = vec![false; w * h];
        for r in &obstacles.rects {
            // Grid points inside the obstacle (its clearance keeps the box itself clear of
            // the pieces between grid points).
            let cx0 = ((r.x - x0) / CELL).ceil().max(0.0) as usize;
            let cy0 = ((r.y - y0) / CELL).ceil().max(0.0) as usize;
            let cx1 = (((r.x + r.w - x0) / CELL).floor().max(0.0) as usize).min(w - 1);
            let cy1 = (((r.y + r.h - y0) / CELL).floor().max(0.0) as usize).min(h - 1);
            for cy in cy0..=cy1 {
                for cx in cx0..=cx1 {
                    blocked[cy * w + cx] = true;
                }
            }
        }
        Grid {
            x0,
            y0,
            w,
            h,
            blocked,
            cost: vec![0; w * h * 4],
            from: vec![0; w * h * 4],
            stamp: vec![0; w * h * 4],
            epoch: 0,
        }
    }

    fn cell(&self, p: Pos) -> (i32, i32) {
        (
            ((p.x - self.x0) / CELL).round() as i32,
            ((p.y - self.y0) / CELL).round() as i32,
        )
    }

    fn point(&self, c: (i32, i32)) -> Pos {
        Pos {
            x: self.x0 + c.0 as f32 * CELL,
            y: self.y0 + c.1 as f32 * CELL,
        }
    }

    fn inside(&self, c: (i32, i32)) -> bool {
        c.0 >= 0 && c.1 >= 0 && (c.0 as usize) < self.w && (c.1 as usize) < self.h
    }

    fn index(&self, c: (i32, i32)) -> usize {
        c.1 as usize * self.w + c.0 as usize
    }

    /// The cheapest path from `qa` (leaving along `sa`) to `qb` (arriving against `sb`), as
    /// corner points from `qa` to `qb`. Searched first near the two ends, then everywhere.
    /// With `everywhere` false, only the window near the two ends is searched.
    fn path(&mut self, qa: Pos, sa: Side, qb: Pos, sb: Side, everywhere: bool) -> Option<Vec<Pos>> {
        let (start, goal) = (self.cell(qa), self.cell(qb));
        if !self.inside(start) || !self.inside(goal) {
            return None;
        }
        let window = 60;
        let near = (
            start.0.min(goal.0) - window,
            start.1.min(goal.1) - window,
            start.0.max(goal.0) + window,
            start.1.max(goal.1) + window,
        );
        let cells = self.search(start, sa, goal, sb, Some(near));
        let cells = match cells {
            Some(c) => c,
            None if everywhere => self.search(start, sa, goal, sb, None)?,
            None => return None,
        };
        // Corner points, with the first and last runs moved onto the stub ends exactly.
        let mut corners: Vec<Pos> = Vec::new();
        for (k, c) in cells.iter().enumerate() {
            let turn = k == 0
                || k + 1 == cells.len()
                || (cells[k - 1].0 - c.0, cells[k - 1].1 - c.1)
                    != (c.0 - cells[k + 1].0, c.1 - cells[k + 1].1);
            if turn {
                corners.push(self.point(*c));
            }
        }
        let n = corners.len();
        if n >= 2 {
            if (corners[0].y - corners[1].y).abs() < 0.01 {
                corners[1].y = qa.y;
            } else {
                corners[1].x = qa.x;
            }
            corners[0] = qa;
            let (a, b) = (corners[n - 2], corners[n - 1]);
            if (a.y - b.y).abs() < 0.01 {
                corners[n - 2].y = qb.y;
            } else {
                corners[n - 2].x = qb.x;
            }
            corners[n - 1] = qb;
        } else {
            corners = vec![qa, qb];
        }
        // The nudged runs may no longer meet at right angles: put the elbows back.
        let mut out = vec![corners[0]];
        for p in corners.into_iter().skip(1) {
            let q = out[out.len() - 1];
            if (q.x - p.x).abs() > 0.01 && (q.y - p.y).abs() > 0.01 {
                out.push(Pos { x: p.x, y: q.y });
            }
            out.push(p);
        }
        Some(out)
    }

    fn search(
        &mut self,
        start: (i32, i32),
        sa: Side,
        goal: (i32, i32),
        sb: Side,
        window: Option<(i32, i32, i32, i32)>,
    ) -> Option<Vec<(i32, i32)>> {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
        let dir_of = |side: Side| match side {
            Side::E => 0usize,
            Side::W => 1,
            Side::N => 2,
            Side::S => 3,
        };
        let first = dir_of(sa);
        // Arriving at the goal against the target's side normal.
        let last = match sb {
            Side::E => 1,
            Side::W => 0,
            Side::N => 3,
            Side::S => 2,
        };
        // Distance plus the bends still needed: 0 when the goal is straight ahead, 1 when it
        // is to one side, 2 when behind or when arriving needs a turn as well (admissible, and
        // far tighter than distance alone, so few cells are expanded).
        let h = |c: (i32, i32), dir: usize| {
            let (dx, dy) = (goal.0 - c.0, goal.1 - c.1);
            let dist = STEP * (dx.unsigned_abs() + dy.unsigned_abs());
            let (fx, fy) = DIRS[dir];
            let ahead = dx * fx + dy * fy;
            let side = if fx == 0 { dx } else { dy };
            // (Arriving in another direction than `last` costs one bend, at the goal.)
            let bends = if dx == 0 && dy == 0 {
                0
            } else if side == 0 && ahead > 0 {
                u32::from(dir != last)
            } else if side != 0 && ahead >= 0 {
                1
            } else {
                2
            };
            dist + bends * BEND
        };
        // A bucket queue keyed by f (small integers, rising almost monotonically): O(1) per
        // push and pop, where a binary heap spent most of the search's time.
        let mut queue = Buckets::new(h(start, first));
        let s0 = (self.index(start) * 4 + first) as u32;
        self.stamp[s0 as usize] = self.epoch;
        self.cost[s0 as usize] = 0;
        self.from[s0 as usize] = u32::MAX;
        queue.push(h(start, first), s0);
        let mut expanded = 0usize;
        while let Some((f, state)) = queue.pop() {
            let st = state as usize;
            let (ci, dir) = (st / 4, st % 4);
            let c = ((ci % self.w) as i32, (ci / self.w) as i32);
            // A stale entry: the state was reached more cheaply since.
            if self.cost[st] + h(c, dir) < f {
                continue;
            }
            let g = self.cost[st];
            expanded += 1;
            if window.is_some() && expanded > 400_000 {
                return None;
            }
            if c == goal {
                let mut cells = vec![c];
                let mut at = self.from[st];
                while at != u32::MAX {
                    let ai = at as usize / 4;
                    cells.push(((ai % self.w) as i32, (ai / self.w) as i32));
                    at = self.from[at as usize];
                }
                cells.reverse();
                cells.dedup();
                return Some(cells);
            }
            for (nd, (dx, dy)) in DIRS.iter().enumerate() {
                // No U-turns.
                if (nd ^ 1) == dir && nd / 2 == dir / 2 {
                    continue;
                }
                let n = (c.0 + dx, c.1 + dy);
                if !self.inside(n) {
                    continue;
                }
                if let Some((x0, y0, x1, y1)) = window
                    && (n.0 < x0 || n.1 < y0 || n.0 > x1 || n.1 > y1)
                {
                    continue;
                }
                let ni = self.index(n);
                if self.blocked[ni] && n != goal {
                    continue;
                }
                let mut cost = g + STEP;
                if nd != dir {
                    cost += BEND;
                }
                if n == goal && nd != last {
                    cost += BEND;
                }
                let ns = ni * 4 + nd;
                if self.stamp[ns] != self.epoch || cost < self.cost[ns] {
                    self.stamp[ns] = self.epoch;
                    self.cost[ns] = cost;
                    self.from[ns] = state;
                    queue.push(cost + h(n, nd), ns as u32);
                }
            }
        }
        None
    }
}

/// A priority queue of states by f, in a ring of buckets. Entries below the current minimum
/// (a heuristic is never perfectly consistent) go into the current bucket.
struct Buckets {
    ring: Vec<Vec<u32>>,
    at: u32,
    len: usize,
}

const RING: usize = 1024;

impl Buckets {
    fn new(start: u32) -> Self {
        Buckets {
            ring: vec![Vec::new(); RING],
            at: start,
            len: 0,
        }
    }

    fn push(&mut self, f: u32, state: u32) {
        let f = f.max(self.at).min(self.at + RING as u32 - 1);
        self.ring[f as usize % RING].push(state);
        self.len += 1;
    }

    fn pop(&mut self) -> Option<(u32, u32)> {
        if self.len == 0 {
            return None;
        }
        loop {
            if let Some(s) = self.ring[self.at as usize % RING].pop() {
                self.len -= 1;
                return Some((self.at, s));
            }
            self.at += 1;
        }
    }
}

/// Proper crossings between pieces of different routes.
pub(super) fn crossings(flows: &[SceneFlow]) -> usize {
    type Pieces = Vec<(usize, Pos, Pos)>;
    let mut horizontal: HashMap<(i32, i32), Pieces> = HashMap::new();
    let mut vertical: Vec<(usize, Pos, Pos)> = Vec::new();
    for (fi, f) in flows.iter().enumerate() {
        for w in f.points.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a.y - b.y).abs() < 0.01 && (a.x - b.x).abs() > 0.01 {
                for bx in bucket(a.x.min(b.x))..=bucket(a.x.max(b.x)) {
                    horizontal
                        .entry((bx, bucket(a.y)))
                        .or_default()
                        .push((fi, a, b));
                }
            } else if (a.x - b.x).abs() < 0.01 && (a.y - b.y).abs() > 0.01 {
                vertical.push((fi, a, b));
            }
        }
    }
    let mut seen: HashSet<(usize, usize, u32, u32)> = HashSet::new();
    for (fv, a, b) in &vertical {
        let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
        for by in bucket(y0)..=bucket(y1) {
            let Some(list) = horizontal.get(&(bucket(a.x), by)) else {
                continue;
            };
            for (fh, p, q) in list {
                if fh == fv {
                    continue;
                }
                let (x0, x1) = (p.x.min(q.x), p.x.max(q.x));
                if a.x > x0 + 0.5 && a.x < x1 - 0.5 && p.y > y0 + 0.5 && p.y < y1 - 0.5 {
                    seen.insert(((*fv).min(*fh), (*fv).max(*fh), a.x.to_bits(), p.y.to_bits()));
                }
            }
        }
    }
    seen.len()
}
