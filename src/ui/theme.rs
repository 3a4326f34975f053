//! Every colour the app uses, for light and dark themes. Nothing else names a colour.

use egui::Color32;

use crate::analysis::Severity;
use crate::analysis::compliance::Verdict;
use crate::model::{Encryption, NodeKind};

/// The app's colours for one theme.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub dark: bool,
    pub canvas: Color32,
    pub text: Color32,
    pub muted: Color32,
    pub node_fill: Color32,
    pub node_external_fill: Color32,
    pub node_store_fill: Color32,
    pub node_stroke: Color32,
    pub selection: Color32,
    pub highlight: Color32,
    pub flow_tls: Color32,
    pub flow_mtls: Color32,
    pub flow_plain: Color32,
    pub label_bg: Color32,
    /// Opacity of boundary fills.
    pub boundary_alpha: u8,
}

impl Theme {
    #[must_use]
    pub fn new(dark: bool) -> Self {
        if dark {
            Theme {
                dark,
                canvas: Color32::from_rgb(24, 26, 30),
                text: Color32::from_rgb(230, 232, 236),
                muted: Color32::from_rgb(150, 155, 165),
                node_fill: Color32::from_rgb(44, 52, 66),
                node_external_fill: Color32::from_rgb(58, 52, 44),
                node_store_fill: Color32::from_rgb(40, 58, 58),
                node_stroke: Color32::from_rgb(150, 160, 180),
                selection: Color32::from_rgb(90, 170, 255),
                highlight: Color32::from_rgb(255, 200, 60),
                flow_tls: Color32::from_rgb(150, 160, 175),
                flow_mtls: Color32::from_rgb(90, 200, 130),
                flow_plain: Color32::from_rgb(240, 90, 80),
                label_bg: Color32::from_rgba_unmultiplied(24, 26, 30, 220),
                boundary_alpha: 30,
            }
        } else {
            Theme {
                dark,
                canvas: Color32::from_rgb(250, 250, 252),
                text: Color32::from_rgb(25, 28, 34),
                muted: Color32::from_rgb(105, 110, 120),
                node_fill: Color32::from_rgb(232, 240, 252),
                node_external_fill: Color32::from_rgb(252, 242, 226),
                node_store_fill: Color32::from_rgb(226, 246, 242),
                node_stroke: Color32::from_rgb(70, 80, 100),
                selection: Color32::from_rgb(20, 110, 230),
                highlight: Color32::from_rgb(230, 140, 0),
                flow_tls: Color32::from_rgb(90, 100, 115),
                flow_mtls: Color32::from_rgb(20, 140, 70),
                flow_plain: Color32::from_rgb(215, 40, 30),
                label_bg: Color32::from_rgba_unmultiplied(250, 250, 252, 230),
                boundary_alpha: 22,
            }
        }
    }

    /// Severity colour (also used to tint nodes by their worst open finding).
    #[must_use]
    pub fn severity(&self, s: Severity) -> Color32 {
        match (s, self.dark) {
            (Severity::Critical, false) => Color32::from_rgb(160, 20, 120),
            (Severity::Critical, true) => Color32::from_rgb(240, 90, 200),
            (Severity::High, false) => Color32::from_rgb(205, 35, 30),
            (Severity::High, true) => Color32::from_rgb(255, 95, 85),
            (Severity::Medium, false) => Color32::from_rgb(200, 120, 0),
            (Severity::Medium, true) => Color32::from_rgb(250, 180, 60),
            (Severity::Low, false) => Color32::from_rgb(20, 120, 170),
            (Severity::Low, true) => Color32::from_rgb(90, 180, 230),
            (Severity::Info, _) => self.muted,
        }
    }

    /// Fill of a node of this kind.
    #[must_use]
    pub fn node_fill(&self, kind: NodeKind) -> Color32 {
        if kind.is_external() {
            self.node_external_fill
        } else if kind.is_store() {
            self.node_store_fill
        } else {
            self.node_fill
        }
    }

    /// Stroke colour of a flow by its protection.
    #[must_use]
    pub fn flow(&self, e: Encryption) -> Color32 {
        match e {
            Encryption::None => self.flow_plain,
            Encryption::Tls => self.flow_tls,
            Encryption::Mtls => self.flow_mtls,
        }
    }

    /// Fill of a boundary region by trust level (0..=10), or a compliance zone's colour.
    #[must_use]
    pub fn boundary(&self, trust: u8, zone: bool) -> Color32 {
        let [r, g, b] = crate::diagram::Band::of(trust, zone).rgb();
        Color32::from_rgba_unmultiplied(r, g, b, self.boundary_alpha)
    }

    /// The colour of a compliance verdict.
    #[must_use]
    pub fn verdict(&self, v: Verdict) -> Color32 {
        match v {
            Verdict::Met => self.flow_mtls,
            Verdict::Gap => self.severity(Severity::High),
            Verdict::NotAssessed => self.muted,
        }
    }

    /// The colour of an endpoint's verification status.
    #[must_use]
    pub fn endpoint(&self, s: crate::verify::EndpointStatus) -> Color32 {
        use crate::verify::EndpointStatus;
        match s {
            EndpointStatus::Verified => self.flow_mtls,
            EndpointStatus::Drift => self.severity(Severity::High),
            EndpointStatus::Unreachable => self.severity(Severity::Medium),
            EndpointStatus::NotProbed => self.muted,
            EndpointStatus::Unverified => self.severity(Severity::Low),
        }
    }

    /// Opaque version of a boundary fill, for its outline and label.
    #[must_use]
    pub fn boundary_outline(&self, fill: Color32) -> Color32 {
        let [r, g, b, _] = fill.to_srgba_unmultiplied();
        Color32::from_rgb(r, g, b)
    }
}
