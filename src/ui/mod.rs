//! The desktop app (eframe/egui): the app shell (`app`, `apply`, `menu`), commands
//! (`command`), the canvas (`canvas`), the panels around it (`panels`), probes (`probe`) and
//! colours (`theme`). It reads the session and issues commands; the logic it calls lives
//! outside `ui/`.

mod app;
mod apply;
mod canvas;
mod command;
mod menu;
mod panels;
mod probe;
mod theme;

use std::path::PathBuf;

pub use app::{RampartApp, Settings};
pub use canvas::{Drawn, Tool};
pub use command::{Command, ExportKind, HelpPage, Selection};
pub use probe::{Attached, ProbeKind, ProbeState};

use crate::editor::Session;
use crate::model::{self, Model};

impl eframe::App for RampartApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

const APP_ID: &str = "rampart";

/// Opens the window on `file`, or on the built-in example model.
///
/// # Errors
/// The window could not be created (no display, no OpenGL).
pub fn run(file: Option<PathBuf>) -> anyhow::Result<()> {
    // Load before opening the window: a bad file is reported in the window, over the example.
    let (session, load_errors) = match &file {
        Some(path) => match Session::open(path) {
            Ok(session) => (session, None),
            Err(e) => (
                Session::new(Model::example(), Some(PathBuf::from(model::EXAMPLE_NAME))),
                Some((
                    path.display().to_string(),
                    e.diagnostics.iter().map(ToString::to_string).collect(),
                )),
            ),
        },
        None => (
            Session::new(Model::example(), Some(PathBuf::from(model::EXAMPLE_NAME))),
            None,
        ),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Rampart")
            .with_app_id(APP_ID)
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([800.0, 500.0]),
        ..Default::default()
    };
    let autosave_dir = eframe::storage_dir(APP_ID);
    eframe::run_native(
        "Rampart",
        options,
        Box::new(move |cc| {
            let settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            cc.egui_ctx.set_theme(if settings.dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
            let mut app = RampartApp::new(session, settings, autosave_dir);
            app.load_errors = load_errors;
            if let Some(path) = file.filter(|_| app.load_errors.is_none()) {
                app.settings.recent.retain(|p| p != &path);
                app.settings.recent.insert(0, path);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
