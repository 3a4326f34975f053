//! Family 1, unprotected links: data on the wire without (enough) encryption.
//!
//! Each unencrypted flow gets exactly one of the three "plaintext" rules: into a data store
//! (`plaintext-datastore-connection`), across a boundary (`unencrypted-cross-boundary-flow`), or
//! inside one boundary with sensitive data (`unencrypted-sensitive-flow`).

use super::{FlowRef, flow_desc};
use crate::analysis::{Change, Ctx, Family, Reporter, Rule, Severity, Stride};
use crate::model::{AuthKind, Encryption, NodeKind, TlsVersion};

/// Unencrypted on a network: a local flow (in-process, a file, IPC on one host) has no wire
/// to read or tamper with.
fn plaintext(f: &FlowRef<'_>) -> bool {
    f.flow.encryption == Encryption::None && f.flow.transport == crate::model::Transport::Network
}

fn sensitive_note(ctx: &Ctx<'_>, f: &FlowRef<'_>) -> String {
    let names = ctx.describe_data(&f.flow.data, super::super::context::DataSet::is_sensitive);
    if names.is_empty() {
        String::new()
    } else {
        format!("; it carries sensitive data: {names}")
    }
}

pub static UNENCRYPTED_CROSS_BOUNDARY_FLOW: Rule = Rule {
    id: "unencrypted-cross-boundary-flow",
    title: "Unencrypted flow crosses a trust boundary",
    family: Family::UnprotectedLinks,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    severity: Severity::Medium,
    explanation: "A flow between two different trust boundaries has no encryption. Traffic that \
        leaves a zone passes networks the zone's owner does not control, where it can be read and \
        changed in transit. Raised to high when the flow carries confidential or restricted data. \
        (Flows into data stores are covered by plaintext-datastore-connection.)",
    mitigation: "Encrypt the flow with TLS 1.2 or later (mutual TLS between services), and \
        reject plaintext connections on the receiving side.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if plaintext(&f) && f.info.crosses && !f.to.kind.is_store() {
                let from_b = f.from.boundary.as_deref().unwrap_or("(no boundary)");
                let to_b = f.to.boundary.as_deref().unwrap_or("(no boundary)");
                let finding = r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} crosses from `{from_b}` to `{to_b}` over {} without encryption{}.",
                        flow_desc(&f),
                        protocol(&f),
                        sensitive_note(ctx, &f)
                    ),
                    format!("Set `encryption: tls` (or `mtls`) on flow `{}`.", f.flow.id),
                );
                finding.change = Some(Change::FlowEncryption {
                    flow: f.flow.id.clone(),
                    to: Encryption::Tls,
                });
                if f.info.data.is_sensitive() {
                    finding.severity = Severity::High;
                }
            }
        }
    },
};

pub static UNENCRYPTED_SENSITIVE_FLOW: Rule = Rule {
    id: "unencrypted-sensitive-flow",
    title: "Sensitive data sent without encryption",
    family: Family::UnprotectedLinks,
    stride: &[Stride::InformationDisclosure],
    severity: Severity::High,
    explanation: "A flow inside one trust boundary carries confidential or restricted data in \
        plaintext. A boundary is not a guarantee: anyone who gets a foothold in the zone (a \
        compromised pod, a mirrored switch port) can read it.",
    mitigation: "Encrypt the flow with TLS 1.2 or later; inside clusters a service mesh gives \
        mutual TLS without code changes.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if plaintext(&f)
                && !f.info.crosses
                && !f.to.kind.is_store()
                && f.info.data.is_sensitive()
            {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} sends {} in plaintext over {}.",
                        flow_desc(&f),
                        ctx.describe_data(
                            &f.flow.data,
                            super::super::context::DataSet::is_sensitive
                        ),
                        protocol(&f)
                    ),
                    format!("Set `encryption: tls` (or `mtls`) on flow `{}`.", f.flow.id),
                )
                .change = Some(Change::FlowEncryption {
                    flow: f.flow.id.clone(),
                    to: Encryption::Tls,
                });
            }
        }
    },
};

pub static WEAK_TLS_VERSION: Rule = Rule {
    id: "weak-tls-version",
    title: "TLS older than 1.2 allowed",
    family: Family::UnprotectedLinks,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    severity: Severity::Medium,
    explanation: "The flow's declared minimum TLS version is below 1.2. SSLv3, TLS 1.0 and 1.1 \
        are deprecated (RFC 8996) and allow downgrade and padding-oracle attacks; PCI DSS and \
        NIST forbid them for protecting sensitive data.",
    mitigation: "Accept TLS 1.2 and 1.3 only (`tls_min: tls1_2`), with AEAD cipher suites.",
    check: check_weak_tls,
};

fn protocol<'a>(f: &FlowRef<'a>) -> &'a str {
    if f.flow.protocol.is_empty() {
        "an unnamed protocol"
    } else {
        &f.flow.protocol
    }
}

