//! An editing session: the model being edited, its file, undo and redo, unsaved-change
//! tracking and the analysis kept in step with every edit. The GUI only issues [`Edit`]s (or
//! the higher-level operations here: add a node where there is room, drop a node onto a
//! boundary, apply a finding's fix) and reads the session; everything here is tested without a
//! window. Crash recovery lives in [`autosave`].

pub mod autosave;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use crate::analysis::Analysis;
use crate::model::{
    self, Boundary, BoundaryKind, Classification, DataAsset, EditError, Flow, LoadError, Model,
    Node, NodeKind, Pos, Problem, Rect, RiskDecision, SaveError, Status,
};
use crate::verify::Verification;

/// Undo history is capped so a long session does not grow without bound.
pub const UNDO_LIMIT: usize = 200;

/// Models larger than this are analysed on a background thread, so editing never stutters.
pub const BACKGROUND_ANALYSIS_NODES: usize = 2_000;

/// One change to the model, as the GUI asks for it.
#[derive(Clone, Debug)]
pub enum Edit {
    /// Adds a node of `kind` at `pos` (in `boundary` if given); its id is derived from the kind.
    AddNode {
        kind: NodeKind,
        pos: Pos,
        boundary: Option<String>,
    },
    /// Adds a flow between two nodes (TLS, so that a new flow is not a finding by default
    /// unless it crosses into something sensitive).
    AddFlow {
        from: String,
        to: String,
    },
    /// Adds a boundary (in `parent` if given), sized to `rect` if given.
    AddBoundary {
        kind: BoundaryKind,
        parent: Option<String>,
        rect: Option<Rect>,
    },
    AddAsset {
        classification: Classification,
    },
    /// Adds a runtime (host, VM, cluster, serverless platform) that nodes can be put on.
    AddRuntime {
        kind: model::RuntimeKind,
    },
    /// Deletes any element by id (node, flow, boundary, runtime or data asset).
    Delete(String),
    Rename {
        old: String,
        new: String,
    },
    /// Replaces a node's properties (the id must stay the same).
    UpdateNode(Box<Node>),
    /// Replaces a flow's properties (id, from and to must stay the same).
    UpdateFlow(Box<Flow>),
    UpdateBoundary(Box<Boundary>),
    UpdateAsset(Box<DataAsset>),
    UpdateRuntime(Box<model::Runtime>),
    /// Moves nodes (canvas positions).
    Move(Vec<(String, Pos)>),
    /// Sets (or, with `None`, clears) a boundary's hand-sized region.
    SizeBoundary {
        id: String,
        rect: Option<Rect>,
    },
    /// Records (or replaces) the risk decision for one finding id or pattern.
    Decide(RiskDecision),
    /// Removes the risk decision for a pattern.
    Undecide(String),
    SetInfo {
        name: String,
        description: String,
        author: String,
    },
    /// Sets the frameworks the model declares in scope.
    SetFrameworks(Vec<model::Framework>),
    /// Several edits as one undo step (all or nothing).
    Batch(Vec<Edit>),
}

/// What `Session::undo`/`redo` restore.
#[derive(Clone)]
struct Snapshot {
    model: Model,
    revision: u64,
    follow: HashMap<String, String>,
    /// The edit between this state and the next, for people ("Undo add Service").
    what: String,
}

impl Edit {
    /// What the edit does, in a few words, naming what it changes ("move API gateway").
    #[must_use]
    pub fn describe(&self, model: &Model) -> String {
        let name = |id: &str| model.element_name(id).unwrap_or(id).to_string();
        match self {
            Edit::AddNode { kind, .. } => format!("add {}", kind.label().to_lowercase()),
            Edit::AddFlow { from, to } => format!("add flow {} → {}", name(from), name(to)),
            Edit::AddBoundary { .. } => "add boundary".into(),
            Edit::AddAsset { .. } => "add data asset".into(),
            Edit::AddRuntime { .. } => "add runtime".into(),
            Edit::Delete(id) => format!("delete {}", name(id)),
            Edit::Rename { old, new } => format!("rename {old} to {new}"),
            Edit::UpdateNode(n) => format!("edit {}", name(&n.id)),
            Edit::UpdateFlow(f) => format!("edit {}", name(&f.id)),
            Edit::UpdateBoundary(b) => format!("edit {}", name(&b.id)),
            Edit::UpdateAsset(a) => format!("edit {}", name(&a.id)),
            Edit::UpdateRuntime(r) => format!("edit {}", name(&r.id)),
            Edit::Move(list) if list.len() == 1 => format!("move {}", name(&list[0].0)),
            Edit::Move(list) => format!("move {} nodes", list.len()),
            Edit::SizeBoundary { id, .. } => format!("resize {}", name(id)),
            Edit::Decide(_) => "record decision".into(),
            Edit::Undecide(_) => "remove decision".into(),
            Edit::SetInfo { .. } => "edit model details".into(),
            Edit::SetFrameworks(_) => "change frameworks".into(),
            // A batch is named by what it is for: the element it adds (the moves that make
            // room for it are a side effect), else its first edit.
            Edit::Batch(list) => {
                let main = list
                    .iter()
                    .find(|e| {
                        matches!(
                            e,
                            Edit::AddNode { .. }
                                | Edit::AddFlow { .. }
                                | Edit::AddBoundary { .. }
                                | Edit::AddAsset { .. }
                                | Edit::AddRuntime { .. }
                        )
                    })
                    .or_else(|| list.first());
                match main {
                    Some(e) if list.iter().all(|x| matches!(x, Edit::Move(_))) => {
                        let n: usize = list
                            .iter()
                            .map(|x| match x {
                                Edit::Move(m) => m.len(),
                                _ => 0,
                            })
                            .sum();
                        if n == 1 {
                            e.describe(model)
                        } else {
                            format!("move {n} nodes")
                        }
                    }
                    Some(e) if list.len() == 1 => e.describe(model),
                    Some(e) if matches!(e, Edit::AddNode { .. } | Edit::AddBoundary { .. }) => {
                        e.describe(model)
                    }
                    Some(e) => format!("{} and more", e.describe(model)),
                    None => "nothing".into(),
                }
            }
        }
    }
}

