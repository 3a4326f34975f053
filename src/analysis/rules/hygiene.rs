//! Family 4, compliance and hygiene: storage, logging, secrets, exposure and scope problems
//! that frameworks name explicitly, and gaps in the model itself.

use super::flow_desc;
use crate::analysis::{Change, Ctx, Family, Reporter, Rule, Severity, Stride};
use crate::model::{AuthKind, DataTag, NodeKind, SecretsLocation};

pub static UNENCRYPTED_SENSITIVE_STORAGE: Rule = Rule {
    id: "unencrypted-sensitive-storage",
    title: "Sensitive data stored unencrypted",
    family: Family::Compliance,
    stride: &[Stride::InformationDisclosure],
    severity: Severity::Medium,
    explanation: "A store holds confidential or restricted data and is not encrypted at rest. \
        Backups, snapshots, decommissioned disks and anyone with storage-level access see the \
        data in the clear. High for restricted data.",
    mitigation: "Enable encryption at rest (managed disk/volume encryption, transparent data \
        encryption, or field-level encryption for the most sensitive fields) with keys in a KMS.",
    check: |ctx, r| {
        for (_, node, info) in ctx.nodes() {
            if node.kind.is_store() && info.stored.is_sensitive() && !node.encrypted_at_rest {
                let finding = r.report(
                    &[&node.id],
                    format!(
                        "`{}` stores {} without encryption at rest.",
                        node.id,
                        ctx.describe_data(
                            &node.stores,
                            super::super::context::DataSet::is_sensitive
                        )
                    ),
                    format!("Encrypt `{}` at rest (`encrypted_at_rest: true`).", node.id),
                );
                finding.change = Some(Change::NodeEncryptedAtRest {
                    node: node.id.clone(),
                });
                if info.stored.is_restricted() {
                    finding.severity = Severity::High;
                }
            }
        }
    },
};

pub static MISSING_AUDIT_LOGGING: Rule = Rule {
    id: "missing-audit-logging",
    title: "Regulated data handled without audit logging",
    family: Family::Compliance,
    stride: &[Stride::Repudiation],
    severity: Severity::Medium,
    explanation: "A node stores, sends or receives personal, health or cardholder data but keeps \
        no audit log. Nobody can reconstruct who accessed or changed the data, which every \
        framework in scope (PCI DSS 10, HIPAA 164.312(b), GDPR Art. 32/33) requires.",
    mitigation: "Log access to regulated data (who, what, when, from where) to an append-only \
        store outside the node's control, and review it.",
    check: |ctx, r| {
        for (_, node, info) in ctx.nodes() {
            if node.kind.is_external() || node.audit_logging || !info.handled.is_regulated() {
                continue;
            }
            let tags: Vec<&str> = info
                .handled
                .tags()
                .into_iter()
                .filter(|t| t.is_regulated())
                .map(DataTag::key)
                .collect();
            r.report(
                &[&node.id],
                format!(
                    "`{}` handles regulated data ({}) without audit logging.",
                    node.id,
                    tags.join(", ")
                ),
                format!(
                    "Enable audit logging on `{}` (`audit_logging: true`).",
                    node.id
                ),
            )
            .change = Some(Change::NodeAuditLogging {
                node: node.id.clone(),
            });
        }
    },
};

