//! Carrying out commands: files (with "save changes first?" before anything replaces the
//! model), edits through the session, exports, probes. Each arm calls code outside `ui/`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::app::{RECENT_LIMIT, RampartApp};
use super::canvas::Tool;
use super::command::{Command, ExportKind, Selection};
use super::panels::windows::{PathPurpose, Unsaved};
use crate::editor::{Applied, Edit, Session};
use crate::model::{self, Model};
use crate::report;

/// A command that replaces the model, to be carried out without asking again.
#[must_use]
pub fn confirmed(command: Command) -> Command {
    Command::Confirmed(Box::new(command))
}

impl RampartApp {
    /// Applies every queued command.
    pub fn apply_commands(&mut self, ctx: &egui::Context) {
        let commands = std::mem::take(&mut self.commands);
        for command in commands {
            self.apply(command, ctx);
        }
    }

    /// Applies one command: one that would replace a model with unsaved changes asks first.
    pub fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::Confirmed(inner) => self.run(*inner, ctx),
            c if c.replaces_model() && self.session.is_dirty() => {
                self.unsaved = Some(Unsaved { then: c });
            }
            c => self.run(c, ctx),
        }
    }

    fn remember(&mut self, path: &Path) {
        let path = path.to_path_buf();
        self.settings.recent.retain(|p| p != &path);
        self.settings.recent.insert(0, path);
        self.settings.recent.truncate(RECENT_LIMIT);
    }

    /// Another model replaces this one: everything derived from the old one goes.
    pub(super) fn replace_session(&mut self, session: Session) {
        self.forget_probes();
        self.session = session;
        self.selection = Selection::None;
        self.selected_finding = None;
        self.canvas.reset();
        self.canvas.tool = Tool::Select;
        self.panels.reset();
        self.drop_caches();
    }

    /// A running probe is stopped (its result would belong to the old model) and results
    /// attached to the old model's elements are dropped.
    fn forget_probes(&mut self) {
        if let Some(job) = self.probes.job.take() {
            job.cancel.cancel();
        }
        self.probes.attached.clear();
        self.probes.last = None;
        self.probes.badges = (None, std::collections::HashMap::new());
        self.probes.form.element = None;
    }

    /// After an edit: select what it created, follow renames, drop a selection that is gone.
    fn follow(&mut self, applied: &Applied) {
        if let Some(id) = &applied.created {
            self.selection = Selection::Element(id.clone());
        }
        for (old, new) in &applied.renamed {
            if self.selection.id() == Some(old.as_str()) {
                self.selection = Selection::Element(new.clone());
            }
        }
        self.fix_selection();
    }

    fn saved(&mut self, path: &Path, ctx: &egui::Context) {
        self.remember(path);
        if let Some(a) = &mut self.autosave {
            a.clear();
        }
        self.notify(format!("Saved {}", path.display()), false);
        if let Some(then) = self.after_save.take() {
            self.apply(confirmed(then), ctx);
        }
    }

    fn run(&mut self, command: Command, ctx: &egui::Context) {
        if !matches!(
            command,
            Command::Save | Command::SaveAs | Command::SaveAsPath(_)
        ) {
            // A save that was to go on to something else was abandoned.
            self.after_save = None;
        }
        match command {
            Command::Confirmed(inner) => self.run(*inner, ctx),
            Command::New => {
                self.replace_session(Session::new(Model::new("New threat model"), None));
            }
            Command::Open => {
                if let Some(path) = self.pick(PathPurpose::Open) {
                    self.apply(Command::OpenPath(path), ctx);
                }
            }
            Command::CompareWith => {
                if let Some(path) = self.pick(PathPurpose::Compare) {
                    self.apply(Command::ShowChanges(Some(path)), ctx);
                }
            }
            Command::ShowChanges(other) => {
                let (path, against) = match (&other, self.session.path()) {
                    (Some(p), _) => (p.clone(), p.display().to_string()),
                    (None, Some(p)) => (p.to_path_buf(), format!("the saved {}", p.display())),
                    (None, None) => {
                        self.notify(
                            "The model has not been saved: there is no saved version to compare with",
                            true,
                        );
                        return;
                    }
                };
                match model::load(&path) {
                    Ok(old) => {
                        let old_a = crate::analysis::analyze(&old.model);
                        let new = self.session.model();
                        let diff =
                            crate::diff::diff(&old.model, &old_a, new, self.session.analysis());
                        let text = report::diff::text(&diff, &old.model, new, false);
                        let elements = diff
                            .elements
                            .iter()
                            .filter(|e| e.change != crate::diff::Change::Removed)
                            .map(|e| e.id.clone())
                            .collect();
                        self.changes = Some(super::app::Changes {
                            against,
                            diff,
                            text,
                            elements,
                            source: other,
                            revision: (self.session.generation(), self.session.revision()),
                        });
                    }
                    Err(e) => {
                        self.load_errors = Some((
                            path.display().to_string(),
                            e.diagnostics.iter().map(ToString::to_string).collect(),
                        ));
                    }
                }
            }
            Command::Import => {
                if let Some(path) = self.pick(PathPurpose::Import) {
                    self.apply(Command::ImportPath(path), ctx);
                }
            }
            Command::ImportPath(path) => {
                let name = path.display().to_string();
                let result = crate::interchange::import_file(&path, None).map(|(i, _)| i);
                match result {
                    Ok(imported) if imported.model.problems().is_empty() => {
                        self.replace_session(Session::new(imported.model, None));
                        self.load_errors = None;
                        self.notify(format!("Imported {name}: save it to keep it"), false);
                        self.import_notes = Some((
                            name,
                            imported.notes.iter().map(ToString::to_string).collect(),
                        ));
                    }
                    Ok(imported) => {
                        self.load_errors = Some((
                            name,
                            imported
                                .model
                                .problems()
                                .iter()
                                .map(|p| p.message.clone())
                                .collect(),
                        ));
                    }
                    Err(e) => self.load_errors = Some((name, vec![e])),
                }
            }
            Command::OpenPath(path) => match Session::open(&path) {
                Ok(session) => {
                    self.replace_session(session);
                    self.load_errors = None;
                    self.remember(&path);
                    self.notify(format!("Opened {}", path.display()), false);
                }
                Err(e) => {
                    self.load_errors = Some((
                        path.display().to_string(),
                        e.diagnostics.iter().map(ToString::to_string).collect(),
                    ));
                }
            },
            Command::Save => {
                let example = self.session.path() == Some(Path::new(model::EXAMPLE_NAME))
                    && !Path::new(model::EXAMPLE_NAME).exists();
                if self.session.path().is_none() || example {
                    self.run(Command::SaveAs, ctx);
                } else {
                    match self.session.save() {
                        Ok(()) => {
                            let path = self
                                .session
                                .path()
                                .map(Path::to_path_buf)
                                .unwrap_or_default();
                            self.saved(&path, ctx);
                        }
                        Err(e) => {
                            self.after_save = None;
                            self.notify(e.to_string(), true);
                        }
                    }
                }
            }
            Command::SaveAs => {
                if let Some(path) = self.pick(PathPurpose::SaveAs) {
                    self.run(Command::SaveAsPath(path), ctx);
                }
            }
            Command::SaveAsPath(path) => match self.session.save_as(&path) {
                Ok(()) => self.saved(&path, ctx),
                Err(e) => {
                    self.after_save = None;
                    self.notify(e.to_string(), true);
                }
            },
            Command::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Command::Export(kind) => {
                if let Some(path) = self.pick(PathPurpose::Export(kind)) {
                    self.run(Command::ExportPath(kind, path), ctx);
                }
            }
            Command::ExportPath(kind, path) => self.export(kind, &path),
            Command::Undo => {
                if self.session.undo() {
                    self.fix_selection();
                }
            }
            Command::Redo => {
                if self.session.redo() {
                    self.fix_selection();
                }
            }
            Command::Edit(edit) => {
                self.session.end_coalescing();
                let deleted = match &edit {
                    Edit::Delete(id) => Some(
                        self.session
                            .model()
                            .element_name(id)
                            .unwrap_or(id)
                            .to_string(),
                    ),
                    _ => None,
                };
                let decided = match &edit {
                    Edit::Decide(d) => Some((d.finding.clone(), d.status)),
                    _ => None,
                };
                match self.session.apply(edit) {
                    Ok(applied) => {
                        self.follow(&applied);
                        if let Some(name) = deleted {
                            self.notify_edit(format!("Deleted {name}"));
                        }
                        if let Some((finding, status)) = decided {
                            let title = self
                                .session
                                .analysis()
                                .findings
                                .iter()
                                .find(|f| f.id == finding)
                                .map_or("The finding", |f| f.rule.title);
                            let note = if status.is_resolved() {
                                format!(
                                    "Decision recorded: {title} is {}; resolved findings are hidden (tick Show resolved to see them)",
                                    status.label()
                                )
                            } else {
                                format!("Decision recorded: {title} is {}", status.label())
                            };
                            self.notify_edit(note);
                        }
                    }
                    Err(e) => self.notify(e.to_string(), true),
                }
            }
            Command::EditTyping(edit, key) => {
                match self.session.apply_coalescing(edit, Some(&key)) {
                    Ok(applied) => self.follow(&applied),
                    Err(e) => self.notify(e.to_string(), true),
                }
            }
            Command::AddNode {
                kind,
                boundary,
                near,
            } => {
                self.session.end_coalescing();
                match self.session.add_node(kind, boundary, near) {
                    Ok(added) => {
                        self.selection = Selection::Element(added.id.clone());
                        self.canvas.focus_on(vec![added.id]);
                        if let Some(note) = added.note {
                            self.notify_edit(note);
                        }
                    }
                    Err(e) => self.notify(e.to_string(), true),
                }
            }
            Command::AddBoundary { kind, parent } => {
                self.session.end_coalescing();
                match self.session.add_boundary(kind, parent) {
                    Ok(id) => self.selection = Selection::Element(id),
                    Err(e) => self.notify(e.to_string(), true),
                }
            }
            Command::AddAsset(classification) => {
                self.run(Command::Edit(Edit::AddAsset { classification }), ctx);
            }
            Command::DropNode { id, pos, onto } => {
                self.session.end_coalescing();
                // What was dragged is what the inspector shows.
                self.selection = Selection::Element(id.clone());
                match self.session.drop_node(&id, pos, &onto) {
                    Ok(Some(text)) => self.notify_edit(text),
                    Ok(None) => {}
                    Err(e) => self.notify(e.to_string(), true),
                }
            }
            Command::Arrange => match self.session.arrange() {
                Ok(_) => {
                    self.canvas.fit();
                    self.notify_edit("Laid the diagram out again");
                }
                Err(e) => self.notify(e.to_string(), true),
            },
            Command::ApplyFix(change) => {
                self.session.end_coalescing();
                let what = format!(
                    "{} on {}",
                    change.describe(),
                    self.session
                        .model()
                        .element_name(change.element())
                        .unwrap_or(change.element())
                );
                match self.session.apply_fix(&change) {
                    Ok(applied) => {
                        self.follow(&applied);
                        self.notify_edit(format!("Applied: {what}"));
                    }
                    Err(e) => self.notify(e.to_string(), true),
                }
            }
            Command::Select(selection) => self.selection = selection,
            Command::SelectFinding(id) => {
                self.selected_finding.clone_from(&id);
                if let Some(id) = id
                    && let Some(f) = self.session.analysis().findings.iter().find(|f| f.id == id)
                {
                    let mut focus: Vec<String> = f.path.clone();
                    focus.extend(f.elements.iter().cloned());
                    // Flows are focused through their ends.
                    let model = self.session.model();
                    let mut nodes: Vec<String> = Vec::new();
                    for e in &focus {
                        if model.node(e).is_some() {
                            nodes.push(e.clone());
                        } else if let Some(flow) = model.flow(e) {
                            nodes.push(flow.from.clone());
                            nodes.push(flow.to.clone());
                        }
                    }
                    if let Some(first) = f.elements.first() {
                        self.selection = Selection::Element(first.clone());
                    }
                    self.canvas.focus_on(nodes);
                }
            }
            Command::DeleteSelected => {
                if let Selection::Element(id) = self.selection.clone() {
                    self.run(Command::Edit(Edit::Delete(id)), ctx);
                    self.selection = Selection::None;
                }
            }
            Command::Fit => self.canvas.fit(),
            Command::Focus(ids) => self.canvas.focus_on(ids),
            Command::Zoom(f) => self.canvas.zoom(f),
            Command::ZoomReset => self.canvas.zoom(0.0),
            Command::ToggleCollapse(id) => {
                if !self.canvas.collapsed.remove(&id) {
                    self.canvas.collapsed.insert(id);
                }
                self.canvas.invalidate();
            }
            Command::ToggleTheme => {
                self.settings.dark = !self.settings.dark;
                ctx.set_theme(if self.settings.dark {
                    egui::Theme::Dark
                } else {
                    egui::Theme::Light
                });
                self.canvas.invalidate();
            }
            Command::Find => self.panels.outline.focus_search = true,
            Command::Help(page) => self.panels.help.open = Some(page),
            Command::RecoverAutosave => {
                if let Some(r) = self.recovery.take() {
                    match r.restore() {
                        Ok(session) => {
                            self.replace_session(session);
                            r.discard();
                            self.notify("Recovered unsaved changes from the last session", false);
                        }
                        Err(e) => self.notify(e.to_string(), true),
                    }
                }
            }
            Command::DiscardAutosave => {
                if let Some(r) = self.recovery.take() {
                    r.discard();
                }
            }
            Command::OpenProbe(element, kind) => {
                let form = &mut self.probes.form;
                form.open = true;
                form.kind = kind;
                form.confirming = false;
                let model = self.session.model();
                let endpoint = element.as_deref().and_then(|id| {
                    model
                        .node(id)
                        .and_then(|n| n.endpoint.as_ref())
                        .or_else(|| model.flow(id).and_then(|f| f.endpoint.as_ref()))
                });
                match (&element, endpoint) {
                    (Some(id), Some(e)) => {
                        let base = self.session.path().and_then(Path::parent);
                        form.fill_from(id, e, base);
                    }
                    _ => form.element = element,
                }
            }
            Command::RunProbe => {
                if self.probes.job.is_some() {
                    self.notify("A probe is already running", true);
                } else if self.probes.form.kind == super::probe::ProbeKind::Jwt
                    && self.probes.form.active
                    && !self.probes.form.confirming
                {
                    self.probes.form.confirming = true;
                } else {
                    self.probes.form.confirming = false;
                    match super::probe::start_probe(&self.probes.form, ctx) {
                        Ok(job) => self.probes.job = Some(job),
                        Err(e) => self.notify(e, true),
                    }
                }
            }
            Command::Verify => {
                let model = self.session.model();
                if self.probes.job.is_some() {
                    self.notify("A probe is already running", true);
                } else if crate::verify::declared(model).is_empty() {
                    self.notify(
                        "No flow or node declares a live endpoint: give one an endpoint in the inspector first",
                        true,
                    );
                } else {
                    let base = self
                        .session
                        .path()
                        .and_then(Path::parent)
                        .map(Path::to_path_buf);
                    let source = match self.session.path() {
                        Some(p) if !self.session.is_dirty() => std::fs::read(p).ok(),
                        _ => None,
                    };
                    self.probes.job =
                        Some(super::probe::start_verify(model.clone(), base, source, ctx));
                }
            }
            Command::CancelJob => {
                if let Some(job) = &self.probes.job {
                    job.cancel.cancel();
                }
            }
        }
    }

    fn export(&mut self, kind: ExportKind, path: &Path) {
        let file = self.session.path().map(|p| p.display().to_string());
        let input = report::Input {
            model: self.session.model(),
            analysis: self.session.analysis(),
            file: file.as_deref(),
            source: None,
        };
        let bytes = match kind {
            ExportKind::Json => report::json::render(&input).into_bytes(),
            ExportKind::Sarif => report::sarif::render(&input).into_bytes(),
            ExportKind::Markdown => report::markdown::render(&input).into_bytes(),
            ExportKind::ThreatDragon => report::threat_dragon::render(&input).into_bytes(),
            ExportKind::Otm => report::otm::render(&input).into_bytes(),
            ExportKind::Csv => report::csv::render(&input).into_bytes(),
            ExportKind::Pdf => {
                // Fingerprint the file when it is saved, otherwise the model as it is.
                let source = match self.session.path() {
                    Some(p) if !self.session.is_dirty() => std::fs::read(p).ok(),
                    _ => None,
                }
                .unwrap_or_else(|| model::to_text(self.session.model()).into_bytes());
                let mut options = report::pdf::Options::new(report::pdf::Paper::A4, &source);
                options.verification = self.session.verification().cloned();
                match report::pdf::render(&input, &options) {
                    Ok(pdf) => pdf,
                    Err(e) => {
                        self.notify(e.to_string(), true);
                        return;
                    }
                }
            }
            ExportKind::Svg | ExportKind::Png => {
                let scene = crate::diagram::scene(
                    self.session.model(),
                    &crate::diagram::Options {
                        collapsed: self.canvas.collapsed.clone(),
                        auto: false,
                    },
                );
                let worst = self.session.analysis().worst_by_element();
                let svg = report::svg::render(&scene, &worst, &self.session.model().name);
                if kind == ExportKind::Svg {
                    svg.into_bytes()
                } else {
                    match report::svg::png(&svg, 1.5) {
                        Ok(png) => png,
                        Err(e) => {
                            self.notify(format!("{}: {e}", path.display()), true);
                            return;
                        }
                    }
                }
            }
        };
        match report::write_file(path, &bytes) {
            Ok(()) => self.notify(format!("Exported {}", path.display()), false),
            Err(e) => self.notify(format!("{}: {e}", path.display()), true),
        }
    }

    /// A path from a native dialog, or `None` (then a typed-path prompt is opened).
    fn pick(&mut self, purpose: PathPurpose) -> Option<PathBuf> {
        let start = self
            .session
            .path()
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let suggested = match purpose {
            PathPurpose::Open | PathPurpose::Import | PathPurpose::Compare => String::new(),
            PathPurpose::SaveAs => "model.ron".to_string(),
            PathPurpose::Export(kind) => Self::export_path_suggestion(kind),
        };
        if self.native_dialogs {
            let started = Instant::now();
            let dialog = rfd::FileDialog::new().set_directory(&start);
            let picked = match purpose {
                PathPurpose::Open | PathPurpose::Compare => {
                    dialog.add_filter("Rampart model", &["ron"]).pick_file()
                }
                PathPurpose::Import => dialog
                    .add_filter(
                        "Threagile, Threat Dragon, OTM or TMT model",
                        &["yaml", "yml", "json", "otm", "tm7"],
                    )
                    .add_filter("Any file", &["*"])
                    .pick_file(),
                PathPurpose::SaveAs => dialog
                    .add_filter("Rampart model", &["ron"])
                    .set_file_name(&suggested)
                    .save_file(),
                PathPurpose::Export(kind) => dialog
                    .add_filter(kind.extension(), &[kind.extension()])
                    .set_file_name(&suggested)
                    .save_file(),
            };
            if picked.is_some() {
                return picked;
            }
            // A dialog that returns at once never showed: no portal or zenity here.
            if started.elapsed() > Duration::from_millis(300) {
                return None;
            }
            self.native_dialogs = false;
        }
        let note = (!self.native_dialogs).then(|| {
            "No file dialog is available here (install xdg-desktop-portal or zenity); type a path.".to_string()
        });
        self.open_prompt(purpose, start.join(suggested).display().to_string(), note);
        None
    }

    /// Picks up a finished probe or verification.
    pub(super) fn poll_job(&mut self, ctx: &egui::Context) {
        use super::probe::{Attached, Outcome};
        let Some(job) = &self.probes.job else { return };
        let Some(outcome) = job.poll() else {
            ctx.request_repaint_after(Duration::from_millis(200));
            return;
        };
        let element = job.element.clone();
        let settings = job.settings.clone();
        let cancelled = job.cancel.is_cancelled();
        self.probes.job = None;
        let attach = |probes: &mut super::probe::ProbeState, a: Attached, b: Attached| {
            if let Some(id) = &element {
                probes.attached.insert(id.clone(), b);
            }
            probes.last = Some((element.clone(), a));
            probes.last_settings.clone_from(&settings);
        };
        match outcome {
            Outcome::Tls(r) => {
                let copy = Attached::Tls(r.clone());
                attach(&mut self.probes, Attached::Tls(r), copy);
            }
            Outcome::Jwt(r) => {
                let copy = Attached::Jwt(r.clone());
                attach(&mut self.probes, Attached::Jwt(r), copy);
            }
            Outcome::Failed(e) => self.notify(e, true),
            Outcome::Verify(v) => {
                let mut text = format!(
                    "Verified {} endpoints: {}{}",
                    v.endpoints.len(),
                    v.summary("drift"),
                    if cancelled { " (cancelled)" } else { "" }
                );
                // Keep the results beside a saved model, as `rampart verify` does.
                if let Some(path) = self.session.path().filter(|p| p.exists()) {
                    match v.save(path) {
                        Ok(p) => text.push_str(&format!("; saved to {}", p.display())),
                        Err(e) => text.push_str(&format!("; could not save the results: {e}")),
                    }
                }
                self.session.set_verification(Some(*v));
                self.drop_caches();
                self.notify(text, false);
            }
        }
    }
}
