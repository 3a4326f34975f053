//! How the canvas draws the scene: node shapes in data-flow-diagram notation (for egui_graphs),
//! flow routes styled by protection, boundary regions, flow labels and callouts. Everything is
//! drawn from the geometry the diagram engine computed; these functions only paint it.

use std::sync::Arc;

use egui::epaint::{PathShape, PathStroke, RectShape};
use egui::{Align2, CornerRadius, FontFamily, FontId, Pos2, Shape, Stroke, StrokeKind, Vec2};
use egui_graphs::{DisplayEdge, DisplayNode, DrawContext, EdgeProps, NodeProps};
use petgraph::Directed;
use petgraph::stable_graph::DefaultIx;

use crate::analysis::Severity;
use crate::diagram::{self, NODE_H, NODE_W};
use crate::model::{Encryption, NodeKind, Pos};
use crate::ui::theme::Theme;

/// The font family the canvas draws text in: DejaVu Sans, the font the scene was measured with
/// (installed by [`install_fonts`]).
pub const DIAGRAM_FONT: &str = "diagram";

/// Adds DejaVu Sans as the canvas font (egui's own fonts stay the UI's).
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "DejaVuSans".into(),
        Arc::new(egui::FontData::from_static(crate::text::REGULAR_TTF)),
    );
    fonts.font_data.insert(
        "DejaVuSans-Bold".into(),
        Arc::new(egui::FontData::from_static(crate::text::BOLD_TTF)),
    );
    let fallback = fonts
        .families
        .get(&FontFamily::Proportional)
        .cloned()
        .unwrap_or_default();
    let mut regular = vec!["DejaVuSans".to_string()];
    regular.extend(fallback.iter().cloned());
    let mut bold = vec!["DejaVuSans-Bold".to_string()];
    bold.extend(fallback);
    fonts
        .families
        .insert(FontFamily::Name(DIAGRAM_FONT.into()), regular);
    fonts.families.insert(
        FontFamily::Name(format!("{DIAGRAM_FONT}-bold").into()),
        bold,
    );
    ctx.set_fonts(fonts);
}

/// The canvas font at `size`, regular or bold; egui's default when it is not installed yet.
#[must_use]
pub fn font(ctx: &egui::Context, size: f32, bold: bool) -> FontId {
    let name = if bold {
        format!("{DIAGRAM_FONT}-bold")
    } else {
        DIAGRAM_FONT.to_string()
    };
    let family = FontFamily::Name(name.into());
    let installed = ctx.fonts(|f| f.families().contains(&family));
    FontId::new(
        size,
        if installed {
            family
        } else {
            FontFamily::Proportional
        },
    )
}

/// How a node or flow is emphasised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, PartialOrd, Ord)]
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
    pub kind: NodeKind,
    pub lines: Arc<[String]>,
    /// A collapsed boundary: the number of nodes inside.
    pub collapsed: Option<usize>,
    pub worst: Option<Severity>,
    pub emphasis: Emphasis,
    pub theme: Theme,
}

/// What a flow shows.
#[derive(Clone, Debug)]
pub struct FlowView {
    pub id: Arc<str>,
    pub encryption: Encryption,
    pub worst: Option<Severity>,
    /// Labels are hidden: the worst finding's dot goes on the route (otherwise on the label,
    /// drawn with the labels, from a zoom of 0.3 up).
    pub dot_on_route: bool,
    pub emphasis: Emphasis,
    pub theme: Theme,
    /// The route (canvas units), and where its end boxes were when it was routed: when a box
    /// is being dragged away from there, a provisional route is drawn instead.
    pub points: Arc<[Pos]>,
    pub ends: (Pos2, Pos2),
}

