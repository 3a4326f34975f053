//! The data-flow-diagram canvas. It draws the diagram engine's [`Scene`] — the same geometry
//! as the PDF and the SVG — through egui_graphs (which gives node dragging and hit testing),
//! with boundaries behind, labels and overlays in front; and it turns what the user does into
//! [`Command`]s: select, drag a node (onto another boundary to move it there, with the target
//! lit up), draw a flow, collapse a boundary, zoom and pan.

mod interaction;
mod overlays;
mod shapes;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use egui::{Pos2, Sense, Shape, Stroke, Vec2};
use egui_graphs::{
    DisplayEdge, DisplayNode, GraphChange, GraphView, Layout, LayoutState, MetadataFrame,
    SettingsInteraction, SettingsNavigation, SettingsStyle,
};
use petgraph::Directed;
use petgraph::stable_graph::{DefaultIx, NodeIndex};
use serde::{Deserialize, Serialize};

pub use shapes::{Emphasis, install_fonts};
use shapes::{FlowShape, FlowView, NodeShape, NodeView};

use super::command::{Command, Selection};
use super::theme::Theme;
use crate::analysis::Severity;
use crate::diagram::{self, Scene};
use crate::editor::Onto;
use crate::model::{Model, Pos};

/// A layout that leaves positions alone: the diagram engine places nodes.
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
    /// The session's generation and the model's revision: together they identify the model.
    pub generation: u64,
    pub revision: u64,
    pub worst: &'a HashMap<String, Severity>,
    pub selected: Option<&'a str>,
    pub highlighted: &'a HashSet<String>,
    /// Verification status of elements with an endpoint (badges).
    pub badges: &'a HashMap<String, crate::verify::EndpointStatus>,
    pub theme: Theme,
    pub show_labels: bool,
    /// Whether keys go to the canvas (no text field has focus).
    pub keys: bool,
}

/// What the last live frame drew, in screen coordinates (what tests check against the model).
#[derive(Clone, Debug, Default)]
pub struct Drawn {
    pub nodes: Vec<(String, egui::Rect, Option<Severity>)>,
    pub flows: Vec<(String, Vec<Pos2>)>,
    pub boundaries: Vec<(String, egui::Rect)>,
}

/// Canvas state that lives across frames.
pub struct Canvas {
    graph: CanvasGraph,
    ids: HashMap<String, NodeIndex>,
    /// The scene, for the model (generation, revision) and collapsed set it was built for.
    scene: Option<((u64, u64, u64), Arc<Scene>)>,
    /// The fingerprint of the view the graph was built from.
    built: Option<u64>,
    pub tool: Tool,
    /// Boundaries drawn as one box.
    pub collapsed: BTreeSet<String>,
    pub legend_open: bool,
    connect_from: Option<String>,
    /// The node being dragged, and the boundary under the pointer.
    dragging: Option<(String, Option<String>)>,
    fit_pending: bool,
    /// The pending fit is automatic (a model opened): it stops at a readable zoom.
    fit_readable: bool,
    focus: Option<Vec<String>>,
    zoom_request: Option<f32>,
    last_rect: egui::Rect,
    fitted_size: Vec2,
    /// The user zoomed or panned: small resizes no longer refit.
    user_moved: bool,
    last_meta: Option<MetadataFrame>,
    replay: Option<Replay>,
    last_activity: f64,
    seen: Option<(u64, egui::Rect)>,
    drawn: Drawn,
    /// Where the controls drawn over the canvas were last frame (zoom, legend button): a
    /// click there belongs to them, never to the diagram beneath.
    controls: Vec<egui::Rect>,
}

