//! A token issuer (RSA key, OIDC discovery, JWKS) and JWT-protected APIs on 127.0.0.1, each
//! verifying tokens with jsonwebtoken, correctly or with one of the classic flaws.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use x509_parser::prelude::FromDer;

use super::{HttpServer, Request, Response, http_server};

pub const AUDIENCE: &str = "orders-api";
pub const KID: &str = "orders-2026";

/// The issuer's key pair (RSA for RS256, or P-256 for ES256) and its JWK.
pub struct Signer {
    pub alg: Algorithm,
    pub private_pem: String,
    pub public_pem: String,
    pub jwk: Value,
}

impl Signer {
    /// An ES256 issuer (P-256 key).
    pub fn es256() -> Self {
        use base64::Engine as _;
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let public_pem = key.public_key_pem();
        let spki_der = pem::parse(&public_pem).unwrap().into_contents();
        let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki_der).unwrap();
        // The uncompressed point: 0x04, then x and y, 32 bytes each.
        let point = spki.subject_public_key.data.to_vec();
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": KID, "use": "sig", "alg": "ES256",
            "x": b64(&point[1..33]), "y": b64(&point[33..65]),
        });
        Signer {
            alg: Algorithm::ES256,
            private_pem: key.serialize_pem(),
            public_pem,
            jwk,
        }
    }

    /// An RS256 issuer (2048-bit RSA key).
    pub fn new() -> Self {
        let key =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .unwrap();
        let public_pem = key.public_key_pem();
        let spki_der = pem::parse(&public_pem).unwrap().into_contents();
        let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki_der).unwrap();
        let x509_parser::public_key::PublicKey::RSA(rsa) = spki.parsed().unwrap() else {
            panic!("an RSA key")
        };
        let b64 = |bytes: &[u8]| {
            use base64::Engine as _;
            let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(trimmed)
        };
        let jwk = json!({
            "kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256",
            "n": b64(rsa.modulus), "e": b64(rsa.exponent),
        });
        Signer {
            alg: Algorithm::RS256,
            private_pem: key.serialize_pem(),
            public_pem,
            jwk,
        }
    }

    /// A token with these claims, signed with the issuer's key.
    pub fn token(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(KID.into());
        let key = if self.alg == Algorithm::ES256 {
            EncodingKey::from_ec_pem(self.private_pem.as_bytes())
        } else {
            EncodingKey::from_rsa_pem(self.private_pem.as_bytes())
        };
        jsonwebtoken::encode(&header, claims, &key.unwrap()).unwrap()
    }

    fn decoding_key(&self) -> DecodingKey {
        if self.alg == Algorithm::ES256 {
            DecodingKey::from_ec_pem(self.public_pem.as_bytes()).unwrap()
        } else {
            DecodingKey::from_rsa_pem(self.public_pem.as_bytes()).unwrap()
        }
    }
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Well-formed claims for `iss`: audience, subject, an hour of lifetime.
pub fn claims(iss: &str) -> Value {
    json!({
        "iss": iss, "sub": "user-42", "aud": AUDIENCE, "scope": "orders:read",
        "iat": now(), "nbf": now(), "exp": now() + 3600,
    })
}

/// How an API checks its bearer tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// RS256 only, signature, expiry, audience and issuer checked.
    Secure,
    /// Trusts the header: alg none means "no signature to check".
    AlgNone,
    /// Decodes the payload and checks expiry, never the signature.
    NoSignatureCheck,
    /// Verifies with the algorithm the header names, and the public key PEM as the HMAC secret.
    KeyConfusion,
    /// Signature checked, `exp` not.
    IgnoresExpiry,
    /// Signature checked, `aud` not.
    IgnoresAudience,
    /// No authentication at all.
    NoAuth,
    /// ES256 verified as Java 15-18 did (CVE-2022-21449): a signature of zeros passes.
    PsychicSignature,
}

fn header_alg(token: &str) -> Option<String> {
    use base64::Engine as _;
    let head = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    Some(v.get("alg")?.as_str()?.to_string())
}

