//! The data-flow-diagram canvas, on egui_graphs: node shapes per kind, flows styled by their
//! protection with labels along them, trust boundaries drawn as regions behind their members,
//! tinting by worst open finding, highlighting of selections and attack paths, a legend, and
//! the interactions (select, drag to move or to drop into a boundary, connect mode to draw a
//! flow, resize a boundary, zoom, pan, fit).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use egui::epaint::{PathShape, PathStroke, RectShape};
use egui::{
    Align2, CornerRadius, FontFamily, FontId, Pos2, Sense, Shape, Stroke, StrokeKind, Vec2,
};
use egui_graphs::{
    DisplayEdge, DisplayNode, DrawContext, EdgeProps, GraphChange, GraphView, Layout, LayoutState,
    MetadataFrame, NodeProps, SettingsInteraction, SettingsNavigation, SettingsStyle,
};
use petgraph::Directed;
use petgraph::stable_graph::{DefaultIx, NodeIndex};
use serde::{Deserialize, Serialize};

use super::theme::Theme;
use crate::analysis::Severity;
use crate::diagram::{self, NODE_H, NODE_W};
use crate::editor::Edit;
use crate::model::{Encryption, Model, NodeKind, Pos};

/// How a node or flow is emphasised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Emphasis {
    #[default]
    Normal,
    /// Part of the selected finding or attack path.
    Highlighted,
    Selected,
}

/// What a node shows.
#[derive(Clone, Debug)]
pub struct NodeView {
    pub id: Arc<str>,
    pub label: Arc<str>,
    pub kind: NodeKind,
    pub worst: Option<Severity>,
    pub emphasis: Emphasis,
    pub theme: Theme,
}

/// What a flow shows.
#[derive(Clone, Debug)]
pub struct FlowView {
    pub id: Arc<str>,
    pub label: Arc<str>,
    pub encryption: Encryption,
    pub worst: Option<Severity>,
    pub emphasis: Emphasis,
    pub theme: Theme,
}

/// A node as egui_graphs draws it.
#[derive(Clone, Debug)]
pub struct NodeShape {
    pos: Pos2,
    view: NodeView,
    hovered: bool,
}

impl From<NodeProps<NodeView>> for NodeShape {
    fn from(props: NodeProps<NodeView>) -> Self {
        NodeShape {
            pos: props.location(),
            view: props.payload.clone(),
            hovered: props.hovered,
        }
    }
}

fn half() -> Vec2 {
    Vec2::new(NODE_W / 2.0, NODE_H / 2.0)
}

/// Where a ray from the centre of a `NODE_W` x `NODE_H` box leaves it.
fn box_exit(center: Pos2, dir: Vec2) -> Pos2 {
    let d = dir.normalized();
    if d.x == 0.0 && d.y == 0.0 {
        return center;
    }
    let h = half();
    let tx = if d.x.abs() > f32::EPSILON {
        h.x / d.x.abs()
    } else {
        f32::MAX
    };
    let ty = if d.y.abs() > f32::EPSILON {
        h.y / d.y.abs()
    } else {
        f32::MAX
    };
    center + d * tx.min(ty)
}

fn kind_icon(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Actor => "👤",
        NodeKind::ExternalSystem => "🌐",
        NodeKind::Service => "⚙",
        NodeKind::Gateway => "⛩",
        NodeKind::DataStore => "🗄",
        NodeKind::IdentityProvider => "🔑",
        NodeKind::SecretStore => "🔒",
        NodeKind::MessageQueue => "📨",
    }
}

impl DisplayNode<NodeView, FlowView, Directed, DefaultIx> for NodeShape {
    fn closest_boundary_point(&self, dir: Vec2) -> Pos2 {
        box_exit(self.pos, dir)
    }

