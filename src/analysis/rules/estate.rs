//! Families 3 and 4 on the estate around the data flows: the runtimes nodes share (hosts, VMs,
//! clusters, serverless platforms) and the build chain (source repositories, CI/CD pipelines,
//! artifact registries) that decides what production runs.

use std::collections::BTreeMap;

use petgraph::stable_graph::NodeIndex;

use super::scaled;
use crate::analysis::context::DataSet;
use crate::analysis::{Ctx, Family, Rule, Severity, Stride};
use crate::model::{Access, AuthKind, DeployMode, HumanUsers, Node, NodeKind, Rating, Runtime};

/// The in-scope, non-external nodes on each runtime, by runtime id (runtimes in id order).
fn members<'c>(ctx: &'c Ctx<'_>) -> BTreeMap<&'c str, Vec<NodeIndex>> {
    let mut out: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
    if ctx.model.runtimes.is_empty() {
        return out;
    }
    for (i, n, _) in ctx.nodes() {
        if let Some(r) = n.runtime.as_deref()
            && !n.kind.is_external()
            && ctx.model.out_of_scope(&n.id).is_none()
        {
            out.entry(r).or_default().push(i);
        }
    }
    out
}

/// Internet-facing, or called straight from an untrusted entry.
fn exposed(ctx: &Ctx<'_>, i: NodeIndex) -> bool {
    ctx.node(i).internet_facing || ctx.incoming(i).any(|f| ctx.is_entry(f.info.from))
}

fn names(ctx: &Ctx<'_>, list: &[NodeIndex]) -> String {
    list.iter()
        .map(|i| format!("`{}`", ctx.node(*i).id))
        .collect::<Vec<_>>()
        .join(", ")
}

pub static MIXED_TARGETS_ON_SHARED_RUNTIME: Rule = Rule {
    id: "mixed-targets-on-shared-runtime",
    title: "One runtime hosts workloads of different trust",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege, Stride::InformationDisclosure],
    severity: Severity::Medium,
    explanation: "Nodes from zones of different trust, or internet-facing workloads beside ones \
        that hold sensitive data, run on one host, VM, cluster or serverless account; or a \
        runtime shared with other tenants runs sensitive workloads. The trust boundary on the \
        diagram is then only as strong as the runtime's isolation: a kernel, hypervisor or \
        orchestrator weakness, a noisy neighbour or a shared node credential crosses it. \
        Severity follows the data: high when a member stores restricted data, low when no member \
        handles confidential or restricted data.",
    mitigation: "Give each trust level its own runtime (a node pool with taints, a VM, a cloud \
        account), or at least keep internet-facing workloads and data-holding ones apart; keep \
        sensitive workloads off runtimes shared with other tenants.",
    check: |ctx, r| {
        for (rid, list) in members(ctx) {
            let Some(runtime) = ctx.model.runtime(rid) else {
                continue;
            };
            let mut data = DataSet::default();
            let mut stored = DataSet::default();
            for i in &list {
                data.add(ctx.info(*i).handled);
                stored.add(ctx.info(*i).stored);
            }
            let mut reasons = Vec::new();
            let trusts: Vec<u8> = list.iter().map(|i| ctx.info(*i).trust).collect();
            let (low, high) = (
                trusts.iter().min().copied().unwrap_or(0),
                trusts.iter().max().copied().unwrap_or(0),
            );
            if low != high {
                let at = |t: u8| -> Vec<NodeIndex> {
                    list.iter()
                        .copied()
                        .filter(|i| ctx.info(*i).trust == t)
                        .collect()
                };
                reasons.push(format!(
                    "it runs {} (trust {low}) beside {} (trust {high})",
                    names(ctx, &at(low)),
                    names(ctx, &at(high))
                ));
            }
            let facing: Vec<NodeIndex> =
                list.iter().copied().filter(|i| exposed(ctx, *i)).collect();
            let holding: Vec<NodeIndex> = list
                .iter()
                .copied()
                .filter(|i| !facing.contains(i) && ctx.info(*i).handled.is_sensitive())
                .collect();
            if low == high && !facing.is_empty() && !holding.is_empty() {
                reasons.push(format!(
                    "{}, reached from the internet or an untrusted zone, shares it with {}, which handle sensitive data",
                    names(ctx, &facing),
                    names(ctx, &holding)
                ));
            }
            if runtime.multi_tenant && data.is_sensitive() {
                reasons.push("it is shared with other tenants and runs sensitive workloads".into());
            }
            if reasons.is_empty() {
                continue;
            }
            let finding = r.report(
                &[rid],
                format!("{} `{rid}`: {}.", runtime.kind.label(), reasons.join("; ")),
                format!("Split `{rid}` so that each trust level runs on a runtime of its own."),
            );
            finding.severity = if stored.is_restricted() {
                Severity::High
            } else if data.is_sensitive() {
                Severity::Medium
            } else {
                Severity::Low
            };
        }
    },
};