pub static SECRETS_OUTSIDE_VAULT: Rule = Rule {
    id: "secrets-outside-vault",
    title: "Secrets kept outside a secret store",
    family: Family::Compliance,
    stride: &[Stride::InformationDisclosure, Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "The node keeps its credentials or keys in environment variables, configuration \
        files or source code. These leak through crash dumps, process listings, image layers, \
        backups and repositories, and are rarely rotated. High for secrets in source code.",
    mitigation: "Fetch secrets at run time from a secret store (Vault, a cloud secret manager) \
        with short-lived credentials, and rotate what has been exposed.",
    check: check_secrets,
};

pub static MISSING_RATE_LIMITING: Rule = Rule {
    id: "missing-rate-limiting",
    title: "Internet-facing entry without rate limiting",
    family: Family::Compliance,
    stride: &[Stride::DenialOfService, Stride::Spoofing],
    severity: Severity::Medium,
    explanation: "An internet-facing node (marked so, or called directly by actors in untrusted \
        zones) does not limit request rates. It is open to credential stuffing, scraping, \
        enumeration and resource exhaustion.",
    mitigation: "Rate-limit per client and per credential at the edge (gateway, WAF or the \
        service itself), with stricter limits on login and expensive endpoints.",
    check: |ctx, r| {
        for (i, node, _) in ctx.nodes() {
            // Exposed by its flag or by its flows: untrusted callers reach it directly.
            let exposed = node.internet_facing
                || (!node.kind.is_store() && ctx.incoming(i).any(|f| ctx.is_entry(f.info.from)));
            if exposed && !node.rate_limited && !node.kind.is_external() {
                r.report(
                    &[&node.id],
                    format!("Internet-facing `{}` has no rate limiting.", node.id),
                    format!("Rate-limit `{}` (`rate_limited: true`).", node.id),
                )
                .change = Some(Change::NodeRateLimited {
                    node: node.id.clone(),
                });
            }
        }
    },
};

pub static PCI_SCOPE_LEAK: Rule = Rule {
    id: "pci-scope-leak",
    title: "Cardholder data outside the PCI zone",
    family: Family::Compliance,
    stride: &[Stride::InformationDisclosure],
    severity: Severity::High,
    explanation: "Cardholder data is stored, processed or transmitted by a node outside the \
        cardholder data environment (a boundary with `scope: [pci]`), or a node outside that \
        zone reaches a data store in it directly or with admin access. Every such node is in \
        PCI DSS scope anyway, unsegmented, and usually without the controls the zone has.",
    mitigation: "Move the node into the PCI zone, or stop it from touching cardholder data \
        (tokenize first); let only zone services reach the zone's stores.",
    check: |ctx, r| {
        let has_zone = ctx.has_zone(DataTag::Pci);
        for (i, node, info) in ctx.nodes() {
            if node.kind.is_external()
                || !info.handled.has(DataTag::Pci)
                || ctx.in_zone(i, DataTag::Pci)
            {
                continue;
            }
            let why = if has_zone {
                "outside every PCI zone"
            } else {
                "while the model declares no PCI zone (a boundary with `scope: [pci]`)"
            };
            let verb = if info.stored.has(DataTag::Pci) {
                "stores"
            } else {
                "processes"
            };
            r.report(
                &[&node.id],
                format!("`{}` {verb} cardholder data {why}.", node.id),
                format!(
                    "Move `{}` into the PCI zone, or give it tokens instead of cardholder data.",
                    node.id
                ),
            );
        }
        if !has_zone {
            return;
        }
        for f in ctx.flows() {
            if f.from.kind.is_external()
                || ctx.in_zone(f.info.from, DataTag::Pci)
                || !ctx.in_zone(f.info.to, DataTag::Pci)
            {
                continue;
            }
            if f.to.kind.is_store() || f.flow.access == crate::model::Access::Admin {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} reaches {} `{}` inside the PCI zone from outside it{}.",
                        flow_desc(&f),
                        f.to.kind.label().to_lowercase(),
                        f.to.id,
                        if f.flow.access == crate::model::Access::Admin {
                            ", with admin access"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "Serve `{}` through a service inside the zone, or move it into the zone.",
                        f.from.id
                    ),
                );
            }
        }
    },
};

pub static REGULATED_DATA_TO_THIRD_PARTY: Rule = Rule {
    id: "regulated-data-to-third-party",
    title: "Personal or health data shared without a recorded agreement",
    family: Family::Compliance,
    stride: &[Stride::InformationDisclosure],
    severity: Severity::High,
    explanation: "Personal data (PII) or health data (PHI) is exchanged with an external system \
        and the model records no agreement with its operator: no data processing agreement \
        (GDPR Art. 28) or business associate agreement (HIPAA). Sharing regulated data without \
        one is a compliance breach in itself.",
    mitigation: "Sign and record the agreement (`agreement: \"...\"` on the external system), or \
        stop sending regulated data (pseudonymise or aggregate first).",
    check: |ctx, r| {
        for f in ctx.flows() {
            let external = match (f.from.kind, f.to.kind) {
                (NodeKind::ExternalSystem, k) if !k.is_external() => f.from,
                (k, NodeKind::ExternalSystem) if !k.is_external() => f.to,
                _ => continue,
            };
            if external.agreement.is_some() {
                continue;
            }
            let names =
                ctx.describe_data(&f.flow.data, |d| d.has(DataTag::Pii) || d.has(DataTag::Phi));
            if names.is_empty() {
                continue;
            }
            r.report(
                &[&f.flow.id],
                format!(
                    "Flow {} shares {names} with `{}`, which has no recorded agreement.",
                    flow_desc(&f),
                    external.id
                ),
                format!(
                    "Record the DPA/BAA on `{}` (`agreement: \"...\"`).",
                    external.id
                ),
            );
        }
    },
};

