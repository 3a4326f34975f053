//! The app shell: state, commands, menus, shortcuts, files and dialogs. Panels draw and push
//! [`Command`]s; `apply` carries them out after drawing, calling the editor and report code.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Key, KeyboardShortcut, Modifiers};
use serde::{Deserialize, Serialize};

use super::canvas::{Canvas, Tool, View};
use super::panels;
use super::theme::Theme;
use crate::analysis::Severity;
use crate::editor::{Edit, Session};
use crate::model::{self, Model};
use crate::report;

/// What is persisted between runs (never caches or live state).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub dark: bool,
    pub recent: Vec<PathBuf>,
    pub show_flow_labels: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dark: false,
            recent: Vec::new(),
            show_flow_labels: true,
        }
    }
}

const RECENT_LIMIT: usize = 8;
const AUTOSAVE_EVERY: Duration = Duration::from_secs(20);

/// What is selected.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Selection {
    #[default]
    None,
    /// A node, flow, boundary or data asset, by id.
    Element(String),
}

/// App-wide actions, pushed by panels and applied after drawing.
#[derive(Clone, Debug)]
pub enum Command {
    New,
    Open,
    OpenPath(PathBuf),
    Save,
    SaveAs,
    SaveAsPath(PathBuf),
    Export(ExportKind),
    ExportPath(ExportKind, PathBuf),
    Undo,
    Redo,
    Edit(Edit),
    /// An edit from typing in a field: consecutive ones with the same key share an undo step.
    EditTyping(Edit, String),
    Select(Selection),
    SelectFinding(Option<String>),
    DeleteSelected,
    Fit,
    Focus(Vec<String>),
    ToggleTheme,
    Find,
    RecoverAutosave,
    DiscardAutosave,
    /// Opens the probe window, filled from this element's endpoint if given.
    OpenProbe(Option<String>, super::probe::ProbeKind),
    /// Runs the probe the window describes (active JWT checks only after confirmation).
    RunProbe,
    /// Verifies every declared endpoint in the background.
    Verify,
    /// Stops the running probe or verification.
    CancelJob,
}

/// Report formats the Export menu writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Json,
    Sarif,
    Markdown,
    Pdf,
}

impl ExportKind {
    fn extension(self) -> &'static str {
        match self {
            ExportKind::Json => "json",
            ExportKind::Sarif => "sarif",
            ExportKind::Markdown => "md",
            ExportKind::Pdf => "pdf",
        }
    }
}

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
    SaveAs,
    Export(ExportKind),
}

/// A message in the status bar or an error window.
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    pub at: Instant,
}

/// The Rampart desktop app.
pub struct RampartApp {
    pub session: Session,
    pub settings: Settings,
    pub selection: Selection,
    pub selected_finding: Option<String>,
    pub canvas: Canvas,
    pub panels: panels::PanelState,
    pub prompt: Option<PathPrompt>,
    /// Errors of a file that failed to open, shown in a window; the current model is kept.
    pub load_errors: Option<(String, Vec<String>)>,
    pub notice: Option<Notice>,
    pub confirm_close: bool,
    pub allow_close: bool,
    pub recovery: Option<PathBuf>,
    /// Whether native file dialogs work here (turned off after one returns instantly).
    pub native_dialogs: bool,
    last_autosave: Instant,
    /// The least time between two writes of the recovery file ([`AUTOSAVE_EVERY`]).
    pub autosave_every: Duration,
    /// The revision last written to the recovery file.
    autosaved: Option<u64>,
    autosave_dir: Option<PathBuf>,
    commands: Vec<Command>,
    /// Time to build and paint the last frame (shown in the status bar).
    pub frame_time: Duration,
    /// The window title last sent.
    window_title: String,
    /// Worst open severity per element, for the revision it was computed at.
    worst_cache: (Option<u64>, HashMap<String, Severity>),
    /// Highlighted elements, for the (revision, finding) they were computed for.
    highlight_cache: (Option<(u64, Option<String>)>, HashSet<String>),
    /// Probes and verification: the probe window, the running job, results per element.
    pub probes: super::probe::ProbeState,
}

