//! Family 2, missing authentication: requests that nobody has to prove they may make.
//!
//! Each unauthenticated flow gets one rule by where it goes: from an untrusted entry
//! (`unauthenticated-internet-entry`), into a data store (`unauthenticated-datastore-access`),
//! up into a more trusted zone (`unauthenticated-cross-boundary-flow`), or between services at the
//! same trust (`anonymous-service-call`).

use std::collections::HashMap;

use petgraph::stable_graph::NodeIndex;

use super::{FlowRef, flow_desc};
use crate::analysis::paths::EffectivePrivilege;
use crate::analysis::{Change, Family, Rule, Severity, Stride};
use crate::model::{Access, AuthKind, Classification, HumanUsers, NodeKind};

/// No caller identity: no authentication, and no client certificate from mutual TLS either.
fn unauthenticated(f: &FlowRef<'_>) -> bool {
    !f.flow.authenticated()
}

fn auth_word(f: &FlowRef<'_>) -> &'static str {
    if f.flow.authentication == crate::model::AuthKind::Unknown {
        "with unknown authentication"
    } else {
        "without authentication"
    }
}

pub static UNAUTHENTICATED_INTERNET_ENTRY: Rule = Rule {
    id: "unauthenticated-internet-entry",
    title: "Unauthenticated entry from an untrusted zone",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    severity: Severity::High,
    explanation: "An actor or external system in an untrusted zone (internet, device, third \
        party) calls into the system without authenticating, and the flow carries more than \
        public data or changes state. Anyone on the internet can do the same. Flows that only \
        read public data (a public web page) are not reported.",
    mitigation: "Authenticate the caller (OAuth2/OIDC for users, mutual TLS or signed tokens for \
        systems) at the entry point, or mark the flow as carrying only public data.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if !(ctx.is_entry(f.info.from) && !f.to.kind.is_external() && unauthenticated(&f)) {
                continue;
            }
            let non_public = f
                .info
                .data
                .class
                .is_some_and(|c| c > Classification::Public);
            if !non_public && f.flow.access == Access::Read {
                continue;
            }
            let what = if non_public {
                format!(
                    "and exchanges {}",
                    ctx.describe_data(&f.flow.data, |d| d.class > Some(Classification::Public))
                )
            } else {
                format!("with {} access", f.flow.access.label().to_lowercase())
            };
            let finding = r.report(
                &[&f.flow.id],
                format!(
                    "Flow {} enters from untrusted `{}` {} {what}.",
                    flow_desc(&f),
                    f.from.boundary.as_deref().unwrap_or("(no boundary)"),
                    auth_word(&f)
                ),
                format!(
                    "Set an `authentication` on flow `{}` (e.g. `oauth2` or `mtls`).",
                    f.flow.id
                ),
            );
            if f.info.data.is_restricted() {
                finding.severity = Severity::Critical;
            }
        }
    },
};

pub static UNAUTHENTICATED_CROSS_BOUNDARY_FLOW: Rule = Rule {
    id: "unauthenticated-cross-boundary-flow",
    title: "Unauthenticated flow into a more trusted zone",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    severity: Severity::High,
    explanation: "A flow goes from a less trusted zone into a more trusted one without \
        authentication. The higher-trust zone then trusts whatever reaches it from below, so \
        one compromised node in the lower zone is enough to act inside the higher one.",
    mitigation: "Authenticate every call that enters a more trusted zone (mutual TLS or signed \
        service tokens), and let the receiver check the caller's identity.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if unauthenticated(&f)
                && !ctx.is_entry(f.info.from)
                && !f.to.kind.is_store()
                && !f.to.kind.is_external()
                && f.to_info.trust > f.from_info.trust
            {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} goes from trust level {} to {} {}.",
                        flow_desc(&f),
                        f.from_info.trust,
                        f.to_info.trust,
                        auth_word(&f)
                    ),
                    format!(
                        "Set an `authentication` on flow `{}` (e.g. `mtls` or `jwt`).",
                        f.flow.id
                    ),
                )
                .change = Some(Change::FlowAuthentication {
                    flow: f.flow.id.clone(),
                    to: AuthKind::Mtls,
                });
            }
        }
    },
};