/// The highest integrity rating of the data the nodes store.
fn most_integrity(ctx: &Ctx<'_>, nodes: &[NodeIndex]) -> Option<Rating> {
    nodes
        .iter()
        .flat_map(|i| ctx.node(*i).stores.iter())
        .filter_map(|a| ctx.model.asset(a).and_then(|a| a.integrity))
        .max()
}

/// Workloads on a runtime that can reach its host: all of them on a privileged runtime, else
/// the nodes that run privileged.
fn escapers(runtime: &Runtime, ctx: &Ctx<'_>, list: &[NodeIndex]) -> Vec<NodeIndex> {
    list.iter()
        .copied()
        .filter(|i| runtime.privileged || ctx.node(*i).privileged)
        .collect()
}

pub static RUNTIME_ESCAPE_REACH: Rule = Rule {
    id: "runtime-escape-reach",
    title: "A privileged workload shares its runtime: one escape reaches every co-tenant",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "A workload that runs privileged (root on the host, a privileged container, \
        host mounts), or any workload on a runtime that grants host access, shares the runtime \
        with other nodes. Whoever compromises it breaks out to the host and from there reads \
        and changes every co-tenant: their memory, their volumes, their credentials. Severity \
        follows what the co-tenants hold: high for restricted data (critical when the privileged \
        workload also faces the internet), low when they handle nothing confidential; data they \
        store rated integrity critical makes it at least high (high integrity: medium).",
    mitigation: "Drop the privileges (no privileged containers or host mounts, a non-root user, \
        a read-only root file system, seccomp/AppArmor), or move the privileged workload to a \
        runtime of its own.",
    check: |ctx, r| {
        for (rid, list) in members(ctx) {
            let Some(runtime) = ctx.model.runtime(rid) else {
                continue;
            };
            if list.len() < 2 {
                continue;
            }
            let escape = escapers(runtime, ctx, &list);
            let severity = |from: &[NodeIndex], others: &[NodeIndex]| {
                let mut data = DataSet::default();
                for i in others {
                    data.add(ctx.info(*i).handled);
                }
                // Tampering with what co-tenants keep counts too (release images, ledgers).
                let integrity = match most_integrity(ctx, others) {
                    Some(Rating::Critical) => Severity::High,
                    Some(Rating::High) => Severity::Medium,
                    _ => Severity::Info,
                };
                let base = scaled(Severity::Medium, data).max(integrity);
                if base == Severity::High && from.iter().any(|i| exposed(ctx, *i)) {
                    Severity::Critical
                } else {
                    base
                }
            };
            if runtime.privileged {
                let finding = r.report(
                    &[rid],
                    format!(
                        "Workloads on {} `{rid}` can reach the host: a compromise of any of {} reaches all of them.",
                        runtime.kind.label().to_lowercase(),
                        names(ctx, &list)
                    ),
                    format!("Stop granting host access on `{rid}` (`privileged: false`)."),
                );
                finding.severity = severity(&list, &list);
                continue;
            }
            for p in escape {
                let others: Vec<NodeIndex> = list.iter().copied().filter(|i| *i != p).collect();
                let node = ctx.node(p);
                let finding = r.report(
                    &[&node.id, rid],
                    format!(
                        "`{}` runs privileged on {} `{rid}`, beside {}.",
                        node.id,
                        runtime.kind.label().to_lowercase(),
                        names(ctx, &others)
                    ),
                    format!(
                        "Drop privileges for `{}`, or run it on a runtime of its own.",
                        node.id
                    ),
                );
                finding.severity = severity(&[p], &others);
            }
        }
    },
};

