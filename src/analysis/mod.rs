//! Analysis: a catalog of rules in four families, graph analyses (attack paths, effective
//! privilege, blast radius) and the compliance matrix. `analyze` is a pure function of the
//! model; its findings are sorted and their ids are stable across unrelated edits.

mod catalog;
pub mod compliance;
mod context;
pub mod paths;
mod rules;
pub mod words;

use serde::Serialize;

use crate::model::{AuthKind, Authorization, Encryption, Model, RiskDecision, Status, TlsVersion};

pub use catalog::{RULES, rule};
pub use context::Ctx;
pub use rules::drift as rules_drift;

pub use crate::vocab::Severity;
use crate::vocab::vocabulary;

vocabulary! {
    /// The four rule families.
    pub enum Family {
        UnprotectedLinks = "unprotected-links", "Unprotected links",
        MissingAuthentication = "missing-authentication", "Missing authentication",
        OverPrivilege = "over-privileged-paths", "Over-privileged paths",
        Compliance = "compliance-hygiene", "Compliance and hygiene",
        Drift = "drift", "Drift from the deployed system",
    }
}

vocabulary! {
    /// STRIDE threat categories.
    pub enum Stride {
        Spoofing = "spoofing", "Spoofing",
        Tampering = "tampering", "Tampering",
        Repudiation = "repudiation", "Repudiation",
        InformationDisclosure = "information-disclosure", "Information disclosure",
        DenialOfService = "denial-of-service", "Denial of service",
        ElevationOfPrivilege = "elevation-of-privilege", "Elevation of privilege",
    }
}

/// A rule, declared once with everything about it. Its compliance references come from the
/// framework files in `assets/compliance/` (each requirement names the rules that test it), so
/// the mapping is written in one place; see [`Rule::compliance`].
pub struct Rule {
    /// Kebab-case, stable: finding ids and risk decisions use it.
    pub id: &'static str,
    pub title: &'static str,
    pub family: Family,
    pub stride: &'static [Stride],
    /// Default severity; a check may raise or lower it for one finding, with a reason.
    pub severity: Severity,
    /// What the rule checks and why it matters.
    pub explanation: &'static str,
    /// How to fix it, in general; each finding also says what change would clear it.
    pub mitigation: &'static str,
    pub check: fn(&Ctx<'_>, &mut Reporter<'_>),
}

impl Rule {
    /// Requirement references like `PCI-DSS-4.0.1:4.2.1`, sorted.
    #[must_use]
    pub fn compliance(&self) -> &'static [String] {
        compliance::references_for(self.id)
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A fix that is one property change, which the GUI offers as "Apply fix".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "set", rename_all = "snake_case")]
pub enum Change {
    FlowEncryption { flow: String, to: Encryption },
    FlowTlsMin { flow: String, to: TlsVersion },
    FlowAuthentication { flow: String, to: AuthKind },
    NodeAuditLogging { node: String },
    NodeEncryptedAtRest { node: String },
    NodeRateLimited { node: String },
    NodeMfa { node: String },
    NodeAuthorization { node: String, to: Authorization },
}

impl Change {
    /// The element it changes.
    #[must_use]
    pub fn element(&self) -> &str {
        match self {
            Change::FlowEncryption { flow, .. }
            | Change::FlowTlsMin { flow, .. }
            | Change::FlowAuthentication { flow, .. } => flow,
            Change::NodeAuditLogging { node }
            | Change::NodeEncryptedAtRest { node }
            | Change::NodeRateLimited { node }
            | Change::NodeMfa { node }
            | Change::NodeAuthorization { node, .. } => node,
        }
    }

    /// The value it sets, as people read it ("TLS"); empty for a switch turned on.
    #[must_use]
    pub fn value(&self) -> &'static str {
        match self {
            Change::FlowEncryption { to, .. } => to.label(),
            Change::FlowTlsMin { to, .. } => to.label(),
            Change::FlowAuthentication { to, .. } => to.label(),
            Change::NodeAuthorization { to, .. } => to.label(),
            Change::NodeAuditLogging { .. }
            | Change::NodeEncryptedAtRest { .. }
            | Change::NodeRateLimited { .. }
            | Change::NodeMfa { .. } => "",
        }
    }

    /// What it does, for people: "Set Encryption to TLS".
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Change::FlowEncryption { to, .. } => format!("Set Encryption to {}", to.label()),
            Change::FlowTlsMin { to, .. } => {
                format!("Set Lowest TLS version to {}", to.label())
            }
            Change::FlowAuthentication { to, .. } => {
                format!("Set Authentication to {}", to.label())
            }
            Change::NodeAuditLogging { .. } => "Turn on Audit logging".into(),
            Change::NodeEncryptedAtRest { .. } => "Turn on Encrypted at rest".into(),
            Change::NodeRateLimited { .. } => "Turn on Rate limited".into(),
            Change::NodeMfa { .. } => "Set Human users to use MFA".into(),
            Change::NodeAuthorization { to, .. } => {
                format!("Set Authorization to {}", to.label())
            }
        }
    }
}