pub static PRIVILEGED_RUNTIME: Rule = Rule {
    id: "privileged-runtime",
    title: "Node runs with elevated privileges",
    family: Family::Compliance,
    stride: &[Stride::ElevationOfPrivilege],
    severity: Severity::Medium,
    explanation: "The node runs privileged (root, a privileged container, host access). A bug in \
        it becomes a compromise of the host and of everything else running there.",
    mitigation: "Run as an unprivileged user with a read-only file system and only the \
        capabilities it needs; isolate what truly needs privileges.",
    check: |ctx, r| {
        for (_, node, _) in ctx.nodes() {
            if node.privileged {
                r.report(
                    &[&node.id],
                    format!("`{}` runs privileged.", node.id),
                    format!("Drop privileges for `{}` (`privileged: false`).", node.id),
                );
            }
        }
    },
};

pub static INCOMPLETE_MODEL: Rule = Rule {
    id: "incomplete-model",
    title: "Model is incomplete here",
    family: Family::Compliance,
    stride: &[],
    severity: Severity::Info,
    explanation: "Part of the model is too vague to analyse: a flow with no protocol, unknown \
        authentication or no data, a node with no flows, or a node outside every boundary. \
        Rules cannot see what is not modelled, so these gaps can hide real findings.",
    mitigation: "Fill in the missing facts, or remove elements that are not part of the system.",
    check: |ctx, r| {
        for f in ctx.flows() {
            let mut gaps = Vec::new();
            if f.flow.protocol.is_empty() || f.flow.protocol.eq_ignore_ascii_case("unknown") {
                gaps.push("no protocol");
            }
            if f.flow.authentication == AuthKind::Unknown {
                gaps.push("unknown authentication");
            }
            if f.flow.data.is_empty() {
                gaps.push("no data assets");
            }
            if !gaps.is_empty() {
                r.report(
                    &[&f.flow.id],
                    format!("Flow {} has {}.", flow_desc(&f), gaps.join(", ")),
                    format!("Describe flow `{}`: {}.", f.flow.id, gaps.join(", ")),
                );
            }
        }
        for (i, node, _) in ctx.nodes() {
            let mut gaps = Vec::new();
            if ctx.incoming(i).next().is_none() && ctx.outgoing(i).next().is_none() {
                gaps.push("no flows");
            }
            if node.boundary.is_none() {
                gaps.push("no trust boundary");
            }
            if !gaps.is_empty() {
                r.report(
                    &[&node.id],
                    format!("Node `{}` has {}.", node.id, gaps.join(" and ")),
                    format!(
                        "Connect `{}` and place it in a boundary, or remove it.",
                        node.id
                    ),
                );
            }
        }
    },
};

fn check_secrets(ctx: &Ctx<'_>, r: &mut Reporter<'_>) {
    for (_, node, _) in ctx.nodes() {
        if node.secrets.outside_vault() {
            let finding = r.report(
                &[&node.id],
                format!(
                    "`{}` keeps its secrets in {}.",
                    node.id,
                    node.secrets.label().to_lowercase()
                ),
                format!(
                    "Move the secrets of `{}` to a secret store (`secrets: secret_store`).",
                    node.id
                ),
            );
            if node.secrets == SecretsLocation::SourceCode {
                finding.severity = Severity::High;
            }
        }
    }
}