pub static MISSING_MTLS_SERVICE_TO_SERVICE: Rule = Rule {
    id: "missing-mtls-service-to-service",
    title: "Service-to-service call without mutual TLS",
    family: Family::UnprotectedLinks,
    stride: &[Stride::Spoofing],
    severity: Severity::Low,
    explanation: "Two internal services talk over one-way TLS: the caller checks the server, but \
        the server cannot tell which workload is calling. Zero-trust architectures (NIST SP \
        800-207) authenticate both ends of every internal connection.",
    mitigation: "Use mutual TLS with workload identities (a service mesh such as Istio or \
        Linkerd, or SPIFFE certificates).",
    check: |ctx, r| {
        for f in ctx.flows() {
            if f.flow.encryption == Encryption::Tls
                && f.flow.transport == crate::model::Transport::Network
                && f.flow.authentication != AuthKind::Mtls
                && f.from.kind.is_process()
                && f.to.kind.is_process()
                && !ctx.untrusted(f.info.from)
                && !ctx.untrusted(f.info.to)
            {
                r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} between two internal services uses TLS without client certificates.",
                        flow_desc(&f)
                    ),
                    format!("Set `encryption: mtls` on flow `{}`.", f.flow.id),
                )
                .change = Some(Change::FlowEncryption {
                    flow: f.flow.id.clone(),
                    to: Encryption::Mtls,
                });
            }
        }
    },
};

pub static PLAINTEXT_DATASTORE_CONNECTION: Rule = Rule {
    id: "plaintext-datastore-connection",
    title: "Plaintext connection to a data store",
    family: Family::UnprotectedLinks,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    severity: Severity::Medium,
    explanation: "A connection to a database, cache, queue or secret store is not encrypted: \
        queries, results and the database credentials cross the network in the clear. Raised to \
        high when the flow or the store holds confidential or restricted data.",
    mitigation: "Require TLS on the store (e.g. PostgreSQL `hostssl` with `sslmode=verify-full` \
        on clients, Redis `tls-port`), and verify the server certificate.",
    check: |ctx, r| {
        for f in ctx.flows() {
            if plaintext(&f) && f.to.kind.is_store() {
                let finding = r.report(
                    &[&f.flow.id],
                    format!(
                        "Flow {} connects to {} `{}` over {} without encryption{}.",
                        flow_desc(&f),
                        f.to.kind.label().to_lowercase(),
                        f.to.id,
                        protocol(&f),
                        sensitive_note(ctx, &f)
                    ),
                    format!("Set `encryption: tls` on flow `{}`.", f.flow.id),
                );
                finding.change = Some(Change::FlowEncryption {
                    flow: f.flow.id.clone(),
                    to: Encryption::Tls,
                });
                if f.info.data.is_sensitive() || f.to_info.stored.is_sensitive() {
                    finding.severity = Severity::High;
                } else if f.flow.access == crate::model::Access::Read
                    && !f.info.crosses
                    && f.info.data.class == Some(crate::model::Classification::Public)
                    && f.to_info
                        .stored
                        .class
                        .is_none_or(|c| c == crate::model::Classification::Public)
                {
                    // Reading public content inside one zone: little to lose.
                    finding.severity = Severity::Low;
                }
            }
        }
    },
};

pub static SENSITIVE_DATA_TO_EXTERNAL_ENTITY: Rule = Rule {
    id: "sensitive-data-to-external-entity",
    title: "Sensitive data shared with an external system without an agreement",
    family: Family::UnprotectedLinks,
    stride: &[Stride::InformationDisclosure],
    severity: Severity::Medium,
    explanation: "Confidential or restricted data (other than personal or health data, which \
        regulated-data-to-third-party covers) is exchanged with an external system, and the \
        model records no agreement with its operator. Once data leaves, its protection depends \
        entirely on that party.",
    mitigation: "Send only what the partner needs (tokens instead of card numbers, aggregates \
        instead of records), and record the contract or attestation that covers the data \
        (`agreement: \"...\"` on the external system).",
    check: |ctx, r| {
        for f in ctx.flows() {
            let (external, internal) =
                match (external_system(f.from.kind), external_system(f.to.kind)) {
                    (false, true) => (f.to, f.from),
                    (true, false) => (f.from, f.to),
                    _ => continue,
                };
            if internal.kind.is_external() || external.agreement.is_some() {
                continue;
            }
            let names =
                ctx.describe_data(&f.flow.data, |d| d.is_sensitive() && !regulated_personal(d));
            if names.is_empty() {
                continue;
            }
            let finding = r.report(
                &[&f.flow.id],
                format!(
                    "Flow {} exchanges {names} with external system `{}`, which has no recorded agreement.",
                    flow_desc(&f),
                    external.id
                ),
                format!(
                    "Record the agreement on `{}` (`agreement: \"...\"`), or stop sending {names}.",
                    external.id
                ),
            );
            if f.flow
                .data
                .iter()
                .any(|d| ctx.asset(d).is_restricted() && !regulated_personal(ctx.asset(d)))
            {
                finding.severity = Severity::High;
            }
        }
    },
};