pub static UNAUTHENTICATED_DATASTORE_ACCESS: Rule = Rule {
    id: "unauthenticated-datastore-access",
    title: "Data store accessed without authentication",
    family: Family::MissingAuthentication,
    stride: &[
        Stride::Spoofing,
        Stride::InformationDisclosure,
        Stride::Tampering,
    ],
    severity: Severity::Medium,
    explanation: "A database, cache, queue or secret store accepts connections without \
        credentials. Anything that can reach it on the network can read and change its data; \
        exposed Redis, Elasticsearch and MongoDB instances are among the most common causes of \
        breaches. Raised to high when the store holds confidential or restricted data.",
    mitigation: "Enable authentication on the store (per-service credentials or client \
        certificates) and restrict network access to the services that need it.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if unauthenticated(&f) && f.to.kind.is_store() && !ctx.is_entry(f.info.from) {
                let finding = r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} reaches {} `{}` {}.",
                        flow_desc(&f),
                        f.to.kind.label().to_lowercase(),
                        f.to.id,
                        auth_word(&f)
                    ),
                    format!(
                        "Set an `authentication` on flow `{}` and require it on `{}`.",
                        f.flow.id, f.to.id
                    ),
                );
                if f.to_info.stored.is_sensitive() || f.info.data.is_sensitive() {
                    finding.severity = Severity::High;
                }
            }
        }
    },
};

pub static ANONYMOUS_SERVICE_CALL: Rule = Rule {
    id: "anonymous-service-call",
    title: "Service called with no caller identity",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing, Stride::Repudiation],
    severity: Severity::Medium,
    explanation: "One internal service calls another at the same or lower trust level without \
        any identity. The callee cannot tell legitimate callers from an attacker who has reached \
        the network, cannot authorize per caller, and its logs cannot say who did what.",
    mitigation: "Give every service a workload identity and authenticate calls with it (mutual \
        TLS or signed service tokens); forward the end user's token where it matters.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if unauthenticated(&f)
                && f.from.kind.is_process()
                && f.to.kind.is_process()
                && !ctx.untrusted(f.info.from)
                && f.to_info.trust <= f.from_info.trust
            {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} carries no caller identity ({}).",
                        flow_desc(&f),
                        auth_word(&f)
                    ),
                    format!(
                        "Set `authentication: mtls` (or `jwt`) on flow `{}`.",
                        f.flow.id
                    ),
                )
                .change = Some(Change::FlowAuthentication {
                    flow: f.flow.id.clone(),
                    to: AuthKind::Mtls,
                });
            }
        }
    },
};

pub static MISSING_MFA_FOR_HUMAN_ACCESS: Rule = Rule {
    id: "missing-mfa-for-human-access",
    title: "People reach restricted data without MFA",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing],
    severity: Severity::High,
    explanation: "Human users who sign in without multi-factor authentication can reach stores \
        of restricted data, or hold admin access. One phished or reused password is then enough. \
        High when they reach the data with a service's full access; medium when every path goes \
        through per-user authorization (they see only their own records). Staff and \
        administrators (`role: staff` or `administrator`) inside trusted zones count too: \
        whoever can change restricted data through a service is asked about, wherever they \
        sit.",
    mitigation: "Require MFA (phishing-resistant where possible: FIDO2/WebAuthn) for these \
        users, at least for access to restricted data and administration.",
    check: |ctx, r| {
        let mut by_actor: HashMap<NodeIndex, Vec<&EffectivePrivilege>> = HashMap::new();
        for p in ctx.privileges() {
            by_actor.entry(p.actor).or_default().push(p);
        }
        for (i, node, _) in ctx.nodes() {
            if node.kind != NodeKind::Actor || node.users != HumanUsers::NoMfa {
                continue;
            }
            let mut full = Vec::new();
            let mut scoped = Vec::new();
            for p in by_actor.get(&i).into_iter().flatten() {
                if ctx.info(p.store).stored.is_restricted() {
                    let id = ctx.node(p.store).id.as_str();
                    if p.scoped {
                        scoped.push(id);
                    } else {
                        full.push(id);
                    }
                }
            }
            let mut writes: Vec<&str> = Vec::new();
            // People inside a trusted zone (back-office staff, administrators) are not where
            // attack paths start, so the privilege search does not cover them: follow their
            // flows through services to the restricted stores they can change.
            if !ctx.is_entry(i)
                && matches!(
                    node.role,
                    Some(crate::model::HumanRole::Staff | crate::model::HumanRole::Administrator)
                )
            {
                let mut best: HashMap<NodeIndex, Access> = HashMap::new();
                let mut queue: Vec<(NodeIndex, Access)> = vec![(i, Access::Admin)];
                while let Some((n, access)) = queue.pop() {
                    for f in ctx.outgoing(n) {
                        let to = f.info.to;
                        let a = access.min(f.flow.access);
                        if best.get(&to).is_some_and(|b| *b >= a) {
                            continue;
                        }
                        best.insert(to, a);
                        if f.to.kind.is_process() {
                            queue.push((to, a));
                        }
                    }
                }
                writes = best
                    .iter()
                    .filter(|(s, a)| {
                        **a >= Access::Write
                            && ctx.node(**s).kind.is_store()
                            && ctx.info(**s).stored.is_restricted()
                    })
                    .map(|(s, _)| ctx.node(*s).id.as_str())
                    .filter(|id| !full.contains(id))
                    .collect();
                writes.sort_unstable();
            }
            let admin: Vec<&str> = ctx
                .outgoing(i)
                .filter(|f| f.flow.access == Access::Admin)
                .map(|f| f.to.id.as_str())
                .collect();
            if full.is_empty() && scoped.is_empty() && admin.is_empty() && writes.is_empty() {
                continue;
            }
            let mut facts = Vec::new();
            if !full.is_empty() {
                facts.push(format!(
                    "reach restricted data in {} with a service's full access",
                    ticks(&full)
                ));
            }
            if !scoped.is_empty() {
                facts.push(format!(
                    "reach restricted data in {} (own records only)",
                    ticks(&scoped)
                ));
            }
            if !writes.is_empty() {
                facts.push(format!("can change restricted data in {}", ticks(&writes)));
            }
            if !admin.is_empty() {
                facts.push(format!("have admin access to {}", ticks(&admin)));
            }
            let finding = r.report(
                &[&node.id],
                format!(
                    "Users of `{}` sign in without MFA and {}.",
                    node.id,
                    facts.join("; ")
                ),
                format!("Require MFA for `{}` (`users: mfa`).", node.id),
            );
            finding.change = Some(Change::NodeMfa {
                node: node.id.clone(),
            });
            if full.is_empty() && admin.is_empty() && writes.is_empty() {
                finding.severity = Severity::Medium;
            }
        }
    },
};