pub static MISSING_VAULT: Rule = Rule {
    id: "missing-vault",
    title: "Credentials used but no secret store",
    family: Family::Compliance,
    stride: &[Stride::InformationDisclosure],
    severity: Severity::Medium,
    explanation: "The node signs in to others with a password or a static API key, yet the model \
        says it keeps no secrets (`secrets: none`, the default) and it reads from no secret \
        store. Those credentials live somewhere — in practice configuration, environment or \
        code — unmanaged and unrotated, and the model hides it.",
    mitigation: "Keep the credentials in a secret store (Vault, a cloud secret manager), fetch \
        them at run time, rotate them, and model the store and the node's flow to it; better, \
        replace them with short-lived tokens or workload identity.",
    check: |ctx, r| {
        for (i, node, _) in ctx.nodes() {
            if node.kind.is_external() || node.secrets != SecretsLocation::None {
                continue;
            }
            let mut weak: Vec<&str> = ctx
                .outgoing(i)
                .filter(|f| matches!(f.flow.authentication, AuthKind::Basic | AuthKind::ApiKey))
                .map(|f| f.to.id.as_str())
                .collect();
            if weak.is_empty() || ctx.outgoing(i).any(|f| f.to.kind == NodeKind::SecretStore) {
                continue;
            }
            weak.sort_unstable();
            weak.dedup();
            r.report(
                &[&node.id],
                format!(
                    "`{}` signs in to {} with a password or API key, but keeps no secrets and reads no secret store.",
                    node.id,
                    weak.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "Say where `{}` keeps its credentials (`secrets: secret_store`, with a flow to the store).",
                    node.id
                ),
            );
        }
    },
};

/// Whether a flow looks like web traffic (HTTP or unspecified on an entry point).
fn is_web(protocol: &str) -> bool {
    let p = protocol.to_lowercase();
    p.is_empty() || p.starts_with("http") || p.starts_with("ws") || p == "graphql" || p == "rest"
}

pub static MISSING_WAF: Rule = Rule {
    id: "missing-waf",
    title: "Web entry point carrying sensitive data without a WAF",
    family: Family::Compliance,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    severity: Severity::Low,
    explanation: "An internet-facing web entry (a gateway or service that untrusted callers \
        reach over HTTP) takes sensitive data and no web application firewall filters what \
        reaches it. Injection, deserialization and request-smuggling attempts meet the \
        application code directly. Medium when the data is restricted.",
    mitigation: "Put a WAF (managed cloud WAF, ModSecurity with the OWASP Core Rule Set) in \
        front of the entry, in blocking mode, and mark it `waf: true`.",
    check: |ctx, r| {
        for (i, node, _) in ctx.nodes() {
            if node.waf
                || node.kind.is_external()
                || node.kind.is_store()
                || !(node.internet_facing || ctx.incoming(i).any(|f| ctx.is_entry(f.info.from)))
            {
                continue;
            }
            let web: Vec<_> = ctx
                .incoming(i)
                .filter(|f| ctx.is_entry(f.info.from) && is_web(&f.flow.protocol))
                .filter(|f| f.info.data.is_sensitive())
                .collect();
            if web.is_empty() {
                continue;
            }
            let restricted = web.iter().any(|f| f.info.data.is_restricted());
            let finding = r.report(
                &[&node.id],
                format!(
                    "Internet-facing `{}` takes sensitive data over the web from {} with no WAF in front.",
                    node.id,
                    {
                        let mut from: Vec<String> =
                            web.iter().map(|f| format!("`{}`", f.from.id)).collect();
                        from.sort();
                        from.dedup();
                        from.join(", ")
                    }
                ),
                format!("Put a WAF in front of `{}` (`waf: true`).", node.id),
            );
            if restricted {
                finding.severity = Severity::Medium;
            }
        }
    },
};

pub static DOS_RISKY_ACCESS_ACROSS_TRUST_BOUNDARY: Rule = Rule {
    id: "dos-risky-access-across-trust-boundary",
    title: "Availability-critical data reached from a less trusted zone without rate limiting",
    family: Family::Compliance,
    stride: &[Stride::DenialOfService],
    severity: Severity::Medium,
    explanation: "A store whose data is rated high or critical for availability is reached \
        across a trust boundary, from a less trusted zone, and neither the store nor the caller \
        limits the rate of requests. A flood from the less trusted side (or one runaway client) \
        exhausts it for everyone. High when the rating is critical.",
    mitigation: "Rate-limit and queue requests at the boundary (a gateway, connection pooling, \
        per-client quotas) and size the store for the expected peak; keep availability-critical \
        stores reachable only from the services that need them.",
    check: |ctx, r| {
        let rated: std::collections::HashMap<&str, crate::model::Rating> = ctx
            .model
            .assets
            .iter()
            .filter_map(|a| {
                a.availability
                    .filter(|r| *r >= crate::model::Rating::High)
                    .map(|r| (a.id.as_str(), r))
            })
            .collect();
        if rated.is_empty() {
            return;
        }
        for f in ctx.flows() {
            if !f.to.kind.is_store()
                || f.from_info.trust >= f.to_info.trust
                || f.to.rate_limited
                || f.from.rate_limited
            {
                continue;
            }
            let Some(rating) =
                f.to.stores
                    .iter()
                    .filter_map(|d| rated.get(d.as_str()))
                    .max()
                    .copied()
            else {
                continue;
            };
            let finding = r.report(
                &[&f.flow.id],
                format!(
                    "`{}` (data rated {} for availability) is reached from less trusted `{}` by flow {} with no rate limiting on either side.",
                    f.to.id,
                    rating.label().to_lowercase(),
                    f.from.id,
                    flow_desc(&f)
                ),
                format!(
                    "Rate-limit `{}`'s access to `{}` (`rate_limited: true` on the caller), or route it through a rate-limited gateway.",
                    f.from.id, f.to.id
                ),
            );
            if rating == crate::model::Rating::Critical {
                finding.severity = Severity::High;
            }
        }
    },
};

