//! The one ordered list of every rule. The CLI's `rules` command, SARIF's `tool.driver.rules`,
//! the GUI's rule browser and the PDF appendix all read it; nothing else lists rules.

use super::Rule;
use super::rules::{auth, drift, estate, hygiene, links, privilege};

/// Every rule, by family, in the order reports list them.
pub static RULES: &[&Rule] = &[
    // Unprotected links
    &links::UNENCRYPTED_CROSS_BOUNDARY_FLOW,
    &links::UNENCRYPTED_SENSITIVE_FLOW,
    &links::CREDENTIALS_IN_CLEARTEXT,
    &links::WEAK_TLS_VERSION,
    &links::MISSING_MTLS_SERVICE_TO_SERVICE,
    &links::PLAINTEXT_DATASTORE_CONNECTION,
    &links::SENSITIVE_DATA_TO_EXTERNAL_ENTITY,
    &links::HIGH_INTEGRITY_DATA_WITHOUT_INTEGRITY_PROTECTION,
    // Missing authentication
    &auth::UNAUTHENTICATED_INTERNET_ENTRY,
    &auth::UNAUTHENTICATED_CROSS_BOUNDARY_FLOW,
    &auth::UNAUTHENTICATED_DATASTORE_ACCESS,
    &auth::ANONYMOUS_SERVICE_CALL,
    &auth::MISSING_MFA_FOR_HUMAN_ACCESS,
    &auth::GATEWAY_BYPASS,
    &auth::WEAK_AUTHENTICATION_OVER_INTERNET,
    &auth::UNGUARDED_ACCESS_FROM_INTERNET,
    &auth::ADMIN_ACCESS_FROM_INTERNET,
    &auth::WEAK_ADMIN_AUTHENTICATION,
    &auth::SECRET_STORE_WITHOUT_STRONG_AUTHENTICATION,
    // Over-privileged paths
    &privilege::ATTACK_PATH_TO_SENSITIVE_DATA,
    &privilege::CONFUSED_DEPUTY,
    &privilege::UNNECESSARY_WRITE_ACCESS,
    &privilege::ADMIN_ACCESS_FROM_EXPOSED_SERVICE,
    &privilege::EXCESSIVE_BLAST_RADIUS,
    &privilege::MISSING_NETWORK_SEGMENTATION,
    &privilege::SHARED_SERVICE_IDENTITY,
    &privilege::MISSING_IDENTITY_PROPAGATION,
    &privilege::MISSING_VAULT_ISOLATION,
    &privilege::MISSING_IDENTITY_PROVIDER_ISOLATION,
    &privilege::THIRD_PARTY_WRITE_ACCESS,
    &privilege::SHARED_STORE_ACROSS_TRUST_LEVELS,
    &privilege::INTERNET_FACING_DATA_STORE,
    &estate::MIXED_TARGETS_ON_SHARED_RUNTIME,
    &estate::RUNTIME_ESCAPE_REACH,
    &estate::CODE_BACKDOORING,
    &estate::PUSH_DEPLOYMENT_INTO_TRUSTED_ZONE,
    // Compliance and hygiene
    &hygiene::UNENCRYPTED_SENSITIVE_STORAGE,
    &hygiene::MISSING_AUDIT_LOGGING,
    &hygiene::SECRETS_OUTSIDE_VAULT,
    &hygiene::MISSING_VAULT,
    &hygiene::MISSING_WAF,
    &hygiene::DOS_RISKY_ACCESS_ACROSS_TRUST_BOUNDARY,
    &hygiene::UNAUDITED_ADMIN_ACCESS,
    &hygiene::STATIC_CREDENTIALS_TO_THIRD_PARTY,
    &hygiene::MISSING_RATE_LIMITING,
    &hygiene::PCI_SCOPE_LEAK,
    &hygiene::REGULATED_DATA_TO_THIRD_PARTY,
    &hygiene::PRIVILEGED_RUNTIME,
    &hygiene::UNNECESSARY_DATA_TRANSFER,
    &hygiene::UNNECESSARY_COMMUNICATION_LINK,
    &estate::MISSING_BUILD_INFRASTRUCTURE,
    &hygiene::INCOMPLETE_MODEL,
    // Drift from the deployed system (reported by `rampart verify`)
    &drift::PLAINTEXT_WHERE_TLS_DECLARED,
    &drift::TLS_VERSION_BELOW_DECLARED,
    &drift::MTLS_NOT_ENFORCED,
    &drift::AUTH_NOT_ENFORCED,
    &drift::FORGED_TOKEN_ACCEPTED,
    &drift::CERTIFICATE_PROBLEM,
    &drift::ENDPOINT_UNREACHABLE,
];

/// A rule by id.
#[must_use]
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}