/// One problem found in the model.
#[derive(Clone, Debug)]
pub struct Finding {
    /// `rule-id@element-id[@element-id...]`.
    pub id: String,
    pub rule: &'static Rule,
    pub severity: Severity,
    /// Element ids (nodes, flows, boundaries, assets) the finding is about.
    pub elements: Vec<String>,
    /// For path findings: the node ids along the path, first to last.
    pub path: Vec<String>,
    /// Per-hop evidence for path findings (same length as `path` minus one).
    pub hops: Vec<String>,
    /// The facts that made the rule fire.
    pub message: String,
    /// What change to the model would clear it.
    pub fix: String,
    /// When that change is one property: the change itself.
    pub change: Option<Change>,
    pub status: Status,
    /// The risk decision that set the status, if any.
    pub decision: Option<Box<RiskDecision>>,
}

impl Finding {
    /// Open or in progress: counts toward `--fail-on`.
    #[must_use]
    pub fn is_open(&self) -> bool {
        !self.status.is_resolved()
    }
}

/// Collects one rule's findings.
pub struct Reporter<'a> {
    rule: &'static Rule,
    out: &'a mut Vec<Finding>,
}

impl Reporter<'_> {
    /// Reports a finding about `elements` (the first ones form its id).
    pub fn report(
        &mut self,
        elements: &[&str],
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> &mut Finding {
        let len = self.rule.id.len() + elements.iter().map(|e| e.len() + 1).sum::<usize>();
        let mut id = String::with_capacity(len);
        id.push_str(self.rule.id);
        for e in elements {
            id.push('@');
            id.push_str(e);
        }
        self.out.push(Finding {
            id,
            rule: self.rule,
            severity: self.rule.severity,
            elements: elements.iter().map(|e| (*e).to_string()).collect(),
            path: Vec::new(),
            hops: Vec::new(),
            message: message.into(),
            fix: fix.into(),
            change: None,
            status: Status::Open,
            decision: None,
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }
}

/// Everything the analysis found.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Sorted: most severe first, then catalog order, then id.
    pub findings: Vec<Finding>,
    /// Weakest path from an untrusted entry to each high-value target.
    pub attack_paths: Vec<paths::AttackPath>,
    /// What each untrusted actor can end up doing to each store.
    pub privileges: Vec<paths::EffectivePrivilege>,
    /// What one compromised internet-facing node reaches.
    pub blast_radius: Vec<paths::BlastRadius>,
    /// One matrix per framework in scope.
    pub compliance: Vec<compliance::FrameworkResult>,
    /// Risk decisions whose pattern matches no finding (probably stale).
    pub unused_decisions: Vec<usize>,
}

impl Analysis {
    /// Open findings at or above a severity.
    pub fn open_at_or_above(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.is_open() && f.severity >= severity)
    }

    /// Findings that mention an element.
    pub fn for_element<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |f| f.elements.iter().chain(&f.path).any(|e| e == id))
    }

    /// The worst open severity per element id.
    #[must_use]
    pub fn worst_by_element(&self) -> std::collections::HashMap<&str, Severity> {
        let mut worst = std::collections::HashMap::new();
        for f in self.findings.iter().filter(|f| f.is_open()) {
            for e in &f.elements {
                let w = worst.entry(e.as_str()).or_insert(f.severity);
                if f.severity > *w {
                    *w = f.severity;
                }
            }
        }
        worst
    }

    /// Open findings counted by severity, most severe first.
    #[must_use]
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| {
                (
                    *s,
                    self.findings
                        .iter()
                        .filter(|f| f.is_open() && f.severity == *s)
                        .count(),
                )
            })
            .collect()
    }
}

