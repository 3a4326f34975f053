//! Family 3, over-privileged paths: what an attacker can reach over several hops, and access
//! that is broader than the flows need.

use std::collections::BTreeMap;

use crate::analysis::paths::BLAST_RADIUS_SHARE;
use crate::analysis::{Change, Ctx, Family, Reporter, Rule, Severity, Stride};
use crate::model::{Access, Authorization, NodeKind};

pub static ATTACK_PATH_TO_SENSITIVE_DATA: Rule = Rule {
    id: "attack-path-to-sensitive-data",
    title: "Weakly defended path from an untrusted entry to high-value data",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege, Stride::InformationDisclosure],
    severity: Severity::High,
    explanation: "For every high-value target (stores of confidential, restricted, regulated or \
        credential data, secret stores, identity providers) Rampart finds the path of least \
        resistance from any untrusted actor, weighing each hop by its controls: encryption, \
        authentication strength, per-user authorization, gateway rate limiting. A path is \
        reported when its hops average 4 or less out of 10: an attacker needs to beat only weak \
        controls, hop after hop. Critical for restricted data behind very weak paths.",
    mitigation: "Strengthen the weakest hop first (the evidence lists the gap at each hop): \
        authenticate and authorize per end user at the first internal hop, encrypt, and put \
        restricted data behind a service that checks the end user's rights.",
    check: check_attack_paths,
};

fn check_attack_paths(ctx: &Ctx<'_>, r: &mut Reporter<'_>) {
    for path in ctx.attack_paths().iter().filter(|p| p.weak) {
        let Some(target) = ctx.model.node_index(&path.target) else {
            continue;
        };
        let stored = ctx.info(target).stored;
        let weakest = path
            .hops
            .iter()
            .min_by_key(|h| h.cost)
            .map(|h| h.flow.clone())
            .unwrap_or_default();
        let finding = r.report(
            &[&path.entry, &path.target],
            format!(
                "`{}` reaches `{}` in {} through {}; the hops average {:.1} out of 10.",
                path.entry,
                path.target,
                if path.hops.len() == 1 {
                    "1 hop".to_string()
                } else {
                    format!("{} hops", path.hops.len())
                },
                path.nodes.join(" -> "),
                path.average()
            ),
            format!(
                "Strengthen flow `{weakest}` first (the weakest hop), e.g. with authentication and per-user authorization at its target."
            ),
        );
        finding.path.clone_from(&path.nodes);
        finding.hops = path
            .hops
            .iter()
            .map(|h| {
                let gaps = if h.gaps.is_empty() {
                    "no gap".to_string()
                } else {
                    h.gaps.join("; ")
                };
                format!(
                    "`{}` -> `{}` via `{}` (cost {}): controls: {}; gaps: {gaps}",
                    h.from, h.to, h.flow, h.cost, h.controls
                )
            })
            .collect();
        for hop in &path.hops {
            finding.elements.push(hop.flow.clone());
        }
        finding.severity = if stored.is_restricted() && path.average() <= 3.0 {
            Severity::Critical
        } else if stored.is_restricted() || ctx.node(target).kind == NodeKind::SecretStore {
            Severity::High
        } else {
            Severity::Medium
        };
    }
}