    fn shapes(&mut self, ctx: &DrawContext) -> Vec<Shape> {
        let t = self.view.theme;
        let z = ctx.meta.zoom;
        let c = ctx.meta.canvas_to_screen_pos(self.pos);
        let h = half() * z;
        let rect = egui::Rect::from_center_size(c, h * 2.0);
        let mut fill = t.node_fill(self.view.kind);
        let mut stroke_color = t.node_stroke;
        if let Some(s) = self.view.worst {
            let tint = t.severity(s);
            fill = fill.lerp_to_gamma(tint, 0.18);
            stroke_color = tint;
        }
        let width = match self.view.emphasis {
            Emphasis::Normal if self.hovered => 2.0,
            Emphasis::Normal => 1.3,
            _ => 2.5,
        };
        let stroke = Stroke::new(width * z.sqrt(), stroke_color);
        let mut out = Vec::new();
        // Emphasis halo behind the shape.
        match self.view.emphasis {
            Emphasis::Selected => out.push(Shape::rect_filled(
                rect.expand(5.0 * z),
                CornerRadius::same(8),
                t.selection.gamma_multiply(0.45),
            )),
            Emphasis::Highlighted => out.push(Shape::rect_filled(
                rect.expand(5.0 * z),
                CornerRadius::same(8),
                t.highlight.gamma_multiply(0.5),
            )),
            Emphasis::Normal => {}
        }
        let r = |v: f32| CornerRadius::same((v * z).clamp(0.0, 60.0) as u8);
        match self.view.kind {
            NodeKind::Actor => {
                out.push(Shape::rect_filled(rect, r(0.0), fill));
                out.push(Shape::rect_stroke(
                    rect,
                    r(0.0),
                    Stroke::new(stroke.width * 1.6, stroke.color),
                    StrokeKind::Inside,
                ));
            }
            NodeKind::ExternalSystem => {
                out.push(Shape::rect_filled(rect, r(0.0), fill));
                out.push(Shape::rect_stroke(rect, r(0.0), stroke, StrokeKind::Inside));
                out.push(Shape::rect_stroke(
                    rect.shrink(4.0 * z),
                    r(0.0),
                    stroke,
                    StrokeKind::Inside,
                ));
            }
            NodeKind::Service | NodeKind::IdentityProvider => {
                out.push(
                    RectShape::new(rect, r(NODE_H / 2.0), fill, stroke, StrokeKind::Inside).into(),
                );
            }
            NodeKind::Gateway => {
                let inset = 16.0 * z;
                let pts = vec![
                    Pos2::new(rect.left() + inset, rect.top()),
                    Pos2::new(rect.right() - inset, rect.top()),
                    Pos2::new(rect.right(), c.y),
                    Pos2::new(rect.right() - inset, rect.bottom()),
                    Pos2::new(rect.left() + inset, rect.bottom()),
                    Pos2::new(rect.left(), c.y),
                ];
                out.push(PathShape::convex_polygon(pts, fill, stroke).into());
            }
            NodeKind::DataStore | NodeKind::SecretStore => {
                // DFD data store: open-ended box with a bar on the left.
                out.push(Shape::rect_filled(rect, r(0.0), fill));
                out.push(Shape::line_segment(
                    [rect.left_top(), rect.right_top()],
                    stroke,
                ));
                out.push(Shape::line_segment(
                    [rect.left_bottom(), rect.right_bottom()],
                    stroke,
                ));
                out.push(Shape::line_segment(
                    [rect.left_top(), rect.left_bottom()],
                    stroke,
                ));
                let bar = rect.left() + 12.0 * z;
                out.push(Shape::line_segment(
                    [Pos2::new(bar, rect.top()), Pos2::new(bar, rect.bottom())],
                    stroke,
                ));
                if self.view.kind == NodeKind::SecretStore {
                    out.push(Shape::line_segment(
                        [rect.right_top(), rect.right_bottom()],
                        stroke,
                    ));
                }
            }
            NodeKind::MessageQueue => {
                out.push(RectShape::new(rect, r(6.0), fill, stroke, StrokeKind::Inside).into());
                for k in 1..=3 {
                    let x = rect.right() - k as f32 * 7.0 * z;
                    out.push(Shape::line_segment(
                        [
                            Pos2::new(x, rect.top() + 6.0 * z),
                            Pos2::new(x, rect.bottom() - 6.0 * z),
                        ],
                        Stroke::new(stroke.width * 0.8, stroke.color),
                    ));
                }
            }
        }
        if z >= 0.35 {
            let size = 13.5 * z;
            let icon = ctx.ctx.fonts_mut(|f| {
                f.layout_no_wrap(
                    kind_icon(self.view.kind).to_string(),
                    FontId::new(size, FontFamily::Proportional),
                    t.muted,
                )
            });
            out.push(Shape::galley(
                Pos2::new(
                    rect.left() + 17.0 * z - icon.size().x / 2.0,
                    rect.top() + 4.0 * z,
                ),
                icon,
                t.muted,
            ));
            let text = ctx.ctx.fonts_mut(|f| {
                let mut job = egui::text::LayoutJob::simple(
                    self.view.label.to_string(),
                    FontId::new(size, FontFamily::Proportional),
                    t.text,
                    (NODE_W - 34.0) * z,
                );
                job.wrap.max_rows = 2;
                job.halign = egui::Align::Center;
                f.layout_job(job)
            });
            let text_pos = Pos2::new(c.x + 8.0 * z, c.y - text.size().y / 2.0);
            out.push(Shape::galley(text_pos, text, t.text));
        }
        if let Some(s) = self.view.worst {
            out.push(Shape::circle_filled(
                Pos2::new(rect.right() - 7.0 * z, rect.top() + 7.0 * z),
                4.5 * z,
                t.severity(s),
            ));
        }
        out
    }

    fn update(&mut self, state: &NodeProps<NodeView>) {
        self.pos = state.location();
        self.view = state.payload.clone();
        self.hovered = state.hovered;
    }

    fn is_inside(&self, pos: Pos2) -> bool {
        egui::Rect::from_center_size(self.pos, half() * 2.0).contains(pos)
    }
}

/// A flow as egui_graphs draws it.
#[derive(Clone, Debug)]
pub struct FlowShape {
    view: FlowView,
    order: usize,
}

impl From<EdgeProps<FlowView>> for FlowShape {
    fn from(props: EdgeProps<FlowView>) -> Self {
        FlowShape {
            view: props.payload.clone(),
            order: props.order,
        }
    }
}

impl FlowShape {
    /// The straight segment between two nodes, shifted sideways by the flow's order so that
    /// parallel and opposite flows do not overlap (canvas coordinates).
    fn segment(&self, start: &NodeShape, end: &NodeShape) -> (Pos2, Pos2) {
        let dir = (end.pos - start.pos).normalized();
        let side = Vec2::new(-dir.y, dir.x) * (self.order as f32 * 12.0);
        let a = start.closest_boundary_point(dir) + side;
        let b = end.closest_boundary_point(-dir) + side;
        (a, b)
    }
}

fn dashed(a: Pos2, b: Pos2, stroke: Stroke, dash: f32) -> Vec<Shape> {
    Shape::dashed_line(&[a, b], stroke, dash, dash * 0.7)
}

impl DisplayEdge<NodeView, FlowView, Directed, DefaultIx, NodeShape> for FlowShape {
    fn shapes(
        &mut self,
        start: &egui_graphs::Node<NodeView, FlowView, Directed, DefaultIx, NodeShape>,
        end: &egui_graphs::Node<NodeView, FlowView, Directed, DefaultIx, NodeShape>,
        ctx: &DrawContext,
    ) -> Vec<Shape> {
        let t = self.view.theme;
        let z = ctx.meta.zoom;
        let (a, b) = self.segment(start.display(), end.display());
        let (a, b) = (
            ctx.meta.canvas_to_screen_pos(a),
            ctx.meta.canvas_to_screen_pos(b),
        );
        let mut color = t.flow(self.view.encryption);
        let mut width = 1.4;
        match self.view.emphasis {
            Emphasis::Selected => {
                color = t.selection;
                width = 3.0;
            }
            Emphasis::Highlighted => {
                color = t.highlight;
                width = 3.0;
            }
            Emphasis::Normal => {}
        }
        let stroke = Stroke::new(width * z.sqrt(), color);
        let mut out = Vec::new();
        // Level of detail: zoomed far out, dashes and double lines are invisible but costly to
        // tessellate; the colour alone tells the protection apart.
        if z < 0.4 {
            out.push(Shape::line_segment([a, b], stroke));
            return out;
        }
        match self.view.encryption {
            Encryption::None => out.extend(dashed(a, b, stroke, 7.0 * z)),
            Encryption::Tls => out.push(Shape::line_segment([a, b], stroke)),
            Encryption::Mtls => {
                let d = (b - a).normalized();
                let n = Vec2::new(-d.y, d.x) * (1.8 * z.sqrt());
                out.push(Shape::line_segment([a + n, b + n], stroke));
                out.push(Shape::line_segment([a - n, b - n], stroke));
            }
        }
        // Arrowhead.
        let d = (b - a).normalized();
        let n = Vec2::new(-d.y, d.x);
        let size = 9.0 * z.sqrt();
        out.push(
            PathShape::convex_polygon(
                vec![
                    b,
                    b - d * size + n * size * 0.45,
                    b - d * size - n * size * 0.45,
                ],
                color,
                PathStroke::NONE,
            )
            .into(),
        );
        if let Some(s) = self.view.worst {
            let mid = a + (b - a) * 0.5 - n * 8.0 * z;
            out.push(Shape::circle_filled(mid, 3.0 * z.max(0.6), t.severity(s)));
        }
        out
    }

