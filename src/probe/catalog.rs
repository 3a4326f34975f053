//! Every check the probes report, declared once: id, title, its highest severity, what it means
//! and the drift rule it feeds when `rampart verify` finds it on a declared endpoint. The
//! probes take titles from here, verify groups checks by the drift rule they feed, and
//! `rampart rules` lists them. (A test reads the probes' source and fails on an id missing here.)

use crate::vocab::Severity;

/// One probe check.
#[derive(Debug)]
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    /// The severity it is reported with (the highest, where the evidence sets it).
    pub severity: Severity,
    pub explanation: &'static str,
    /// The drift rule a finding of this check becomes on a verified endpoint.
    pub drift: Option<&'static str>,
}

macro_rules! checks {
    ($($id:literal, $sev:ident, $title:literal, $drift:expr, $why:literal;)+) => {
        /// The catalog, TLS checks then JWT checks.
        pub static CHECKS: &[Check] = &[$(Check {
            id: $id,
            title: $title,
            severity: Severity::$sev,
            explanation: $why,
            drift: $drift,
        }),+];
    };
}

const PLAINTEXT: Option<&str> = Some("drift.plaintext-where-tls-declared");
const UNREACHABLE: Option<&str> = Some("drift.endpoint-unreachable");
const CERT: Option<&str> = Some("drift.certificate-problem");
const VERSION: Option<&str> = Some("drift.tls-version-below-declared");
const AUTH: Option<&str> = Some("drift.auth-not-enforced");
const FORGED: Option<&str> = Some("drift.forged-token-accepted");