pub static CONFUSED_DEPUTY: Rule = Rule {
    id: "confused-deputy",
    title: "Confused deputy: lower-trust callers borrow a service's write access",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege, Stride::Tampering],
    severity: Severity::High,
    explanation: "A service that does not authorize requests per end user (it trusts its callers, \
        or checks only the calling service) is called from a less trusted zone and holds write \
        or admin access to sensitive data (in a store, or through another service's API). Every caller effectively gets the service's full \
        access: one forged or replayed request changes any record, not just the caller's own.",
    mitigation: "Authorize each request against the end user's identity (forward the user's \
        token and check it in the service), or narrow the service's own access to what its \
        callers may do.",
    check: |ctx, r| {
        for (i, node, info) in ctx.nodes() {
            if !node.kind.is_process() || node.authorization == Authorization::EndUser {
                continue;
            }
            let callers: Vec<&str> = {
                let mut c: Vec<&str> = ctx
                    .incoming(i)
                    // A caller the service authorizes per end user on that link borrows nothing.
                    .filter(|f| {
                        f.from_info.trust < info.trust
                            && f.flow.authorization != Some(Authorization::EndUser)
                    })
                    .map(|f| f.from.id.as_str())
                    .collect();
                c.sort_unstable();
                c.dedup();
                c
            };
            if callers.is_empty() {
                continue;
            }
            let mut stores: BTreeMap<&str, (Access, String)> = BTreeMap::new();
            for f in ctx.outgoing(i) {
                // An identity provider checking and updating credentials in its own directory
                // (a store of credentials and identity data only) is doing its job, not
                // lending its access.
                if node.kind == crate::model::NodeKind::IdentityProvider
                    && f.to.kind.is_store()
                    && !f.to.stores.is_empty()
                    && f.to.stores.iter().all(|a| {
                        ctx.model.asset(a).is_some_and(|a| {
                            !a.tags.is_empty()
                                && a.tags.iter().all(|t| {
                                    matches!(
                                        t,
                                        crate::model::DataTag::Credentials
                                            | crate::model::DataTag::Pii
                                    )
                                })
                        })
                    })
                {
                    continue;
                }
                let sensitive_store = f.to.kind.is_store() && f.to_info.stored.is_sensitive();
                if f.flow.access >= Access::Write
                    && !f.to.kind.is_external()
                    && (sensitive_store || f.info.data.is_sensitive())
                {
                    let data = if sensitive_store {
                        ctx.describe_data(
                            &f.to.stores,
                            super::super::context::DataSet::is_sensitive,
                        )
                    } else {
                        ctx.describe_data(
                            &f.flow.data,
                            super::super::context::DataSet::is_sensitive,
                        )
                    };
                    let entry = stores
                        .entry(f.to.id.as_str())
                        .or_insert((f.flow.access, data));
                    entry.0 = entry.0.max(f.flow.access);
                }
            }
            for (store, (access, data)) in stores {
                let data = if data.is_empty() {
                    "sensitive data".to_string()
                } else {
                    data
                };
                r.report(
                    &[&node.id, store],
                    format!(
                        "`{}` ({}) is called from lower-trust {} and has {} access to `{store}` ({data}).",
                        node.id,
                        match node.authorization {
                            Authorization::None => "no authorization",
                            _ => "authorizes only the calling service",
                        },
                        callers.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                        access.label().to_lowercase()
                    ),
                    format!(
                        "Set `authorization: end_user` on `{}` and check the end user's rights on each request.",
                        node.id
                    ),
                )
                .change = Some(Change::NodeAuthorization {
                    node: node.id.clone(),
                    to: Authorization::EndUser,
                });
            }
        }
    },
};

pub static UNNECESSARY_WRITE_ACCESS: Rule = Rule {
    id: "unnecessary-write-access",
    title: "Write or admin grant that no flow uses",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege, Stride::Tampering],
    severity: Severity::Medium,
    explanation: "A principal holds write or admin access to a store, but none of its flows to \
        that store needs that much (or it has no flow to the store at all). Least privilege: \
        unused rights only matter to an attacker who has taken over the principal.",
    mitigation: "Reduce the grant to the access the principal's flows need, or remove it.",
    check: |ctx, r| {
        for (i, node, _) in ctx.nodes() {
            for grant in &node.grants {
                if grant.access < Access::Write {
                    continue;
                }
                let used = ctx
                    .incoming(i)
                    .filter(|f| f.from.id == grant.principal)
                    .map(|f| f.flow.access)
                    .max();
                if used.is_some_and(|u| u >= grant.access) {
                    continue;
                }
                let (why, fix) = match used {
                    None => (
                        "has no flow to it".to_string(),
                        format!(
                            "Remove the grant of `{}` on `{}`.",
                            grant.principal, node.id
                        ),
                    ),
                    Some(u) => (
                        format!("its flows only need {}", u.label().to_lowercase()),
                        format!(
                            "Reduce the grant of `{}` on `{}` to `{}`.",
                            grant.principal,
                            node.id,
                            u.key()
                        ),
                    ),
                };
                r.report(
                    &[&node.id, &grant.principal],
                    format!(
                        "`{}` holds {} access to `{}` but {why}.",
                        grant.principal,
                        grant.access.label().to_lowercase(),
                        node.id
                    ),
                    fix,
                );
            }
        }
    },
};