/// egui_graphs asks for another frame after every frame it draws, which would keep a core busy
/// repainting a diagram nobody touches. Once the canvas has been still for [`REPLAY_AFTER`]
/// seconds (no input, nothing in the view changed), it paints the shapes of its last live frame
/// again instead of running the graph view, and egui sleeps until the next event.
struct Replay {
    key: u64,
    rect: egui::Rect,
    shapes: Vec<egui::epaint::ClippedShape>,
    /// Tooltips, which must keep working on a still canvas.
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
fn fingerprint(view: &View<'_>, collapsed: &BTreeSet<String>, badges: bool) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let one = |x: &dyn Fn(&mut DefaultHasher)| {
        let mut h = DefaultHasher::new();
        x(&mut h);
        h.finish()
    };
    let mut sum = one(&|h| {
        view.generation.hash(h);
        view.revision.hash(h);
        view.selected.hash(h);
        view.theme.dark.hash(h);
        view.show_labels.hash(h);
        collapsed.hash(h);
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
            scene: None,
            built: None,
            tool: Tool::Select,
            collapsed: BTreeSet::new(),
            legend_open: true,
            connect_from: None,
            dragging: None,
            fit_pending: true,
            fit_readable: true,
            focus: None,
            zoom_request: None,
            last_rect: egui::Rect::NOTHING,
            controls: Vec::new(),
            fitted_size: Vec2::ZERO,
            user_moved: false,
            last_meta: None,
            replay: None,
            last_activity: 0.0,
            seen: None,
            drawn: Drawn::default(),
        }
    }
}

const VIEW_ID: &str = "rampart-canvas";
/// The smallest zoom an automatic fit goes to: node names at about 10 px.
const READABLE: f32 = 0.8;

fn metadata(ui: &egui::Ui) -> MetadataFrame {
    MetadataFrame::new(Some(VIEW_ID.to_string())).load(ui)
}

impl Canvas {
    /// Fits the whole diagram in view on the next frame.
    pub fn fit(&mut self) {
        self.fit_pending = true;
        self.fit_readable = false;
        self.user_moved = false;
        self.focus = None;
    }

    /// Another model: everything derived from the old one goes, and the new one is fitted.
    pub fn reset(&mut self) {
        self.scene = None;
        self.built = None;
        self.replay = None;
        self.collapsed.clear();
        self.connect_from = None;
        self.dragging = None;
        self.fit();
        self.fit_readable = true;
    }

    /// Brings these elements (node or flow ids) into view on the next frame.
    pub fn focus_on(&mut self, ids: Vec<String>) {
        self.focus = Some(ids);
    }

    /// Zooms around the view's centre on the next frame (a factor; 0 resets to 100 %).
    pub fn zoom(&mut self, factor: f32) {
        self.zoom_request = Some(factor);
        self.user_moved = true;
    }

    /// Forces a rebuild (after the theme changes, for example).
    pub fn invalidate(&mut self) {
        self.built = None;
    }

    /// The scene last drawn.
    #[must_use]
    pub fn scene(&self) -> Option<&Scene> {
        self.scene.as_ref().map(|(_, s)| s.as_ref())
    }

    /// What the last live frame drew.
    #[must_use]
    pub fn drawn(&self) -> &Drawn {
        &self.drawn
    }

    /// The zoom of the last frame.
    #[must_use]
    pub fn zoom_level(&self) -> f32 {
        self.last_meta.as_ref().map_or(1.0, |m| m.zoom)
    }

    /// Where a node was drawn last frame, in screen coordinates.
    #[must_use]
    pub fn node_screen_pos(&self, id: &str) -> Option<Pos2> {
        let meta = self.last_meta.as_ref()?;
        let node = self.graph.node(*self.ids.get(id)?)?;
        Some(meta.canvas_to_screen_pos(node.location()))
    }

    /// Where a boundary's region was drawn last frame, in screen coordinates.
    #[must_use]
    pub fn boundary_screen_rect(&self, id: &str) -> Option<egui::Rect> {
        let meta = self.last_meta.as_ref()?;
        let b = self.scene()?.boundary(id)?;
        Some(interaction::to_screen(meta, b.rect))
    }

    /// The canvas position at the centre of the view, for placing new nodes outside every
    /// boundary.
    #[must_use]
    pub fn view_centre(&self) -> Option<Pos> {
        let meta = self.last_meta.as_ref()?;
        self.last_rect
            .is_positive()
            .then(|| interaction::to_canvas(meta, self.last_rect.center()))
    }