fn ticks(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub static GATEWAY_BYPASS: Rule = Rule {
    id: "gateway-bypass",
    title: "External client bypasses the gateway",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    severity: Severity::High,
    explanation: "The model has a gateway, yet an actor or external system in an untrusted zone \
        calls an internal node directly. Whatever the gateway enforces (token validation, rate \
        limits, WAF rules, logging) does not apply on this path.",
    mitigation: "Route the client through the gateway and make the internal node accept traffic \
        only from the gateway (network policy, mutual TLS).",
    check: |ctx, r| {
        if !ctx.has_gateway() {
            return;
        }
        for f in ctx.flows() {
            if ctx.is_entry(f.info.from)
                && !f.to.kind.is_external()
                && f.to.kind != NodeKind::Gateway
                && !f.to.internet_facing
                && !ctx.untrusted(f.info.to)
            {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} reaches internal {} `{}` directly from untrusted `{}`, not through a gateway.",
                        flow_desc(&f),
                        f.to.kind.label().to_lowercase(),
                        f.to.id,
                        f.from.id
                    ),
                    format!(
                        "Route `{}` through a gateway, and remove flow `{}`.",
                        f.from.id, f.flow.id
                    ),
                );
            }
        }
    },
};

pub static WEAK_AUTHENTICATION_OVER_INTERNET: Rule = Rule {
    id: "weak-authentication-over-internet",
    title: "Password or static API key from an untrusted zone",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing],
    severity: Severity::Medium,
    explanation: "A caller in an untrusted zone authenticates with basic auth or a static API key \
        to reach sensitive data or admin functions. Such secrets are long-lived, easily leaked \
        (logs, repositories, browser history) and replayable from anywhere. Logins at an \
        identity provider are not reported.",
    mitigation: "Use short-lived tokens from an identity provider (OAuth2 client credentials for \
        systems, OIDC with MFA for people), or mutual TLS; at least scope and rotate keys.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if ctx.is_entry(f.info.from)
                && !f.to.kind.is_external()
                && f.to.kind != NodeKind::IdentityProvider
                && f.flow.authentication.is_weak()
                && (f.info.data.is_sensitive() || f.flow.access == Access::Admin)
            {
                let target = if f.info.data.is_sensitive() {
                    ctx.describe_data(&f.flow.data, super::super::context::DataSet::is_sensitive)
                } else {
                    "admin access".to_string()
                };
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} uses {} from untrusted `{}` for {target}.",
                        flow_desc(&f),
                        f.flow.authentication.label(),
                        f.from.id
                    ),
                    format!(
                        "Use `authentication: oauth2` or `mtls` on flow `{}`.",
                        f.flow.id
                    ),
                );
            }
        }
    },
};