pub static ADMIN_ACCESS_FROM_EXPOSED_SERVICE: Rule = Rule {
    id: "admin-access-from-exposed-service",
    title: "Exposed node holds admin access",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege],
    severity: Severity::High,
    explanation: "A node that is internet-facing, or called directly by an untrusted actor, holds \
        admin access to another node (by a flow or a grant). Exposed nodes are the first to be \
        compromised; admin rights there turn one bug into full control of the target.",
    mitigation: "Move administration behind a separate, non-exposed service with strong \
        authentication, and give the exposed node only the access its requests need.",
    check: |ctx, r| {
        let mut admin_grants: std::collections::HashMap<&str, Vec<&str>> =
            std::collections::HashMap::new();
        for (_, store, _) in ctx.nodes() {
            for g in store.grants.iter().filter(|g| g.access == Access::Admin) {
                admin_grants
                    .entry(g.principal.as_str())
                    .or_default()
                    .push(store.id.as_str());
            }
        }
        for (i, node, _) in ctx.nodes() {
            if node.kind.is_external() {
                continue;
            }
            let exposed =
                node.internet_facing || ctx.incoming(i).any(|f| ctx.is_entry(f.info.from));
            if !exposed {
                continue;
            }
            let mut targets: Vec<&str> = ctx
                .outgoing(i)
                .filter(|f| f.flow.access == Access::Admin)
                .map(|f| f.to.id.as_str())
                .collect();
            if let Some(stores) = admin_grants.get(node.id.as_str()) {
                targets.extend(stores);
            }
            targets.sort_unstable();
            targets.dedup();
            for target in targets {
                r.report(
                    &[&node.id, target],
                    format!(
                        "`{}` is {} and holds admin access to `{target}`.",
                        node.id,
                        if node.internet_facing { "internet-facing" } else { "called directly by untrusted actors" }
                    ),
                    format!(
                        "Give `{}` read or write access to `{target}` only, and administer `{target}` from a non-exposed node.",
                        node.id
                    ),
                );
            }
        }
    },
};

pub static EXCESSIVE_BLAST_RADIUS: Rule = Rule {
    id: "excessive-blast-radius",
    title: "One compromised internet-facing node reaches most sensitive data",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege, Stride::InformationDisclosure],
    severity: Severity::Medium,
    explanation: "If this internet-facing node were compromised, the attacker could follow its \
        flows (and those of the services it calls) to more than half of the model's high-value \
        data assets. Internet-facing nodes should be able to reach as little as possible. The \
        walk stops at services that authorize each request per end user (they lend a caller \
        only the user's rights), and the rule needs at least two high-value assets in the \
        model (with one, a share says nothing).",
    mitigation: "Split the node's responsibilities, put per-user authorization in the services \
        it calls, and segment the data so that one compromise exposes one domain.",
    check: |ctx, r| {
        let total = ctx
            .model
            .assets
            .iter()
            .filter(|a| ctx.asset(&a.id).is_high_value())
            .count();
        for b in ctx.blast_radius() {
            if b.share > BLAST_RADIUS_SHARE && b.assets.len() >= 2 {
                r.report(
                    &[&b.node],
                    format!(
                        "A compromise of `{}` reaches {} nodes and {} of {total} high-value data assets ({:.0}%): {}.",
                        b.node,
                        b.reached,
                        b.assets.len(),
                        b.share * 100.0,
                        b.assets.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                    ),
                    format!(
                        "Reduce what `{}` can call, or require per-user authorization in the services behind it.",
                        b.node
                    ),
                );
            }
        }
    },
};