    fn update(&mut self, state: &EdgeProps<FlowView>) {
        self.view = state.payload.clone();
        self.order = state.order;
    }

    fn is_inside(
        &self,
        start: &egui_graphs::Node<NodeView, FlowView, Directed, DefaultIx, NodeShape>,
        end: &egui_graphs::Node<NodeView, FlowView, Directed, DefaultIx, NodeShape>,
        pos: Pos2,
    ) -> bool {
        let (a, b) = self.segment(start.display(), end.display());
        let ab = b - a;
        let len2 = ab.length_sq();
        if len2 <= f32::EPSILON {
            return false;
        }
        let t = ((pos - a).dot(ab) / len2).clamp(0.0, 1.0);
        (a + ab * t - pos).length() <= 6.0
    }
}

/// A layout that leaves positions alone: Rampart places nodes itself (see `diagram`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FixedState;

impl LayoutState for FixedState {}

#[derive(Default)]
pub struct FixedLayout;

impl Layout<FixedState> for FixedLayout {
    fn from_state(_: FixedState) -> impl Layout<FixedState> {
        FixedLayout
    }

    fn next<N, E, Ty, Ix, Dn, De>(
        &mut self,
        _: &mut egui_graphs::Graph<N, E, Ty, Ix, Dn, De>,
        _: &egui::Ui,
    ) where
        N: Clone,
        E: Clone,
        Ty: petgraph::EdgeType,
        Ix: petgraph::stable_graph::IndexType,
        Dn: DisplayNode<N, E, Ty, Ix>,
        De: DisplayEdge<N, E, Ty, Ix, Dn>,
    {
    }

    fn state(&self) -> FixedState {
        FixedState
    }
}

type CanvasGraph =
    egui_graphs::Graph<NodeView, FlowView, Directed, DefaultIx, NodeShape, FlowShape>;

/// What the canvas is being used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tool {
    /// Click to select, drag to move.
    #[default]
    Select,
    /// Drag from one node to another to draw a flow.
    Connect,
}

/// What the canvas shows that does not come from the model.
pub struct View<'a> {
    pub model: &'a Model,
    pub revision: u64,
    pub worst: &'a HashMap<String, Severity>,
    pub selected: Option<&'a str>,
    pub highlighted: &'a HashSet<String>,
    /// Verification status of elements with an endpoint (badges).
    pub badges: &'a HashMap<String, crate::verify::EndpointStatus>,
    pub theme: Theme,
    pub show_labels: bool,
}

/// What the user did on the canvas this frame.
#[derive(Debug, Default)]
pub struct Outcome {
    /// An element clicked (node, flow or boundary id), or `Some(None)` for empty canvas.
    pub clicked: Option<Option<String>>,
    pub edits: Vec<Edit>,
}

/// Canvas state that lives across frames.
pub struct Canvas {
    graph: CanvasGraph,
    ids: HashMap<String, NodeIndex>,
    /// The fingerprint of the view the graph was built from.
    built: Option<u64>,
    pub tool: Tool,
    connect_from: Option<String>,
    fit_pending: bool,
    focus: Option<Vec<String>>,
    /// The screen rectangle of the canvas last frame (for placing new nodes at the centre).
    last_rect: egui::Rect,
    last_size: Vec2,
    /// The user zoomed or panned: stop refitting on resize.
    user_moved: bool,
    /// The transform of the last frame (canvas to screen).
    last_meta: Option<MetadataFrame>,
    /// The last still frame, painted again while nothing happens (see [`Replay`]).
    replay: Option<Replay>,
    /// When (egui input time) the user last did something or the view last changed.
    last_activity: f64,
    /// The view fingerprint and canvas rectangle of the last frame.
    seen: Option<(u64, egui::Rect)>,
}

/// egui_graphs asks for another frame after every frame it draws, which would keep a core busy
/// repainting a diagram nobody touches. Once the canvas has been still for [`REPLAY_AFTER`]
/// seconds (no input, nothing in the view changed), it paints the shapes of its last live frame
/// again instead of running the graph view, and egui sleeps until the next event.
struct Replay {
    /// [`fingerprint`] of the view (badges included) when the shapes were taken.
    key: u64,
    rect: egui::Rect,
    shapes: Vec<egui::epaint::ClippedShape>,
    /// Badge tooltips, which must keep working on a still canvas.
    tips: Vec<Tip>,
}

/// Seconds of stillness after which the canvas replays its last frame.
const REPLAY_AFTER: f64 = 1.0;

/// A hover tooltip on the canvas.
#[derive(Clone)]
struct Tip {
    rect: egui::Rect,
    id: egui::Id,
    text: String,
}