/// What an applied edit did that the caller may want to follow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The id of the element an `Add…` edit created.
    pub created: Option<String>,
    /// Ids that changed (old, new): renames, and ids that followed a new name.
    pub renamed: Vec<(String, String)>,
}

/// A node added: its id, and a note when making room for it moved others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Added {
    pub id: String,
    pub note: Option<String>,
}

/// Where a dragged node was dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Onto {
    /// Its own boundary (or empty canvas without the modifier): membership stays.
    Keep,
    /// Another boundary: the node moves into it.
    Boundary(String),
    /// Empty canvas with the modifier: the node leaves every boundary.
    Outside,
}

/// Sessions are told apart by this, so that caches keyed by revision never mix two models.
static GENERATIONS: AtomicU64 = AtomicU64::new(1);

pub use crate::model::id_from_name;

/// The model being edited, with its history and analysis.
pub struct Session {
    model: Model,
    path: Option<PathBuf>,
    revision: u64,
    next_revision: u64,
    saved_revision: Option<u64>,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
    /// Edits with the same key in a row (typing in one field) share one undo step.
    coalesce: Option<String>,
    analysis: Analysis,
    analysis_revision: u64,
    problems: Vec<Problem>,
    worker: Option<(u64, mpsc::Receiver<Analysis>)>,
    /// The last verification against the live endpoints; its drift findings join the analysis.
    verification: Option<Arc<Verification>>,
    /// Unique per session (see [`GENERATIONS`]).
    generation: u64,
    /// Elements created in this session whose id still follows their name (until the id is
    /// set by hand or the model is saved), with the undo key their typing shares.
    follow: HashMap<String, String>,
}

/// The analysis of a model with the drift findings of a verification that still apply to it.
fn analyse(model: &Model, verification: Option<&Verification>) -> Analysis {
    crate::verify::analyse(model, verification)
}

impl Session {
    /// A session on a model; `path` is where it was loaded from, if anywhere.
    #[must_use]
    pub fn new(model: Model, path: Option<PathBuf>) -> Self {
        let analysis = analyse(&model, None);
        let problems = model.problems();
        Session {
            model,
            saved_revision: path.as_ref().map(|_| 0),
            path,
            revision: 0,
            next_revision: 1,
            undo: Vec::new(),
            redo: Vec::new(),
            coalesce: None,
            analysis,
            analysis_revision: 0,
            problems,
            worker: None,
            verification: None,
            generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
            follow: HashMap::new(),
        }
    }

    /// Unique to this session: caches keyed by (generation, revision) never show another model.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether an element's id still follows its name.
    #[must_use]
    pub fn id_follows_name(&self, id: &str) -> bool {
        self.follow.contains_key(id)
    }

    /// The key typing in an element's field shares (stable while its id follows its name).
    #[must_use]
    pub fn typing_key(&self, id: &str, field: &str) -> String {
        match self.follow.get(id) {
            Some(k) => format!("{k}/{field}"),
            None => format!("{id}/{field}"),
        }
    }