impl RampartApp {
    /// The app on a session, with settings from the last run. `autosave_dir` is where crash
    /// recovery files go (none in tests).
    #[must_use]
    pub fn new(session: Session, settings: Settings, autosave_dir: Option<PathBuf>) -> Self {
        let recovery = autosave_dir
            .as_ref()
            .map(|d| d.join("autosave.ron"))
            .filter(|p| p.exists());
        RampartApp {
            session,
            settings,
            selection: Selection::None,
            selected_finding: None,
            canvas: Canvas::default(),
            panels: panels::PanelState::default(),
            prompt: None,
            load_errors: None,
            notice: None,
            confirm_close: false,
            allow_close: false,
            recovery,
            native_dialogs: std::env::var_os("RAMPART_NO_DIALOGS").is_none(),
            last_autosave: Instant::now(),
            autosave_every: AUTOSAVE_EVERY,
            autosaved: None,
            autosave_dir,
            commands: Vec::new(),
            frame_time: Duration::ZERO,
            window_title: String::new(),
            worst_cache: (None, HashMap::new()),
            highlight_cache: (None, HashSet::new()),
            probes: super::probe::ProbeState::default(),
        }
    }

    /// The app for tests: the built-in example, no persistence, no native dialogs.
    #[must_use]
    pub fn for_tests() -> Self {
        let mut app = RampartApp::new(
            Session::new(Model::example(), Some(PathBuf::from(model::EXAMPLE_NAME))),
            Settings::default(),
            None,
        );
        app.native_dialogs = false;
        app
    }

