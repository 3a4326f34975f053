//! The app shell: its state, the layout of one frame (menus, panels, canvas, windows), and
//! keyboard shortcuts. Panels and the canvas push [`Command`]s; `apply` carries them out after
//! drawing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::{Key, KeyboardShortcut, Modifiers};
use serde::{Deserialize, Serialize};

use super::canvas::{Canvas, Tool, View};
use super::command::{Command, ExportKind, HelpPage, Selection};
use super::panels::status::Notice;
use super::panels::windows::{PathPrompt, PathPurpose, Unsaved};
use super::panels::{self, Ctx, PanelState};
use super::theme::Theme;
use crate::analysis::Severity;
use crate::editor::Session;
use crate::editor::autosave::{Autosave, Recovery};
use crate::model::{self, Model};

/// (session generation, revision, selected finding): what the highlighted set depends on.
type HighlightKey = (u64, u64, Option<String>);

/// What is persisted between runs (never caches or live state).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub dark: bool,
    pub recent: Vec<PathBuf>,
    pub show_flow_labels: bool,
    pub legend_open: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dark: false,
            recent: Vec::new(),
            show_flow_labels: true,
            legend_open: true,
        }
    }
}

pub(super) const RECENT_LIMIT: usize = 8;

/// The Changes window's content.
pub struct Changes {
    /// What the model is compared with ("the saved file", a path).
    pub against: String,
    pub diff: crate::diff::Diff,
    /// The diff as text (as `rampart diff` prints it).
    pub text: String,
    /// Ids of the elements added or changed (highlighted on the canvas).
    pub elements: Vec<String>,
    /// What it was computed against (`None`: the saved file) and for which model revision: an
    /// edit while the window is open recomputes it.
    pub source: Option<std::path::PathBuf>,
    pub revision: (u64, u64),
}

/// The Rampart desktop app.
pub struct RampartApp {
    pub session: Session,
    pub settings: Settings,
    pub selection: Selection,
    pub selected_finding: Option<String>,
    pub canvas: Canvas,
    pub panels: PanelState,
    pub prompt: Option<PathPrompt>,
    /// Errors of a file that failed to open, shown in a window; the current model is kept.
    pub load_errors: Option<(String, Vec<String>)>,
    /// The notes of the last import (what had no place in the model), until closed.
    pub import_notes: Option<(String, Vec<String>)>,
    /// The Changes window: what differs from a version of the model, until closed.
    pub changes: Option<Changes>,
    pub notice: Option<Notice>,
    /// "Save changes first?": the command waiting for the answer.
    pub unsaved: Option<Unsaved>,
    /// A command to carry out once the save it waits for succeeded (Save as from the prompt).
    pub(super) after_save: Option<Command>,
    pub allow_close: bool,
    /// Unsaved work of an earlier session, offered back.
    pub recovery: Option<Recovery>,
    /// Whether native file dialogs work here (turned off after one returns instantly).
    pub native_dialogs: bool,
    pub autosave: Option<Autosave>,
    pub(super) commands: Vec<Command>,
    /// Time to build and paint the last frame (shown in the status bar).
    pub frame_time: Duration,
    /// The window title last sent.
    window_title: String,
    fonts_installed: bool,
    /// Worst open severity per element, for the (generation, revision) it was computed at.
    worst_cache: (Option<(u64, u64)>, HashMap<String, Severity>),
    /// Highlighted elements, for the (generation, revision, finding) they were computed for.
    highlight_cache: (Option<HighlightKey>, HashSet<String>),
    /// Probes and verification: the probe window, the running job, results per element.
    pub probes: super::probe::ProbeState,
}