fn payload(token: &str) -> Option<Value> {
    use base64::Engine as _;
    let body = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn check(signer: &Signer, iss: &str, flaw: Flaw, token: Option<&str>) -> bool {
    if flaw == Flaw::NoAuth {
        return true;
    }
    let Some(token) = token else { return false };
    let unexpired = |claims: &Value| {
        claims
            .get("exp")
            .and_then(Value::as_i64)
            .is_some_and(|e| e > now())
    };
    match flaw {
        Flaw::AlgNone if header_alg(token).is_some_and(|a| a.eq_ignore_ascii_case("none")) => {
            return payload(token).is_some_and(|c| unexpired(&c));
        }
        Flaw::NoSignatureCheck => return payload(token).is_some_and(|c| unexpired(&c)),
        Flaw::PsychicSignature if zero_signature(token) => {
            return payload(token).is_some_and(|c| unexpired(&c));
        }
        Flaw::KeyConfusion if header_alg(token).as_deref() == Some("HS256") => {
            let mut v = Validation::new(Algorithm::HS256);
            v.set_audience(&[AUDIENCE]);
            v.set_issuer(&[iss]);
            let key = DecodingKey::from_secret(signer.public_pem.as_bytes());
            return jsonwebtoken::decode::<Value>(token, &key, &v).is_ok();
        }
        _ => {}
    }
    let mut v = Validation::new(signer.alg);
    v.set_audience(&[AUDIENCE]);
    v.set_issuer(&[iss]);
    v.validate_nbf = true;
    if flaw == Flaw::IgnoresExpiry {
        v.validate_exp = false;
        v.required_spec_claims.remove("exp");
    }
    if flaw == Flaw::IgnoresAudience {
        v.validate_aud = false;
    }
    jsonwebtoken::decode::<Value>(token, &signer.decoding_key(), &v).is_ok()
}

/// Whether the token's signature is all zero bytes.
fn zero_signature(token: &str) -> bool {
    use base64::Engine as _;
    token
        .split('.')
        .nth(2)
        .and_then(|s| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .ok()
        })
        .is_some_and(|sig| !sig.is_empty() && sig.iter().all(|b| *b == 0))
}

/// An API at `/orders` that is also its own issuer (discovery and JWKS under the same origin),
/// so tokens name `iss` = the server's base URL.
pub fn jwt_api(signer: Arc<Signer>, flaw: Flaw, tls: Option<rustls::ServerConfig>) -> HttpServer {
    jwt_api_slow(signer, flaw, tls, std::time::Duration::ZERO)
}

/// [`jwt_api`] answering each request after `delay` (a network round trip, for benchmarks).
pub fn jwt_api_slow(
    signer: Arc<Signer>,
    flaw: Flaw,
    tls: Option<rustls::ServerConfig>,
    delay: std::time::Duration,
) -> HttpServer {
    let scheme = if tls.is_some() { "https" } else { "http" };
    http_server(tls, move |port| {
        let base = format!("{scheme}://127.0.0.1:{port}");
        move |r: &Request| {
            std::thread::sleep(delay);
            route(&signer, &base, flaw, r)
        }
    })
}

fn route(signer: &Signer, base: &str, flaw: Flaw, r: &Request) -> Response {
    {
        match r.path.as_str() {
            "/.well-known/openid-configuration" => Response::json(&json!({
                "issuer": base,
                "jwks_uri": format!("{base}/jwks.json"),
                "id_token_signing_alg_values_supported": [format!("{:?}", signer.alg)],
            })),
            "/jwks.json" => Response::json(&json!({ "keys": [signer.jwk] })),
            _ if check(signer, base, flaw, r.bearer()) => Response::json(&json!({"orders": []})),
            _ => {
                let mut resp = Response::new(401, "unauthorized");
                resp.headers
                    .push(("WWW-Authenticate".into(), "Bearer".into()));
                resp
            }
        }
    }
}