/// What each build node delivers to: a pipeline its deployment targets; a repository or
/// registry the targets of the pipelines it is linked with (either direction).
fn delivers_to(ctx: &Ctx<'_>) -> BTreeMap<NodeIndex, Vec<NodeIndex>> {
    let mut out: BTreeMap<NodeIndex, Vec<NodeIndex>> = BTreeMap::new();
    for (i, n, _) in ctx.nodes() {
        if n.deploys.is_empty() {
            continue;
        }
        let targets: Vec<NodeIndex> = n
            .deploys
            .iter()
            .filter_map(|d| ctx.model.node_index(&d.target))
            .collect();
        let linked: Vec<NodeIndex> = ctx
            .outgoing(i)
            .map(|f| f.info.to)
            .chain(ctx.incoming(i).map(|f| f.info.from))
            .filter(|j| ctx.node(*j).kind.is_build())
            .collect();
        for b in std::iter::once(i).chain(linked) {
            let list = out.entry(b).or_default();
            list.extend(&targets);
            list.sort_unstable();
            list.dedup();
        }
    }
    out
}

/// Strong proof of a person or machine on a write into the build chain.
fn strong(auth: AuthKind, target: &Node) -> bool {
    matches!(auth, AuthKind::Mtls | AuthKind::TwoFactor) || target.users == HumanUsers::Mfa
}

pub static CODE_BACKDOORING: Rule = Rule {
    id: "code-backdooring",
    title: "The build chain can be written from untrusted places",
    family: Family::OverPrivilege,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    severity: Severity::High,
    explanation: "A source repository, CI/CD pipeline or artifact registry that delivers to \
        production faces the internet, or takes writes from an untrusted zone, without both a \
        network control (VPN, IP allowlist) and strong authentication (MFA, client \
        certificates). Whoever gets in changes the code or the build, and the pipeline ships \
        the backdoor with production's own credentials: every control on the diagram is \
        bypassed at once. Severity follows what the deployed nodes hold: critical for \
        restricted data without MFA, medium when they handle nothing confidential.",
    mitigation: "Require MFA (or client certificates) for every push and pipeline change, reach \
        the build chain through a VPN or allowlist, protect the main branch with reviews, and \
        sign commits and artifacts so the deployment verifies what it runs.",
    check: |ctx, r| {
        let chain = delivers_to(ctx);
        for (b, targets) in &chain {
            let node = ctx.node(*b);
            if targets.is_empty() || ctx.model.out_of_scope(&node.id).is_some() {
                continue;
            }
            let mut ways = Vec::new();
            let mut mfa = node.users == HumanUsers::Mfa;
            if node.internet_facing && node.users != HumanUsers::Mfa {
                ways.push("it faces the internet without MFA".to_string());
            }
            for f in ctx.incoming(*b) {
                if f.flow.access < Access::Write
                    || !ctx.untrusted(f.info.from)
                    || f.flow.out_of_scope.is_some()
                {
                    continue;
                }
                let guarded = !f.flow.controls.is_empty();
                let proved = strong(f.flow.authentication, node);
                mfa |= proved;
                if guarded && proved {
                    continue;
                }
                let missing = match (guarded, proved) {
                    (false, false) => "no network control and no strong authentication",
                    (false, true) => "no network control",
                    _ => "no strong authentication",
                };
                ways.push(format!(
                    "`{}` writes to it from an untrusted zone over `{}` ({missing})",
                    f.from.id, f.flow.id
                ));
            }
            if ways.is_empty() {
                continue;
            }
            let mut data = DataSet::default();
            for t in targets {
                data.add(ctx.info(*t).handled);
            }
            let finding = r.report(
                &[&node.id],
                format!(
                    "{} `{}` delivers to {}, and {}.",
                    node.kind.label(),
                    node.id,
                    names(ctx, targets),
                    ways.join("; ")
                ),
                format!(
                    "Put `{}` behind a VPN or allowlist and require MFA for every change to it.",
                    node.id
                ),
            );
            finding.severity = if data.is_restricted() && !mfa {
                Severity::Critical
            } else if data.is_sensitive() || data.is_high_value() {
                Severity::High
            } else {
                Severity::Medium
            };
        }
    },
};