/// Everything the canvas draws that does not come from the user's pointer, as one number.
/// Order-independent sums of per-entry hashes, so no sorting on every frame.
fn fingerprint(view: &View<'_>, badges: bool) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let one = |x: &dyn Fn(&mut DefaultHasher)| {
        let mut h = DefaultHasher::new();
        x(&mut h);
        h.finish()
    };
    let mut sum = one(&|h| {
        view.revision.hash(h);
        view.selected.hash(h);
        view.theme.dark.hash(h);
        view.show_labels.hash(h);
    });
    for id in view.highlighted {
        sum = sum.wrapping_add(one(&|h| ("highlighted", id).hash(h)));
    }
    for (id, severity) in view.worst {
        sum = sum.wrapping_add(one(&|h| ("worst", id, *severity as u8).hash(h)));
    }
    if badges {
        for (id, status) in view.badges {
            sum = sum.wrapping_add(one(&|h| ("badge", id, status.label()).hash(h)));
        }
    }
    sum
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas {
            graph: CanvasGraph::new(),
            ids: HashMap::new(),
            built: None,
            tool: Tool::Select,
            connect_from: None,
            fit_pending: true,
            focus: None,
            last_rect: egui::Rect::NOTHING,
            last_size: Vec2::ZERO,
            user_moved: false,
            last_meta: None,
            replay: None,
            last_activity: 0.0,
            seen: None,
        }
    }
}

const VIEW_ID: &str = "rampart-canvas";

fn metadata(ui: &egui::Ui) -> MetadataFrame {
    MetadataFrame::new(Some(VIEW_ID.to_string())).load(ui)
}

impl Canvas {
    /// Fits the whole diagram in view on the next frame.
    pub fn fit(&mut self) {
        self.fit_pending = true;
        self.user_moved = false;
        self.focus = None;
    }

    /// Brings these elements (node or flow ids) into view on the next frame.
    pub fn focus_on(&mut self, ids: Vec<String>) {
        self.focus = Some(ids);
    }

    /// Where a node was drawn last frame, in screen coordinates.
    #[must_use]
    pub fn node_screen_pos(&self, id: &str) -> Option<Pos2> {
        let meta = self.last_meta.as_ref()?;
        let node = self.graph.node(*self.ids.get(id)?)?;
        Some(meta.canvas_to_screen_pos(node.location()))
    }

    /// Forces a rebuild (after the theme changes, for example).
    pub fn invalidate(&mut self) {
        self.built = None;
    }

    /// The canvas position at the centre of the view, for placing new nodes.
    #[must_use]
    pub fn view_centre(&self, ui: &egui::Ui) -> Pos {
        let meta = metadata(ui);
        let centre = if self.last_rect.is_positive() {
            self.last_rect.center() - self.last_rect.min.to_vec2()
        } else {
            Pos2::new(400.0, 300.0)
        };
        let p = meta.screen_to_canvas_pos(centre);
        Pos { x: p.x, y: p.y }
    }

    fn rebuild(&mut self, view: &View<'_>) {
        let scene = diagram::scene(view.model, &diagram::Options::default());
        let mut g = CanvasGraph::new();
        let mut ids = HashMap::with_capacity(view.model.node_count());
        let emphasis = |id: &str| {
            if view.selected == Some(id) {
                Emphasis::Selected
            } else if view.highlighted.contains(id) {
                Emphasis::Highlighted
            } else {
                Emphasis::Normal
            }
        };
        for node in view.model.nodes() {
            let p = scene
                .node(&node.id)
                .map_or(Pos { x: 0.0, y: 0.0 }, diagram::SceneNode::center);
            let payload = NodeView {
                id: node.id.as_str().into(),
                label: node.label().into(),
                kind: node.kind,
                worst: view.worst.get(node.id.as_str()).copied(),
                emphasis: emphasis(&node.id),
                theme: view.theme,
            };
            let label = node.label().to_string();
            let index = g.add_node_custom(payload, |n| {
                n.set_location(Pos2::new(p.x, p.y));
                n.set_label(label);
            });
            ids.insert(node.id.clone(), index);
        }
        for flow in view.model.flows() {
            let (Some(&a), Some(&b)) = (ids.get(&flow.from), ids.get(&flow.to)) else {
                continue;
            };
            let payload = FlowView {
                id: flow.id.as_str().into(),
                label: flow.label().into(),
                encryption: flow.encryption,
                worst: view.worst.get(flow.id.as_str()).copied(),
                emphasis: emphasis(&flow.id),
                theme: view.theme,
            };
            let label = flow.label().to_string();
            g.add_edge_custom(a, b, payload, |e| e.set_label(label));
        }
        self.graph = g;
        self.ids = ids;
    }

    /// Current node positions (canvas coordinates), including any drag in progress.
    fn positions(&self) -> HashMap<String, Pos> {
        self.ids
            .iter()
            .filter_map(|(id, i)| {
                let n = self.graph.node(*i)?;
                let p = n.location();
                Some((id.clone(), Pos { x: p.x, y: p.y }))
            })
            .collect()
    }

    /// Draws the canvas and returns what the user did. A still canvas replays its last frame
    /// (see [`Replay`]); any input, or any change to what it shows, brings it back to life.
    pub fn show(&mut self, ui: &mut egui::Ui, view: &View<'_>) -> Outcome {
        let key = fingerprint(view, true);
        let rect = ui.available_rect_before_wrap();
        let now = ui.input(|i| i.time);
        let busy = ui.input(|i| {
            !i.events.is_empty()
                || i.pointer.is_moving()
                || i.pointer.any_down()
                || i.pointer.any_released()
        }) || self.fit_pending
            || self.focus.is_some()
            || self.connect_from.is_some();
        if busy || self.seen != Some((key, rect)) {
            self.last_activity = now;
            self.seen = Some((key, rect));
        }
        let current = self
            .replay
            .as_ref()
            .filter(|r| r.key == key && r.rect == rect);
        let still = now - self.last_activity;
        if still >= REPLAY_AFTER
            && let Some(replay) = current
        {
            // The same widget (same automatic id) the graph view allocates, so that the first
            // event after a still spell is hit-tested against the canvas as usual.
            let _ = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
            let layer = ui.layer_id();
            ui.ctx().graphics_mut(|g| {
                let list = g.entry(layer);
                for shape in &replay.shapes {
                    list.add(shape.clip_rect, shape.shape.clone());
                }
            });
            for tip in &replay.tips {
                ui.interact(tip.rect, tip.id, Sense::hover())
                    .on_hover_text(tip.text.as_str());
            }
            return Outcome::default();
        }
        let layer = ui.layer_id();
        let next = |ui: &egui::Ui| {
            ui.ctx()
                .graphics(|g| g.get(layer).map_or(0, |l| l.next_idx().0))
        };
        let start = next(ui);
        let (outcome, tips) = self.show_live(ui, view);
        // Keep the frame for replaying once the canvas has been still for a while (taken in
        // the second half of that while, so not on every frame of an interaction).
        if still >= REPLAY_AFTER / 2.0 {
            let end = next(ui);
            let shapes = ui.ctx().graphics(|g| {
                g.get(layer).map_or_else(Vec::new, |l| {
                    l.all_entries()
                        .skip(start)
                        .take(end.saturating_sub(start))
                        .cloned()
                        .collect()
                })
            });
            self.replay = Some(Replay {
                key,
                rect,
                shapes,
                tips,
            });
        } else if self.replay.as_ref().is_some_and(|r| r.key != key) {
            self.replay = None;
        }
        outcome
    }

