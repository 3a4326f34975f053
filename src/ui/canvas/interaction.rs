//! Canvas navigation and the transform between canvas units and the screen: the wheel zooms
//! around the pointer in small steps, Shift+wheel and Ctrl+wheel pan (as in draw.io), a drag on
//! empty canvas pans, + and − zoom, and a view is fitted to a rectangle.

use egui::{Pos2, Rect, Vec2};
use egui_graphs::MetadataFrame;

/// Zoom limits.
pub const MIN_ZOOM: f32 = 0.05;
pub const MAX_ZOOM: f32 = 4.0;
/// One keyboard or button step.
pub const STEP: f32 = 1.2;

/// Sets zoom and pan so that `bounds` (canvas coordinates) fills a view of `size`.
pub fn fit_rect(meta: &mut MetadataFrame, bounds: Rect, size: Vec2, max_zoom: f32) {
    if bounds.width() <= 0.0 || bounds.height() <= 0.0 {
        return;
    }
    let zoom = (size.x / bounds.width())
        .min(size.y / bounds.height())
        .clamp(MIN_ZOOM, max_zoom);
    meta.zoom = zoom;
    meta.pan = size * 0.5 - bounds.center().to_vec2() * zoom;
}

/// Zooms by `factor`, keeping the canvas point under `at` (view-local coordinates) in place.
pub fn zoom_at(meta: &mut MetadataFrame, factor: f32, at: Vec2) {
    let new_zoom = (meta.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
    let canvas = (at - meta.pan) / meta.zoom;
    meta.pan = at - canvas * new_zoom;
    meta.zoom = new_zoom;
}

/// What the pointer and keyboard ask of the view this frame (computed from egui's input; the
/// canvas applies it to its transform).
#[derive(Debug, Default, PartialEq)]
pub struct Navigation {
    /// Zoom factor and the view-local point to zoom around.
    pub zoom: Option<(f32, Vec2)>,
    pub pan: Vec2,
}

/// Reads wheel, trackpad and keys. `hover` is the pointer in view-local coordinates when it is
/// over the canvas; `centre` is the view's middle.
#[must_use]
pub fn navigation(
    input: &egui::InputState,
    hover: Option<Vec2>,
    centre: Vec2,
    keys: bool,
) -> Navigation {
    let mut nav = Navigation::default();
    if let Some(at) = hover {
        let m = input.modifiers;
        // egui turns Ctrl+wheel into a zoom delta and Shift+wheel into horizontal scrolling:
        // here both pan, and the plain wheel zooms.
        let scroll = input.smooth_scroll_delta;
        if m.command || m.ctrl {
            let z = input.zoom_delta();
            if (z - 1.0).abs() > f32::EPSILON {
                nav.pan.y += z.ln() * 400.0;
            }
            nav.pan += scroll;
        } else if m.shift {
            nav.pan += scroll;
        } else {
            let z = input.zoom_delta();
            if (z - 1.0).abs() > f32::EPSILON {
                // A pinch on a trackpad.
                nav.zoom = Some((z, at));
            } else if scroll.y.abs() > f32::EPSILON {
                nav.zoom = Some(((scroll.y * 0.0025).exp(), at));
            }
            nav.pan.x += scroll.x;
        }
    }
    if keys {
        let step = |k: egui::Key| input.key_pressed(k);
        if step(egui::Key::Plus) || step(egui::Key::Equals) {
            nav.zoom = Some((STEP, centre));
        }
        if step(egui::Key::Minus) {
            nav.zoom = Some((1.0 / STEP, centre));
        }
    }
    nav
}

/// Where a screen point is on the canvas.
#[must_use]
pub fn to_canvas(meta: &MetadataFrame, p: Pos2) -> crate::model::Pos {
    let c = meta.screen_to_canvas_pos(p);
    crate::model::Pos { x: c.x, y: c.y }
}

/// A canvas rectangle on screen.
#[must_use]
pub fn to_screen(meta: &MetadataFrame, r: crate::model::Rect) -> Rect {
    Rect::from_min_size(
        meta.canvas_to_screen_pos(Pos2::new(r.x, r.y)),
        Vec2::new(r.w, r.h) * meta.zoom,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zooming_keeps_the_point_under_the_pointer() {
        let mut meta = MetadataFrame::new(None);
        meta.zoom = 1.0;
        meta.pan = Vec2::new(10.0, 20.0);
        let at = Vec2::new(300.0, 200.0);
        let before = (at - meta.pan) / meta.zoom;
        zoom_at(&mut meta, 1.25, at);
        let after = (at - meta.pan) / meta.zoom;
        assert!((before - after).length() < 1e-3);
        assert!((meta.zoom - 1.25).abs() < 1e-6);
        zoom_at(&mut meta, 1e9, at);
        assert_eq!(meta.zoom, MAX_ZOOM);
    }
}