impl RampartApp {
    /// The app on a session, with settings from the last run. `autosave_dir` is where crash
    /// recovery files go (none in tests).
    #[must_use]
    pub fn new(session: Session, settings: Settings, autosave_dir: Option<PathBuf>) -> Self {
        let recovery = autosave_dir.as_deref().and_then(Recovery::find);
        let mut canvas = Canvas::default();
        canvas.legend_open = settings.legend_open;
        RampartApp {
            session,
            settings,
            selection: Selection::None,
            selected_finding: None,
            canvas,
            panels: PanelState::new(),
            prompt: None,
            load_errors: None,
            import_notes: None,
            changes: None,
            notice: None,
            unsaved: None,
            after_save: None,
            allow_close: false,
            recovery,
            native_dialogs: std::env::var_os("RAMPART_NO_DIALOGS").is_none(),
            autosave: autosave_dir.map(Autosave::new),
            commands: Vec::new(),
            frame_time: Duration::ZERO,
            window_title: String::new(),
            fonts_installed: false,
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

    pub(super) fn notify(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
            undo: false,
            at: Instant::now(),
        });
    }

    /// A notice about an edit, with Undo beside it.
    pub(super) fn notify_edit(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
            undo: true,
            at: Instant::now(),
        });
    }

    /// Highlighted elements: the selected finding's elements and path, and while the Changes
    /// window is open, the elements added or changed.
    #[must_use]
    pub fn highlighted(&self) -> HashSet<String> {
        let mut set = HashSet::new();
        if let Some(c) = &self.changes {
            set.extend(c.elements.iter().cloned());
        }
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
        let revision = (self.session.generation(), self.session.revision());
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
        let key = Some((revision.0, revision.1, self.selected_finding.clone()));
        if self.highlight_cache.0 != key {
            self.highlight_cache = (key, self.highlighted());
        }
    }

    /// Drops the caches of the last model (another model replaced it, or the analysis changed
    /// without an edit).
    pub(super) fn drop_caches(&mut self) {
        self.worst_cache = (None, HashMap::new());
        self.highlight_cache = (None, HashSet::new());
        self.probes.badges = (None, HashMap::new());
        self.canvas.invalidate();
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
        if !text_focus && pressed(cmd, Key::Z) {
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
        if pressed(Modifiers::NONE, Key::F1) {
            self.push(Command::Help(HelpPage::GettingStarted));
        }
        if !text_focus {
            if pressed(Modifiers::NONE, Key::Delete) {
                self.push(Command::DeleteSelected);
            }
            if pressed(Modifiers::NONE, Key::F) {
                self.push(Command::Fit);
            }
            if pressed(Modifiers::NONE, Key::Escape) {
                // Esc backs out one level: the flow tool, then the finding, then the selection.
                if self.canvas.tool == Tool::Connect {
                    self.canvas.tool = Tool::Select;
                } else if self.selected_finding.is_some() {
                    self.selected_finding = None;
                } else {
                    self.selection = Selection::None;
                }
            }
        }
    }

    /// Draws one frame (the whole window).
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        if !self.fonts_installed {
            super::canvas::install_fonts(&ctx);
            self.fonts_installed = true;
        }
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
        let mut out = std::mem::take(&mut self.commands);
        super::menu::bar(self, ui, &mut out);
        {
            let job = self.probes.job.as_ref().map(|j| panels::status::JobLine {
                title: j.title.clone(),
                step: j.step(),
                cancelling: j.cancel.is_cancelled(),
            });
            let mut pctx = Ctx {
                session: &self.session,
                selection: &self.selection,
                selected_finding: self.selected_finding.as_deref(),
                theme: &theme,
                out: &mut out,
            };
            let frame_ms = self.frame_time.as_secs_f64() * 1000.0;
            let notice = self.notice.as_ref();
            egui::Panel::bottom("status").show(ui, |ui| {
                panels::status::ui(&mut pctx, notice, job, frame_ms, ui);
            });
            let findings = &mut self.panels.findings;
            egui::Panel::bottom("findings")
                .resizable(true)
                .default_size(280.0)
                .size_range(140.0..=700.0)
                .show(ui, |ui| panels::findings::ui(&mut pctx, findings, ui));
            let outline = &mut self.panels.outline;
            let centre = self.canvas.view_centre();
            let tool = &mut self.canvas.tool;
            egui::Panel::left("outline")
                .resizable(true)
                .default_size(230.0)
                .size_range(170.0..=420.0)
                .show_collapsible(ui, &mut self.panels.left_open, |ui| {
                    panels::outline::ui(&mut pctx, outline, tool, centre, ui);
                });
            let inspector = &mut self.panels.inspector;
            let extra = panels::inspector::Extra {
                attached: &self.probes.attached,
                busy: self.probes.job.is_some(),
                collapsed: &self.canvas.collapsed,
            };
            egui::Panel::right("inspector")
                .resizable(true)
                .default_size(300.0)
                .size_range(240.0..=560.0)
                .show_collapsible(ui, &mut self.panels.right_open, |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("inspector")
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            panels::inspector::ui(&mut pctx, inspector, &extra, ui);
                        });
                });
        }
        let text_focus = ctx.memory(|m| m.focused().is_some());
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                self.refresh_caches();
                let (_, worst) = &self.worst_cache;
                let (_, highlighted) = &self.highlight_cache;
                let selected = self.selection.id().map(str::to_string);
                let view = View {
                    model: self.session.model(),
                    generation: self.session.generation(),
                    revision: self.session.revision(),
                    worst,
                    selected: selected.as_deref(),
                    highlighted,
                    badges: &self.probes.badges.1,
                    theme,
                    show_labels: self.settings.show_flow_labels,
                    keys: !text_focus,
                };
                out.extend(self.canvas.show(ui, &view));
            });
        self.settings.legend_open = self.canvas.legend_open;
        self.windows(&ctx, &theme, &mut out);
        self.commands = out;
        self.apply_commands(&ctx);
        if let Some(a) = &mut self.autosave
            && let Some(wait) = a.tick(&self.session)
        {
            // The app idles between frames: ask for one when a write is due.
            ctx.request_repaint_after(wait);
        }
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
            self.unsaved = Some(Unsaved {
                then: Command::Quit,
            });
        }
        self.frame_time = started.elapsed();
    }

    fn windows(&mut self, ctx: &egui::Context, theme: &Theme, out: &mut Vec<Command>) {
        let mut pctx = Ctx {
            session: &self.session,
            selection: &self.selection,
            selected_finding: self.selected_finding.as_deref(),
            theme,
            out,
        };
        panels::windows::prompt(&mut pctx, &mut self.prompt, ctx);
        panels::windows::load_errors(&mut self.load_errors, ctx);
        panels::windows::import_notes(&mut self.import_notes, ctx);
        if let Some(c) = &self.changes
            && c.revision != (self.session.generation(), self.session.revision())
        {
            pctx.push(Command::ShowChanges(c.source.clone()));
        }
        panels::windows::changes(&mut self.changes, ctx);
        // Set when the user discards their changes: the crash copy goes too (it is not offered
        // back at the next start), and on quitting no new one is written.
        let mut discarded: Option<bool> = None;
        if let Some(pending) = &self.unsaved {
            let answers = panels::windows::unsaved(&pctx, pending, ctx);
            if let Some(then) = answers.save_then {
                self.unsaved = None;
                self.after_save = Some(then);
                pctx.push(Command::Save);
            } else if let Some(then) = answers.discard_then {
                self.unsaved = None;
                discarded = Some(matches!(then, Command::Quit));
                pctx.push(super::apply::confirmed(then));
            } else if answers.cancel {
                self.unsaved = None;
            }
        }
        if let Some(r) = &self.recovery {
            panels::windows::recovery(&mut pctx, r, ctx);
        }
        panels::help::window(&mut self.panels.help, ctx);
        super::probe::window(&mut self.probes, &self.session, ctx, theme, out);
        if let Some(quitting) = discarded {
            if let Some(a) = &mut self.autosave {
                a.clear();
            }
            if quitting {
                self.autosave = None;
            }
        }
    }

    /// Drops a selection that no longer exists (after undo or delete).
    pub(super) fn fix_selection(&mut self) {
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

    pub(super) fn export_path_suggestion(kind: ExportKind) -> String {
        format!(
            "{}.{}",
            match kind {
                ExportKind::Svg | ExportKind::Png => "diagram",
                ExportKind::ThreatDragon => "threat-dragon",
                ExportKind::Otm => "model",
                ExportKind::Csv => "findings",
                _ => "report",
            },
            kind.extension()
        )
    }

    pub(super) fn open_prompt(&mut self, purpose: PathPurpose, text: String, note: Option<String>) {
        self.prompt = Some(PathPrompt {
            purpose,
            text,
            note,
        });
    }
}
