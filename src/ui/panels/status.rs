//! The status bar: what the model holds, open findings by severity, the running job with its
//! Cancel button, the last notice (with Undo after a change the user may not have meant).

use egui::{RichText, Ui};

use super::Ctx;
use crate::analysis::Severity;
use crate::ui::command::Command;

/// How long a notice stays in the status bar.
const NOTICE_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// A message in the status bar.
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// Offer Undo beside it (the notice reports an edit).
    pub undo: bool,
    pub at: std::time::Instant,
}

/// The running job, as the status bar shows it.
pub struct JobLine {
    pub title: String,
    pub step: String,
    pub cancelling: bool,
}

pub fn ui(
    ctx: &mut Ctx<'_>,
    notice: Option<&Notice>,
    job: Option<JobLine>,
    frame_ms: f64,
    ui: &mut Ui,
) {
    ui.horizontal(|ui| {
        let m = ctx.model();
        ui.label(format!(
            "{} · {} · {}",
            super::count(m.node_count(), "node", "nodes"),
            super::count(m.flow_count(), "flow", "flows"),
            super::count(m.boundaries.len(), "boundary", "boundaries")
        ));
        ui.separator();
        for (s, n) in ctx.session.analysis().counts() {
            if n > 0 {
                ui.label(RichText::new(format!("{n} {}", s.key())).color(ctx.theme.severity(s)));
            }
        }
        if !ctx.session.analysis_is_current() {
            ui.spinner();
            ui.label("analysing…");
        }
        if let Some(job) = job {
            ui.separator();
            ui.spinner();
            ui.label(format!("{}: {}", job.title, job.step));
            if job.cancelling {
                ui.label(RichText::new("cancelling…").weak());
            } else if ui.small_button("Cancel").clicked() {
                ctx.push(Command::CancelJob);
            }
        }
        if let Some(n) = notice
            && let Some(left) = NOTICE_FOR.checked_sub(n.at.elapsed())
        {
            // The app sleeps when idle: wake up to take the notice down.
            ui.ctx().request_repaint_after(left);
            ui.separator();
            let color = if n.error {
                ctx.theme.severity(Severity::High)
            } else {
                ctx.theme.text
            };
            ui.label(RichText::new(&n.text).color(color));
            if n.undo && ctx.session.can_undo() && ui.small_button("Undo").clicked() {
                ctx.push(Command::Undo);
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(
                RichText::new(format!("frame {frame_ms:.1} ms"))
                    .small()
                    .weak(),
            );
        });
    });
}
