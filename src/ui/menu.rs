//! The menu bar: File, Edit, View, Verify, Help. Every item pushes a command.

use super::app::RampartApp;
use super::command::{Command, ExportKind, HelpPage, Selection};
use super::panels::windows::PathPurpose;

pub fn bar(app: &mut RampartApp, ui: &mut egui::Ui, out: &mut Vec<Command>) {
    egui::Panel::top("menu").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("New            Ctrl+N").clicked() {
                    out.push(Command::New);
                }
                if ui.button("Open…          Ctrl+O").clicked() {
                    out.push(Command::Open);
                }
                if ui.button("Open path…").clicked() {
                    app.open_prompt(PathPurpose::Open, String::new(), None);
                }
                if ui
                    .button("Import…")
                    .on_hover_text("A model from OWASP Threat Dragon (v2 JSON)")
                    .clicked()
                {
                    out.push(Command::Import);
                }
                ui.menu_button("Open recent", |ui| {
                    if app.settings.recent.is_empty() {
                        ui.label("No recent files");
                    }
                    for path in app.settings.recent.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            out.push(Command::OpenPath(path));
                        }
                    }
                });
                ui.separator();
                if ui.button("Save           Ctrl+S").clicked() {
                    out.push(Command::Save);
                }
                if ui.button("Save as…").clicked() {
                    out.push(Command::SaveAs);
                }
                ui.separator();
                ui.menu_button("Export", |ui| {
                    for kind in [
                        ExportKind::Pdf,
                        ExportKind::Svg,
                        ExportKind::Png,
                        ExportKind::Json,
                        ExportKind::Sarif,
                        ExportKind::Markdown,
                        ExportKind::Csv,
                        ExportKind::ThreatDragon,
                        ExportKind::Otm,
                    ] {
                        if ui.button(format!("{}…", kind.label())).clicked() {
                            out.push(Command::Export(kind));
                        }
                    }
                });
                ui.separator();
                if ui.button("Quit").clicked() {
                    out.push(Command::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                if ui
                    .add_enabled(
                        app.session.can_undo(),
                        egui::Button::new(app.session.undo_label().map_or_else(
                            || "Undo".to_string(),
                            |w| format!("Undo {}", crate::text::shorten(w, 40)),
                        ))
                        .shortcut_text("Ctrl+Z"),
                    )
                    .clicked()
                {
                    out.push(Command::Undo);
                }
                if ui
                    .add_enabled(
                        app.session.can_redo(),
                        egui::Button::new(app.session.redo_label().map_or_else(
                            || "Redo".to_string(),
                            |w| format!("Redo {}", crate::text::shorten(w, 40)),
                        ))
                        .shortcut_text("Ctrl+Shift+Z"),
                    )
                    .clicked()
                {
                    out.push(Command::Redo);
                }
                ui.separator();
                if ui
                    .add_enabled(
                        app.selection != Selection::None,
                        egui::Button::new("Delete selected   Del"),
                    )
                    .clicked()
                {
                    out.push(Command::DeleteSelected);
                }
                if ui.button("Find element   Ctrl+F").clicked() {
                    out.push(Command::Find);
                }
            });
            ui.menu_button("View", |ui| {
                if ui
                    .button("Changes since last save")
                    .on_hover_text("What the edits change in the architecture, the findings and compliance")
                    .clicked()
                {
                    out.push(Command::ShowChanges(None));
                }
                if ui.button("Compare with file…").clicked() {
                    out.push(Command::CompareWith);
                }
                ui.separator();
                if ui.button("Fit to view   F").clicked() {
                    out.push(Command::Fit);
                }
                if ui.button("Zoom in   +").clicked() {
                    out.push(Command::Zoom(1.2));
                }
                if ui.button("Zoom out   −").clicked() {
                    out.push(Command::Zoom(1.0 / 1.2));
                }
                if ui.button("Zoom to 100 %").clicked() {
                    out.push(Command::ZoomReset);
                }
                if ui
                    .button("Arrange automatically")
                    .on_hover_text("Lay the whole diagram out again (undo brings your layout back)")
                    .clicked()
                {
                    out.push(Command::Arrange);
                }
                ui.separator();
                if ui.checkbox(&mut app.settings.show_flow_labels, "Flow labels").changed() {
                    app.canvas.invalidate();
                }
                ui.checkbox(&mut app.canvas.legend_open, "Legend");
                ui.checkbox(&mut app.panels.left_open, "Palette and outline");
                ui.checkbox(&mut app.panels.right_open, "Inspector");
                if ui
                    .button(if app.settings.dark { "Light theme" } else { "Dark theme" })
                    .clicked()
                {
                    out.push(Command::ToggleTheme);
                }
            });
            ui.menu_button("Verify", |ui| {
                let idle = app.probes.job.is_none();
                if ui
                    .add_enabled(idle, egui::Button::new("Verify against live endpoints"))
                    .on_hover_text("Probe every endpoint the model declares and report where the deployed system differs from the model")
                    .clicked()
                {
                    out.push(Command::Verify);
                }
                ui.separator();
                let selected = app.selection.id().map(str::to_string);
                if ui.button("Probe TLS…").clicked() {
                    out.push(Command::OpenProbe(selected.clone(), super::probe::ProbeKind::Tls));
                }
                if ui.button("Probe JWT…").clicked() {
                    out.push(Command::OpenProbe(selected, super::probe::ProbeKind::Jwt));
                }
                if let Some(v) = app.session.verification() {
                    ui.separator();
                    ui.label(egui::RichText::new(format!("Last verified {}", v.started.replace('T', " "))).weak());
                }
            });
            ui.menu_button("Help", |ui| {
                for (page, label) in [
                    (HelpPage::GettingStarted, "Getting started   F1"),
                    (HelpPage::Rules, "Rule catalogue"),
                    (HelpPage::Shortcuts, "Keyboard and mouse"),
                    (HelpPage::Notation, "Model notation"),
                ] {
                    if ui.button(label).clicked() {
                        out.push(Command::Help(page));
                    }
                }
            });
        });
    });
}