pub static UNAUDITED_ADMIN_ACCESS: Rule = Rule {
    id: "unaudited-admin-access",
    title: "Administration of a node that keeps no audit log",
    family: Family::Compliance,
    stride: &[Stride::Repudiation],
    severity: Severity::Medium,
    explanation: "Someone or something has admin access to a node that keeps no audit log. \
        Administrative changes (users, permissions, configuration, data fixes) are exactly \
        what an investigation needs to reconstruct, and what every framework asks to log.",
    mitigation: "Log every administrative action on the node (who, what, when, from where) to \
        a store the administrators cannot change, and review it.",
    check: |ctx, r| {
        for (i, node, _) in ctx.nodes() {
            if node.audit_logging || node.kind.is_external() {
                continue;
            }
            let mut admins: Vec<&str> = ctx
                .incoming(i)
                .filter(|f| f.flow.access == crate::model::Access::Admin)
                .map(|f| f.from.id.as_str())
                .collect();
            if admins.is_empty() {
                continue;
            }
            admins.sort_unstable();
            admins.dedup();
            r.report(
                &[&node.id],
                format!(
                    "{} administer `{}`, which keeps no audit log.",
                    admins
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    node.id
                ),
                format!(
                    "Enable audit logging on `{}` (`audit_logging: true`).",
                    node.id
                ),
            )
            .change = Some(Change::NodeAuditLogging {
                node: node.id.clone(),
            });
        }
    },
};

pub static STATIC_CREDENTIALS_TO_THIRD_PARTY: Rule = Rule {
    id: "static-credentials-to-third-party",
    title: "Static credentials sent to a third party",
    family: Family::Compliance,
    stride: &[Stride::Spoofing, Stride::InformationDisclosure],
    severity: Severity::Low,
    explanation: "The system signs in to an external system with a password or a static API \
        key. Such keys leak (logs, repositories, the partner's own breach), rarely expire, and \
        are hard to rotate without downtime. Medium when the flow carries sensitive data.",
    mitigation: "Use the partner's OAuth client credentials or mTLS where offered, keep the \
        key in a secret store, scope it to the calls needed and rotate it on a schedule.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if f.to.kind != NodeKind::ExternalSystem
                || f.from.kind.is_external()
                || !f.flow.authentication.is_weak()
            {
                continue;
            }
            let finding = r.report(
                &[&f.flow.id],
                format!(
                    "Flow {} signs in to external `{}` with {}.",
                    flow_desc(&f),
                    f.to.id,
                    f.flow.authentication.label().to_lowercase()
                ),
                format!(
                    "Use short-lived credentials (`authentication: oauth2`) or mTLS on flow `{}`.",
                    f.flow.id
                ),
            );
            if f.info.data.is_sensitive() {
                finding.severity = Severity::Medium;
            }
        }
    },
};

/// Whether a node uses a data asset: stores or processes it.
fn uses(node: &crate::model::Node, asset: &str) -> bool {
    node.stores
        .iter()
        .chain(&node.processes)
        .any(|a| a == asset)
}

/// Nodes that pass data on by design (entry points, brokers, outside parties).
fn forwards_by_design(kind: NodeKind) -> bool {
    kind.is_external() || matches!(kind, NodeKind::Gateway | NodeKind::MessageQueue)
}