    /// Opens a model file.
    ///
    /// # Errors
    /// Every problem in the file, with line and column.
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let loaded = model::load(path)?;
        let mut session = Session::new(loaded.model, Some(path.to_path_buf()));
        // The last verification, kept beside the model. A broken sidecar is not the model's
        // problem: the model opens without it.
        if let Ok(Some(v)) = Verification::load(path) {
            session.set_verification(Some(v));
        }
        Ok(session)
    }

    /// The last verification against the live endpoints.
    #[must_use]
    pub fn verification(&self) -> Option<&Verification> {
        self.verification.as_deref()
    }

    /// Replaces the verification and re-runs the analysis with its drift findings.
    pub fn set_verification(&mut self, verification: Option<Verification>) {
        self.verification = verification.map(Arc::new);
        self.changed();
    }

    #[must_use]
    pub fn model(&self) -> &Model {
        &self.model
    }

    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The analysis of the current model (or, while a background analysis runs, of the last
    /// model analysed: see [`Session::analysis_is_current`]).
    #[must_use]
    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    #[must_use]
    pub fn analysis_is_current(&self) -> bool {
        self.analysis_revision == self.revision
    }

    /// Problems that would stop the model from saving (shown inline in the inspector).
    #[must_use]
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Changes since the last save or load (an unsaved new model is always dirty once edited).
    #[must_use]
    pub fn is_dirty(&self) -> bool {
        self.saved_revision != Some(self.revision) && !(self.path.is_none() && self.revision == 0)
    }

    /// Incremented by every change to the model (undo and redo included).
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.revision
    }

    #[must_use]
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    #[must_use]
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// What Undo would undo ("move API gateway"), if anything.
    #[must_use]
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|s| s.what.as_str())
    }

    /// What Redo would redo, if anything.
    #[must_use]
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.what.as_str())
    }

    /// A window title: file name, then a mark when there are unsaved changes.
    #[must_use]
    pub fn title(&self) -> String {
        let name = self.path.as_ref().and_then(|p| p.file_name()).map_or_else(
            || "untitled".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        format!(
            "{}{name} - Rampart",
            if self.is_dirty() { "● " } else { "" }
        )
    }

    /// Applies an edit as one undo step.
    ///
    /// # Errors
    /// The edit is invalid (an id taken, an element missing); the model is then unchanged.
    pub fn apply(&mut self, edit: Edit) -> Result<Applied, EditError> {
        self.apply_coalescing(edit, None)
    }

    /// Applies an edit; consecutive edits with the same `key` (typing in one text field)
    /// share a single undo step. A new element whose name changes takes an id from the name.
    ///
    /// # Errors
    /// As [`Session::apply`].
    pub fn apply_coalescing(
        &mut self,
        edit: Edit,
        key: Option<&str>,
    ) -> Result<Applied, EditError> {
        let before = self.model.clone();
        let follow_before = self.follow.clone();
        let what = edit.describe(&self.model);
        let rename = match &edit {
            Edit::Rename { old, new } => Some((old.clone(), new.clone())),
            _ => None,
        };
        let named = renamed_by(&edit).map(|(old, name)| (old.to_string(), name.to_string()));
        let result = apply_edit(&mut self.model, edit).and_then(|created| {
            let mut applied = Applied {
                created,
                renamed: Vec::new(),
            };
            if let Some((old, new)) = rename {
                self.follow.remove(&old);
                applied.renamed.push((old, new));
            }
            if let Some(id) = &applied.created {
                self.follow
                    .insert(id.clone(), format!("new:{}", self.next_revision));
            }
            if let Some((old, name)) = named.as_ref().map(|(o, n)| (o.as_str(), n.as_str()))
                && let Some(key) = self.follow.get(old).cloned()
            {
                let base = id_from_name(name);
                let new = if base.is_empty() || !crate::model::is_valid_id(&base) {
                    old.to_string()
                } else if base == old {
                    base
                } else {
                    self.model.unique_id(&base)
                };
                if new != old {
                    self.model.rename(old, &new)?;
                    self.follow.remove(old);
                    self.follow.insert(new.clone(), key);
                    applied.renamed.push((old.to_string(), new));
                }
            }
            Ok(applied)
        });
        let applied = match result {
            Ok(a) => a,
            Err(e) => {
                self.model = before;
                self.follow = follow_before;
                return Err(e);
            }
        };
        // Ids a rename took away (flows named after their nodes) stop following.
        let model = &self.model;
        self.follow.retain(|id, _| model.id_in_use(id));
        let merge =
            key.is_some() && key.map(str::to_string) == self.coalesce && !self.undo.is_empty();
        if !merge {
            self.undo.push(Snapshot {
                model: before,
                revision: self.revision,
                follow: follow_before,
                what,
            });
            if self.undo.len() > UNDO_LIMIT {
                self.undo.remove(0);
            }
        }
        self.coalesce = key.map(str::to_string);
        self.redo.clear();
        self.revision = self.next_revision;
        self.next_revision += 1;
        self.changed();
        Ok(applied)
    }

    /// The scene of the model as it is now.
    #[must_use]
    pub fn scene(&self) -> crate::diagram::Scene {
        crate::diagram::scene(&self.model, &crate::diagram::Options::default())
    }

    /// The edits that write the drawing's automatic positions into the model, so that the
    /// next edit moves nothing else.
    fn freeze(&self, scene: &crate::diagram::Scene) -> Vec<Edit> {
        let (nodes, boundaries) = crate::diagram::frozen(&self.model, scene);
        let mut edits = Vec::new();
        if !nodes.is_empty() {
            edits.push(Edit::Move(nodes));
        }
        for (id, rect) in boundaries {
            edits.push(Edit::SizeBoundary {
                id,
                rect: Some(rect),
            });
        }
        edits
    }

    /// Adds a node of `kind` into `boundary` (if any), in free space there (near `near` if
    /// given), as one undo step. When the boundary is full and cannot grow without covering its
    /// neighbours, everything to its right moves over to make room, and the returned note says
    /// so.
    ///
    /// # Errors
    /// The boundary does not exist.
    pub fn add_node(
        &mut self,
        kind: NodeKind,
        boundary: Option<String>,
        near: Option<Pos>,
    ) -> Result<Added, EditError> {
        if let Some(b) = &boundary
            && self.model.boundary(b).is_none()
        {
            return Err(EditError::NotFound(b.clone()));
        }
        let scene = self.scene();
        let mut edits = self.freeze(&scene);
        let mut note = None;
        let pos =
            if let Some(p) = crate::diagram::place_node(&scene, boundary.as_deref(), near, None) {
                p
            } else {
                let room = boundary
                    .as_deref()
                    .and_then(|b| {
                        crate::diagram::make_room(
                            &scene,
                            b,
                            crate::diagram::NODE_W,
                            crate::diagram::NODE_H,
                        )
                    })
                    .ok_or_else(|| EditError::NotFound(boundary.clone().unwrap_or_default()))?;
                let moved = self.shift(&scene, room, &mut edits);
                let name = boundary
                    .as_deref()
                    .and_then(|b| self.model.element_name(b))
                    .unwrap_or_default();
                note = Some(format!(
                    "{name} was full: {moved} node{} moved right to make room",
                    if moved == 1 { "" } else { "s" }
                ));
                Pos {
                    x: room.at.x + crate::diagram::NODE_W / 2.0,
                    y: room.at.y + crate::diagram::NODE_H / 2.0,
                }
            };
        edits.push(Edit::AddNode {
            kind,
            pos,
            boundary,
        });
        let applied = self.apply(Edit::Batch(edits))?;
        Ok(Added {
            id: applied.created.unwrap_or_default(),
            note,
        })
    }

    /// Moves every node and sized boundary at or right of `room.from_x` right by `room.dx`, and
    /// at or below `room.from_y` down by `room.dy`; returns how many nodes moved.
    fn shift(
        &self,
        scene: &crate::diagram::Scene,
        room: crate::diagram::Room,
        edits: &mut Vec<Edit>,
    ) -> usize {
        let offset = |r: Rect| {
            (
                if r.x >= room.from_x { room.dx } else { 0.0 },
                if r.y >= room.from_y { room.dy } else { 0.0 },
            )
        };
        let moves: Vec<(String, Pos)> = scene
            .nodes
            .iter()
            .filter(|n| self.model.node(&n.id).is_some())
            .filter_map(|n| {
                let (dx, dy) = offset(n.rect);
                let c = n.center();
                (dx != 0.0 || dy != 0.0).then(|| {
                    (
                        n.id.clone(),
                        Pos {
                            x: c.x + dx,
                            y: c.y + dy,
                        },
                    )
                })
            })
            .collect();
        let count = moves.len();
        if !moves.is_empty() {
            edits.push(Edit::Move(moves));
        }
        for b in &scene.boundaries {
            let sized = self.model.layout.boundaries.contains_key(&b.id)
                || edits
                    .iter()
                    .any(|e| matches!(e, Edit::SizeBoundary { id, .. } if *id == b.id));
            let (dx, dy) = offset(b.rect);
            if sized && (dx != 0.0 || dy != 0.0) {
                edits.push(Edit::SizeBoundary {
                    id: b.id.clone(),
                    rect: Some(Rect {
                        x: b.rect.x + dx,
                        y: b.rect.y + dy,
                        ..b.rect
                    }),
                });
            }
        }
        count
    }

    /// Adds a boundary inside `parent` (if any), beside its siblings, as one undo step.
    ///
    /// # Errors
    /// The parent does not exist.
    pub fn add_boundary(
        &mut self,
        kind: BoundaryKind,
        parent: Option<String>,
    ) -> Result<String, EditError> {
        if let Some(p) = &parent
            && self.model.boundary(p).is_none()
        {
            return Err(EditError::NotFound(p.clone()));
        }
        let scene = self.scene();
        let title = format!("{} · trust {}", kind.label(), kind.default_trust());
        let width = crate::text::fonts().width(&title, crate::diagram::TITLE_FONT, true) + 18.0;
        let mut edits = self.freeze(&scene);
        let rect = if let Some(r) = crate::diagram::place_boundary(&scene, parent.as_deref(), width)
        {
            r
        } else {
            let (w, h) = crate::diagram::new_boundary_size(width);
            let room = parent
                .as_deref()
                .and_then(|p| crate::diagram::make_room(&scene, p, w, h))
                .ok_or_else(|| EditError::NotFound(parent.clone().unwrap_or_default()))?;
            self.shift(&scene, room, &mut edits);
            Rect {
                x: room.at.x,
                y: room.at.y,
                w,
                h,
            }
        };
        edits.push(Edit::AddBoundary {
            kind,
            parent,
            rect: Some(rect),
        });
        let applied = self.apply(Edit::Batch(edits))?;
        Ok(applied.created.unwrap_or_default())
    }

    /// A dragged node dropped at `pos` (its centre): it moves to the nearest free place there,
    /// into the boundary `onto` says, nothing else moves; one undo step. Returns what changed,
    /// for people ("Browser moved to DMZ, trust 3"), when the membership changed.
    ///
    /// # Errors
    /// The node or boundary does not exist.
    pub fn drop_node(
        &mut self,
        id: &str,
        pos: Pos,
        onto: &Onto,
    ) -> Result<Option<String>, EditError> {
        let node = self
            .model
            .node(id)
            .cloned()
            .ok_or_else(|| EditError::NotFound(id.to_string()))?;
        let target = match onto {
            Onto::Keep => node.boundary.clone(),
            Onto::Boundary(b) => {
                if self.model.boundary(b).is_none() {
                    return Err(EditError::NotFound(b.clone()));
                }
                Some(b.clone())
            }
            Onto::Outside => None,
        };
        let scene = self.scene();
        // No room where it was dropped: it stays where it was.
        let at = crate::diagram::place_node(&scene, target.as_deref(), Some(pos), Some(id))
            .or_else(|| scene.node(id).map(crate::diagram::SceneNode::center))
            .ok_or_else(|| EditError::NotFound(id.to_string()))?;
        let mut edits = self.freeze(&scene);
        edits.push(Edit::Move(vec![(id.to_string(), at)]));
        let changed = target != node.boundary;
        if changed {
            let mut updated = node.clone();
            updated.boundary.clone_from(&target);
            edits.push(Edit::UpdateNode(Box::new(updated)));
        }
        self.apply(Edit::Batch(edits))?;
        Ok(changed.then(|| {
            let name = node.label().to_string();
            match target.as_deref().and_then(|b| self.model.boundary(b)) {
                Some(b) => format!(
                    "{name} moved to {}, trust {}",
                    if b.name.is_empty() { &b.id } else { &b.name },
                    b.trust_level()
                ),
                None => format!("{name} moved out of every boundary, trust 0"),
            }
        }))
    }

    /// Lays the whole drawing out again automatically (one undo step).
    ///
    /// # Errors
    /// Never in practice (the edit touches only the layout).
    pub fn arrange(&mut self) -> Result<Applied, EditError> {
        let mut edits: Vec<Edit> = self
            .model
            .layout
            .boundaries
            .keys()
            .map(|id| Edit::SizeBoundary {
                id: id.clone(),
                rect: None,
            })
            .collect();
        let auto = crate::diagram::auto_positions(&self.model);
        edits.push(Edit::Move(auto.into_iter().collect()));
        self.apply(Edit::Batch(edits))
    }

    /// Applies a finding's one-click fix, if it has one (one undo step).
    ///
    /// # Errors
    /// The finding has no fix, or its element is gone.
    pub fn apply_fix(&mut self, change: &crate::analysis::Change) -> Result<Applied, EditError> {
        let edit = fix_edit(&self.model, change)
            .ok_or_else(|| EditError::NotFound(change.element().to_string()))?;
        self.apply(edit)
    }

    /// Ends typing in a field: the next edit starts a new undo step.
    pub fn end_coalescing(&mut self) {
        self.coalesce = None;
    }

    /// Undoes the last edit. Returns false when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.undo.pop() else {
            return false;
        };
        let current = Snapshot {
            model: std::mem::replace(&mut self.model, previous.model),
            revision: self.revision,
            follow: std::mem::replace(&mut self.follow, previous.follow),
            what: previous.what,
        };
        self.redo.push(current);
        self.revision = previous.revision;
        self.coalesce = None;
        self.changed();
        true
    }

    /// Redoes the last undone edit. Returns false when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else {
            return false;
        };
        let current = Snapshot {
            model: std::mem::replace(&mut self.model, next.model),
            revision: self.revision,
            follow: std::mem::replace(&mut self.follow, next.follow),
            what: next.what,
        };
        self.undo.push(current);
        self.revision = next.revision;
        self.coalesce = None;
        self.changed();
        true
    }

    /// Saves to the session's file.
    ///
    /// # Errors
    /// There is no file yet (use [`Session::save_as`]), or saving failed (the file is untouched).
    pub fn save(&mut self) -> Result<(), SaveError> {
        let Some(path) = self.path.clone() else {
            return Err(SaveError::Io {
                path: "untitled".into(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no file chosen yet"),
            });
        };
        self.save_as(&path)
    }

    /// Saves to `path`, which becomes the session's file.
    ///
    /// # Errors
    /// Saving failed; nothing was overwritten.
    pub fn save_as(&mut self, path: &Path) -> Result<(), SaveError> {
        model::save(&self.model, path)?;
        self.path = Some(path.to_path_buf());
        self.saved_revision = Some(self.revision);
        self.coalesce = None;
        // Saved ids are what other files and decisions refer to: they stop following names.
        self.follow.clear();
        Ok(())
    }

    /// Picks up a finished background analysis. Returns true when the analysis changed.
    pub fn poll(&mut self) -> bool {
        let Some((revision, rx)) = &self.worker else {
            return false;
        };
        match rx.try_recv() {
            Ok(analysis) => {
                let revision = *revision;
                self.worker = None;
                if revision == self.revision {
                    self.analysis = analysis;
                    self.analysis_revision = revision;
                    true
                } else {
                    self.start_analysis();
                    false
                }
            }
            Err(mpsc::TryRecvError::Empty) => false,
            Err(mpsc::TryRecvError::Disconnected) => {
                self.worker = None;
                false
            }
        }
    }

    /// Waits for a background analysis to finish (tests and benchmarks).
    pub fn wait_for_analysis(&mut self) {
        while !self.analysis_is_current() {
            if let Some((_, rx)) = &self.worker {
                if let Ok(analysis) = rx.recv() {
                    let revision = self.worker.take().map_or(0, |(r, _)| r);
                    if revision == self.revision {
                        self.analysis = analysis;
                        self.analysis_revision = revision;
                    }
                } else {
                    self.worker = None;
                }
            }
            if !self.analysis_is_current() && self.worker.is_none() {
                self.start_analysis();
            }
        }
    }

    fn changed(&mut self) {
        self.problems = self.model.problems();
        if self.model.node_count() <= BACKGROUND_ANALYSIS_NODES {
            self.analysis = analyse(&self.model, self.verification.as_deref());
            self.analysis_revision = self.revision;
            self.worker = None;
        } else if self.worker.is_none() {
            self.start_analysis();
        }
    }

    fn start_analysis(&mut self) {
        let (tx, rx) = mpsc::channel();
        let model = self.model.clone();
        let revision = self.revision;
        let verification = self.verification.clone();
        std::thread::spawn(move || {
            let _ = tx.send(analyse(&model, verification.as_deref()));
        });
        self.worker = Some((revision, rx));
    }
}