    /// One live frame of the canvas, through the graph view. Also returns the tooltips drawn.
    #[allow(clippy::too_many_lines)] // one frame of one widget, in order
    fn show_live(&mut self, ui: &mut egui::Ui, view: &View<'_>) -> (Outcome, Vec<Tip>) {
        let key = fingerprint(view, false);
        if self.built != Some(key) {
            self.rebuild(view);
            self.built = Some(key);
        }
        let mut outcome = Outcome::default();
        // Reserve a slot behind the graph for the boundaries, filled in once the transform of
        // this frame is known.
        let canvas_rect = ui.available_rect_before_wrap();
        self.last_rect = canvas_rect;
        ui.painter()
            .rect_filled(canvas_rect, 0.0, view.theme.canvas);
        let background = ui.painter().add(Shape::Noop);

        let connecting = self.tool == Tool::Connect;
        let interactions = SettingsInteraction::new()
            .with_dragging_enabled(!connecting)
            .with_hover_enabled(true)
            .with_node_clicking_enabled(true)
            .with_edge_clicking_enabled(true);
        // While drawing flows a drag draws, it does not pan.
        let navigation = SettingsNavigation::new()
            .with_zoom_and_pan_enabled(!connecting)
            .with_fit_to_screen_enabled(false);
        let response = GraphView::<FixedState, FixedLayout>::new()
            .with_id(Some(VIEW_ID.to_string()))
            .with_interactions(&interactions)
            .with_navigations(&navigation)
            .with_styles(&SettingsStyle::new().with_labels_always(true))
            .show(ui, &mut self.graph);

        // Fit when asked, and whenever the canvas is resized before the user moved the view.
        // Done after the graph view has drawn, so that its own compensation for a moved
        // canvas does not apply on top of ours; the new view shows from the next frame.
        if (canvas_rect.size() - self.last_size).length() > 1.0 && !self.user_moved {
            self.fit_pending = true;
        }
        self.last_size = canvas_rect.size();
        if std::mem::take(&mut self.fit_pending) {
            let scene = diagram::scene(view.model, &diagram::Options::default());
            let positions = self.positions();
            let regions = regions_of(&scene);
            let mut rects: Vec<egui::Rect> = positions
                .values()
                .map(|p| egui::Rect::from_center_size(Pos2::new(p.x, p.y), half() * 2.0))
                .collect();
            rects.extend(regions.iter().map(|r| {
                egui::Rect::from_min_size(
                    Pos2::new(r.rect.x, r.rect.y),
                    Vec2::new(r.rect.w, r.rect.h),
                )
            }));
            if rects.is_empty() {
                let r = scene.bounds;
                rects.push(egui::Rect::from_min_size(
                    Pos2::new(r.x, r.y),
                    Vec2::new(r.w, r.h),
                ));
            }
            if let Some(bounds) = rects.into_iter().reduce(|a, b| a.union(b)) {
                let mut meta = metadata(ui);
                fit_rect(&mut meta, bounds.expand(20.0), canvas_rect.size(), 1.25);
                meta.save(ui);
            }
        }
        let mut meta = metadata(ui);
        if let Some(ids) = self.focus.take() {
            self.apply_focus(ui, &mut meta, &ids, canvas_rect);
        }
        let mut draw_meta = meta.clone();
        draw_meta.pan += canvas_rect.min.to_vec2();
        self.last_meta = Some(draw_meta.clone());

        // Boundaries, behind everything, from the live node positions.
        let positions = self.positions();
        let regions = regions_of(&diagram::scene(view.model, &diagram::Options::default()));
        let mut shapes = Vec::new();
        let to_screen = |r: crate::model::Rect| {
            egui::Rect::from_min_size(
                draw_meta.canvas_to_screen_pos(Pos2::new(r.x, r.y)),
                Vec2::new(r.w, r.h) * draw_meta.zoom,
            )
        };
        for region in &regions {
            let Some(b) = view.model.boundary(&region.id) else {
                continue;
            };
            let zone = !b.scope.is_empty();
            let fill = view.theme.boundary(b.trust_level(), zone);
            let outline = view.theme.boundary_outline(fill);
            let rect = to_screen(region.rect);
            let selected = view.selected == Some(b.id.as_str());
            shapes.push(Shape::rect_filled(rect, CornerRadius::same(10), fill));
            let stroke = Stroke::new(
                if selected { 2.5 } else { 1.2 },
                if selected {
                    view.theme.selection
                } else {
                    outline
                },
            );
            let corners = [
                rect.left_top(),
                rect.right_top(),
                rect.right_bottom(),
                rect.left_bottom(),
                rect.left_top(),
            ];
            shapes.extend(Shape::dashed_line(&corners, stroke, 8.0, 5.0));
            if draw_meta.zoom >= 0.3 {
                let label = format!(
                    "{}  ·  trust {}",
                    if b.name.is_empty() { &b.id } else { &b.name },
                    b.trust_level()
                );
                let galley = ui.fonts_mut(|f| {
                    let mut job = egui::text::LayoutJob::simple(
                        label,
                        FontId::new(
                            (13.0 * draw_meta.zoom).clamp(9.0, 18.0),
                            FontFamily::Proportional,
                        ),
                        outline,
                        (rect.width() - 16.0).max(10.0),
                    );
                    job.wrap.max_rows = 1;
                    job.wrap.break_anywhere = true;
                    f.layout_job(job)
                });
                shapes.push(Shape::galley(
                    rect.left_top() + Vec2::new(8.0, 5.0),
                    galley,
                    outline,
                ));
            }
        }
        ui.painter().set(background, Shape::Vec(shapes));

        // Graph events.
        let mut clicked_something = false;
        for change in &response.changes {
            match change {
                GraphChange::Panned { .. } | GraphChange::Zoomed { .. } => self.user_moved = true,
                GraphChange::NodeClicked { node } => {
                    clicked_something = true;
                    if let Some(n) = self.graph.node(*node) {
                        outcome.clicked = Some(Some(n.payload().id.to_string()));
                    }
                }
                GraphChange::EdgeClicked { edge } => {
                    clicked_something = true;
                    if let Some(e) = self.graph.edge(*edge) {
                        outcome.clicked = Some(Some(e.payload().id.to_string()));
                    }
                }
                GraphChange::NodeDragEnded { node } => {
                    if let Some(edits) = self.drop_node(*node, view.model, &positions) {
                        outcome.edits.push(edits);
                    }
                }
                _ => {}
            }
        }

        // Connect mode: press on a node, release on another.
        if connecting {
            let pointer = ui.input(|i| i.pointer.interact_pos());
            let (pressed, released) =
                ui.input(|i| (i.pointer.primary_pressed(), i.pointer.primary_released()));
            if pressed && let Some(p) = pointer.filter(|p| canvas_rect.contains(*p)) {
                self.connect_from = self.node_at(&draw_meta, p);
            }
            if let (Some(from), Some(p)) = (&self.connect_from, pointer)
                && let Some(&i) = self.ids.get(from)
                && let Some(n) = self.graph.node(i)
            {
                let a = draw_meta.canvas_to_screen_pos(n.location());
                ui.painter()
                    .line_segment([a, p], Stroke::new(2.0, view.theme.selection));
            }
            if released
                && let (Some(from), Some(p)) = (self.connect_from.take(), pointer)
                && let Some(to) = self.node_at(&draw_meta, p)
                && to != from
            {
                outcome.edits.push(Edit::AddFlow { from, to });
            }
        }

        // A click on empty canvas selects the innermost boundary there, or nothing.
        if response.response.clicked() && !clicked_something && !connecting {
            let target = response.response.interact_pointer_pos().and_then(|p| {
                let c = draw_meta.screen_to_canvas_pos(p);
                innermost(&regions, Pos { x: c.x, y: c.y }).map(str::to_string)
            });
            outcome.clicked = Some(target);
        }

        // Resize handle on the selected boundary.
        if let Some(sel) = view.selected
            && let Some(region) = regions.iter().find(|r| r.id == sel)
        {
            let rect = to_screen(region.rect);
            let handle = egui::Rect::from_center_size(rect.right_bottom(), Vec2::splat(12.0));
            let resp = ui.interact(handle, ui.id().with("resize-boundary"), Sense::drag());
            ui.painter().rect_filled(handle, 2.0, view.theme.selection);
            if resp.hovered() || resp.dragged() {
                ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeNwSe);
            }
            if resp.drag_stopped()
                && let Some(p) = resp.interact_pointer_pos()
            {
                let c = draw_meta.screen_to_canvas_pos(p);
                let r = region.rect;
                outcome.edits.push(Edit::SizeBoundary {
                    id: sel.to_string(),
                    rect: Some(crate::model::Rect {
                        x: r.x,
                        y: r.y,
                        w: (c.x - r.x).max(60.0).round(),
                        h: (c.y - r.y).max(40.0).round(),
                    }),
                });
            }
        }