    /// Queues a command (as panels do).
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    fn notify(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
            at: Instant::now(),
        });
    }

    /// Highlighted elements: the selected finding's elements and path.
    #[must_use]
    pub fn highlighted(&self) -> HashSet<String> {
        let mut set = HashSet::new();
        if let Some(id) = &self.selected_finding
            && let Some(f) = self
                .session
                .analysis()
                .findings
                .iter()
                .find(|f| &f.id == id)
        {
            set.extend(f.elements.iter().cloned());
            set.extend(f.path.iter().cloned());
        }
        set
    }

    /// Recomputes what the canvas derives from the analysis, only when it changed.
    fn refresh_caches(&mut self) {
        let revision = self.session.revision();
        let analysed = self.session.analysis_is_current().then_some(revision);
        if self.worst_cache.0 != analysed || analysed.is_none() && self.worst_cache.1.is_empty() {
            self.worst_cache = (
                analysed,
                self.session
                    .analysis()
                    .worst_by_element()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            );
        }
        if self.probes.badges.0 != Some(revision) {
            self.probes.badges = (
                Some(revision),
                self.session
                    .verification()
                    .map(|v| v.statuses(self.session.model()))
                    .unwrap_or_default(),
            );
        }
        let key = Some((revision, self.selected_finding.clone()));
        if self.highlight_cache.0 != key {
            self.highlight_cache = (key, self.highlighted());
        }
    }

    fn selected_id(&self) -> Option<&str> {
        match &self.selection {
            Selection::Element(id) => Some(id),
            Selection::None => None,
        }
    }

    fn remember(&mut self, path: &Path) {
        let path = path.to_path_buf();
        self.settings.recent.retain(|p| p != &path);
        self.settings.recent.insert(0, path);
        self.settings.recent.truncate(RECENT_LIMIT);
    }

    /// Applies every queued command.
    pub fn apply_commands(&mut self, ctx: &egui::Context) {
        let commands = std::mem::take(&mut self.commands);
        for command in commands {
            self.apply(command, ctx);
        }
    }

    #[allow(clippy::too_many_lines)] // one match over every command
    fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::New => {
                self.replace_session(Session::new(Model::new("New threat model"), None));
                self.selection = Selection::None;
                self.selected_finding = None;
                self.canvas.fit();
            }
            Command::Open => {
                if let Some(path) = self.pick(PathPurpose::Open) {
                    self.apply(Command::OpenPath(path), ctx);
                }
            }
            Command::OpenPath(path) => match Session::open(&path) {
                Ok(session) => {
                    self.replace_session(session);
                    self.selection = Selection::None;
                    self.selected_finding = None;
                    self.load_errors = None;
                    self.remember(&path);
                    self.canvas.fit();
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
                if self.session.path().is_none()
                    || self.session.path() == Some(Path::new(model::EXAMPLE_NAME))
                        && !Path::new(model::EXAMPLE_NAME).exists()
                {
                    self.apply(Command::SaveAs, ctx);
                } else {
                    match self.session.save() {
                        Ok(()) => {
                            self.autosave_done();
                            let shown = self
                                .session
                                .path()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default();
                            self.notify(format!("Saved {shown}"), false);
                        }
                        Err(e) => self.notify(e.to_string(), true),
                    }
                }
            }
            Command::SaveAs => {
                if let Some(path) = self.pick(PathPurpose::SaveAs) {
                    self.apply(Command::SaveAsPath(path), ctx);
                }
            }
            Command::SaveAsPath(path) => match self.session.save_as(&path) {
                Ok(()) => {
                    self.remember(&path);
                    self.autosave_done();
                    self.notify(format!("Saved {}", path.display()), false);
                }
                Err(e) => self.notify(e.to_string(), true),
            },
            Command::Export(kind) => {
                if let Some(path) = self.pick(PathPurpose::Export(kind)) {
                    self.apply(Command::ExportPath(kind, path), ctx);
                }
            }
            Command::ExportPath(kind, path) => {
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
                    ExportKind::Pdf => {
                        // Fingerprint the file when it is saved, otherwise the model as it is.
                        let source = match self.session.path() {
                            Some(p) if !self.session.is_dirty() => std::fs::read(p).ok(),
                            _ => None,
                        }
                        .unwrap_or_else(|| model::to_text(self.session.model()).into_bytes());
                        let options = report::pdf::Options::new(report::pdf::Paper::A4, &source);
                        match report::pdf::render(&input, &options) {
                            Ok(pdf) => pdf,
                            Err(e) => {
                                self.notify(e.to_string(), true);
                                return;
                            }
                        }
                    }
                };
                match report::write_file(&path, &bytes) {
                    Ok(()) => self.notify(format!("Exported {}", path.display()), false),
                    Err(e) => self.notify(format!("{}: {e}", path.display()), true),
                }
            }
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
                let select = added_id(&edit, self.session.model());
                match self.session.apply(edit) {
                    Ok(()) => {
                        if let Some(id) = select.and_then(|f| f(self.session.model())) {
                            self.selection = Selection::Element(id);
                        }
                        self.fix_selection();
                    }
                    Err(e) => self.notify(e.to_string(), true),
                }
            }
            Command::EditTyping(edit, key) => {
                if let Err(e) = self.session.apply_coalescing(edit, Some(&key)) {
                    self.notify(e.to_string(), true);
                }
            }
            Command::Select(selection) => {
                self.selection = selection;
            }
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
                    self.apply(Command::Edit(Edit::Delete(id)), ctx);
                    self.selection = Selection::None;
                }
            }
            Command::Fit => self.canvas.fit(),
            Command::Focus(ids) => self.canvas.focus_on(ids),
            Command::ToggleTheme => {
                self.settings.dark = !self.settings.dark;
                ctx.set_theme(if self.settings.dark {
                    egui::Theme::Dark
                } else {
                    egui::Theme::Light
                });
                self.canvas.invalidate();
            }
            Command::Find => self.panels.focus_search = true,
            Command::RecoverAutosave => {
                if let Some(path) = self.recovery.take() {
                    match model::load(&path) {
                        Ok(loaded) => {
                            let original = std::fs::read_to_string(path.with_extension("path"))
                                .ok()
                                .map(PathBuf::from);
                            let mut session = Session::new(loaded.model, original);
                            // The recovered model differs from the file: mark it unsaved.
                            let info = Edit::SetInfo {
                                name: session.model().name.clone(),
                                description: session.model().description.clone(),
                                author: session.model().author.clone(),
                            };
                            let _ = session.apply(info);
                            self.replace_session(session);
                            self.canvas.fit();
                            self.notify("Recovered unsaved changes from the last session", false);
                        }
                        Err(e) => self.notify(e.to_string(), true),
                    }
                }
            }
            Command::DiscardAutosave => {
                if let Some(path) = self.recovery.take() {
                    let _ = std::fs::remove_file(&path);
                    let _ = std::fs::remove_file(path.with_extension("path"));
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

    /// Another model replaces this one. Revisions count afresh in the new session, so the
    /// marker of what the recovery file holds is reset too.
    fn replace_session(&mut self, session: Session) {
        self.forget_probes();
        self.autosaved = None;
        self.session = session;
    }

    /// Another model replaces this one: a running probe is stopped (its result would belong to
    /// the old model) and results attached to the old model's elements are dropped.
    fn forget_probes(&mut self) {
        if let Some(job) = self.probes.job.take() {
            job.cancel.cancel();
        }
        self.probes.attached.clear();
        self.probes.last = None;
        self.probes.badges = (None, HashMap::new());
        self.probes.form.element = None;
    }

    /// Picks up a finished probe or verification.
    fn poll_job(&mut self, ctx: &egui::Context) {
        use super::probe::{Attached, Outcome};
        let Some(job) = &self.probes.job else { return };
        let Some(outcome) = job.poll() else {
            ctx.request_repaint_after(Duration::from_millis(200));
            return;
        };
        let element = job.element.clone();
        let cancelled = job.cancel.is_cancelled();
        self.probes.job = None;
        let attach = |probes: &mut super::probe::ProbeState, a: Attached, b: Attached| {
            if let Some(id) = &element {
                probes.attached.insert(id.clone(), b);
            }
            probes.last = Some((element.clone(), a));
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
                self.worst_cache = (None, HashMap::new());
                self.highlight_cache = (None, HashSet::new());
                self.probes.badges = (None, HashMap::new());
                self.canvas.invalidate();
                self.notify(text, false);
            }
        }
    }

    /// Drops a selection that no longer exists (after undo or delete).
    fn fix_selection(&mut self) {
        if let Selection::Element(id) = &self.selection
            && !self.session.model().id_in_use(id)
        {
            self.selection = Selection::None;
        }
        if let Some(id) = &self.selected_finding
            && !self.session.analysis().findings.iter().any(|f| &f.id == id)
        {
            self.selected_finding = None;
        }
    }

    /// A path from a native dialog, or `None` (then a typed-path prompt is opened).
    fn pick(&mut self, purpose: PathPurpose) -> Option<PathBuf> {
        let start = self
            .session
            .path()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let suggested = match purpose {
            PathPurpose::Open => String::new(),
            PathPurpose::SaveAs => "model.ron".to_string(),
            PathPurpose::Export(kind) => format!("report.{}", kind.extension()),
        };
        if self.native_dialogs {
            let started = Instant::now();
            let dialog = rfd::FileDialog::new().set_directory(&start);
            let picked = match purpose {
                PathPurpose::Open => dialog.add_filter("Rampart model", &["ron"]).pick_file(),
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
        self.prompt = Some(PathPrompt {
            purpose,
            text: start.join(suggested).display().to_string(),
            note: (!self.native_dialogs).then(|| {
                "No file dialog is available here (install xdg-desktop-portal or zenity); type a path.".to_string()
            }),
        });
        None
    }

    fn autosave_done(&mut self) {
        if let Some(dir) = &self.autosave_dir {
            let _ = std::fs::remove_file(dir.join("autosave.ron"));
            let _ = std::fs::remove_file(dir.join("autosave.path"));
        }
    }

    /// Writes the recovery file when there are unsaved changes not yet in it, at most every
    /// `autosave_every`; the app idles between frames, so it asks for a frame when one is due.
    fn autosave(&mut self, ctx: &egui::Context) {
        let revision = self.session.revision();
        if !self.session.is_dirty() || self.autosaved == Some(revision) {
            return;
        }
        let wait = self
            .autosave_every
            .saturating_sub(self.last_autosave.elapsed());
        if !wait.is_zero() {
            ctx.request_repaint_after(wait);
            return;
        }
        self.last_autosave = Instant::now();
        self.autosaved = Some(revision);
        let Some(dir) = &self.autosave_dir else {
            return;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        if model::save(self.session.model(), &dir.join("autosave.ron")).is_ok()
            && let Some(path) = self.session.path()
        {
            let _ = std::fs::write(dir.join("autosave.path"), path.display().to_string());
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let cmd = Modifiers::COMMAND;
        let text_focus = ctx.memory(|m| m.focused().is_some());
        let pressed = |m: Modifiers, k: Key| {
            ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(m, k)))
        };
        if pressed(cmd | Modifiers::SHIFT, Key::Z) {
            self.push(Command::Redo);
        }
        if pressed(cmd, Key::Y) {
            self.push(Command::Redo);
        }
        if pressed(cmd, Key::Z) && !text_focus {
            self.push(Command::Undo);
        }
        if pressed(cmd, Key::S) {
            self.push(Command::Save);
        }
        if pressed(cmd, Key::O) {
            self.push(Command::Open);
        }
        if pressed(cmd, Key::N) {
            self.push(Command::New);
        }
        if pressed(cmd, Key::F) {
            self.push(Command::Find);
        }
        if !text_focus && pressed(Modifiers::NONE, Key::Delete) {
            self.push(Command::DeleteSelected);
        }
        if !text_focus && pressed(Modifiers::NONE, Key::Escape) {
            self.canvas.tool = Tool::Select;
            self.selected_finding = None;
        }
    }

    /// Draws one frame (the whole window).
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        if self.session.poll() {
            self.fix_selection();
        }
        if !self.session.analysis_is_current() {
            // A large model is analysed on another thread: look again soon.
            ctx.request_repaint_after(Duration::from_millis(50));
        }
        self.poll_job(&ctx);
        self.shortcuts(&ctx);
        let theme = Theme::new(self.settings.dark);
        menu_bar(self, ui);
        panels::status_bar(self, ui);
        panels::bottom(self, ui, &theme);
        panels::left(self, ui, &theme);
        panels::right(self, ui, &theme);
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                self.refresh_caches();
                let (_, worst) = &self.worst_cache;
                let (_, highlighted) = &self.highlight_cache;
                let selected = self.selected_id().map(str::to_string);
                let view = View {
                    model: self.session.model(),
                    revision: self.session.revision(),
                    worst,
                    selected: selected.as_deref(),
                    highlighted,
                    badges: &self.probes.badges.1,
                    theme,
                    show_labels: self.settings.show_flow_labels,
                };
                let outcome = self.canvas.show(ui, &view);
                if let Some(clicked) = outcome.clicked {
                    self.commands.push(Command::Select(
                        clicked.map_or(Selection::None, Selection::Element),
                    ));
                }
                for edit in outcome.edits {
                    self.commands.push(Command::Edit(edit));
                }
            });
        panels::windows(self, &ctx);
        self.apply_commands(&ctx);
        self.autosave(&ctx);
        // Only when it changes: every viewport command asks for another frame.
        let title = self.session.title();
        if self.window_title != title {
            self.window_title.clone_from(&title);
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        }
        // Closing with unsaved changes asks first.
        if ctx.input(|i| i.viewport().close_requested())
            && self.session.is_dirty()
            && !self.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.confirm_close = true;
        }
        self.frame_time = started.elapsed();
    }
}