    fn ensure_scene(&mut self, view: &View<'_>) -> Arc<Scene> {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        self.collapsed.hash(&mut h);
        let key = (view.generation, view.revision, h.finish());
        if let Some((k, scene)) = &self.scene
            && *k == key
        {
            return scene.clone();
        }
        let options = diagram::Options {
            collapsed: self.collapsed.clone(),
            auto: false,
        };
        let scene = Arc::new(diagram::scene(view.model, &options));
        self.scene = Some((key, scene.clone()));
        scene
    }

    fn rebuild(&mut self, view: &View<'_>, scene: &Scene) {
        let mut g = CanvasGraph::new();
        let mut ids = HashMap::with_capacity(scene.nodes.len());
        let emphasis = |id: &str| {
            if view.selected == Some(id) {
                Emphasis::Selected
            } else if view.highlighted.contains(id) {
                Emphasis::Highlighted
            } else {
                Emphasis::Normal
            }
        };
        for node in &scene.nodes {
            let c = node.center();
            let worst = if node.collapsed.is_some() {
                // The worst finding of anything inside.
                view.model
                    .nodes()
                    .filter(|n| view.model.is_within(n, &node.id))
                    .filter_map(|n| view.worst.get(&n.id).copied())
                    .max()
            } else {
                view.worst.get(node.id.as_str()).copied()
            };
            let payload = NodeView {
                id: node.id.as_str().into(),
                kind: node.kind,
                lines: node.lines.clone().into(),
                collapsed: node.collapsed,
                worst,
                emphasis: emphasis(&node.id),
                theme: view.theme,
            };
            let label = node.name.clone();
            let index = g.add_node_custom(payload, |n| {
                n.set_location(Pos2::new(c.x, c.y));
                n.set_label(label);
            });
            ids.insert(node.id.clone(), index);
        }
        for flow in &scene.flows {
            let (Some(&a), Some(&b)) = (ids.get(&flow.from), ids.get(&flow.to)) else {
                continue;
            };
            let end = |id: &str| {
                scene
                    .node(id)
                    .map_or(Pos2::ZERO, |n| Pos2::new(n.center().x, n.center().y))
            };
            let worst = flow
                .flows
                .iter()
                .filter_map(|f| view.worst.get(f))
                .max()
                .copied();
            let emph = flow
                .flows
                .iter()
                .map(|f| emphasis(f))
                .max()
                .unwrap_or_default();
            let payload = FlowView {
                id: flow.id.as_str().into(),
                encryption: flow.encryption,
                worst,
                dot_on_route: !view.show_labels,
                emphasis: emph,
                theme: view.theme,
                points: flow.points.clone().into(),
                ends: (end(&flow.from), end(&flow.to)),
            };
            let label = flow.label.text().to_string();
            g.add_edge_custom(a, b, payload, |e| e.set_label(label));
        }
        self.graph = g;
        self.ids = ids;
    }