        let tips = if !view.badges.is_empty() && draw_meta.zoom >= 0.3 {
            self.draw_badges(ui, &draw_meta, canvas_rect, view)
        } else {
            Vec::new()
        };
        if view.show_labels && draw_meta.zoom >= 0.45 {
            let badges: Vec<egui::Rect> = tips.iter().map(|t| t.rect).collect();
            self.draw_flow_labels(ui, &draw_meta, canvas_rect, &view.theme, &badges);
        }
        legend(ui, canvas_rect, &view.theme, !view.badges.is_empty());
        (outcome, tips)
    }

    /// A verification badge on every element with an endpoint: a disc by the node's top-right
    /// corner or on the flow near its caller, coloured and marked by status, with a tooltip.
    /// Returns the badges' tooltips (and so where they are, for flow labels to keep clear).
    fn draw_badges(
        &self,
        ui: &egui::Ui,
        meta: &MetadataFrame,
        canvas: egui::Rect,
        view: &View<'_>,
    ) -> Vec<Tip> {
        let mut drawn = Vec::new();
        use crate::verify::EndpointStatus;
        let painter = ui.painter();
        let r = (8.0 * meta.zoom).clamp(6.0, 10.0);
        let mut spots: Vec<(Pos2, EndpointStatus, &str)> = Vec::new();
        for (_, n) in self.graph.nodes_iter() {
            let id = &n.payload().id;
            if let Some(s) = view.badges.get(id.as_ref()) {
                let c = meta.canvas_to_screen_pos(n.location());
                let corner = half() * meta.zoom;
                spots.push((c + Vec2::new(corner.x, -corner.y), *s, id));
            }
        }
        for (e, edge) in self.graph.edges_iter() {
            let id = &edge.payload().id;
            let Some(s) = view.badges.get(id.as_ref()) else {
                continue;
            };
            let Some((a, b)) = self.graph.edge_endpoints(e) else {
                continue;
            };
            let (Some(a), Some(b)) = (self.graph.node(a), self.graph.node(b)) else {
                continue;
            };
            let (p, q) = edge.display().segment(a.display(), b.display());
            // Near the caller's end: flow labels sit between 0.22 and 0.78 of the way.
            let at = meta
                .canvas_to_screen_pos(p)
                .lerp(meta.canvas_to_screen_pos(q), 0.14);
            spots.push((at, *s, id));
        }
        for (at, status, id) in spots {
            if !canvas.contains(at) {
                continue;
            }
            badge(painter, at, r, status, &view.theme);
            let tip = Tip {
                rect: egui::Rect::from_center_size(at, Vec2::splat(r * 2.0)),
                id: ui.id().with(("badge", id)),
                text: format!("Endpoint of `{id}`: {}", status.label()),
            };
            ui.interact(tip.rect, tip.id, Sense::hover())
                .on_hover_text(tip.text.as_str());
            drawn.push(tip);
        }
        drawn
    }

    /// Flow labels, placed greedily along their flows where they overlap neither a node nor
    /// another label (emphasised flows first); a label that fits nowhere is left out.
    fn draw_flow_labels(
        &self,
        ui: &egui::Ui,
        meta: &MetadataFrame,
        canvas: egui::Rect,
        theme: &Theme,
        reserved: &[egui::Rect],
    ) {
        const CELL: f32 = 64.0;
        let mut grid: HashMap<(i32, i32), Vec<egui::Rect>> = HashMap::new();
        let cells = |r: egui::Rect| {
            let (x0, y0) = (
                (r.min.x / CELL).floor() as i32,
                (r.min.y / CELL).floor() as i32,
            );
            let (x1, y1) = (
                (r.max.x / CELL).floor() as i32,
                (r.max.y / CELL).floor() as i32,
            );
            (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
        };
        let occupied = |grid: &HashMap<(i32, i32), Vec<egui::Rect>>, r: egui::Rect| {
            cells(r).any(|c| {
                grid.get(&c)
                    .is_some_and(|list| list.iter().any(|o| o.intersects(r)))
            })
        };
        for r in reserved {
            for c in cells(*r) {
                grid.entry(c).or_default().push(*r);
            }
        }
        for (_, n) in self.graph.nodes_iter() {
            let r = egui::Rect::from_center_size(
                meta.canvas_to_screen_pos(n.location()),
                half() * 2.0 * meta.zoom,
            );
            if r.intersects(canvas) {
                for c in cells(r) {
                    grid.entry(c).or_default().push(r);
                }
            }
        }
        let mut flows: Vec<(Emphasis, Pos2, Pos2, &FlowView)> = Vec::new();
        for (e, edge) in self.graph.edges_iter() {
            let Some((a, b)) = self.graph.edge_endpoints(e) else {
                continue;
            };
            let (Some(a), Some(b)) = (self.graph.node(a), self.graph.node(b)) else {
                continue;
            };
            let (p, q) = edge.display().segment(a.display(), b.display());
            let (p, q) = (meta.canvas_to_screen_pos(p), meta.canvas_to_screen_pos(q));
            let view = edge.payload();
            if !view.label.is_empty() && canvas.contains(p.lerp(q, 0.5)) {
                flows.push((view.emphasis, p, q, view));
            }
        }
        flows.sort_by_key(|(e, _, _, v)| (std::cmp::Reverse(*e as u8), v.id.clone()));
        let font = FontId::new(
            (11.5 * meta.zoom).clamp(8.0, 15.0),
            FontFamily::Proportional,
        );
        let painter = ui.painter();
        for (emphasis, p, q, view) in flows {
            let color = match emphasis {
                Emphasis::Normal => theme.muted,
                Emphasis::Highlighted => theme.highlight,
                Emphasis::Selected => theme.selection,
            };
            let galley = ui
                .fonts_mut(|f| f.layout_no_wrap(view.label.to_string(), font.clone(), theme.text));
            let size = galley.size() + Vec2::new(6.0, 2.0);
            for t in [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78] {
                let rect = egui::Rect::from_center_size(p.lerp(q, t), size);
                if occupied(&grid, rect) {
                    continue;
                }
                painter.rect_filled(rect, CornerRadius::same(3), theme.label_bg);
                painter.rect_stroke(
                    rect,
                    CornerRadius::same(3),
                    Stroke::new(0.6, color.gamma_multiply(0.6)),
                    StrokeKind::Inside,
                );
                painter.galley(rect.min + Vec2::new(3.0, 1.0), galley, theme.text);
                for c in cells(rect) {
                    grid.entry(c).or_default().push(rect);
                }
                break;
            }
        }
    }

    fn node_at(&self, meta: &MetadataFrame, screen: Pos2) -> Option<String> {
        let i = self.graph.node_by_screen_pos(meta, screen)?;
        Some(self.graph.node(i)?.payload().id.to_string())
    }

    /// The edit for a node dropped after a drag: its new position (with every other node's, if
    /// the layout was automatic until now), and a new boundary if it was dropped into one.
    fn drop_node(
        &self,
        index: NodeIndex,
        model: &Model,
        positions: &HashMap<String, Pos>,
    ) -> Option<Edit> {
        let node = self.graph.node(index)?;
        let id = node.payload().id.to_string();
        let p = node.location();
        let mut moves: Vec<(String, Pos)> = if model.layout.nodes.len() == model.node_count() {
            vec![(id.clone(), Pos { x: p.x, y: p.y })]
        } else {
            let mut all: Vec<(String, Pos)> =
                positions.iter().map(|(k, v)| (k.clone(), *v)).collect();
            all.sort_by(|a, b| a.0.cmp(&b.0));
            all
        };
        moves.retain(|(k, _)| model.node(k).is_some());
        let mut edits = vec![Edit::Move(moves)];
        // Regions without the dropped node decide where it landed.
        let regions = regions_of(&diagram::scene(model, &diagram::Options::default()));
        let landed = innermost(&regions, Pos { x: p.x, y: p.y }).map(str::to_string);
        let current = model.node(&id)?;
        if landed != current.boundary
            && !(landed.is_none() && current.boundary.is_some() && regions.is_empty())
        {
            let mut updated = current.clone();
            updated.boundary = landed;
            edits.push(Edit::UpdateNode(Box::new(updated)));
        }
        Some(if edits.len() == 1 {
            edits.remove(0)
        } else {
            Edit::Batch(edits)
        })
    }

    fn apply_focus(
        &self,
        ui: &mut egui::Ui,
        meta: &mut MetadataFrame,
        ids: &[String],
        canvas: egui::Rect,
    ) {
        let mut points: Vec<Pos2> = Vec::new();
        for id in ids {
            if let Some(&i) = self.ids.get(id)
                && let Some(n) = self.graph.node(i)
            {
                points.push(n.location());
            }
        }
        if points.is_empty() {
            return;
        }
        let bounds = egui::Rect::from_points(&points).expand2(Vec2::new(NODE_W, NODE_H * 2.0));
        // Zoom out if needed to show everything, but do not zoom in past the current zoom
        // by much: the user keeps their bearings.
        let max_zoom = meta.zoom.max(1.0);
        fit_rect(meta, bounds, canvas.size(), max_zoom);
        meta.clone().save(ui);
    }
}