pub static UNNECESSARY_DATA_TRANSFER: Rule = Rule {
    id: "unnecessary-data-transfer",
    title: "Sensitive data passes through a node that does not need it",
    family: Family::Compliance,
    stride: &[Stride::InformationDisclosure],
    severity: Severity::Low,
    explanation: "A node says what data it stores and processes (`stores`, `processes`), yet \
        its flows carry confidential or restricted data beyond that. Every node that handles \
        the data is one more place to breach, log or leak it, and data minimisation (GDPR \
        Art. 5(1)(c)) asks for it to go only where it is used. Gateways, queues and external \
        entities pass data on by design and are not reported. Medium for restricted data.",
    mitigation: "Send the data straight to the node that uses it (or a reference or token in its \
        place), or record that the node processes it.",
    check: |ctx, r| {
        for (i, node, info) in ctx.nodes() {
            if !node.declares_data()
                || forwards_by_design(node.kind)
                || !info.handled.is_sensitive()
            {
                continue;
            }
            let mut extra: Vec<&str> = ctx
                .outgoing(i)
                .chain(ctx.incoming(i))
                .filter(|f| f.flow.out_of_scope.is_none())
                .flat_map(|f| f.flow.data.iter())
                .map(String::as_str)
                .filter(|d| !uses(node, d) && ctx.asset(d).is_sensitive())
                .collect();
            extra.sort_unstable();
            extra.dedup();
            for d in extra {
                let carriers: Vec<&str> = ctx
                    .outgoing(i)
                    .chain(ctx.incoming(i))
                    .filter(|f| f.flow.data.iter().any(|x| x == d))
                    .map(|f| f.flow.id.as_str())
                    .collect();
                let finding = r.report(
                    &[&node.id, d],
                    format!(
                        "`{}` neither stores nor processes `{d}`, but {} {} it.",
                        node.id,
                        carriers
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if carriers.len() == 1 {
                            "carries"
                        } else {
                            "carry"
                        }
                    ),
                    format!(
                        "Route `{d}` around `{}`, or add it to `{}`'s `processes`.",
                        node.id, node.id
                    ),
                );
                if ctx.asset(d).is_restricted() {
                    finding.severity = Severity::Medium;
                }
            }
        }
    },
};

pub static UNNECESSARY_COMMUNICATION_LINK: Rule = Rule {
    id: "unnecessary-communication-link",
    title: "A link carries nothing its ends use",
    family: Family::Compliance,
    stride: &[Stride::InformationDisclosure, Stride::ElevationOfPrivilege],
    severity: Severity::Low,
    explanation: "Both ends of a flow say what data they store and process, and the flow carries \
        none of it: no data at all, or only assets the target neither uses nor passes on. A link \
        nobody needs is still a path an attacker can take and a permission someone must keep \
        right. Only nodes that declare their data are judged; gateways, queues and external \
        entities pass data on by design. Info when the flow carries no data at all (the model \
        may just not say), low otherwise.",
    mitigation: "Remove the link (and the network rule and credentials behind it), or record the \
        data it carries and the node that uses it.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if !f.from.declares_data()
                || !f.to.declares_data()
                || forwards_by_design(f.to.kind)
                || forwards_by_design(f.from.kind)
            {
                continue;
            }
            // Data the target passes on over another flow is in transit, not unused (that is
            // `unnecessary-data-transfer`'s concern).
            let passed_on = |d: &str| {
                ctx.outgoing(f.info.to)
                    .chain(ctx.incoming(f.info.to))
                    .any(|g| g.index != f.index && g.flow.data.iter().any(|x| x == d))
            };
            let used = f
                .flow
                .data
                .iter()
                .any(|d| uses(f.to, d) || uses(f.from, d) || passed_on(d));
            if used {
                continue;
            }
            if f.flow.data.is_empty() {
                let finding = r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} carries no data, though both ends say what they handle.",
                        flow_desc(&f)
                    ),
                    format!(
                        "Remove flow `{}`, or record the data it carries.",
                        f.flow.id
                    ),
                );
                finding.severity = Severity::Info;
            } else {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} carries {}, which neither `{}` nor `{}` stores, processes or passes on.",
                        flow_desc(&f),
                        ctx.describe_data(&f.flow.data, |_| true),
                        f.from.id,
                        f.to.id
                    ),
                    format!(
                        "Remove flow `{}`, or record which node uses its data.",
                        f.flow.id
                    ),
                );
            }
        }
    },
};