pub static PUSH_DEPLOYMENT_INTO_TRUSTED_ZONE: Rule = Rule {
    id: "push-deployment-into-trusted-zone",
    title: "A pipeline pushes into a more trusted zone",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege, Stride::Tampering],
    severity: Severity::Medium,
    explanation: "A CI/CD pipeline in a zone of lower trust deploys by pushing into a more trusted \
        one: it holds standing credentials that can change what runs there, and a connection \
        path into the zone that the boundary is meant to close. Compromising the pipeline is \
        then enough to own the trusted zone. Severity follows the target's data: high when it \
        stores restricted data, low when it handles nothing confidential.",
    mitigation: "Deploy by pull: an agent inside the trusted zone (GitOps: Argo CD, Flux) fetches \
        signed artifacts and applies them, so nothing outside holds credentials into the zone; \
        or run the pipeline's deploy step on runners inside the zone.",
    check: |ctx, r| {
        for (_, node, info) in ctx.nodes() {
            for d in node.deploys.iter().filter(|d| d.mode == DeployMode::Push) {
                let Some(t) = ctx.model.node_index(&d.target) else {
                    continue;
                };
                let target = ctx.info(t);
                if target.trust <= info.trust {
                    continue;
                }
                let finding = r.report(
                    &[&node.id, &d.target],
                    format!(
                        "`{}` (trust {}) pushes deployments into `{}` (trust {}).",
                        node.id, info.trust, d.target, target.trust
                    ),
                    format!(
                        "Let `{}` pull its releases (an agent in its zone), or run `{}`'s deploy step inside that zone.",
                        d.target, node.id
                    ),
                );
                finding.severity = if target.stored.is_restricted() {
                    Severity::High
                } else if target.handled.is_sensitive() {
                    Severity::Medium
                } else {
                    Severity::Low
                };
            }
        }
    },
};

pub static MISSING_BUILD_INFRASTRUCTURE: Rule = Rule {
    id: "missing-build-infrastructure",
    title: "Custom services, but no build chain in the model",
    family: Family::Compliance,
    stride: &[Stride::Tampering],
    severity: Severity::Info,
    explanation: "The model has services of its own but no source repository, CI/CD pipeline or \
        artifact registry. Whatever builds and deploys them can change them, so the review \
        cannot see one of the shortest ways into production. Reported once, on the first \
        custom service.",
    mitigation: "Model how the services are built and deployed: the repository, the pipeline \
        (with `deploys` and push or pull) and the registry, with the people who can change them.",
    check: |ctx, r| {
        if ctx.nodes().any(|(_, n, _)| n.kind.is_build()) {
            return;
        }
        let mut custom: Vec<&str> = ctx
            .nodes()
            .filter(|(_, n, _)| n.kind == NodeKind::Service && n.out_of_scope.is_none())
            .map(|(_, n, _)| n.id.as_str())
            .collect();
        custom.sort_unstable();
        let Some(first) = custom.first() else {
            return;
        };
        r.report(
            &[first],
            format!(
                "{} custom {} and no repository, pipeline or registry.",
                custom.len(),
                if custom.len() == 1 {
                    "service"
                } else {
                    "services"
                }
            ),
            "Add the source repository, the CI/CD pipeline that deploys the services and the registry it publishes to.".to_string(),
        );
    },
};
