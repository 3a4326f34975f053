//! Crash recovery: unsaved work is written to a recovery file at most every so often (only
//! when there is something new to write), and offered back at the next start with what it
//! holds, which file it came from and when it was written.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::{Edit, Session};
use crate::model::{self, LoadError};

/// How often unsaved work is written, at most.
pub const EVERY: Duration = Duration::from_secs(20);

/// The recovery file of one app, in its storage folder.
pub struct Autosave {
    dir: PathBuf,
    /// The least time between two writes.
    pub every: Duration,
    last: Instant,
    /// (session generation, revision) last written.
    written: Option<(u64, u64)>,
}

impl Autosave {
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Autosave {
            dir,
            every: EVERY,
            last: Instant::now(),
            written: None,
        }
    }

    #[must_use]
    pub fn file(&self) -> PathBuf {
        self.dir.join("autosave.ron")
    }

    fn origin(&self) -> PathBuf {
        self.dir.join("autosave.path")
    }

    /// Writes the session's unsaved changes when they are new and the interval has passed.
    /// Returns how long until a write is due, when one is waiting.
    pub fn tick(&mut self, session: &Session) -> Option<Duration> {
        let key = (session.generation(), session.revision());
        if !session.is_dirty() || self.written == Some(key) {
            return None;
        }
        let wait = self.every.saturating_sub(self.last.elapsed());
        if !wait.is_zero() {
            return Some(wait);
        }
        self.last = Instant::now();
        self.written = Some(key);
        if std::fs::create_dir_all(&self.dir).is_err() {
            return None;
        }
        if model::save(session.model(), &self.file()).is_ok() {
            match session.path() {
                Some(path) => {
                    let _ = crate::fsio::write_atomic(
                        &self.origin(),
                        path.display().to_string().as_bytes(),
                        false,
                    );
                }
                None => {
                    let _ = std::fs::remove_file(self.origin());
                }
            }
        }
        None
    }

    /// The work was saved (or discarded): there is nothing to recover.
    pub fn clear(&mut self) {
        let _ = std::fs::remove_file(self.file());
        let _ = std::fs::remove_file(self.origin());
    }
}

/// Unsaved work found at start-up.
#[derive(Clone, Debug)]
pub struct Recovery {
    pub file: PathBuf,
    /// The model file the work was on, if it had one.
    pub original: Option<PathBuf>,
    pub written: Option<SystemTime>,
    /// "Web shop: 24 nodes, 36 flows, 8 boundaries".
    pub summary: String,
}

impl Recovery {
    /// The recovery file in `dir`, if there is one that loads.
    #[must_use]
    pub fn find(dir: &Path) -> Option<Self> {
        let file = dir.join("autosave.ron");
        if !file.is_file() {
            return None;
        }
        let written = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
        let original = std::fs::read_to_string(dir.join("autosave.path"))
            .ok()
            .map(|p| PathBuf::from(p.trim()))
            .filter(|p| !p.as_os_str().is_empty());
        let summary = match model::load(&file) {
            Ok(loaded) => {
                let m = &loaded.model;
                let plural = |n: usize, one: &str, many: &str| {
                    format!("{n} {}", if n == 1 { one } else { many })
                };
                format!(
                    "{}: {}, {}, {}",
                    if m.name.is_empty() {
                        "Untitled"
                    } else {
                        &m.name
                    },
                    plural(m.node_count(), "node", "nodes"),
                    plural(m.flow_count(), "flow", "flows"),
                    plural(m.boundaries.len(), "boundary", "boundaries")
                )
            }
            Err(e) => format!("unreadable ({e})"),
        };
        Some(Recovery {
            file,
            original,
            written,
            summary,
        })
    }

    /// "at 14:05 UTC (3 minutes ago)".
    #[must_use]
    pub fn when(&self) -> String {
        let Some(t) = self.written else {
            return "at an unknown time".into();
        };
        let ago = SystemTime::now().duration_since(t).unwrap_or_default();
        let stamp = time::OffsetDateTime::from(t);
        let minutes = ago.as_secs() / 60;
        let relative = match minutes {
            0 => "less than a minute ago".to_string(),
            1 => "a minute ago".to_string(),
            m if m < 120 => format!("{m} minutes ago"),
            m if m < 48 * 60 => format!("{} hours ago", m / 60),
            m => format!("{} days ago", m / 60 / 24),
        };
        format!(
            "on {:04}-{:02}-{:02} at {:02}:{:02} UTC ({relative})",
            stamp.year(),
            u8::from(stamp.month()),
            stamp.day(),
            stamp.hour(),
            stamp.minute()
        )
    }

    /// A session on the recovered work, marked unsaved, on the original file.
    ///
    /// # Errors
    /// The recovery file no longer loads.
    pub fn restore(&self) -> Result<Session, LoadError> {
        let loaded = model::load(&self.file)?;
        let mut session = Session::new(loaded.model, self.original.clone());
        // The recovered model differs from the file: mark it unsaved.
        let info = Edit::SetInfo {
            name: session.model().name.clone(),
            description: session.model().description.clone(),
            author: session.model().author.clone(),
        };
        let _ = session.apply(info);
        Ok(session)
    }

    pub fn discard(&self) {
        let _ = std::fs::remove_file(&self.file);
        if let Some(dir) = self.file.parent() {
            let _ = std::fs::remove_file(dir.join("autosave.path"));
        }
    }
}