fn external_system(kind: NodeKind) -> bool {
    kind == NodeKind::ExternalSystem
}

fn regulated_personal(d: crate::analysis::context::DataSet) -> bool {
    d.has(crate::model::DataTag::Pii) || d.has(crate::model::DataTag::Phi)
}

pub static CREDENTIALS_IN_CLEARTEXT: Rule = Rule {
    id: "credentials-in-cleartext",
    title: "Credentials sent over an unencrypted flow",
    family: Family::UnprotectedLinks,
    stride: &[Stride::Spoofing, Stride::InformationDisclosure],
    severity: Severity::High,
    explanation: "The flow authenticates with a password, API key, session cookie or token, but \
        is not encrypted: anyone on the path can copy the credential and replay it. This is \
        worse than no encryption alone, because the stolen credential works elsewhere too.",
    mitigation: "Encrypt the flow (TLS 1.2+), then rotate the credentials that have been sent \
        in the clear.",
    check: check_credentials_in_cleartext,
};

fn check_weak_tls(ctx: &Ctx<'_>, r: &mut Reporter<'_>) {
    for f in ctx.flows() {
        let Some(min) = f.flow.effective_tls_min() else {
            continue;
        };
        if min < TlsVersion::Tls12 {
            let finding = r.report(
                &[&f.flow.id],
                format!(
                    "Flow {} accepts {} and later{}.",
                    flow_desc(&f),
                    min.label(),
                    sensitive_note(ctx, &f)
                ),
                format!("Set `tls_min: tls1_2` on flow `{}`.", f.flow.id),
            );
            finding.change = Some(Change::FlowTlsMin {
                flow: f.flow.id.clone(),
                to: TlsVersion::Tls12,
            });
            if f.info.data.is_sensitive()
                && (ctx.untrusted(f.info.from) || min <= TlsVersion::Tls10)
            {
                finding.severity = Severity::High;
            }
        }
    }
}

fn check_credentials_in_cleartext(ctx: &Ctx<'_>, r: &mut Reporter<'_>) {
    for f in ctx.flows() {
        if plaintext(&f)
            && f.flow.authentication.authenticates()
            && f.flow.authentication != AuthKind::Mtls
        {
            r.report(
                &[&f.flow.id],
                format!(
                    "Flow {} sends {} credentials over {} without encryption.",
                    flow_desc(&f),
                    f.flow.authentication.label(),
                    protocol(&f)
                ),
                format!(
                    "Set `encryption: tls` on flow `{}` and rotate the credentials.",
                    f.flow.id
                ),
            )
            .change = Some(Change::FlowEncryption {
                flow: f.flow.id.clone(),
                to: Encryption::Tls,
            });
        }
    }
}

pub static HIGH_INTEGRITY_DATA_WITHOUT_INTEGRITY_PROTECTION: Rule = Rule {
    id: "high-integrity-data-without-integrity-protection",
    title: "Data whose integrity matters sent without integrity protection",
    family: Family::UnprotectedLinks,
    stride: &[Stride::Tampering],
    severity: Severity::Medium,
    explanation: "A network flow carries data rated high or critical for integrity (prices, \
        orders, payments, configuration, medical records) without TLS, which is also what \
        protects it from being changed on the way: anyone on the path can rewrite it unseen. \
        Severity follows the rating: medium for high, high for critical.",
    mitigation: "Use TLS (or message signatures such as JWS or HMAC for store-and-forward \
        paths) on every link that carries the data, and verify it end to end.",
    check: |ctx, r| {
        // The assets rated high or critical for integrity (few; most models rate none).
        let rated: std::collections::HashMap<&str, crate::model::Rating> = ctx
            .model
            .assets
            .iter()
            .filter_map(|a| {
                a.integrity
                    .filter(|r| *r >= crate::model::Rating::High)
                    .map(|r| (a.id.as_str(), r))
            })
            .collect();
        if rated.is_empty() {
            return;
        }
        for f in ctx.flows() {
            if !plaintext(&f) {
                continue;
            }
            let assets: Vec<&str> = f
                .flow
                .data
                .iter()
                .map(String::as_str)
                .filter(|d| rated.contains_key(d))
                .collect();
            let Some(rating) = assets.iter().filter_map(|d| rated.get(d)).max().copied() else {
                continue;
            };
            let finding = r.report(
                &[&f.flow.id],
                format!(
                    "Flow {} carries {} (integrity {}) without encryption: it can be changed in transit.",
                    flow_desc(&f),
                    assets.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                    rating.label().to_lowercase()
                ),
                format!("Set `encryption: tls` on flow `{}`.", f.flow.id),
            );
            finding.change = Some(Change::FlowEncryption {
                flow: f.flow.id.clone(),
                to: Encryption::Tls,
            });
            if rating == crate::model::Rating::Critical {
                finding.severity = Severity::High;
            }
        }
    },
};