/// The element whose name an edit changes, and the new name.
fn renamed_by(edit: &Edit) -> Option<(&str, &str)> {
    match edit {
        Edit::UpdateNode(n) => Some((&n.id, &n.name)),
        Edit::UpdateFlow(f) => Some((&f.id, &f.name)),
        Edit::UpdateBoundary(b) => Some((&b.id, &b.name)),
        Edit::UpdateAsset(a) => Some((&a.id, &a.name)),
        Edit::UpdateRuntime(r) => Some((&r.id, &r.name)),
        _ => None,
    }
}

/// The edit a one-click fix makes.
#[must_use]
pub fn fix_edit(model: &Model, change: &crate::analysis::Change) -> Option<Edit> {
    use crate::analysis::Change;
    match change {
        Change::FlowEncryption { flow, to } => {
            let mut f = model.flow(flow)?.clone();
            f.encryption = *to;
            if *to == model::Encryption::Mtls && !f.authentication.authenticates() {
                f.authentication = model::AuthKind::Mtls;
            }
            Some(Edit::UpdateFlow(Box::new(f)))
        }
        Change::FlowTlsMin { flow, to } => {
            let mut f = model.flow(flow)?.clone();
            f.tls_min = Some(*to);
            Some(Edit::UpdateFlow(Box::new(f)))
        }
        Change::FlowAuthentication { flow, to } => {
            let mut f = model.flow(flow)?.clone();
            f.authentication = *to;
            Some(Edit::UpdateFlow(Box::new(f)))
        }
        Change::NodeAuditLogging { node } => {
            let mut n = model.node(node)?.clone();
            n.audit_logging = true;
            Some(Edit::UpdateNode(Box::new(n)))
        }
        Change::NodeEncryptedAtRest { node } => {
            let mut n = model.node(node)?.clone();
            n.encrypted_at_rest = true;
            Some(Edit::UpdateNode(Box::new(n)))
        }
        Change::NodeRateLimited { node } => {
            let mut n = model.node(node)?.clone();
            n.rate_limited = true;
            Some(Edit::UpdateNode(Box::new(n)))
        }
        Change::NodeMfa { node } => {
            let mut n = model.node(node)?.clone();
            n.users = model::HumanUsers::Mfa;
            Some(Edit::UpdateNode(Box::new(n)))
        }
        Change::NodeAuthorization { node, to } => {
            let mut n = model.node(node)?.clone();
            n.authorization = *to;
            Some(Edit::UpdateNode(Box::new(n)))
        }
    }
}