pub static MISSING_NETWORK_SEGMENTATION: Rule = Rule {
    id: "missing-network-segmentation",
    title: "Sensitive data not segmented from exposed nodes",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege, Stride::InformationDisclosure],
    severity: Severity::Medium,
    explanation: "A store of sensitive data shares its innermost boundary with an \
        internet-facing node, sits in no boundary at all, or is reached by an untrusted actor \
        directly. Without a zone boundary in between, a compromised front end can talk to the \
        data directly.",
    mitigation: "Put data stores in their own zone (private subnets, a separate namespace with \
        network policies) that only the services using them can reach.",
    check: |ctx, r| {
        let mut exposed_zones: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (_, node, _) in ctx.nodes() {
            if node.internet_facing
                && let Some(b) = node.boundary.as_deref()
            {
                exposed_zones.entry(b).or_default().push(node.id.as_str());
            }
        }
        for (i, node, info) in ctx.nodes() {
            if !node.kind.is_store() || !info.stored.is_sensitive() {
                continue;
            }
            match node.boundary.as_deref() {
                None => {
                    r.report(
                        &[&node.id],
                        format!(
                            "Store `{}` holds sensitive data and is in no trust boundary.",
                            node.id
                        ),
                        format!(
                            "Put `{}` in a restricted zone (`boundary: \"...\"`).",
                            node.id
                        ),
                    );
                }
                Some(b) => {
                    if let Some(front) = exposed_zones.get(b) {
                        let mut front = front.clone();
                        front.sort_unstable();
                        r.report(
                            &[&node.id],
                            format!(
                                "Store `{}` holds sensitive data in `{b}`, the same zone as internet-facing {}.",
                                node.id,
                                front.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                            ),
                            format!("Move `{}` into its own restricted zone.", node.id),
                        );
                    }
                }
            }
            for f in ctx.incoming(i).filter(|f| ctx.is_entry(f.info.from)) {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Untrusted `{}` connects straight to store `{}` (flow `{}`).",
                        f.from.id, node.id, f.flow.id
                    ),
                    format!("Put a service between `{}` and `{}`.", f.from.id, node.id),
                );
            }
        }
    },
};