checks! {
    "tls.no-tls", High, "The endpoint does not speak TLS", PLAINTEXT,
        "The port answered in plaintext, or closed the connection on every ClientHello.";
    "tls.unreachable", High, "The endpoint cannot be reached", UNREACHABLE,
        "No TCP connection could be made within the time limit.";
    "tls.handshake-failed", High, "The endpoint did not complete a TLS handshake", PLAINTEXT,
        "Every handshake ended in an alert or silence: no protocol is accepted and no grade is given.";
    "tls.no-certificate", High, "The server's certificate could not be obtained and checked", CERT,
        "No handshake yielded a certificate, so trust, expiry and host name are unchecked.";
    "tls.probe-incomplete", High, "The probe could not finish its checks", None,
        "The server stalled or answered too much; skipped checks mean the result is not a verdict.";
    "tls.legacy-protocol", High, "Deprecated protocol versions accepted", VERSION,
        "SSLv3, TLS 1.0 or TLS 1.1 completes a handshake (high for SSLv3, medium for 1.0/1.1).";
    "tls.no-modern-protocol", High, "Neither TLS 1.2 nor TLS 1.3 accepted", None,
        "The server speaks only versions older than TLS 1.2, which current clients no longer offer: they cannot connect, and what can is broken. Caps the grade at C, as SSL Labs does.";
    "tls.weak-cipher", Critical, "Weak cipher suites accepted", None,
        "NULL, anonymous, EXPORT, RC4, DES or 3DES suites are accepted (critical when broken).";
    "tls.no-forward-secrecy", High, "No forward secrecy", None,
        "Some or all accepted suites use static RSA key exchange.";
    "tls.no-aead", Medium, "Only CBC-mode cipher suites", None,
        "No AEAD suite (GCM, ChaCha20-Poly1305) is accepted.";
    "tls.weak-dh", High, "Weak Diffie-Hellman group", None,
        "The server's DH group is under 2048 bits (high under 1024).";
    "tls.cert-expired", High, "Certificate expired", CERT,
        "The leaf certificate's notAfter is in the past.";
    "tls.cert-expiring-soon", Medium, "Certificate expires soon", None,
        "The leaf certificate expires within 30 days.";
    "tls.cert-not-yet-valid", High, "Certificate not yet valid", CERT,
        "The leaf certificate's notBefore is in the future.";
    "tls.cert-self-signed", High, "Self-signed certificate", CERT,
        "The leaf certificate signs itself.";
    "tls.cert-untrusted", High, "Certificate chain not trusted", CERT,
        "The chain does not lead to the web roots or to the given CA.";
    "tls.cert-chain-nonconformant", Low, "Certificate chain breaks RFC 5280 rules that strict clients enforce", None,
        "Trusted, but a CA lacks keyCertSign, critical basicConstraints or key identifiers; OpenSSL's strict mode refuses it.";
    "tls.cert-chain-includes-root", Info, "Certificate chain includes its root", None,
        "The server sends the self-signed root with its chain; clients ignore it (they trust the roots they hold), so it only adds bytes to every handshake.";
    "tls.cert-chain-out-of-order", Low, "Certificate chain out of order", None,
        "A certificate the server sends does not issue the one before it (RFC 8446 4.4.2): an unrelated or misordered certificate that strict and older clients cannot build a path through.";
    "tls.cert-hostname-mismatch", High, "Certificate does not match the host name", CERT,
        "No subject alternative name matches the host probed.";
    "tls.weak-key", Critical, "Weak certificate key", None,
        "An RSA key under 2048 bits (critical under 1024) or a weak curve.";
    "tls.weak-signature", High, "Weak certificate signature", None,
        "The certificate is signed with SHA-1 or MD5.";
    "tls.no-hsts", Low, "HTTPS without HSTS", None,
        "An HTTPS endpoint sends no Strict-Transport-Security header.";
    "tls.heartbleed", Critical, "Vulnerable to Heartbleed (CVE-2014-0160)", None,
        "A heartbeat claiming more bytes than it carries is answered with the claimed length: the server leaks its memory (keys, passwords). Caps the grade at F.";
    "tls.ccs-injection", High, "Vulnerable to CCS injection (CVE-2014-0224)", None,
        "An early ChangeCipherSpec is accepted, so a man in the middle can force weak session keys. Caps the grade at F.";
    "tls.robot", Critical, "Vulnerable to ROBOT (Bleichenbacher oracle, CVE-2017-13099)", None,
        "Malformed PKCS#1 key exchanges get a different answer than a well-formed one: the server is a decryption oracle, so recorded RSA sessions can be decrypted and its key used to sign. Caps the grade at F.";
    "tls.client-renegotiation", Medium, "Client-initiated renegotiation accepted", None,
        "Inside a completed TLS 1.2 (or 1.1, 1.0) session, a new ClientHello from the client is answered: every renegotiation makes the server redo a key exchange at little cost to the client, a denial-of-service lever. Caps the grade at A-.";
    "tls.insecure-renegotiation", High, "Secure renegotiation (RFC 5746) not supported", None,
        "The ServerHello carries no renegotiation_info: a renegotiation can prefix an attacker's request to the victim's session. Caps the grade at C.";
    "tls.compression", High, "TLS compression enabled (CRIME)", None,
        "Offered DEFLATE, the server compresses: secrets such as cookies leak through record sizes. Caps the grade at C.";
    "tls.no-extended-master-secret", Low, "No extended master secret (RFC 7627)", None,
        "The server does not bind the master secret to the handshake, leaving triple-handshake attacks open.";
    "tls.no-fallback-scsv", Medium, "TLS_FALLBACK_SCSV not honoured", None,
        "A fallback hello below the server's best version is accepted, so a forced downgrade goes unnoticed. Caps the grade at A-.";
    "tls.no-ocsp-stapling", High, "No OCSP stapling", None,
        "The server sends no OCSP response with its certificate (info; high when the certificate says must-staple).";
    "tls.early-data", Medium, "TLS 1.3 0-RTT early data accepted", None,
        "Early data can be replayed by an attacker: only idempotent requests may travel in it.";
    "tls.no-server-cipher-order", Low, "The server follows the client's cipher order", None,
        "The suite chosen is the client's first choice, so clients that prefer weak suites get them.";
    "tls.no-post-quantum", Info, "No post-quantum key exchange", None,
        "A TLS 1.3 server accepting no hybrid ML-KEM group (X25519MLKEM768): recorded traffic is exposed to future quantum decryption.";
    "tls.sslv2", Critical, "SSL 2.0 accepted (DROWN)", None,
        "An SSLv2 CLIENT-HELLO is answered with a SERVER-HELLO: SSL 2.0 is broken, and DROWN (CVE-2016-0800) uses it to decrypt TLS sessions of any server sharing the RSA key. Caps the grade at F.";
    "tls.beast", Low, "CBC suites in TLS 1.0 or SSLv3 (BEAST)", None,
        "Predictable CBC IVs in SSLv3/TLS 1.0 let an attacker who injects traffic decrypt cookies.";
    "tls.lucky13", Low, "CBC suites (Lucky Thirteen)", None,
        "MAC-then-encrypt CBC suites are open to padding-timing attacks where the implementation is not constant-time.";
    "tls.sweet32", Medium, "64-bit block ciphers (SWEET32)", None,
        "3DES, DES, IDEA or RC2 suites: block collisions in long sessions reveal plaintext.";
    "jwt.alg-none", Critical, "The token is unsigned (alg none)", None,
        "The given token's header says alg none.";
    "jwt.invalid-time-claim", Medium, "A time claim is not a valid time", None,
        "exp, nbf or iat is not a number of seconds a clock can hold.";
    "jwt.no-expiry", High, "The token never expires", None,
        "The token has no exp claim.";
    "jwt.long-lifetime", Medium, "The token lives longer than a day", None,
        "exp minus iat is more than 24 hours.";
    "jwt.no-issuer", Low, "The token names no issuer", None,
        "The token has no iss claim.";
    "jwt.no-audience", Medium, "The token names no audience", None,
        "The token has no aud claim, so any service accepting the issuer accepts it.";
    "jwt.time-in-future", Low, "Token timestamps in the future", None,
        "iat or nbf lies ahead of the clock.";
    "jwt.sensitive-claims", Medium, "The token carries personal or sensitive data", None,
        "Names, e-mail addresses, card numbers or national ids in readable claims.";
    "jwt.embedded-key-header", Medium, "The token points to its own verification key", None,
        "jku, x5u, jwk or x5c headers let a forger name the key that verifies them.";
    "jwt.weak-hmac-secret", Critical, "The HMAC secret is a common one", None,
        "The token's HS256/384/512 signature verifies with an empty or common secret.";
    "jwt.alg-none-advertised", High, "The issuer advertises unsigned tokens", None,
        "The discovery document lists none among signing algorithms.";
    "jwt.symmetric-alg-advertised", Medium, "The issuer advertises shared-secret signatures", None,
        "The discovery document lists HMAC algorithms, which every verifier could forge with.";
    "jwt.discovery-not-https", High, "Issuer metadata over plain HTTP", None,
        "The discovery document or JWKS is fetched without TLS.";
    "jwt.weak-jwks-key", High, "Weak signing key in the JWKS", None,
        "An RSA key under 2048 bits or a symmetric key is published.";
    "jwt.jwks-problem", Medium, "The JWKS is ambiguous or unsafe", None,
        "Keys without kid, duplicate kids, or more keys than the probe tries.";
    "jwt.unauthenticated-access", Critical, "The endpoint answers without a token", AUTH,
        "A request with no credentials gets a 2xx answer.";
    "jwt.expired-accepted", High, "Expired tokens are accepted", FORGED,
        "A token past its exp is accepted.";
    "jwt.signature-not-verified", Critical, "Token signatures are not verified", FORGED,
        "A token whose payload was changed under its original signature is accepted.";
    "jwt.wrong-audience-accepted", High, "Tokens for another audience are accepted", FORGED,
        "A token for another aud is accepted.";
    "jwt.alg-none-accepted", Critical, "Unsigned tokens (alg none) are accepted", FORGED,
        "A token with alg none (in any spelling) and no signature is accepted.";
    "jwt.psychic-signature-accepted", Critical, "ECDSA signatures of zeros are accepted (CVE-2022-21449)", FORGED,
        "An ES256/384/512 token with r = s = 0 is accepted.";
    "jwt.key-confusion", Critical, "Algorithm confusion: HS256 tokens signed with the public key are accepted", FORGED,
        "An HS256 token keyed with the JWKS public key is accepted.";
}

/// A check by id.
#[must_use]
pub fn check(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The ids of the checks that feed a drift rule.
pub fn feeding(drift: &'static str) -> impl Iterator<Item = &'static str> {
    CHECKS
        .iter()
        .filter(move |c| c.drift == Some(drift))
        .map(|c| c.id)
}