pub static UNGUARDED_ACCESS_FROM_INTERNET: Rule = Rule {
    id: "unguarded-access-from-internet",
    title: "Internal node reachable from the internet without an entry control",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "An actor or system in an untrusted zone calls a service or store inside the \
        network directly, and the model has no gateway, reverse proxy or load balancer in front \
        of anything: the internal node is exposed to the internet with only its own defences. \
        (With a gateway in the model, `gateway-bypass` reports the same shape; a VPN or IP \
        allowlist on the flow counts as an entry control.) High when the target is a data \
        store, secret store or queue.",
    mitigation: "Put an entry point (API gateway, reverse proxy, WAF) in a DMZ in front of the \
        internal node, mark only the entry internet-facing, and let the internal node accept \
        traffic only from it.",
    check: |ctx, r| {
        if ctx.has_gateway() {
            return;
        }
        for f in ctx.flows() {
            if ctx.is_entry(f.info.from)
                && !f.to.kind.is_external()
                && !f.to.internet_facing
                && !ctx.untrusted(f.info.to)
                && f.flow.controls.is_empty()
            {
                let finding = r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} reaches internal {} `{}` straight from untrusted `{}`: nothing stands between it and the internet.",
                        flow_desc(&f),
                        f.to.kind.label().to_lowercase(),
                        f.to.id,
                        f.from.id
                    ),
                    format!(
                        "Put a gateway in front of `{}` (or mark it `internet_facing: true` if it is meant to be the entry, and harden it as one).",
                        f.to.id
                    ),
                );
                if f.to.kind.is_store() {
                    finding.severity = Severity::High;
                }
            }
        }
    },
};

pub static ADMIN_ACCESS_FROM_INTERNET: Rule = Rule {
    id: "admin-access-from-internet",
    title: "Administration reachable from the internet",
    family: Family::MissingAuthentication,
    stride: &[Stride::ElevationOfPrivilege, Stride::Spoofing],
    severity: Severity::High,
    explanation: "A flow with admin access starts in an untrusted zone and no VPN or IP \
        allowlist narrows who can reach it: the administration interface is open to the whole \
        internet, where credential stuffing and exploits of the admin surface are routine.",
    mitigation: "Reach administration only through a VPN, a bastion or a zero-trust access \
        proxy, restrict it by source address, and require phishing-resistant MFA.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if f.flow.access == Access::Admin
                && ctx.untrusted(f.info.from)
                && !ctx.untrusted(f.info.to)
                && f.flow.controls.is_empty()
            {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} gives admin access to `{}` from untrusted `{}`, with no VPN or IP allowlist.",
                        flow_desc(&f),
                        f.to.id,
                        f.from.id
                    ),
                    format!(
                        "Put flow `{}` behind a VPN or IP allowlist (`controls: [vpn]`), or remove it.",
                        f.flow.id
                    ),
                );
            }
        }
    },
};

pub static WEAK_ADMIN_AUTHENTICATION: Rule = Rule {
    id: "weak-admin-authentication",
    title: "Administration with a password or static key",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "A flow with admin access authenticates with a password or a static API key \
        (or not at all), from any zone. Admin credentials are the most valuable to steal and \
        the least rotated; one leaked key is full control.",
    mitigation: "Authenticate administration with short-lived credentials from the identity \
        provider (OIDC with MFA) or client certificates, and rotate what exists.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if f.flow.access != Access::Admin || f.from.kind == NodeKind::Actor {
                continue;
            }
            let weak = !f.flow.authenticated() || f.flow.authentication.is_weak();
            if weak {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} has admin access to `{}` with {}.",
                        flow_desc(&f),
                        f.to.id,
                        if f.flow.authenticated() {
                            f.flow.authentication.label().to_lowercase()
                        } else {
                            "no authentication".to_string()
                        }
                    ),
                    format!(
                        "Authenticate flow `{}` with mTLS or short-lived tokens (`authentication: mtls`).",
                        f.flow.id
                    ),
                )
                .change = Some(Change::FlowAuthentication {
                    flow: f.flow.id.clone(),
                    to: AuthKind::Mtls,
                });
            }
        }
    },
};

pub static SECRET_STORE_WITHOUT_STRONG_AUTHENTICATION: Rule = Rule {
    id: "secret-store-without-strong-authentication",
    title: "Secret store reached with a static credential",
    family: Family::MissingAuthentication,
    stride: &[Stride::Spoofing, Stride::InformationDisclosure],
    severity: Severity::Medium,
    explanation: "A node reads the secret store with a password, a static API key or no \
        authentication at all. Whoever copies that one credential reads every secret the node \
        may read; the vault's protection is only as strong as the key to it.",
    mitigation: "Authenticate to the secret store with the workload's identity (Kubernetes \
        service account, cloud IAM role, mTLS client certificate) rather than a static token.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if f.to.kind != NodeKind::SecretStore {
                continue;
            }
            if !f.flow.authenticated() || f.flow.authentication.is_weak() {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} reads secret store `{}` with {}.",
                        flow_desc(&f),
                        f.to.id,
                        if f.flow.authenticated() {
                            f.flow.authentication.label().to_lowercase()
                        } else {
                            "no authentication".to_string()
                        }
                    ),
                    format!(
                        "Authenticate flow `{}` with the workload's identity (`authentication: mtls`).",
                        f.flow.id
                    ),
                )
                .change = Some(Change::FlowAuthentication {
                    flow: f.flow.id.clone(),
                    to: AuthKind::Mtls,
                });
            }
        }
    },
};