/// A node as egui_graphs draws it.
#[derive(Clone, Debug)]
pub struct NodeShape {
    pub pos: Pos2,
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

/// Where a ray from the centre of a node's box leaves it.
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

#[must_use]
pub fn kind_icon(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Actor => "👤",
        NodeKind::ExternalSystem => "🌐",
        NodeKind::Service => "⚙",
        NodeKind::Gateway => "⛩",
        NodeKind::DataStore => "🗄",
        NodeKind::IdentityProvider => "🔑",
        NodeKind::SecretStore => "🔒",
        NodeKind::MessageQueue => "📨",
        NodeKind::SourceRepository => "📂",
        NodeKind::Pipeline => "🔧",
        NodeKind::ArtifactRegistry => "📦",
    }
}

/// A node's shape (no text) at `rect` on screen.
pub fn node_outline(
    kind: NodeKind,
    rect: egui::Rect,
    z: f32,
    fill: egui::Color32,
    stroke: Stroke,
    collapsed: bool,
) -> Vec<Shape> {
    let mut out = Vec::new();
    let r = |v: f32| CornerRadius::same((v * z).clamp(0.0, 60.0) as u8);
    if collapsed {
        out.push(Shape::rect_filled(rect, r(6.0), fill));
        let c = [
            rect.left_top(),
            rect.right_top(),
            rect.right_bottom(),
            rect.left_bottom(),
            rect.left_top(),
        ];
        out.extend(Shape::dashed_line(&c, stroke, 6.0, 4.0));
        return out;
    }
    let c = rect.center();
    match kind {
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
                rect.shrink((4.0 * z).max(2.5)),
                r(0.0),
                stroke,
                StrokeKind::Inside,
            ));
        }
        NodeKind::Service | NodeKind::IdentityProvider | NodeKind::Pipeline => {
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
        NodeKind::DataStore
        | NodeKind::SecretStore
        | NodeKind::SourceRepository
        | NodeKind::ArtifactRegistry => {
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
            if kind == NodeKind::SecretStore {
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
    out
}

impl DisplayNode<NodeView, FlowView, Directed, DefaultIx> for NodeShape {
    fn closest_boundary_point(&self, dir: Vec2) -> Pos2 {
        box_exit(self.pos, dir)
    }

    fn shapes(&mut self, ctx: &DrawContext) -> Vec<Shape> {
        let t = self.view.theme;
        let z = ctx.meta.zoom;
        let c = ctx.meta.canvas_to_screen_pos(self.pos);
        let rect = egui::Rect::from_center_size(c, half() * 2.0 * z);
        let mut fill = if self.view.collapsed.is_some() {
            t.label_bg
        } else {
            t.node_fill(self.view.kind)
        };
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
        out.extend(node_outline(
            self.view.kind,
            rect,
            z,
            fill,
            stroke,
            self.view.collapsed.is_some(),
        ));
        if z >= 0.3 {
            let size = diagram::NODE_FONT * z;
            if self.view.collapsed.is_none() {
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
            }
            let lh = size * 1.2;
            let total = self.view.lines.len() as f32 * lh;
            let centre_x =
                rect.left() + ((NODE_W - diagram::NAME_W) * 0.6 + diagram::NAME_W / 2.0) * z;
            for (k, line) in self.view.lines.iter().enumerate() {
                let bold = self.view.collapsed.is_some() && k == 0;
                let id = font(ctx.ctx, size, bold);
                let galley = ctx
                    .ctx
                    .fonts_mut(|f| f.layout_no_wrap(line.clone(), id, t.text));
                out.push(Shape::galley(
                    Pos2::new(
                        centre_x - galley.size().x / 2.0,
                        c.y - total / 2.0 + k as f32 * lh,
                    ),
                    galley,
                    t.text,
                ));
            }
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
}

impl From<EdgeProps<FlowView>> for FlowShape {
    fn from(props: EdgeProps<FlowView>) -> Self {
        FlowShape {
            view: props.payload.clone(),
        }
    }
}

impl FlowShape {
    /// The route in canvas units: the routed one, or while an end is dragged a provisional
    /// orthogonal one between the boxes where they are now.
    fn route(&self, start: Pos2, end: Pos2) -> Vec<Pos2> {
        let moved = |a: Pos2, b: Pos2| (a - b).length() > 0.5;
        if !moved(start, self.view.ends.0) && !moved(end, self.view.ends.1) {
            return self
                .view
                .points
                .iter()
                .map(|p| Pos2::new(p.x, p.y))
                .collect();
        }
        let dir = end - start;
        let a = box_exit(start, dir);
        let b = box_exit(end, -dir);
        if (a.x - b.x).abs() > (a.y - b.y).abs() {
            let mx = f32::midpoint(a.x, b.x);
            vec![a, Pos2::new(mx, a.y), Pos2::new(mx, b.y), b]
        } else {
            let my = f32::midpoint(a.y, b.y);
            vec![a, Pos2::new(a.x, my), Pos2::new(b.x, my), b]
        }
    }
}

/// The stroke of a flow by its protection and emphasis.
#[must_use]
pub fn flow_stroke(theme: &Theme, enc: Encryption, emphasis: Emphasis, z: f32) -> Stroke {
    let (color, width) = match emphasis {
        Emphasis::Selected => (theme.selection, 3.0),
        Emphasis::Highlighted => (theme.highlight, 3.0),
        Emphasis::Normal => (
            theme.flow(enc),
            if enc == Encryption::Mtls { 1.2 } else { 1.4 },
        ),
    };
    Stroke::new(width * z.sqrt(), color)
}

/// A polyline in a protection's style: dashed for plaintext, double for mutual TLS, plain for
/// TLS; an arrowhead at its end when `arrow` is set.
pub fn styled_line(
    points: &[Pos2],
    enc: Encryption,
    stroke: Stroke,
    z: f32,
    arrow: bool,
) -> Vec<Shape> {
    let mut out = Vec::new();
    if points.len() < 2 {
        return out;
    }
    if z < 0.35 {
        out.push(Shape::line(points.to_vec(), stroke));
    } else {
        match enc {
            Encryption::None => out.extend(Shape::dashed_line(points, stroke, 7.0 * z, 5.0 * z)),
            Encryption::Tls => out.push(Shape::line(points.to_vec(), stroke)),
            Encryption::Mtls => {
                let off = 1.8 * z.sqrt();
                for w in points.windows(2) {
                    let d = (w[1] - w[0]).normalized();
                    let n = Vec2::new(-d.y, d.x) * off;
                    out.push(Shape::line_segment([w[0] + n, w[1] + n], stroke));
                    out.push(Shape::line_segment([w[0] - n, w[1] - n], stroke));
                }
            }
        }
    }
    if arrow {
        let (a, b) = (points[points.len() - 2], points[points.len() - 1]);
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
                stroke.color,
                PathStroke::NONE,
            )
            .into(),
        );
    }
    out
}

impl DisplayEdge<NodeView, FlowView, Directed, DefaultIx, NodeShape> for FlowShape {
    fn shapes(
        &mut self,
        start: &egui_graphs::Node<NodeView, FlowView, Directed, DefaultIx, NodeShape>,
        end: &egui_graphs::Node<NodeView, FlowView, Directed, DefaultIx, NodeShape>,
        ctx: &DrawContext,
    ) -> Vec<Shape> {
        let z = ctx.meta.zoom;
        let route: Vec<Pos2> = self
            .route(start.display().pos, end.display().pos)
            .into_iter()
            .map(|p| ctx.meta.canvas_to_screen_pos(p))
            .collect();
        let stroke = flow_stroke(
            &self.view.theme,
            self.view.encryption,
            self.view.emphasis,
            z,
        );
        let mut out = styled_line(&route, self.view.encryption, stroke, z, true);
        // Labels hidden: the worst open finding's dot by the middle of the longest piece.
        if let Some(s) = self.view.worst
            && (self.view.dot_on_route || z < 0.3)
            && let Some(w) = route
                .windows(2)
                .max_by(|a, b| (a[1] - a[0]).length().total_cmp(&(b[1] - b[0]).length()))
        {
            let mid = w[0].lerp(w[1], 0.5);
            let d = (w[1] - w[0]).normalized();
            let n = Vec2::new(-d.y, d.x) * 7.0 * z.max(0.5);
            out.push(Shape::circle_filled(
                mid + n,
                3.5 * z.max(0.6),
                self.view.theme.severity(s),
            ));
        }
        out
    }

    fn update(&mut self, state: &EdgeProps<FlowView>) {
        self.view = state.payload.clone();
    }

    fn is_inside(
        &self,
        start: &egui_graphs::Node<NodeView, FlowView, Directed, DefaultIx, NodeShape>,
        end: &egui_graphs::Node<NodeView, FlowView, Directed, DefaultIx, NodeShape>,
        pos: Pos2,
    ) -> bool {
        let route = self.route(start.display().pos, end.display().pos);
        route.windows(2).any(|w| {
            let (a, b) = (w[0], w[1]);
            let ab = b - a;
            let len2 = ab.length_sq();
            if len2 <= f32::EPSILON {
                return false;
            }
            let t = ((pos - a).dot(ab) / len2).clamp(0.0, 1.0);
            (a + ab * t - pos).length() <= 6.0
        })
    }
}

/// A boundary region: tinted fill, dashed outline, title.
pub fn boundary_shapes(
    ctx: &egui::Context,
    b: &diagram::SceneBoundary,
    rect: egui::Rect,
    z: f32,
    theme: &Theme,
    emphasis: Emphasis,
) -> Vec<Shape> {
    let fill = theme.boundary(b.trust, b.zone);
    let outline = theme.boundary_outline(fill);
    let mut out = vec![Shape::rect_filled(rect, CornerRadius::same(10), fill)];
    let (width, color) = match emphasis {
        Emphasis::Selected => (2.5, theme.selection),
        Emphasis::Highlighted => (2.5, theme.highlight),
        Emphasis::Normal => (1.2, outline),
    };
    let corners = [
        rect.left_top(),
        rect.right_top(),
        rect.right_bottom(),
        rect.left_bottom(),
        rect.left_top(),
    ];
    out.extend(Shape::dashed_line(
        &corners,
        Stroke::new(width, color),
        8.0,
        5.0,
    ));
    if z >= 0.25 {
        let id = font(ctx, diagram::TITLE_FONT * z, true);
        let galley = ctx.fonts_mut(|f| f.layout_no_wrap(b.title.clone(), id, outline));
        let at = Pos2::new(
            rect.left() + (b.title_rect.x - b.rect.x + 2.0) * z,
            rect.top() + (b.title_rect.y - b.rect.y + 2.0) * z,
        );
        out.push(Shape::galley(at, galley, outline));
    }
    out
}

/// A flow's label or callout on screen.
pub fn label_shapes(
    ctx: &egui::Context,
    label: &diagram::FlowLabel,
    rect: egui::Rect,
    z: f32,
    theme: &Theme,
    color: egui::Color32,
) -> Vec<Shape> {
    let (text, bold) = match label {
        diagram::FlowLabel::Text { text, .. } => (text.clone(), false),
        diagram::FlowLabel::Callout { tag, .. } => (tag.clone(), true),
    };
    let mut out = vec![
        Shape::rect_filled(rect, CornerRadius::same(3), theme.label_bg),
        Shape::rect_stroke(
            rect,
            CornerRadius::same(3),
            Stroke::new(0.7, color.gamma_multiply(0.7)),
            StrokeKind::Inside,
        ),
    ];
    let id = font(ctx, diagram::FLOW_FONT * z, bold);
    let galley = ctx.fonts_mut(|f| f.layout_no_wrap(text, id, theme.text));
    let at = Pos2::new(
        rect.left() + 4.0 * z,
        rect.center().y - galley.size().y / 2.0,
    );
    out.push(Shape::galley(at, galley, theme.text));
    out
}

/// A small text, for overlays.
pub fn text_shape(
    ctx: &egui::Context,
    at: Pos2,
    align: Align2,
    text: &str,
    size: f32,
    color: egui::Color32,
) -> Shape {
    let galley =
        ctx.fonts_mut(|f| f.layout_no_wrap(text.to_string(), FontId::proportional(size), color));
    let rect = align.anchor_size(at, galley.size());
    Shape::galley(rect.min, galley, color)
}