/// Applies one edit to a model; returns the id of an element it created.
///
/// # Errors
/// The edit does not fit the model (unknown or taken id).
pub fn apply_edit(model: &mut Model, edit: Edit) -> Result<Option<String>, EditError> {
    let mut created = None;
    match edit {
        Edit::AddNode {
            kind,
            pos,
            boundary,
        } => {
            let id = model.unique_id(&kind.key().replace('_', "-"));
            let mut node = Node::new(id.clone(), kind);
            node.name = format!("New {}", kind.label().to_lowercase());
            node.boundary = boundary.filter(|b| model.boundary(b).is_some());
            model.add_node(node)?;
            model.layout.nodes.insert(
                id.clone(),
                Pos {
                    x: pos.x.round(),
                    y: pos.y.round(),
                },
            );
            created = Some(id);
        }
        Edit::AddFlow { from, to } => {
            let mut flow = Flow::new(from, to);
            flow.id = model.unique_id(&flow.id);
            flow.encryption = model::Encryption::Tls;
            flow.protocol = "https".into();
            created = Some(flow.id.clone());
            model.add_flow(flow)?;
        }
        Edit::AddBoundary { kind, parent, rect } => {
            let id = model.unique_id(&kind.key().replace('_', "-"));
            model.boundaries.push(Boundary {
                id: id.clone(),
                name: kind.label().to_string(),
                kind,
                trust: None,
                parent: parent.filter(|p| model.boundary(p).is_some()),
                scope: Vec::new(),
                description: String::new(),
                out_of_scope: None,
            });
            if let Some(r) = rect {
                model.layout.boundaries.insert(id.clone(), r);
            }
            created = Some(id);
        }
        Edit::AddAsset { classification } => {
            let id = model.unique_id("data");
            model.assets.push(DataAsset {
                id: id.clone(),
                name: "New data".into(),
                classification,
                tags: Vec::new(),
                description: String::new(),
                integrity: None,
                availability: None,
            });
            created = Some(id);
        }
        Edit::AddRuntime { kind } => {
            let id = model.unique_id(kind.key());
            model.runtimes.push(model::Runtime {
                id: id.clone(),
                name: kind.label().to_string(),
                kind,
                privileged: false,
                multi_tenant: false,
                description: String::new(),
            });
            created = Some(id);
        }
        Edit::Delete(id) => {
            let removed = model.remove_node(&id).is_some()
                || model.remove_flow(&id).is_some()
                || model.remove_boundary(&id).is_some()
                || model.remove_runtime(&id).is_some()
                || model.remove_asset(&id).is_some();
            if !removed {
                return Err(EditError::NotFound(id));
            }
        }
        Edit::Rename { old, new } => model.rename(&old, &new)?,
        Edit::UpdateNode(node) => {
            let slot = model
                .node_mut(&node.id)
                .ok_or_else(|| EditError::NotFound(node.id.clone()))?;
            *slot = *node;
        }
        Edit::UpdateFlow(mut flow) => {
            // A minimum TLS version means nothing without TLS (and does not validate).
            if flow.encryption == model::Encryption::None {
                flow.tls_min = None;
            }
            let slot = model
                .flow_mut(&flow.id)
                .ok_or_else(|| EditError::NotFound(flow.id.clone()))?;
            if slot.from != flow.from || slot.to != flow.to {
                return Err(EditError::NotFound(format!("{} -> {}", flow.from, flow.to)));
            }
            *slot = *flow;
        }
        Edit::UpdateBoundary(boundary) => {
            let slot = model
                .boundary_mut(&boundary.id)
                .ok_or_else(|| EditError::NotFound(boundary.id.clone()))?;
            *slot = *boundary;
        }
        Edit::UpdateAsset(asset) => {
            let slot = model
                .asset_mut(&asset.id)
                .ok_or_else(|| EditError::NotFound(asset.id.clone()))?;
            *slot = *asset;
        }
        Edit::UpdateRuntime(runtime) => {
            let slot = model
                .runtime_mut(&runtime.id)
                .ok_or_else(|| EditError::NotFound(runtime.id.clone()))?;
            *slot = *runtime;
        }
        Edit::Move(moves) => {
            for (id, pos) in moves {
                if model.node(&id).is_none() {
                    return Err(EditError::NotFound(id));
                }
                let rounded = Pos {
                    x: pos.x.round(),
                    y: pos.y.round(),
                };
                model.layout.nodes.insert(id, rounded);
            }
        }
        Edit::SizeBoundary { id, rect } => {
            if model.boundary(&id).is_none() {
                return Err(EditError::NotFound(id));
            }
            match rect {
                Some(rect) => {
                    model.layout.boundaries.insert(id, rect);
                }
                None => {
                    model.layout.boundaries.remove(&id);
                }
            }
        }
        Edit::Decide(decision) => {
            match model
                .decisions
                .iter_mut()
                .find(|d| d.finding == decision.finding)
            {
                Some(existing) => *existing = decision,
                None => model.decisions.push(decision),
            }
        }
        Edit::Undecide(pattern) => {
            let before = model.decisions.len();
            model.decisions.retain(|d| d.finding != pattern);
            if model.decisions.len() == before {
                return Err(EditError::NotFound(pattern));
            }
        }
        Edit::SetInfo {
            name,
            description,
            author,
        } => {
            model.name = name;
            model.description = description;
            model.author = author;
        }
        Edit::SetFrameworks(frameworks) => model.frameworks = frameworks,
        Edit::Batch(edits) => {
            for edit in edits {
                if let Some(id) = apply_edit(model, edit)? {
                    created = Some(id);
                }
            }
        }
    }
    Ok(created)
}