/// Runs one rule alone (for benchmarks and tools).
pub fn run_rule(rule: &'static Rule, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    (rule.check)(ctx, &mut Reporter { rule, out });
}

/// Runs every rule, the graph analyses and the compliance mapping.
#[must_use]
pub fn analyze(model: &Model) -> Analysis {
    let ctx = Ctx::new(model);
    // Two threads share the catalog: each takes the next rule not yet taken, so neither waits
    // while the other has work. The helper first computes effective privileges (the costliest
    // graph search), which the missing-authentication rules read; they come last, so nobody
    // blocks on it. Each rule's findings carry its catalog rank, so the merged result is
    // sorted exactly as if one thread had run the catalog in order.
    let mut order: Vec<usize> = (0..RULES.len()).collect();
    order.sort_by_key(|&i| RULES[i].family == Family::MissingAuthentication);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let run = |on_helper: bool| {
        let mut findings = Vec::new();
        let mut rank = Vec::new();
        if on_helper {
            let _ = ctx.privileges();
        }
        while let Some(&i) = order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            let start = findings.len();
            run_rule(RULES[i], &ctx, &mut findings);
            // Each rule's findings in their final order here, on both threads, so the merge
            // below compares integers only.
            findings[start..].sort_by(|a: &Finding, b: &Finding| {
                b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id))
            });
            rank.resize(findings.len(), i);
        }
        (findings, rank)
    };
    let ((mut findings, mut rank), (helper_findings, helper_rank)) = std::thread::scope(|scope| {
        let helper = scope.spawn(|| run(true));
        let mine = run(false);
        let theirs = helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (mine, theirs)
    });
    findings.extend(helper_findings);
    rank.extend(helper_rank);
    // Sort a permutation rather than the (large) findings themselves: by severity, then
    // catalog rank; the stable sort keeps each rule's own (severity, id) order.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(findings[i].severity), rank[i]));
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let mut findings: Vec<Finding> = order.iter().filter_map(|&i| slots[i].take()).collect();
    findings.dedup_by(|a, b| a.id == b.id);
    // Out of scope: no finding is about an element the review leaves out (it may still lie on
    // a path another finding describes).
    if model.boundaries.iter().any(|b| b.out_of_scope.is_some())
        || model.nodes().any(|n| n.out_of_scope.is_some())
        || model.flows().any(|f| f.out_of_scope.is_some())
    {
        findings.retain(|f| {
            f.elements
                .first()
                .is_none_or(|e| model.out_of_scope(e).is_none())
        });
    }
    let unused_decisions = apply_decisions(model, &mut findings);
    let compliance = compliance::evaluate(model, &findings, false);
    let (attack_paths, privileges, blast_radius) = ctx.into_graph_results();
    Analysis {
        findings,
        attack_paths,
        privileges,
        blast_radius,
        compliance,
        unused_decisions,
    }
}

impl Analysis {
    /// Merges drift findings from a verification run: decisions apply to them like to any
    /// other finding, they count in the compliance matrix, and the list stays sorted (drift
    /// rules come last in the catalog, so a stable sort by severity keeps catalog order).
    /// Merges the findings of a verification (possibly none: every endpoint matched), which
    /// also makes the live checks count as run in the compliance matrix.
    pub fn add_drift(&mut self, model: &Model, drift: Vec<Finding>) {
        self.findings.extend(drift);
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        self.findings.dedup_by(|a, b| a.id == b.id);
        self.unused_decisions = apply_decisions(model, &mut self.findings);
        self.compliance = compliance::evaluate(model, &self.findings, true);
    }
}

/// Sets each finding's status from the first exact decision for its id, else the first
/// wildcard decision that matches. Returns the indices of decisions that matched nothing.
fn apply_decisions(model: &Model, findings: &mut [Finding]) -> Vec<usize> {
    let mut used = vec![false; model.decisions.len()];
    for finding in findings.iter_mut() {
        let exact = model.decisions.iter().position(|d| d.finding == finding.id);
        let chosen = exact.or_else(|| {
            model
                .decisions
                .iter()
                .position(|d| d.finding.contains('*') && d.matches(&finding.id))
        });
        if let Some(i) = chosen {
            used[i] = true;
            finding.status = model.decisions[i].status;
            finding.decision = Some(Box::new(model.decisions[i].clone()));
        }
    }
    used.iter()
        .enumerate()
        .filter(|(_, u)| !**u)
        .map(|(i, _)| i)
        .collect()
}