    /// Draws the canvas and returns what the user asked for. A still canvas replays its last
    /// frame (see [`Replay`]); any input, or any change to what it shows, brings it back.
    pub fn show(&mut self, ui: &mut egui::Ui, view: &View<'_>) -> Vec<Command> {
        if self.legend_open {
            egui::Panel::bottom("legend")
                .resizable(false)
                .show(ui, |ui| {
                    overlays::legend(
                        ui,
                        &view.theme,
                        &mut self.legend_open,
                        !view.badges.is_empty(),
                    );
                });
        }
        // Nothing of the diagram paints outside the canvas (over the legend strip).
        let rect = ui.available_rect_before_wrap();
        ui.set_clip_rect(rect.intersect(ui.clip_rect()));
        let key = fingerprint(view, &self.collapsed, true);
        let now = ui.input(|i| i.time);
        let busy = ui.input(|i| {
            !i.events.is_empty()
                || i.pointer.is_moving()
                || i.pointer.any_down()
                || i.pointer.any_released()
                || i.smooth_scroll_delta != Vec2::ZERO
        }) || self.fit_pending
            || self.focus.is_some()
            || self.zoom_request.is_some()
            || self.connect_from.is_some()
            || self.dragging.is_some();
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
                overlays::tip(ui, tip.rect, tip.id, &tip.text);
            }
            let mut out = Vec::new();
            self.controls(ui, rect, &mut out);
            return out;
        }
        let layer = ui.layer_id();
        let next = |ui: &egui::Ui| {
            ui.ctx()
                .graphics(|g| g.get(layer).map_or(0, |l| l.next_idx().0))
        };
        let start = next(ui);
        let (commands, tips) = self.show_live(ui, view);
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
        let mut commands = commands;
        self.controls(ui, rect, &mut commands);
        commands
    }

    /// The controls over the canvas (legend button, zoom), live on every frame, a replayed one
    /// too: a widget only painted would lose its first click to the canvas beneath, since egui
    /// hit-tests against the widgets of the frame before.
    fn controls(&mut self, ui: &mut egui::Ui, rect: egui::Rect, out: &mut Vec<Command>) {
        let mut controls = Vec::new();
        if !self.legend_open {
            controls.push(overlays::legend_button(ui, rect, &mut self.legend_open));
            if self.legend_open {
                self.replay = None;
            }
        }
        // Whether part of the diagram lies outside the view (a model opens at a readable zoom,
        // which may not show all of it): the control says so beside Fit.
        let outside = self
            .drawn
            .nodes
            .iter()
            .map(|n| n.1)
            .chain(self.drawn.boundaries.iter().map(|b| b.1))
            .any(|r| !rect.contains_rect(r));
        controls.push(overlays::zoom_control(
            ui,
            rect,
            self.zoom_level(),
            outside,
            out,
        ));
        self.controls = controls;
    }

    /// One live frame, through the graph view. Also returns the tooltips drawn.
    fn show_live(&mut self, ui: &mut egui::Ui, view: &View<'_>) -> (Vec<Command>, Vec<Tip>) {
        let scene = self.ensure_scene(view);
        let key = fingerprint(view, &self.collapsed, false);
        if self.built != Some(key) {
            self.rebuild(view, &scene);
            self.built = Some(key);
        }
        let mut out = Vec::new();
        let mut tips = Vec::new();
        let canvas_rect = ui.available_rect_before_wrap();
        self.last_rect = canvas_rect;
        ui.painter()
            .rect_filled(canvas_rect, 0.0, view.theme.canvas);
        // A slot behind the graph for the boundaries, filled once this frame's transform is known.
        let background = ui.painter().add(Shape::Noop);

        let connecting = self.tool == Tool::Connect;
        let interactions = SettingsInteraction::new()
            .with_dragging_enabled(!connecting)
            .with_hover_enabled(true)
            .with_node_clicking_enabled(true)
            .with_edge_clicking_enabled(true);
        // Rampart does the zooming and panning itself (see `interaction`).
        let navigation = SettingsNavigation::new()
            .with_zoom_and_pan_enabled(false)
            .with_fit_to_screen_enabled(false);
        let response = GraphView::<FixedState, FixedLayout>::new()
            .with_id(Some(VIEW_ID.to_string()))
            .with_interactions(&interactions)
            .with_navigations(&navigation)
            .with_styles(&SettingsStyle::new().with_labels_always(false))
            .show(ui, &mut self.graph);

        // Fit when asked, and when the canvas was resized a lot (or at all before the user
        // moved the view); the new view shows from the next frame.
        let size = canvas_rect.size();
        let grown = (size.x * size.y) / (self.fitted_size.x * self.fitted_size.y).max(1.0);
        // A panel opening or a window nudged by a few pixels does not move the diagram.
        if (self.fitted_size - size).length() > 1.0 && !(0.6..1.6).contains(&grown) {
            self.fit_pending = true;
            self.fit_readable = true;
        }
        // The closed legend's button sits in the bottom-left corner.
        let legend_h = if self.legend_open { 0.0 } else { 30.0 };
        let mut meta = metadata(ui);
        if std::mem::take(&mut self.fit_pending) {
            let b = scene.bounds;
            let bounds = egui::Rect::from_min_size(Pos2::new(b.x, b.y), Vec2::new(b.w, b.h));
            // Above the legend, so that it never hides the diagram.
            let room = Vec2::new(size.x, (size.y - legend_h).max(size.y * 0.5));
            if bounds.is_positive() {
                let b = bounds.expand(24.0);
                interaction::fit_rect(&mut meta, b, room, 1.25);
                // A model opened or started shows at a size one can read (names stay about
                // 10 px or more); Fit shows everything, however small.
                if std::mem::take(&mut self.fit_readable) && meta.zoom < READABLE {
                    meta.zoom = READABLE;
                    meta.pan = Vec2::new(8.0, 8.0) - b.min.to_vec2() * READABLE;
                    if b.height() * READABLE < room.y {
                        meta.pan.y = room.y * 0.5 - b.center().y * READABLE;
                    }
                }
            } else {
                meta.zoom = 1.0;
                meta.pan = size * 0.5;
            }
            self.fitted_size = size;
        }
        if let Some(ids) = self.focus.take() {
            self.apply_focus(&mut meta, &ids, size);
        }
        if let Some(factor) = self.zoom_request.take() {
            let f = if factor <= 0.0 {
                1.0 / meta.zoom
            } else {
                factor
            };
            interaction::zoom_at(&mut meta, f, size * 0.5);
        }
        let hover = response.response.hover_pos().map(|p| p - canvas_rect.min);
        let nav = ui.input(|i| interaction::navigation(i, hover, size * 0.5, view.keys));
        if let Some((factor, at)) = nav.zoom {
            interaction::zoom_at(&mut meta, factor, at);
            self.user_moved = true;
        }
        if nav.pan != Vec2::ZERO {
            meta.pan += nav.pan;
            self.user_moved = true;
        }
        let dragging_node = self.graph.dragged_node().is_some() || self.dragging.is_some();
        if !dragging_node
            && !connecting
            && (response.response.dragged_by(egui::PointerButton::Primary)
                || response.response.dragged_by(egui::PointerButton::Middle))
        {
            meta.pan += response.response.drag_delta();
            self.user_moved = true;
        } else if connecting && response.response.dragged_by(egui::PointerButton::Middle) {
            meta.pan += response.response.drag_delta();
        }
        meta.clone().save(ui);
        let mut draw_meta = meta.clone();
        draw_meta.pan += canvas_rect.min.to_vec2();
        self.last_meta = Some(draw_meta.clone());
        let z = draw_meta.zoom;

        // Boundaries, behind everything.
        let mut shapes = Vec::new();
        let mut drawn = Drawn::default();
        for b in &scene.boundaries {
            let r = interaction::to_screen(&draw_meta, b.rect);
            let emphasis = if view.selected == Some(b.id.as_str()) {
                Emphasis::Selected
            } else if view.highlighted.contains(&b.id) {
                Emphasis::Highlighted
            } else {
                Emphasis::Normal
            };
            shapes.extend(shapes::boundary_shapes(
                ui.ctx(),
                b,
                r,
                z,
                &view.theme,
                emphasis,
            ));
            drawn.boundaries.push((b.id.clone(), r));
            if b.truncated {
                tips.push(Tip {
                    rect: interaction::to_screen(&draw_meta, b.title_rect),
                    id: ui.id().with(("title", &b.id)),
                    text: b.full_title.clone(),
                });
            }
        }
        ui.painter().set(background, Shape::Vec(shapes));

        // Graph events.
        let mut clicked_something = false;
        let on_control = ui
            .input(|i| i.pointer.interact_pos())
            .is_some_and(|p| self.controls.iter().any(|r| r.contains(p)));
        for change in &response.changes {
            match change {
                GraphChange::NodeClicked { .. } | GraphChange::EdgeClicked { .. } if on_control => {
                    clicked_something = true;
                }
                GraphChange::NodeClicked { node } => {
                    clicked_something = true;
                    if let Some(n) = self.graph.node(*node) {
                        out.push(Command::Select(Selection::Element(
                            n.payload().id.to_string(),
                        )));
                    }
                }
                GraphChange::NodeDoubleClicked { node } => {
                    if let Some(n) = self.graph.node(*node)
                        && n.payload().collapsed.is_some()
                    {
                        out.push(Command::ToggleCollapse(n.payload().id.to_string()));
                    }
                }
                GraphChange::EdgeClicked { edge } => {
                    clicked_something = true;
                    if let Some(e) = self.graph.edge(*edge) {
                        out.push(Command::Select(Selection::Element(
                            e.payload().id.to_string(),
                        )));
                    }
                }
                GraphChange::NodeDragStarted { node } => {
                    if let Some(n) = self.graph.node(*node) {
                        self.dragging = Some((n.payload().id.to_string(), None));
                    }
                }
                GraphChange::NodeDragEnded { node } => {
                    self.dragging = None;
                    if let Some(cmd) = self.drop(*node, view, &scene, ui) {
                        out.push(cmd);
                    }
                }
                _ => {}
            }
        }
        // While dragging: the boundary under the pointer lights up when the drop would move
        // the node into it.
        if let Some((id, over)) = &mut self.dragging {
            let pointer = ui.input(|i| i.pointer.interact_pos());
            let current = view.model.node(id).and_then(|n| n.boundary.clone());
            *over = pointer
                .and_then(|p| scene.boundary_at(interaction::to_canvas(&draw_meta, p)))
                .map(|b| b.id.clone());
            let alt = ui.input(|i| i.modifiers.alt);
            match over.as_deref() {
                Some(b) if Some(b) != current.as_deref() => {
                    if let (Some(sb), Some(mb)) = (scene.boundary(b), view.model.boundary(b)) {
                        let name = if mb.name.is_empty() { &mb.id } else { &mb.name };
                        overlays::drop_target(
                            ui,
                            interaction::to_screen(&draw_meta, sb.rect),
                            &view.theme,
                            &format!("Drop to move into {name} (trust {})", mb.trust_level()),
                        );
                    }
                }
                None if current.is_some() => {
                    let hint = if alt {
                        "Drop to take it out of every boundary"
                    } else {
                        "Stays in its boundary (hold Alt to take it out of every boundary)"
                    };
                    if let Some(p) = pointer {
                        ui.painter().add(shapes::text_shape(
                            ui.ctx(),
                            p + Vec2::new(14.0, 18.0),
                            egui::Align2::LEFT_TOP,
                            hint,
                            12.5,
                            view.theme.selection,
                        ));
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
                out.push(Command::Edit(crate::editor::Edit::AddFlow { from, to }));
            }
        }

        // A click on a flow's label selects the flow; elsewhere on empty canvas, the
        // innermost boundary there, or nothing.
        if response.response.clicked() && !clicked_something && !connecting && !on_control {
            let at = response
                .response
                .interact_pointer_pos()
                .map(|p| interaction::to_canvas(&draw_meta, p));
            let label = at.and_then(|p| {
                scene
                    .flows
                    .iter()
                    .find(|f| diagram::contains_point(diagram::expand(f.label.rect(), 3.0), p))
                    .map(|f| f.id.clone())
            });
            let target =
                label.or_else(|| at.and_then(|p| scene.boundary_at(p).map(|b| b.id.clone())));
            out.push(Command::Select(
                target.map_or(Selection::None, Selection::Element),
            ));
        }
        if response.response.double_clicked()
            && !connecting
            && let Some(p) = response.response.interact_pointer_pos()
            && let Some(b) = scene.boundary_at(interaction::to_canvas(&draw_meta, p))
            && diagram::contains_point(b.title_rect, interaction::to_canvas(&draw_meta, p))
        {
            out.push(Command::ToggleCollapse(b.id.clone()));
        }

        // Resize handle on the selected boundary.
        if let Some(sel) = view.selected
            && let Some(region) = scene.boundary(sel)
        {
            let rect = interaction::to_screen(&draw_meta, region.rect);
            let handle = egui::Rect::from_center_size(rect.right_bottom(), Vec2::splat(12.0));
            let resp = ui.interact(handle, ui.id().with("resize-boundary"), Sense::drag());
            ui.painter().rect_filled(handle, 2.0, view.theme.selection);
            if resp.hovered() || resp.dragged() {
                ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeNwSe);
            }
            if resp.drag_stopped()
                && let Some(p) = resp.interact_pointer_pos()
            {
                let c = interaction::to_canvas(&draw_meta, p);
                let r = region.rect;
                out.push(Command::Edit(crate::editor::Edit::SizeBoundary {
                    id: sel.to_string(),
                    rect: Some(crate::model::Rect {
                        x: r.x,
                        y: r.y,
                        w: (c.x - r.x).max(60.0).round(),
                        h: (c.y - r.y).max(40.0).round(),
                    }),
                }));
            }
        }

        // Labels, above the flows; the full name on hover.
        if view.show_labels && z >= 0.3 {
            for f in &scene.flows {
                let r = interaction::to_screen(&draw_meta, f.label.rect());
                if !r.intersects(canvas_rect) {
                    continue;
                }
                let emph = f
                    .flows
                    .iter()
                    .map(|id| {
                        if view.selected == Some(id.as_str()) {
                            Emphasis::Selected
                        } else if view.highlighted.contains(id) {
                            Emphasis::Highlighted
                        } else {
                            Emphasis::Normal
                        }
                    })
                    .max()
                    .unwrap_or_default();
                let stroke = shapes::flow_stroke(&view.theme, f.encryption, emph, 1.0);
                for s in shapes::label_shapes(ui.ctx(), &f.label, r, z, &view.theme, stroke.color) {
                    ui.painter().add(s);
                }
                // The worst open finding on the flow: a dot on the label's left edge, where
                // no line or arrowhead runs.
                let worst = f
                    .flows
                    .iter()
                    .filter_map(|id| view.worst.get(id))
                    .max()
                    .copied();
                let mut text = format!("{} ({})", f.label.text(), f.encryption.label());
                if let Some(sev) = worst {
                    let at = egui::pos2(r.left(), r.center().y);
                    let radius = 3.8 * z.clamp(0.7, 1.6);
                    ui.painter()
                        .circle_filled(at, radius + 1.0, view.theme.canvas);
                    ui.painter()
                        .circle_filled(at, radius, view.theme.severity(sev));
                    let _ = write!(text, "\nWorst open finding: {}", sev.label());
                }
                tips.push(Tip {
                    rect: r.expand(4.0),
                    id: ui.id().with(("label", &f.id)),
                    text,
                });
            }
        }
        // Full names of nodes the drawing cut, on hover.
        for (_, n) in self.graph.nodes_iter() {
            let id = &n.payload().id;
            if let Some(s) = scene.node(id) {
                let r = egui::Rect::from_center_size(
                    draw_meta.canvas_to_screen_pos(n.location()),
                    Vec2::new(s.rect.w, s.rect.h) * z,
                );
                drawn.nodes.push((id.to_string(), r, n.payload().worst));
                if s.truncated || z < 0.3 {
                    tips.push(Tip {
                        rect: r,
                        id: ui.id().with(("node", id.as_ref())),
                        text: s.name.clone(),
                    });
                }
            }
        }
        for f in &scene.flows {
            drawn.flows.push((
                f.id.clone(),
                f.points
                    .iter()
                    .map(|p| draw_meta.canvas_to_screen_pos(Pos2::new(p.x, p.y)))
                    .collect(),
            ));
        }
        if !view.badges.is_empty() && z >= 0.3 {
            tips.extend(self.draw_badges(ui, &draw_meta, canvas_rect, view, &scene));
        }
        for tip in &tips {
            overlays::tip(ui, tip.rect, tip.id, &tip.text);
        }
        if view.model.node_count() == 0 {
            let b = scene.bounds;
            let drawn_area = interaction::to_screen(&draw_meta, b);
            overlays::empty_hint(
                ui,
                canvas_rect,
                &view.theme,
                (!view.model.boundaries.is_empty()).then_some(drawn_area),
            );
        }

        self.drawn = drawn;
        (out, tips)
    }

    /// The command for a node dropped after a drag, unless it did not really move.
    fn drop(
        &self,
        index: NodeIndex,
        view: &View<'_>,
        scene: &Scene,
        ui: &egui::Ui,
    ) -> Option<Command> {
        let node = self.graph.node(index)?;
        let id = node.payload().id.to_string();
        let at = node.location();
        let before = scene.node(&id)?.center();
        if node.payload().collapsed.is_some() {
            return None;
        }
        let meta = self.last_meta.as_ref()?;
        let pointer = ui.input(|i| i.pointer.interact_pos());
        let over = pointer.and_then(|p| scene.boundary_at(interaction::to_canvas(meta, p)));
        let current = view.model.node(&id)?.boundary.clone();
        let alt = ui.input(|i| i.modifiers.alt);
        let onto = match over {
            Some(b) if Some(&b.id) != current.as_ref() => Onto::Boundary(b.id.clone()),
            None if alt && current.is_some() => Onto::Outside,
            _ => Onto::Keep,
        };
        let moved = (at.x - before.x).abs() > 2.0 || (at.y - before.y).abs() > 2.0;
        (moved || onto != Onto::Keep).then_some(Command::DropNode {
            id,
            pos: Pos { x: at.x, y: at.y },
            onto,
        })
    }

    /// A verification badge on every element with an endpoint: a disc by the node's top-right
    /// corner, or on the flow near its caller; returns their tooltips.
    fn draw_badges(
        &self,
        ui: &egui::Ui,
        meta: &MetadataFrame,
        canvas: egui::Rect,
        view: &View<'_>,
        scene: &Scene,
    ) -> Vec<Tip> {
        let painter = ui.painter();
        let r = (8.0 * meta.zoom).clamp(6.0, 10.0);
        let mut spots: Vec<(Pos2, crate::verify::EndpointStatus, &str)> = Vec::new();
        for n in &scene.nodes {
            if let Some(s) = view.badges.get(&n.id) {
                let corner = Pos2::new(n.rect.x + n.rect.w, n.rect.y);
                spots.push((meta.canvas_to_screen_pos(corner), *s, &n.id));
            }
        }
        for f in &scene.flows {
            let Some(s) = view.badges.get(&f.id) else {
                continue;
            };
            if let [a, b, ..] = f.points.as_slice() {
                let at = Pos2::new(a.x, a.y).lerp(Pos2::new(b.x, b.y), 0.5);
                spots.push((meta.canvas_to_screen_pos(at), *s, &f.id));
            }
        }
        let mut tips = Vec::new();
        for (at, status, id) in spots {
            if !canvas.contains(at) {
                continue;
            }
            overlays::badge(painter, at, r, status, &view.theme);
            tips.push(Tip {
                rect: egui::Rect::from_center_size(at, Vec2::splat(r * 2.0)),
                id: ui.id().with(("badge", id)),
                text: format!(
                    "Endpoint of {}: {}",
                    view.model.element_name(id).unwrap_or(id),
                    status.label()
                ),
            });
        }
        tips
    }

    fn node_at(&self, meta: &MetadataFrame, screen: Pos2) -> Option<String> {
        let i = self.graph.node_by_screen_pos(meta, screen)?;
        Some(self.graph.node(i)?.payload().id.to_string())
    }

    /// Brings the elements into view with as little movement as possible: nothing when they
    /// are in view already, the smallest pan when they fit at this zoom, zooming out only when
    /// they do not.
    fn apply_focus(&self, meta: &mut MetadataFrame, ids: &[String], size: Vec2) {
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
        let bounds = egui::Rect::from_points(&points).expand2(Vec2::new(
            diagram::NODE_W * 0.5 + 16.0,
            diagram::NODE_H * 0.5 + 16.0,
        ));
        let view = egui::Rect::from_min_size((-meta.pan / meta.zoom).to_pos2(), size / meta.zoom);
        if view.contains_rect(bounds) {
            return;
        }
        if bounds.width() <= view.width() && bounds.height() <= view.height() {
            let shift = |lo: f32, hi: f32, vlo: f32, vhi: f32| {
                if lo < vlo {
                    lo - vlo
                } else if hi > vhi {
                    hi - vhi
                } else {
                    0.0
                }
            };
            let d = Vec2::new(
                shift(bounds.min.x, bounds.max.x, view.min.x, view.max.x),
                shift(bounds.min.y, bounds.max.y, view.min.y, view.max.y),
            );
            meta.pan -= d * meta.zoom;
        } else {
            interaction::fit_rect(meta, bounds, size, meta.zoom);
        }
    }
}