/// Sets zoom and pan so that `bounds` (canvas coordinates) fills a view of `size`.
fn fit_rect(meta: &mut MetadataFrame, bounds: egui::Rect, size: Vec2, max_zoom: f32) {
    if bounds.width() <= 0.0 || bounds.height() <= 0.0 {
        return;
    }
    let zoom = (size.x / bounds.width())
        .min(size.y / bounds.height())
        .clamp(0.05, max_zoom);
    meta.zoom = zoom;
    meta.pan = size * 0.5 - bounds.center().to_vec2() * zoom;
}

/// A boundary's drawn region.
struct Region {
    id: String,
    rect: crate::model::Rect,
    depth: usize,
}

fn regions_of(scene: &diagram::Scene) -> Vec<Region> {
    scene
        .boundaries
        .iter()
        .map(|b| Region {
            id: b.id.clone(),
            rect: b.rect,
            depth: b.depth,
        })
        .collect()
}

/// The deepest region containing a point.
fn innermost(regions: &[Region], p: Pos) -> Option<&str> {
    regions
        .iter()
        .filter(|r| {
            p.x >= r.rect.x
                && p.x <= r.rect.x + r.rect.w
                && p.y >= r.rect.y
                && p.y <= r.rect.y + r.rect.h
        })
        .max_by_key(|r| r.depth)
        .map(|r| r.id.as_str())
}

