//! The small windows: a typed path (when no file dialog is available), the errors of a file
//! that would not open, "save changes first?" before anything replaces the model or the app
//! closes, and the offer to recover unsaved work after a crash.

use egui::RichText;

use super::Ctx;
use crate::editor::autosave::Recovery;
use crate::ui::command::{Command, ExportKind};

/// A prompt for a path typed by hand (when no native dialog is available, or asked for).
#[derive(Clone, Debug)]
pub struct PathPrompt {
    pub purpose: PathPurpose,
    pub text: String,
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathPurpose {
    Open,
    Import,
    Compare,
    SaveAs,
    Export(ExportKind),
}

/// "Save changes before …?": the command waiting for the answer.
#[derive(Clone, Debug)]
pub struct Unsaved {
    pub then: Command,
}

/// What the windows answered.
#[derive(Debug, Default)]
pub struct Answers {
    /// Save, then carry out the waiting command.
    pub save_then: Option<Command>,
    /// Carry it out without saving.
    pub discard_then: Option<Command>,
    pub cancel: bool,
}

fn what(then: &Command) -> &'static str {
    match then {
        Command::New => "starting a new model",
        Command::OpenPath(_) => "opening another model",
        Command::ImportPath(_) => "importing another model",
        Command::Quit => "closing",
        Command::RecoverAutosave => "recovering the unsaved work of the last session",
        _ => "going on",
    }
}

pub fn prompt(ctx: &mut Ctx<'_>, slot: &mut Option<PathPrompt>, egui_ctx: &egui::Context) {
    let Some(prompt) = slot else { return };
    let mut open = true;
    let mut submit = None;
    let title = match prompt.purpose {
        PathPurpose::Open => "Open model",
        PathPurpose::Import => "Import model (Threagile YAML, Threat Dragon JSON, OTM, TMT .tm7)",
        PathPurpose::Compare => "Compare with model file",
        PathPurpose::SaveAs => "Save model as",
        PathPurpose::Export(_) => "Export",
    };
    egui::Window::new(title)
        .collapsible(false)
        .open(&mut open)
        .show(egui_ctx, |ui| {
            if let Some(note) = &prompt.note {
                ui.label(RichText::new(note).weak());
            }
            let label = ui.label("Path");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut prompt.text)
                        .desired_width(420.0)
                        .hint_text("/path/to/model.ron"),
                )
                .labelled_by(label.id);
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("OK").clicked() || enter {
                submit = Some(std::path::PathBuf::from(prompt.text.trim()));
            }
        });
    if let Some(path) = submit {
        let purpose = prompt.purpose;
        *slot = None;
        ctx.push(match purpose {
            PathPurpose::Open => Command::OpenPath(path),
            PathPurpose::Import => Command::ImportPath(path),
            PathPurpose::Compare => Command::ShowChanges(Some(path)),
            PathPurpose::SaveAs => Command::SaveAsPath(path),
            PathPurpose::Export(kind) => Command::ExportPath(kind, path),
        });
    } else if !open {
        *slot = None;
    }
}

pub fn load_errors(slot: &mut Option<(String, Vec<String>)>, egui_ctx: &egui::Context) {
    let Some((file, errors)) = slot else { return };
    let mut open = true;
    egui::Window::new("Could not open model")
        .collapsible(false)
        .open(&mut open)
        .show(egui_ctx, |ui| {
            ui.label(format!(
                "{file} has {}; the current model is unchanged.",
                super::count(errors.len(), "problem", "problems")
            ));
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .show(ui, |ui| {
                    for e in errors.iter() {
                        ui.label(RichText::new(e).monospace());
                    }
                });
        });
    if !open {
        *slot = None;
    }
}

/// What changed against a version of the model: the summary, then each change and each
/// finding introduced or resolved; the changed elements are highlighted on the canvas while
/// it is open.
pub fn changes(slot: &mut Option<crate::ui::app::Changes>, egui_ctx: &egui::Context) {
    let Some(changes) = slot else { return };
    let mut open = true;
    egui::Window::new(format!("Changes against {}", changes.against))
        .collapsible(false)
        .open(&mut open)
        .default_width(620.0)
        // Over the canvas, clear of the palette and the menu bar.
        .default_pos(egui::pos2(250.0, 60.0))
        .show(egui_ctx, |ui| {
            egui::ScrollArea::vertical()
                .max_height(420.0)
                .show(ui, |ui| {
                    // (The GUI's font has no arrow glyph.)
                    let text = changes.text.replace('→', "->");
                    for (i, line) in text.lines().enumerate() {
                        // The summary and the section titles stand out.
                        if i == 0 || (!line.starts_with(' ') && !line.is_empty()) {
                            ui.label(RichText::new(line).strong());
                        } else {
                            ui.label(line);
                        }
                    }
                });
        });
    if !open {
        *slot = None;
    }
}

/// What an import could not carry over as is: one line each, until the user closes it.
pub fn import_notes(slot: &mut Option<(String, Vec<String>)>, egui_ctx: &egui::Context) {
    let Some((file, notes)) = slot else { return };
    let mut open = true;
    egui::Window::new("Imported model")
        .collapsible(false)
        .open(&mut open)
        .default_pos(egui::pos2(250.0, 60.0))
        .show(egui_ctx, |ui| {
            ui.label(format!(
                "Imported {file} as a new, unsaved model. {}:",
                super::count(notes.len(), "note", "notes")
            ));
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .show(ui, |ui| {
                    for n in notes.iter() {
                        ui.label(format!("• {n}"));
                    }
                });
        });
    if !open {
        *slot = None;
    }
}

/// "Save changes to shop.ron before opening another model?" Save / Discard / Cancel.
pub fn unsaved(ctx: &Ctx<'_>, pending: &Unsaved, egui_ctx: &egui::Context) -> Answers {
    let mut answers = Answers::default();
    let name = ctx.session.path().and_then(|p| p.file_name()).map_or_else(
        || "the untitled model".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    egui::Modal::new(egui::Id::new("unsaved-changes")).show(egui_ctx, |ui| {
        ui.heading("Save your changes?");
        ui.label(format!(
            "{name} has changes that are not saved. Save them before {}?",
            what(&pending.then)
        ));
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                answers.save_then = Some(pending.then.clone());
            }
            if ui.button("Discard changes").clicked() {
                answers.discard_then = Some(pending.then.clone());
            }
            if ui.button("Cancel").clicked() {
                answers.cancel = true;
            }
        });
    });
    answers
}

/// "Recover unsaved work?" with what it holds, where it came from and when.
pub fn recovery(ctx: &mut Ctx<'_>, recovery: &Recovery, egui_ctx: &egui::Context) {
    egui::Window::new("Recover unsaved work?")
        .collapsible(false)
        .show(egui_ctx, |ui| {
            ui.label("Rampart found changes that were not saved when it last closed:");
            ui.label(RichText::new(&recovery.summary).strong());
            ui.label(format!(
                "{}, written {}.",
                match &recovery.original {
                    Some(p) => format!("Changes to {}", p.display()),
                    None => "A model that was never saved".to_string(),
                },
                recovery.when()
            ));
            ui.horizontal(|ui| {
                if ui.button("Recover").clicked() {
                    ctx.push(Command::RecoverAutosave);
                }
                if ui.button("Discard").clicked() {
                    ctx.push(Command::DiscardAutosave);
                }
            });
        });
}