/// For an edit that adds an element, a function finding the new element's id afterwards.
type FindNew = Box<dyn Fn(&Model) -> Option<String>>;

fn added_id(edit: &Edit, before: &Model) -> Option<FindNew> {
    let ids: HashSet<String> = before
        .nodes()
        .map(|n| n.id.clone())
        .chain(before.flows().map(|f| f.id.clone()))
        .chain(before.boundaries.iter().map(|b| b.id.clone()))
        .chain(before.assets.iter().map(|a| a.id.clone()))
        .collect();
    match edit {
        Edit::AddNode { .. }
        | Edit::AddFlow { .. }
        | Edit::AddBoundary { .. }
        | Edit::AddAsset { .. } => Some(Box::new(move |after: &Model| {
            after
                .nodes()
                .map(|n| &n.id)
                .chain(after.flows().map(|f| &f.id))
                .chain(after.boundaries.iter().map(|b| &b.id))
                .chain(after.assets.iter().map(|a| &a.id))
                .find(|id| !ids.contains(*id))
                .cloned()
        })),
        _ => None,
    }
}

fn menu_bar(app: &mut RampartApp, ui: &mut egui::Ui) {
    egui::Panel::top("menu").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("New            Ctrl+N").clicked() {
                    app.push(Command::New);
                }
                if ui.button("Open…          Ctrl+O").clicked() {
                    app.push(Command::Open);
                }
                if ui.button("Open path…").clicked() {
                    app.prompt = Some(PathPrompt {
                        purpose: PathPurpose::Open,
                        text: String::new(),
                        note: None,
                    });
                }
                ui.menu_button("Open recent", |ui| {
                    if app.settings.recent.is_empty() {
                        ui.label("No recent files");
                    }
                    for path in app.settings.recent.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            app.push(Command::OpenPath(path));
                        }
                    }
                });
                ui.separator();
                if ui.button("Save           Ctrl+S").clicked() {
                    app.push(Command::Save);
                }
                if ui.button("Save as…").clicked() {
                    app.push(Command::SaveAs);
                }
                ui.separator();
                ui.menu_button("Export", |ui| {
                    if ui.button("PDF report…").clicked() {
                        app.push(Command::Export(ExportKind::Pdf));
                    }
                    if ui.button("Findings as JSON…").clicked() {
                        app.push(Command::Export(ExportKind::Json));
                    }
                    if ui.button("SARIF 2.1.0…").clicked() {
                        app.push(Command::Export(ExportKind::Sarif));
                    }
                    if ui.button("Markdown…").clicked() {
                        app.push(Command::Export(ExportKind::Markdown));
                    }
                });
            });
            ui.menu_button("Edit", |ui| {
                if ui
                    .add_enabled(app.session.can_undo(), egui::Button::new("Undo   Ctrl+Z"))
                    .clicked()
                {
                    app.push(Command::Undo);
                }
                if ui
                    .add_enabled(
                        app.session.can_redo(),
                        egui::Button::new("Redo   Ctrl+Shift+Z"),
                    )
                    .clicked()
                {
                    app.push(Command::Redo);
                }
                ui.separator();
                if ui
                    .add_enabled(
                        app.selection != Selection::None,
                        egui::Button::new("Delete selected   Del"),
                    )
                    .clicked()
                {
                    app.push(Command::DeleteSelected);
                }
                if ui.button("Find element   Ctrl+F").clicked() {
                    app.push(Command::Find);
                }
            });
            ui.menu_button("Verify", |ui| {
                let idle = app.probes.job.is_none();
                if ui
                    .add_enabled(idle, egui::Button::new("Verify against live endpoints"))
                    .on_hover_text("Probe every endpoint the model declares and report where the deployed system differs from the model")
                    .clicked()
                {
                    app.push(Command::Verify);
                }
                ui.separator();
                let selected = app.selected_id().map(str::to_string);
                if ui.button("Probe TLS…").clicked() {
                    app.push(Command::OpenProbe(selected.clone(), super::probe::ProbeKind::Tls));
                }
                if ui.button("Probe JWT…").clicked() {
                    app.push(Command::OpenProbe(selected, super::probe::ProbeKind::Jwt));
                }
                if let Some(v) = app.session.verification() {
                    ui.separator();
                    ui.label(
                        egui::RichText::new(format!("Last verified {}", v.started.replace('T', " ")))
                            .weak(),
                    );
                }
            });
            ui.menu_button("View", |ui| {
                if ui.button("Fit to view").clicked() {
                    app.push(Command::Fit);
                }
                if ui
                    .checkbox(&mut app.settings.show_flow_labels, "Flow labels")
                    .changed()
                {
                    app.canvas.invalidate();
                }
                if ui
                    .button(if app.settings.dark {
                        "Light theme"
                    } else {
                        "Dark theme"
                    })
                    .clicked()
                {
                    app.push(Command::ToggleTheme);
                }
            });
        });
    });
}