pub static SHARED_SERVICE_IDENTITY: Rule = Rule {
    id: "shared-service-identity",
    title: "Several services share one identity",
    family: Family::OverPrivilege,
    stride: &[
        Stride::Spoofing,
        Stride::Repudiation,
        Stride::ElevationOfPrivilege,
    ],
    severity: Severity::Medium,
    explanation: "Two or more nodes present the same service identity (account, certificate or \
        client id). Each gets the union of the others' rights, a leak of one credential \
        compromises all of them, and audit logs cannot tell them apart.",
    mitigation: "Give every workload its own identity and grant each only what it needs.",
    check: |ctx, r| {
        let mut by_identity: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (_, node, _) in ctx.nodes() {
            if let Some(identity) = node.identity.as_deref() {
                by_identity
                    .entry(identity)
                    .or_default()
                    .push(node.id.as_str());
            }
        }
        for (_, node, _) in ctx.nodes() {
            // A node whose id is used as another node's identity shares it too.
            if node.identity.is_none()
                && let Some(list) = by_identity.get_mut(node.id.as_str())
            {
                list.push(node.id.as_str());
            }
        }
        for (identity, mut nodes) in by_identity {
            nodes.sort_unstable();
            nodes.dedup();
            if nodes.len() < 2 {
                continue;
            }
            r.report(
                &nodes,
                format!(
                    "{} all act as identity `{identity}`.",
                    nodes
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!(
                    "Give each of {} its own `identity`.",
                    nodes
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    },
};

pub static MISSING_IDENTITY_PROPAGATION: Rule = Rule {
    id: "missing-identity-propagation",
    title: "End users reach data through a service that acts only as itself",
    family: Family::OverPrivilege,
    stride: &[Stride::ElevationOfPrivilege, Stride::InformationDisclosure],
    severity: Severity::Medium,
    explanation: "People reach a service (directly or through gateways) that reads or writes \
        sensitive data with its own identity and does not authorize per end user. Per-user \
        checks upstream do not help: the user's identity stops here, so any request the \
        service accepts can reach any user's records. Unlike `confused-deputy` this needs no \
        trust difference between caller and service, and covers reads. High for restricted \
        data.",
    mitigation: "Propagate the end user's identity (forward the token, or a signed user context) \
        to the service and authorize each data access against it (`authorization: end_user`).",
    check: |ctx, r| {
        // Every process people reach, directly or through other processes (one search from
        // all actors at once).
        let mut reached =
            vec![false; petgraph::visit::NodeIndexable::node_bound(ctx.model.graph())];
        let mut queue: std::collections::VecDeque<petgraph::graph::NodeIndex> = ctx
            .nodes()
            .filter(|(_, n, _)| n.kind == NodeKind::Actor)
            .map(|(i, _, _)| i)
            .collect();
        while let Some(n) = queue.pop_front() {
            for f in ctx.outgoing(n) {
                let to = f.info.to;
                if f.to.kind.is_process() && !reached[to.index()] {
                    reached[to.index()] = true;
                    queue.push_back(to);
                }
            }
        }
        for (i, node, info) in ctx.nodes() {
            if !node.kind.is_process()
                || node.kind == crate::model::NodeKind::IdentityProvider
                || node.authorization == Authorization::EndUser
            {
                continue;
            }
            if !reached[i.index()] {
                continue;
            }
            for f in ctx.outgoing(i) {
                // A service's own secrets are its business, not its users'.
                if !f.to.kind.is_store()
                    || f.to.kind == NodeKind::SecretStore
                    || !f.to_info.stored.is_sensitive()
                {
                    continue;
                }
                // This link carries the user's identity.
                if f.flow.authorization == Some(Authorization::EndUser) {
                    continue;
                }
                // A lower-trust caller with write access is `confused-deputy`'s finding.
                let deputy = f.flow.access >= Access::Write
                    && ctx.incoming(i).any(|c| c.from_info.trust < info.trust);
                if deputy {
                    continue;
                }
                let finding = r.report(
                    &[&node.id, &f.to.id],
                    format!(
                        "People reach `{}` and it {} {} in `{}` as itself ({}), without the end user's identity.",
                        node.id,
                        if f.flow.access >= Access::Write { "reads and writes" } else { "reads" },
                        ctx.describe_data(&f.to.stores, super::super::context::DataSet::is_sensitive),
                        f.to.id,
                        node.authorization.label().to_lowercase()
                    ),
                    format!(
                        "Forward the user's identity to `{}` and authorize each access to `{}` against it (`authorization: end_user`).",
                        node.id, f.to.id
                    ),
                );
                if f.to_info.stored.is_restricted() {
                    finding.severity = Severity::High;
                }
            }
        }
    },
};

fn check_isolation(ctx: &Ctx<'_>, r: &mut Reporter<'_>, kind: crate::model::NodeKind, what: &str) {
    if !ctx
        .nodes()
        .any(|(_, n, _)| n.kind == kind && (n.boundary.is_some() || n.runtime.is_some()))
    {
        return;
    }
    // Per boundary and per runtime, the nodes in it that face the internet (internet-facing,
    // or called straight from an untrusted zone): one pass over the model, not one per vault.
    let mut by_zone: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    let mut by_runtime: std::collections::HashMap<&str, Vec<&str>> =
        std::collections::HashMap::new();
    for (j, n, _) in ctx.nodes() {
        if n.kind.is_external()
            || !(n.internet_facing || ctx.incoming(j).any(|f| ctx.is_entry(f.info.from)))
        {
            continue;
        }
        if let Some(zone) = n.boundary.as_deref() {
            by_zone.entry(zone).or_default().push(n.id.as_str());
        }
        if let Some(rt) = n.runtime.as_deref() {
            by_runtime.entry(rt).or_default().push(n.id.as_str());
        }
    }
    let list = |ids: &[&str]| {
        ids.iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (_, node, _) in ctx.nodes() {
        if node.kind != kind {
            continue;
        }
        let mut shares = Vec::new();
        for (place, word, map) in [
            (node.boundary.as_deref(), "boundary", &by_zone),
            (node.runtime.as_deref(), "runtime", &by_runtime),
        ] {
            let Some(place) = place else { continue };
            let mut others: Vec<&str> = map
                .get(place)
                .into_iter()
                .flatten()
                .copied()
                .filter(|e| *e != node.id)
                .collect();
            if others.is_empty() {
                continue;
            }
            others.sort_unstable();
            shares.push(format!(
                "{word} `{place}` with internet-facing {}",
                list(&others)
            ));
        }
        if shares.is_empty() {
            continue;
        }
        r.report(
            &[&node.id],
            format!("{what} `{}` shares {}.", node.id, shares.join(", and ")),
            format!(
                "Move `{}` into a boundary (and onto a runtime) of its own that only its clients can reach.",
                node.id
            ),
        );
    }
}

pub static MISSING_VAULT_ISOLATION: Rule = Rule {
    id: "missing-vault-isolation",
    title: "Secret store shares a zone with internet-facing workloads",
    family: Family::OverPrivilege,
    stride: &[Stride::InformationDisclosure, Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "A secret store sits in the same boundary, or runs on the same host, VM or \
        cluster, as a node that faces the internet. \
        Whoever takes over that node is on the vault's network segment, one step from every \
        secret it holds, with nothing but the vault's own authentication in the way.",
    mitigation: "Give the secret store a boundary of its own (a restricted zone or dedicated \
        network), reachable only from the workloads that need it, over mutual TLS.",
    check: |ctx, r| check_isolation(ctx, r, crate::model::NodeKind::SecretStore, "Secret store"),
};

pub static MISSING_IDENTITY_PROVIDER_ISOLATION: Rule = Rule {
    id: "missing-identity-provider-isolation",
    title: "Identity provider shares a zone with internet-facing workloads",
    family: Family::OverPrivilege,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "An identity provider sits in the same boundary, or on the same runtime, as \
        another node that faces the internet. A compromise of that node puts the attacker next to the service that mints \
        every identity in the system (signing keys, user directory, admin console).",
    mitigation: "Run the identity provider in a boundary of its own, exposing only its login \
        and token endpoints through the entry point.",
    check: |ctx, r| {
        check_isolation(
            ctx,
            r,
            crate::model::NodeKind::IdentityProvider,
            "Identity provider",
        );
    },
};

pub static THIRD_PARTY_WRITE_ACCESS: Rule = Rule {
    id: "third-party-write-access",
    title: "A third party writes into an internal store",
    family: Family::OverPrivilege,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "An external system writes straight into one of the system's stores (a \
        partner's job loading a database, a SaaS tool with write credentials). The partner's \
        compromise, bug or insider becomes yours, with nothing of yours validating what is \
        written. High when the store holds restricted data.",
    mitigation: "Let partners write through an API you own that validates and authorizes each \
        change, with credentials scoped to what they may write; keep direct store access \
        read-only or none.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if f.from.kind != NodeKind::ExternalSystem
                || !f.to.kind.is_store()
                || f.flow.access < Access::Write
            {
                continue;
            }
            let finding = r.report(
                &[&f.flow.id],
                format!(
                    "External system `{}` has {} access straight into `{}`.",
                    f.from.id,
                    f.flow.access.label().to_lowercase(),
                    f.to.id
                ),
                format!(
                    "Route `{}`'s writes through an API that validates them, or make flow `{}` read-only.",
                    f.from.id, f.flow.id
                ),
            );
            if f.to_info.stored.is_restricted() {
                finding.severity = Severity::High;
            }
        }
    },
};

pub static SHARED_STORE_ACROSS_TRUST_LEVELS: Rule = Rule {
    id: "shared-store-across-trust-levels",
    title: "One store written from zones of very different trust",
    family: Family::OverPrivilege,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "Nodes in zones whose trust differs by three levels or more all write to the \
        same store. The store becomes a bridge: whatever the exposed writer puts in, the \
        trusted readers and writers take as their own (stored injection, poisoned records, a \
        path around the boundary). Stores that hold only logs and telemetry are left out: \
        they are written from everywhere by design.",
    mitigation: "Give each trust level its own store, or let the less trusted side write only \
        through a service in the trusted zone that validates what it accepts.",
    check: |ctx, r| {
        let logs: std::collections::HashSet<&str> = ctx
            .model
            .assets
            .iter()
            .filter(|a| a.tags.contains(&crate::model::DataTag::Telemetry))
            .map(|a| a.id.as_str())
            .collect();
        for (i, node, _) in ctx.nodes() {
            // Log sinks (a SIEM, an audit log) take writes from every zone by design.
            let log_sink =
                !node.stores.is_empty() && node.stores.iter().all(|a| logs.contains(a.as_str()));
            if !node.kind.is_store() || log_sink {
                continue;
            }
            let writers: Vec<(u8, &str)> = ctx
                .incoming(i)
                .filter(|f| f.flow.access >= Access::Write && !f.from.kind.is_external())
                .map(|f| (f.from_info.trust, f.from.id.as_str()))
                .collect();
            let (Some(low), Some(high)) = (
                writers.iter().min_by_key(|w| w.0),
                writers.iter().max_by_key(|w| w.0),
            ) else {
                continue;
            };
            if high.0 < low.0 + 3 {
                continue;
            }
            r.report(
                &[&node.id],
                format!(
                    "`{}` is written by `{}` (trust {}) and by `{}` (trust {}).",
                    node.id, low.1, low.0, high.1, high.0
                ),
                format!(
                    "Split `{}` by trust level, or let `{}` write only through a service in `{}`'s zone.",
                    node.id, low.1, high.1
                ),
            );
        }
    },
};

pub static INTERNET_FACING_DATA_STORE: Rule = Rule {
    id: "internet-facing-data-store",
    title: "Data store exposed to the internet",
    family: Family::OverPrivilege,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    severity: Severity::High,
    explanation: "A data store, secret store or queue is itself marked internet-facing (a \
        public bucket, a database with a public address). Every scanner on the internet can \
        try its authentication and its vulnerabilities; public buckets and databases are among \
        the most common causes of data breaches. Critical when it holds restricted data.",
    mitigation: "Remove the public address or policy, reach the store only from the services \
        that use it over a private network, and serve public content through a CDN or service \
        in front of it.",
    check: |ctx, r| {
        for (_, node, info) in ctx.nodes() {
            if node.kind.is_store() && node.internet_facing {
                let finding = r.report(
                    &[&node.id],
                    format!("{} `{}` is internet-facing.", node.kind.label(), node.id),
                    format!(
                        "Take `{}` off the internet (`internet_facing: false`) and reach it privately.",
                        node.id
                    ),
                );
                if info.stored.is_restricted() {
                    finding.severity = Severity::Critical;
                }
            }
        }
    },
};