/// Today's date as `YYYY-MM-DD` (UTC), for new risk decisions.
#[must_use]
pub fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// A decision for one finding, dated today.
#[must_use]
pub fn decision(finding: &str, status: Status, justification: &str, owner: &str) -> RiskDecision {
    RiskDecision {
        finding: finding.to_string(),
        status,
        justification: justification.to_string(),
        owner: owner.to_string(),
        date: today(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Encryption;

    fn session() -> Session {
        Session::new(Model::example(), Some(PathBuf::from("shop.ron")))
    }

    #[test]
    fn edits_undo_and_redo() {
        let mut s = session();
        assert!(!s.is_dirty());
        let nodes = s.model().node_count();
        s.apply(Edit::AddNode {
            kind: NodeKind::Service,
            pos: Pos { x: 10.0, y: 20.0 },
            boundary: Some("k8s-shop".into()),
        })
        .unwrap();
        assert_eq!(s.model().node_count(), nodes + 1);
        assert!(s.model().node("service").is_some());
        assert!(s.is_dirty());
        assert!(s.title().starts_with("● shop.ron"));
        assert!(s.undo());
        assert_eq!(s.model().node_count(), nodes);
        assert!(!s.is_dirty(), "undo back to the saved state is clean");
        assert!(s.redo());
        assert_eq!(s.model().node_count(), nodes + 1);
        assert!(!s.redo());
    }

    #[test]
    fn a_new_plaintext_cross_boundary_flow_is_found_and_undo_removes_it() {
        let mut s = session();
        s.apply(Edit::AddFlow {
            from: "notification-service".into(),
            to: "user-db".into(),
        })
        .unwrap();
        let mut flow = s
            .model()
            .flow("notification-service-to-user-db")
            .unwrap()
            .clone();
        flow.encryption = Encryption::None;
        s.apply(Edit::UpdateFlow(Box::new(flow))).unwrap();
        let id = "plaintext-datastore-connection@notification-service-to-user-db";
        assert!(s.analysis().findings.iter().any(|f| f.id == id));
        s.undo();
        assert!(!s.analysis().findings.iter().any(|f| f.id == id));
        s.undo();
        assert!(s.model().flow("notification-service-to-user-db").is_none());
    }

    #[test]
    fn typing_coalesces_into_one_undo_step() {
        let mut s = session();
        for name in ["O", "Or", "Ord"] {
            let mut node = s.model().node("order-service").unwrap().clone();
            node.name = name.into();
            s.apply_coalescing(Edit::UpdateNode(Box::new(node)), Some("order-service/name"))
                .unwrap();
        }
        assert_eq!(s.model().node("order-service").unwrap().name, "Ord");
        s.undo();
        assert_eq!(
            s.model().node("order-service").unwrap().name,
            "Order service"
        );
        assert!(!s.can_undo());
    }

    #[test]
    fn failed_edits_change_nothing() {
        let mut s = session();
        let revision = s.revision();
        assert!(s.apply(Edit::Delete("nothing-here".into())).is_err());
        assert!(
            s.apply(Edit::Rename {
                old: "vault".into(),
                new: "user-db".into()
            })
            .is_err()
        );
        assert_eq!(s.revision(), revision);
        assert!(!s.can_undo());
    }

    #[test]
    fn decisions_are_recorded_in_the_model() {
        let mut s = session();
        let id = "gateway-bypass@partner-legacy-stock";
        s.apply(Edit::Decide(decision(
            id,
            Status::Accepted,
            "Firewalled",
            "NetOps",
        )))
        .unwrap();
        let f = s.analysis().findings.iter().find(|f| f.id == id).unwrap();
        assert_eq!(f.status, Status::Accepted);
        assert!(model::is_valid_date(&f.decision.as_ref().unwrap().date));
        s.apply(Edit::Undecide(id.into())).unwrap();
        let f = s.analysis().findings.iter().find(|f| f.id == id).unwrap();
        assert_eq!(f.status, Status::Open);
    }

    #[test]
    fn save_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.ron");
        let mut s = session();
        s.apply(Edit::AddAsset {
            classification: Classification::Restricted,
        })
        .unwrap();
        s.save_as(&path).unwrap();
        assert!(!s.is_dirty());
        let reopened = Session::open(&path).unwrap();
        assert!(reopened.model() == s.model());
    }

    #[test]
    fn large_models_are_analysed_in_the_background() {
        let m = model::generate::generate(BACKGROUND_ANALYSIS_NODES + 100, 5);
        let mut s = Session::new(m, None);
        let first = s.model().nodes().next().unwrap().id.clone();
        s.apply(Edit::Delete(first.clone())).unwrap();
        assert!(!s.analysis_is_current());
        s.wait_for_analysis();
        assert!(s.analysis_is_current());
        assert!(
            s.analysis()
                .findings
                .iter()
                .all(|f| !f.elements.contains(&first))
        );
    }
}
