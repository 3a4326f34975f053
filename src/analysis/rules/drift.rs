//! Family 5, drift: differences between what the model declares about an endpoint and what the
//! live endpoint does. These rules have no static check: `rampart verify` (crate::verify) probes
//! the endpoints and reports their findings. They live in the catalog so that rule listings,
//! SARIF, compliance mapping and risk decisions treat them like every other rule.

use crate::analysis::{Family, Rule, Severity, Stride};

/// Drift rules are reported by verification, never by the static analysis.
fn live_only(_: &crate::analysis::Ctx<'_>, _: &mut crate::analysis::Reporter<'_>) {}

pub static PLAINTEXT_WHERE_TLS_DECLARED: Rule = Rule {
    id: "drift.plaintext-where-tls-declared",
    title: "Endpoint speaks plaintext where the model declares TLS",
    family: Family::Drift,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    severity: Severity::High,
    explanation: "The model declares this link encrypted, but the live endpoint answered a TLS \
        ClientHello with plaintext (often HTTP) or closed the connection. Every finding the \
        analysis cleared because the link was encrypted is wrong for the deployed system.",
    mitigation: "Terminate TLS on the endpoint (and refuse plaintext), or correct the model so \
        the analysis sees the plaintext link.",
    check: live_only,
};

pub static TLS_VERSION_BELOW_DECLARED: Rule = Rule {
    id: "drift.tls-version-below-declared",
    title: "Endpoint accepts a TLS version below the declared minimum",
    family: Family::Drift,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    severity: Severity::Medium,
    explanation: "The model declares a minimum TLS version for this link, and the live endpoint \
        completed a handshake with an older one. A client or attacker can downgrade the link to \
        the older protocol and its weaknesses.",
    mitigation: "Disable the older protocol versions on the server (for example \
        `ssl_protocols TLSv1.2 TLSv1.3;`), or lower the declared minimum if that is the truth.",
    check: live_only,
};

pub static MTLS_NOT_ENFORCED: Rule = Rule {
    id: "drift.mtls-not-enforced",
    title: "Endpoint does not require the client certificate the model declares",
    family: Family::Drift,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    severity: Severity::High,
    explanation: "The model declares mutual TLS for this link, but the live endpoint completes \
        the handshake without a client certificate. Any client that reaches the port can call \
        the service as if it were a trusted peer.",
    mitigation: "Require and verify client certificates on the endpoint (for example \
        `ssl_verify_client on;`), or correct the model.",
    check: live_only,
};

pub static AUTH_NOT_ENFORCED: Rule = Rule {
    id: "drift.auth-not-enforced",
    title: "Endpoint answers without the authentication the model declares",
    family: Family::Drift,
    stride: &[Stride::Spoofing, Stride::InformationDisclosure],
    severity: Severity::Critical,
    explanation: "The model declares that callers authenticate on this link, but the live \
        endpoint answered a request without any credentials with a success status. The control \
        the diagram relies on is not deployed.",
    mitigation: "Enforce authentication on the endpoint for every route, including the one \
        declared in the model, and add a test that calls it without credentials.",
    check: live_only,
};

pub static FORGED_TOKEN_ACCEPTED: Rule = Rule {
    id: "drift.forged-token-accepted",
    title: "Endpoint accepts forged or invalid tokens",
    family: Family::Drift,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    severity: Severity::Critical,
    explanation: "The model declares token authentication on this link, and the live endpoint \
        accepted a token it must refuse: unsigned (alg none), with a stripped or tampered \
        signature, signed with the issuer's public key as an HMAC secret, with an ECDSA \
        signature of zeros, expired, or for another audience. Anyone can mint such tokens.",
    mitigation: "Verify tokens with a pinned algorithm list and the issuer's keys, and check \
        `exp`, `nbf`, `iss` and `aud`; use a maintained JWT library's strict validation.",
    check: live_only,
};

pub static CERTIFICATE_PROBLEM: Rule = Rule {
    id: "drift.certificate-problem",
    title: "Endpoint's certificate fails validation",
    family: Family::Drift,
    stride: &[Stride::Spoofing, Stride::InformationDisclosure],
    severity: Severity::High,
    explanation: "The model declares TLS for this link, but the certificate the live endpoint \
        presents is expired, not yet valid, untrusted, self-signed or issued for another name. \
        Clients either fail or were configured to skip verification, which lets anyone on the \
        path impersonate the server.",
    mitigation: "Serve a certificate from a CA the clients trust, for the name they connect \
        to, and renew it automatically.",
    check: live_only,
};

pub static ENDPOINT_UNREACHABLE: Rule = Rule {
    id: "drift.endpoint-unreachable",
    title: "Declared endpoint cannot be reached",
    family: Family::Drift,
    stride: &[Stride::DenialOfService],
    severity: Severity::Low,
    explanation: "The model names a live endpoint for this element, but nothing answered there \
        within the time limit. Either the model is out of date, or the endpoint is down; either \
        way nothing about it could be verified.",
    mitigation: "Correct the endpoint in the model, or make it reachable from where \
        verification runs (and keep its settings, such as the CA file, current).",
    check: live_only,
};