/// A verification badge: a disc coloured and marked by status.
fn badge(
    painter: &egui::Painter,
    at: Pos2,
    r: f32,
    status: crate::verify::EndpointStatus,
    theme: &Theme,
) {
    use crate::verify::EndpointStatus;
    painter.circle_filled(at, r, theme.endpoint(status));
    painter.circle_stroke(at, r, Stroke::new(1.0, theme.canvas));
    let glyph = match status {
        EndpointStatus::Verified => "✔",
        EndpointStatus::Drift => "!",
        EndpointStatus::Unreachable => "?",
        EndpointStatus::NotProbed => "–",
        EndpointStatus::Unverified => "?",
    };
    painter.text(
        at,
        Align2::CENTER_CENTER,
        glyph,
        FontId::proportional(r * 1.4),
        egui::Color32::WHITE,
    );
}

fn legend(ui: &egui::Ui, canvas: egui::Rect, theme: &Theme, endpoints: bool) {
    use crate::verify::EndpointStatus;
    let painter = ui.painter();
    let rows: [(&str, Encryption); 3] = [
        ("mutual TLS", Encryption::Mtls),
        ("TLS", Encryption::Tls),
        ("plaintext", Encryption::None),
    ];
    let statuses = [
        EndpointStatus::Verified,
        EndpointStatus::Drift,
        EndpointStatus::Unreachable,
        EndpointStatus::NotProbed,
    ];
    let origin = canvas.left_bottom() + Vec2::new(12.0, -12.0 - rows.len() as f32 * 18.0 - 22.0);
    let width = if endpoints { 340.0 } else { 150.0 };
    let box_rect = egui::Rect::from_min_size(
        origin - Vec2::new(6.0, 6.0),
        Vec2::new(width, rows.len() as f32 * 18.0 + 34.0),
    );
    painter.rect_filled(box_rect, 6.0, theme.label_bg);
    painter.text(
        origin,
        Align2::LEFT_TOP,
        "Flows",
        FontId::proportional(12.0),
        theme.text,
    );
    if endpoints {
        // A second column: the verification badges, two by two.
        let left = origin.x + 150.0;
        painter.text(
            Pos2::new(left, origin.y),
            Align2::LEFT_TOP,
            "Endpoints (last verify)",
            FontId::proportional(12.0),
            theme.text,
        );
        for (i, s) in statuses.iter().enumerate() {
            let x = left + (i % 2) as f32 * 92.0;
            let y = origin.y + 22.0 + (i / 2) as f32 * 18.0;
            badge(painter, Pos2::new(x + 7.0, y + 6.0), 7.0, *s, theme);
            painter.text(
                Pos2::new(x + 18.0, y),
                Align2::LEFT_TOP,
                s.label(),
                FontId::proportional(12.0),
                theme.text,
            );
        }
    }
    for (i, (label, enc)) in rows.iter().enumerate() {
        let y = origin.y + 22.0 + i as f32 * 18.0;
        let a = Pos2::new(origin.x, y + 6.0);
        let b = Pos2::new(origin.x + 44.0, y + 6.0);
        let stroke = Stroke::new(1.6, theme.flow(*enc));
        match enc {
            Encryption::None => {
                painter.extend(dashed(a, b, stroke, 6.0));
            }
            Encryption::Tls => {
                painter.line_segment([a, b], stroke);
            }
            Encryption::Mtls => {
                painter.line_segment([a + Vec2::new(0.0, -1.8), b + Vec2::new(0.0, -1.8)], stroke);
                painter.line_segment([a + Vec2::new(0.0, 1.8), b + Vec2::new(0.0, 1.8)], stroke);
            }
        }
        painter.text(
            Pos2::new(b.x + 10.0, y),
            Align2::LEFT_TOP,
            *label,
            FontId::proportional(12.0),
            theme.text,
        );
    }
}
