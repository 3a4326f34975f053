//! TLS 1.2, 1.1 and 1.0 sessions made by hand, for what rustls will not do: renegotiate, resume
//! by session id alone, speak the CBC and static-RSA suites many servers still run on, or speak
//! the versions before TLS 1.2 at all.
//!
//! The handshake is a real one: ECDHE (X25519, P-256, P-384), finite-field DHE or RSA key
//! exchange; AES-GCM, ChaCha20-Poly1305 or AES-CBC with HMAC records (TLS 1.0's CBC chains its
//! IV from record to record, TLS 1.1 sends it); the TLS 1.2 PRF with SHA-256 or SHA-384, or
//! TLS 1.0/1.1's MD5 and SHA-1 one, and extended master secret when the server echoes it.
//! Every primitive comes from aws-lc-rs (num-bigint for the DHE and RSA arithmetic; md-5 and
//! hmac for the half of the old PRF aws-lc-rs lacks). The server's Finished is
//! verified before a session is handed out, so a check that builds on one never reads a
//! broken handshake of ours as the server's answer. The server's key-exchange signature is not
//! checked: the probe looks at how the server behaves, it does not trust what it says.

use std::io::Write;
use std::time::{Duration, Instant};

use ::hmac::{Hmac, KeyInit, Mac as _};
use aws_lc_rs::aead::{self, AES_128_GCM, AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey};
use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey};
use aws_lc_rs::cipher::{
    AES_128, AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    UnboundCipherKey,
};
use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, SHA256, SHA384, digest};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::tls_prf::{P_SHA256, P_SHA384, Secret};
use md5::{Digest as _, Md5};
use num_bigint::BigUint;

use super::hello::{
    Answer, EXT_EMS, EXT_RENEGOTIATION_INFO, HelloSpec, alert_name, client_hello, describe_answer,
    message, random_bytes, server_share, start, version_name,
};
use super::suites::suite_name;
use super::vulns::{record, rsa_encrypt, rsa_key};
use super::{Prober, TlsReport};
use crate::probe::Stream;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kx {
    Ecdhe,
    Dhe,
    Rsa,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bulk {
    Gcm128,
    Gcm256,
    ChaCha,
    Cbc128,
    Cbc256,
}

/// The record MAC of a CBC suite (AEAD suites have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mac {
    Aead,
    Sha1,
    Sha256,
    Sha384,
}

use Bulk::{Cbc128, Cbc256, ChaCha, Gcm128, Gcm256};
use Kx::{Dhe, Ecdhe, Rsa};
use Mac::{Aead, Sha1, Sha256, Sha384};

/// The suites the hand-made handshake speaks, in the order offered (forward-secret AEAD first).
const SUITES: [(u16, Kx, Bulk, Mac); 27] = [
    (0xc02b, Ecdhe, Gcm128, Aead), // ECDHE-ECDSA-AES128-GCM-SHA256
    (0xc02f, Ecdhe, Gcm128, Aead), // ECDHE-RSA-AES128-GCM-SHA256
    (0xc02c, Ecdhe, Gcm256, Aead), // ECDHE-ECDSA-AES256-GCM-SHA384
    (0xc030, Ecdhe, Gcm256, Aead), // ECDHE-RSA-AES256-GCM-SHA384
    (0xcca9, Ecdhe, ChaCha, Aead), // ECDHE-ECDSA-CHACHA20-POLY1305
    (0xcca8, Ecdhe, ChaCha, Aead), // ECDHE-RSA-CHACHA20-POLY1305
    (0x009e, Dhe, Gcm128, Aead),   // DHE-RSA-AES128-GCM-SHA256
    (0x009f, Dhe, Gcm256, Aead),   // DHE-RSA-AES256-GCM-SHA384
    (0xccaa, Dhe, ChaCha, Aead),   // DHE-RSA-CHACHA20-POLY1305
    (0xc023, Ecdhe, Cbc128, Sha256),
    (0xc027, Ecdhe, Cbc128, Sha256),
    (0xc024, Ecdhe, Cbc256, Sha384),
    (0xc028, Ecdhe, Cbc256, Sha384),
    (0xc009, Ecdhe, Cbc128, Sha1),
    (0xc013, Ecdhe, Cbc128, Sha1),
    (0xc00a, Ecdhe, Cbc256, Sha1),
    (0xc014, Ecdhe, Cbc256, Sha1),
    (0x0067, Dhe, Cbc128, Sha256),
    (0x006b, Dhe, Cbc256, Sha256),
    (0x0033, Dhe, Cbc128, Sha1),
    (0x0039, Dhe, Cbc256, Sha1),
    (0x009c, Rsa, Gcm128, Aead), // AES128-GCM-SHA256
    (0x009d, Rsa, Gcm256, Aead), // AES256-GCM-SHA384
    (0x003c, Rsa, Cbc128, Sha256),
    (0x003d, Rsa, Cbc256, Sha256),
    (0x002f, Rsa, Cbc128, Sha1), // AES128-SHA
    (0x0035, Rsa, Cbc256, Sha1), // AES256-SHA
];

const X25519: u16 = 0x001d;
const P256: u16 = 0x0017;
const P384: u16 = 0x0018;
const GROUPS: [u16; 3] = [X25519, P256, P384];

/// The suites offered at `version`: before TLS 1.2 only the CBC suites with SHA-1 MACs exist.
fn suite_ids(version: u16) -> Vec<u16> {
    SUITES
        .iter()
        .filter(|s| version >= 0x0303 || s.3 == Sha1)
        .map(|s| s.0)
        .collect()
}

/// The PRF and the transcript's hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prf {
    /// TLS 1.0 and 1.1 (RFC 2246 5): P_MD5 XOR P_SHA1; the transcript hash is MD5 || SHA-1.
    Md5Sha1,
    /// TLS 1.2 with SHA-256, the default.
    Sha256,
    /// TLS 1.2 with SHA-384, for the suites named so.
    Sha384,
}

impl Prf {
    fn of(version: u16, bulk: Bulk, mac: Mac) -> Prf {
        if version < 0x0303 {
            Prf::Md5Sha1
        } else if bulk == Gcm256 || mac == Sha384 {
            Prf::Sha384
        } else {
            Prf::Sha256
        }
    }
}

/// The 13 bytes a record's MAC or AEAD tag covers besides the plaintext.
fn header(version: u16, seq: u64, kind: u8, len: usize) -> Option<[u8; 13]> {
    let mut h = [0u8; 13];
    h[..8].copy_from_slice(&seq.to_be_bytes());
    h[8] = kind;
    h[9..11].copy_from_slice(&version.to_be_bytes());
    h[11..].copy_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
    Some(h)
}

enum Cipher {
    /// AES-GCM: a 4-byte salt, the sequence number as the explicit nonce.
    Gcm(LessSafeKey, [u8; 4]),
    /// ChaCha20-Poly1305 (RFC 7905): the IV XORed with the sequence number, nothing explicit.
    ChaCha(LessSafeKey, [u8; 12]),
    /// AES-CBC with HMAC (MAC, then pad, then encrypt), one direction each. TLS 1.0 chains
    /// the IV (the last ciphertext block of the record before, held here); later versions
    /// send a fresh one with each record (`None` here).
    CbcOut(EncryptingKey, hmac::Key, Option<[u8; 16]>),
    CbcIn(DecryptingKey, hmac::Key, Option<[u8; 16]>),
}

/// One direction's record protection and sequence number.
pub(super) struct Direction {
    cipher: Cipher,
    seq: u64,
    version: u16,
}

/// The last 16 bytes of a CBC ciphertext: TLS 1.0's IV for the next record.
fn last_block(data: &[u8]) -> Option<[u8; 16]> {
    data.get(data.len().checked_sub(16)?..)?.try_into().ok()
}

impl Direction {
    /// A whole record of `kind` carrying `plain`, protected.
    fn seal(&mut self, kind: u8, plain: &[u8]) -> Option<Vec<u8>> {
        let aad = header(self.version, self.seq, kind, plain.len())?;
        let body = match &mut self.cipher {
            Cipher::Gcm(key, salt) => {
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(salt);
                nonce[4..].copy_from_slice(&self.seq.to_be_bytes());
                let mut sealed = plain.to_vec();
                key.seal_in_place_append_tag(
                    aead::Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    &mut sealed,
                )
                .ok()?;
                [&self.seq.to_be_bytes()[..], &sealed].concat()
            }
            Cipher::ChaCha(key, iv) => {
                let mut sealed = plain.to_vec();
                key.seal_in_place_append_tag(
                    chacha_nonce(iv, self.seq),
                    Aad::from(aad),
                    &mut sealed,
                )
                .ok()?;
                sealed
            }
            Cipher::CbcOut(key, mac, chained) => {
                let tag = hmac::sign(mac, &[&aad[..], plain].concat());
                let mut data = [plain, tag.as_ref()].concat();
                let pad = 15 - data.len() % 16;
                data.extend(std::iter::repeat_n(u8::try_from(pad).ok()?, pad + 1));
                let iv = chained.unwrap_or_else(random_bytes::<16>);
                key.less_safe_encrypt(&mut data, EncryptionContext::Iv128(FixedLength::from(iv)))
                    .ok()?;
                if let Some(next) = chained {
                    *next = last_block(&data)?;
                    data
                } else {
                    [&iv[..], &data].concat()
                }
            }
            Cipher::CbcIn(..) => return None,
        };
        let mut out = vec![kind];
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&u16::try_from(body.len()).ok()?.to_be_bytes());
        out.extend_from_slice(&body);
        self.seq += 1;
        Some(out)
    }

    /// The plaintext of a received record body, or `None` when it does not verify.
    fn open(&mut self, kind: u8, body: &[u8]) -> Option<Vec<u8>> {
        let version = self.version;
        let plain = match &mut self.cipher {
            Cipher::Gcm(key, salt) => {
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(salt);
                nonce[4..].copy_from_slice(body.get(..8)?);
                let mut sealed = body.get(8..)?.to_vec();
                let aad = header(version, self.seq, kind, sealed.len().checked_sub(16)?)?;
                key.open_in_place(
                    aead::Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    &mut sealed,
                )
                .ok()?
                .to_vec()
            }
            Cipher::ChaCha(key, iv) => {
                let mut sealed = body.to_vec();
                let aad = header(version, self.seq, kind, sealed.len().checked_sub(16)?)?;
                key.open_in_place(chacha_nonce(iv, self.seq), Aad::from(aad), &mut sealed)
                    .ok()?
                    .to_vec()
            }
            Cipher::CbcIn(key, mac, chained) => {
                let (iv, mut data) = match chained {
                    Some(iv) => (*iv, body.to_vec()),
                    None => (body.get(..16)?.try_into().ok()?, body.get(16..)?.to_vec()),
                };
                if data.is_empty() || data.len() % 16 != 0 {
                    return None;
                }
                if let Some(next) = chained {
                    *next = last_block(&data)?;
                }
                let data = key
                    .decrypt(&mut data, DecryptionContext::Iv128(FixedLength::from(iv)))
                    .ok()?;
                let pad = usize::from(*data.last()?);
                let tag_len = mac.algorithm().digest_algorithm().output_len();
                let plain_len = data.len().checked_sub(pad + 1 + tag_len)?;
                if data[data.len() - pad - 1..]
                    .iter()
                    .any(|b| usize::from(*b) != pad)
                {
                    return None;
                }
                let (plain, rest) = data.split_at(plain_len);
                let aad = header(version, self.seq, kind, plain_len)?;
                hmac::verify(mac, &[&aad[..], plain].concat(), &rest[..tag_len]).ok()?;
                plain.to_vec()
            }
            Cipher::CbcOut(..) => return None,
        };
        self.seq += 1;
        Some(plain)
    }
}

fn chacha_nonce(iv: &[u8; 12], seq: u64) -> aead::Nonce {
    let mut nonce = *iv;
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    aead::Nonce::assume_unique_for_key(nonce)
}

/// The lengths of a suite's MAC key, cipher key and implicit IV in the key block (TLS 1.0's
/// CBC takes its first IV from there).
fn sizes(version: u16, bulk: Bulk, mac: Mac) -> (usize, usize, usize) {
    let mac_len = match mac {
        Aead => 0,
        Sha1 => 20,
        Sha256 => 32,
        Sha384 => 48,
    };
    let (key_len, iv_len) = match bulk {
        Gcm128 => (16, 4),
        Gcm256 => (32, 4),
        ChaCha => (32, 12),
        Cbc128 => (16, if version == 0x0301 { 16 } else { 0 }),
        Cbc256 => (32, if version == 0x0301 { 16 } else { 0 }),
    };
    (mac_len, key_len, iv_len)
}

/// The client's and the server's record protection from the key block (RFC 5246, 6.3).
fn directions(version: u16, bulk: Bulk, mac: Mac, block: &[u8]) -> Option<(Direction, Direction)> {
    let (mac_len, key_len, iv_len) = sizes(version, bulk, mac);
    let take = |at: usize, len: usize| block.get(at..at + len);
    let (client_mac, server_mac) = (take(0, mac_len)?, take(mac_len, mac_len)?);
    let keys_at = 2 * mac_len;
    let (client_key, server_key) = (take(keys_at, key_len)?, take(keys_at + key_len, key_len)?);
    let ivs_at = keys_at + 2 * key_len;
    let (client_iv, server_iv) = (take(ivs_at, iv_len)?, take(ivs_at + iv_len, iv_len)?);
    let make = |key: &[u8], iv: &[u8], mac_key: &[u8], outgoing: bool| -> Option<Direction> {
        let aead_key = |alg| Some(LessSafeKey::new(aead::UnboundKey::new(alg, key).ok()?));
        let hmac_alg = match mac {
            Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Sha384 => hmac::HMAC_SHA384,
            Sha256 | Aead => hmac::HMAC_SHA256,
        };
        let cbc_key =
            || UnboundCipherKey::new(if bulk == Cbc128 { &AES_128 } else { &AES_256 }, key);
        let chained = || -> Option<Option<[u8; 16]>> {
            Some(if version == 0x0301 {
                Some(iv.try_into().ok()?)
            } else {
                None
            })
        };
        let cipher = match bulk {
            Gcm128 => Cipher::Gcm(aead_key(&AES_128_GCM)?, iv.try_into().ok()?),
            Gcm256 => Cipher::Gcm(aead_key(&AES_256_GCM)?, iv.try_into().ok()?),
            ChaCha => Cipher::ChaCha(aead_key(&CHACHA20_POLY1305)?, iv.try_into().ok()?),
            Cbc128 | Cbc256 if outgoing => Cipher::CbcOut(
                EncryptingKey::cbc(cbc_key().ok()?).ok()?,
                hmac::Key::new(hmac_alg, mac_key),
                chained()?,
            ),
            Cbc128 | Cbc256 => Cipher::CbcIn(
                DecryptingKey::cbc(cbc_key().ok()?).ok()?,
                hmac::Key::new(hmac_alg, mac_key),
                chained()?,
            ),
        };
        Some(Direction {
            cipher,
            seq: 0,
            version,
        })
    };
    Some((
        make(client_key, client_iv, client_mac, true)?,
        make(server_key, server_iv, server_mac, false)?,
    ))
}

/// The PRF, `len` bytes.
fn prf(kind: Prf, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Option<Vec<u8>> {
    let alg = match kind {
        Prf::Sha256 => &P_SHA256,
        Prf::Sha384 => &P_SHA384,
        Prf::Md5Sha1 => return legacy_prf(secret, label, seed, len),
    };
    Some(
        Secret::new(alg, secret)
            .ok()?
            .derive(label, seed, len)
            .ok()?
            .as_ref()
            .to_vec(),
    )
}

/// RFC 2246 5: the secret's first half drives P_MD5, its second half P_SHA1 (halves share the
/// middle byte when its length is odd), and the two streams are XORed.
fn legacy_prf(secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Option<Vec<u8>> {
    let half = secret.len().div_ceil(2);
    let seed = [label, seed].concat();
    let md5_key = secret.get(..half)?;
    let sha_key = hmac::Key::new(
        hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        secret.get(secret.len() - half..)?,
    );
    let hmac_md5 = |data: &[u8]| -> Option<Vec<u8>> {
        let mut m = <Hmac<Md5> as KeyInit>::new_from_slice(md5_key).ok()?;
        m.update(data);
        Some(m.finalize().into_bytes().to_vec())
    };
    let md5 = p_hash(len, &seed, hmac_md5)?;
    let sha1 = p_hash(len, &seed, |d| {
        Some(hmac::sign(&sha_key, d).as_ref().to_vec())
    })?;
    Some(md5.iter().zip(sha1).map(|(a, b)| a ^ b).collect())
}

/// RFC 2246 5's P_hash: HMAC(secret, A(i) + seed) for A(1) = HMAC(secret, seed), ...
fn p_hash(len: usize, seed: &[u8], mac: impl Fn(&[u8]) -> Option<Vec<u8>>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len + 64);
    let mut a = mac(seed)?;
    while out.len() < len {
        out.extend(mac(&[&a[..], seed].concat())?);
        a = mac(&a)?;
    }
    out.truncate(len);
    Some(out)
}

fn hash(kind: Prf, data: &[u8]) -> Vec<u8> {
    match kind {
        Prf::Sha256 => digest(&SHA256, data).as_ref().to_vec(),
        Prf::Sha384 => digest(&SHA384, data).as_ref().to_vec(),
        Prf::Md5Sha1 => [
            &Md5::digest(data)[..],
            digest(&SHA1_FOR_LEGACY_USE_ONLY, data).as_ref(),
        ]
        .concat(),
    }
}

/// A `len`-prefixed byte string (`width` bytes of length).
fn prefixed(width: usize, data: &[u8]) -> Vec<u8> {
    let len = data.len().to_be_bytes();
    [&len[len.len() - width..], data].concat()
}

/// The next `width`-prefixed field of `data` at `*at`, moving past it.
fn field<'d>(data: &'d [u8], at: &mut usize, width: usize) -> Option<&'d [u8]> {
    let len = data
        .get(*at..*at + width)?
        .iter()
        .fold(0usize, |n, b| (n << 8) | usize::from(*b));
    let value = data.get(*at + width..*at + width + len)?;
    *at += width + len;
    Some(value)
}

/// The premaster secret and the ClientKeyExchange body for the suite's key exchange.
fn key_exchange(
    version: u16,
    kx: Kx,
    flight: &[(u8, Vec<u8>)],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let ske = flight
        .iter()
        .find(|(t, _)| *t == 12)
        .map(|(_, b)| b.as_slice());
    match kx {
        Ecdhe => {
            let (group, point) = server_share(ske.ok_or("no ECDHE ServerKeyExchange")?)
                .ok_or("an ECDHE ServerKeyExchange without a named curve, or cut short")?;
            let algorithm = match group {
                X25519 => &agreement::X25519,
                P256 => &agreement::ECDH_P256,
                P384 => &agreement::ECDH_P384,
                g => {
                    return Err(format!(
                        "the server chose group 0x{g:04x}, which was not offered"
                    ));
                }
            };
            let mine =
                EphemeralPrivateKey::generate(algorithm, &aws_lc_rs::rand::SystemRandom::new())
                    .map_err(|_| "cannot make a key share")?;
            let public = mine
                .compute_public_key()
                .map_err(|_| "cannot make a key share")?;
            let premaster = agreement::agree_ephemeral(
                mine,
                UnparsedPublicKey::new(algorithm, point),
                (),
                |k| Ok(k.to_vec()),
            )
            .map_err(|()| "the server's key share is not a valid point")?;
            Ok((premaster, prefixed(1, public.as_ref())))
        }
        Dhe => {
            let ske = ske.ok_or("no DHE ServerKeyExchange")?;
            let mut at = 0;
            let (Some(p), Some(g), Some(ys)) = (
                field(ske, &mut at, 2),
                field(ske, &mut at, 2),
                field(ske, &mut at, 2),
            ) else {
                return Err("a truncated DHE ServerKeyExchange".into());
            };
            if !(64..=1024).contains(&p.len()) {
                return Err(format!("a {}-bit DH prime", p.len() * 8));
            }
            let (p, g, ys) = (
                BigUint::from_bytes_be(p),
                BigUint::from_bytes_be(g),
                BigUint::from_bytes_be(ys),
            );
            let x = BigUint::from_bytes_be(&random_bytes::<32>());
            let yc = g.modpow(&x, &p).to_bytes_be();
            // RFC 5246, 8.1.2: leading zero bytes of the shared value are stripped.
            let premaster = ys.modpow(&x, &p).to_bytes_be();
            Ok((premaster, prefixed(2, &yc)))
        }
        Rsa => {
            let (n, e) = rsa_key(flight).ok_or("the certificate has no RSA key")?;
            let k = n.len();
            if !(64..=1024).contains(&k) {
                return Err(format!("a {}-bit RSA key", k * 8));
            }
            // The version the client offered, then 46 random bytes (RFC 5246 7.4.7.1).
            let mut premaster = version.to_be_bytes().to_vec();
            premaster.extend_from_slice(&random_bytes::<46>());
            // PKCS#1 v1.5: 0x00 0x02, non-zero random padding, 0x00, the premaster.
            let mut block = vec![0, 2];
            while block.len() < k - 49 {
                let b = random_bytes::<1>()[0];
                if b != 0 {
                    block.push(b);
                }
            }
            block.push(0);
            block.extend_from_slice(&premaster);
            Ok((premaster, prefixed(2, &rsa_encrypt(&n, &e, &block))))
        }
    }
}

/// A completed session (TLS 1.2 or older): the stream and both directions' keys.
pub(super) struct Session {
    stream: Stream,
    /// The protocol version spoken (0x0301 to 0x0303).
    pub(super) version: u16,
    to_server: Direction,
    from_server: Direction,
    /// The client's Finished `verify_data`, which a renegotiation quotes.
    pub(super) client_verify: Vec<u8>,
    /// The session id the ServerHello gave (empty: none).
    id: Vec<u8>,
    /// The ticket of a NewSessionTicket, when one came.
    ticket: Option<Vec<u8>>,
    /// The ServerHello answered `renegotiation_info` (RFC 5746).
    pub(super) secure_renegotiation: bool,
    /// The negotiated suite's name.
    pub(super) suite: String,
}

/// A hello for the hand-made handshake: its suites and groups, null compression, and a
/// `session_ticket` extension only when `ticket` is set.
fn hello_spec<'a>(
    version: u16,
    suites: &'a [u16],
    session_id: Option<&'a [u8]>,
    ticket: Option<&'a [u8]>,
) -> HelloSpec<'a> {
    HelloSpec::legacy(version, suites, &GROUPS).resuming(session_id, ticket)
}

/// The version a hand-made session speaks with this server: the best of TLS 1.2, 1.1 and 1.0
/// it accepted, if any.
pub(super) fn legacy_version(report: &TlsReport) -> Option<u16> {
    [
        (0x0303, "TLSv1.2"),
        (0x0302, "TLSv1.1"),
        (0x0301, "TLSv1.0"),
    ]
    .into_iter()
    .find(|(_, name)| report.accepts(name))
    .map(|(v, _)| v)
}

/// A full handshake at `version` (TLS 1.2 or older) with the server, asking for a ticket when
/// `ticket` is set.
pub(super) fn establish(p: &Prober<'_>, version: u16, ticket: bool) -> Result<Session, String> {
    let suites = suite_ids(version);
    let hello = client_hello(
        hello_spec(version, &suites, None, ticket.then_some(&[][..])),
        p.sni.as_deref(),
    );
    let (mut stream, answer) = start(
        p.target,
        p.deadline.within(p.per_connection),
        p.preamble,
        &hello,
        true,
    )?;
    let (suite, server_hello, flight, extras) = match answer {
        Answer::Hello {
            version: v,
            complete: true,
            suite,
            server_hello,
            flight,
            extras,
            ..
        } if v == version => (suite, server_hello, flight, extras),
        other => {
            return Err(format!(
                "no {} handshake with the suites it speaks ({})",
                version_name(version),
                describe_answer(&other)
            ));
        }
    };
    let Some(&(_, kx, bulk, mac)) = SUITES.iter().find(|s| s.0 == suite) else {
        return Err(format!(
            "the server chose {}, which was not offered",
            suite_name(suite)
        ));
    };
    let wide = Prf::of(version, bulk, mac);
    let server_random = server_hello
        .get(2..34)
        .ok_or("a ServerHello without a random")?;
    let (premaster, cke) = key_exchange(version, kx, &flight)?;

    let mut transcript = hello.get(5..).unwrap_or_default().to_vec();
    transcript.extend(message(2, &server_hello));
    for (kind, body) in &flight {
        transcript.extend(message(*kind, body));
    }
    // A server asking for a client certificate (optionally) gets an empty list.
    let mut out_flight = Vec::new();
    if flight.iter().any(|(t, _)| *t == 13) {
        out_flight.extend(message(11, &[0, 0, 0]));
    }
    out_flight.extend(message(16, &cke));
    transcript.extend_from_slice(&out_flight);
    let client_random = hello.get(11..43).unwrap_or_default();
    let master = if extras.extensions.contains(&EXT_EMS) {
        prf(
            wide,
            &premaster,
            b"extended master secret",
            &hash(wide, &transcript),
            48,
        )
    } else {
        prf(
            wide,
            &premaster,
            b"master secret",
            &[client_random, server_random].concat(),
            48,
        )
    }
    .ok_or("key derivation failed (master)")?;
    let block = prf(
        wide,
        &master,
        b"key expansion",
        &[server_random, client_random].concat(),
        192, // enough for the largest suite: 2 × (48 + 32 + 16)
    )
    .ok_or("key derivation failed (key block)")?;
    let (mut to_server, mut from_server) =
        directions(version, bulk, mac, &block).ok_or("key derivation failed (record keys)")?;
    let client_verify = prf(
        wide,
        &master,
        b"client finished",
        &hash(wide, &transcript),
        12,
    )
    .ok_or("key derivation failed (finished)")?;
    let finished = message(20, &client_verify);
    let [major, minor] = version.to_be_bytes();
    let mut out = prefixed(2, &out_flight);
    out.splice(0..0, [22, major, minor]);
    out.extend_from_slice(&[20, major, minor, 0, 1, 1]);
    out.extend(
        to_server
            .seal(22, &finished)
            .ok_or("cannot encrypt the Finished")?,
    );
    stream.write_all(&out).map_err(|e| {
        format!(
            "cannot send the key exchange: {}",
            crate::probe::describe_io(&e)
        )
    })?;
    transcript.extend_from_slice(&finished);

    // The server's NewSessionTicket (in the transcript), ChangeCipherSpec and Finished.
    stream.reset_read_count();
    stream.set_read_limit(64 * 1024);
    let mut changed = false;
    let mut ticket = None;
    loop {
        match record(&mut stream) {
            Ok((22, body)) if !changed => {
                if body.first() == Some(&4) {
                    let mut at = 8; // type, length, lifetime hint
                    ticket = field(&body, &mut at, 2).map(<[u8]>::to_vec);
                }
                transcript.extend_from_slice(&body);
            }
            Ok((20, _)) if !changed => changed = true,
            Ok((22, body)) => {
                let expected = prf(
                    wide,
                    &master,
                    b"server finished",
                    &hash(wide, &transcript),
                    12,
                )
                .map(|v| message(20, &v));
                match from_server.open(22, &body) {
                    Some(plain) if Some(&plain) == expected.as_ref() => break,
                    Some(_) => return Err("the server's Finished does not verify".into()),
                    None => return Err("the server's Finished does not decrypt".into()),
                }
            }
            Ok((21, body)) => {
                let code = if changed {
                    from_server.open(21, &body).and_then(|a| a.get(1).copied())
                } else {
                    body.get(1).copied()
                };
                let why = code.map_or_else(|| "an alert".into(), alert_name);
                return Err(if flight.iter().any(|(t, _)| *t == 13) {
                    format!("the server wants a client certificate ({why} after an empty one)")
                } else {
                    format!("the server refused the key exchange ({why})")
                });
            }
            Ok((kind, _)) => {
                return Err(format!(
                    "a record of type {kind} before the server's Finished"
                ));
            }
            Err(why) => return Err(format!("{why} before the server's Finished")),
        }
    }
    Ok(Session {
        stream,
        version,
        to_server,
        from_server,
        client_verify,
        id: extras.session_id.clone(),
        ticket,
        secure_renegotiation: extras.extensions.contains(&EXT_RENEGOTIATION_INFO),
        suite: suite_name(suite),
    })
}

impl Session {
    /// Sends `plain` as one protected record of `kind`.
    pub(super) fn send(&mut self, kind: u8, plain: &[u8]) -> Result<(), String> {
        let sealed = self
            .to_server
            .seal(kind, plain)
            .ok_or("cannot encrypt a record")?;
        self.stream
            .write_all(&sealed)
            .map_err(|e| crate::probe::describe_io(&e))
    }

    /// The server's next record within `wait`: its type and plaintext (`None` when it does not
    /// decrypt), or why none came.
    pub(super) fn receive(&mut self, wait: Duration) -> Result<(u8, Option<Vec<u8>>), String> {
        let before = self.stream.shorten(wait);
        let answer = record(&mut self.stream);
        self.stream.restore(before);
        let (kind, body) = answer?;
        Ok((kind, self.from_server.open(kind, &body)))
    }

    /// Ends the session the polite way (close_notify), so the server keeps it for resumption
    /// (OpenSSL drops a session whose connection was cut); what resumes it is kept.
    pub(super) fn close(mut self) -> Resumable {
        let _ = self.send(21, &[1, 0]);
        let _ = self.stream.flush();
        Resumable {
            version: self.version,
            id: self.id,
            ticket: self.ticket,
        }
    }
}

/// What a closed session can be resumed with.
pub(super) struct Resumable {
    version: u16,
    id: Vec<u8>,
    ticket: Option<Vec<u8>>,
}

/// Whether a new connection offering `session`'s id (`by_ticket`: its ticket, under a fresh id)
/// is resumed: the ServerHello echoes the id it was offered (RFC 5246 7.4.1.3, RFC 5077 3.4).
pub(super) fn resumes(
    p: &Prober<'_>,
    session: &Resumable,
    by_ticket: bool,
) -> Result<bool, String> {
    let fresh = random_bytes::<32>();
    let (id, ticket) = if by_ticket {
        let ticket = session
            .ticket
            .as_deref()
            .ok_or("the server issued no ticket")?;
        (&fresh[..], Some(ticket))
    } else {
        (session.id.as_slice(), None)
    };
    let suites = suite_ids(session.version);
    let hello = client_hello(
        hello_spec(session.version, &suites, Some(id), ticket),
        p.sni.as_deref(),
    );
    let (_, answer) = start(
        p.target,
        p.deadline.within(p.per_connection),
        p.preamble,
        &hello,
        false,
    )?;
    match answer {
        Answer::Hello {
            version, extras, ..
        } if version == session.version => Ok(!id.is_empty() && extras.session_id == id),
        other => Err(format!(
            "the resuming hello got {}",
            describe_answer(&other)
        )),
    }
}

/// Resumption before TLS 1.3 as sslyze tests it, at the best version the server speaks below
/// 1.3: by session id alone (a hello without the ticket extension, so a server cannot fall
/// back on tickets), and, where the rustls check could not run (suites or versions rustls does
/// not speak), by ticket. Both first connections end with close_notify.
pub(super) fn resumption(p: &mut Prober<'_>, report: &mut TlsReport, version: u16) {
    const BY_ID: &str = "session-id resumption (TLS 1.2 and older)";
    const BY_TICKET: &str = "session-ticket resumption (TLS 1.2 and older)";
    if p.may(BY_ID) {
        let started = Instant::now();
        let (result, text) = match establish(p, version, false).map(Session::close) {
            Err(e) => (None, format!("not tested: {e}")),
            Ok(r) if r.id.is_empty() => (
                Some(false),
                "not supported: the ServerHello gave no session id".into(),
            ),
            Ok(r) => match resumes(p, &r, false) {
                Ok(true) => (
                    Some(true),
                    format!(
                        "resumed: a second {} connection offering the session id (and no ticket) had an abbreviated handshake",
                        version_name(version)
                    ),
                ),
                Ok(false) => (
                    Some(false),
                    format!(
                        "not resumed: the session id was answered with a full {} handshake",
                        version_name(version)
                    ),
                ),
                Err(e) => (None, format!("not tested: {e}")),
            },
        };
        report.features.session_ids = result;
        p.log(BY_ID, text, started);
    }
    let mut by_ticket = None;
    if report.features.resumption.is_none()
        && report.features.session_tickets == Some(true)
        && p.may(BY_TICKET)
    {
        let started = Instant::now();
        let text = match establish(p, version, true).map(Session::close) {
            Err(e) => format!("not tested: {e}"),
            Ok(r) => match resumes(p, &r, true) {
                Ok(true) => {
                    by_ticket = Some(true);
                    format!(
                        "resumed: a second {} connection offering the ticket had an abbreviated handshake",
                        version_name(version)
                    )
                }
                Ok(false) => {
                    by_ticket = Some(false);
                    format!(
                        "not resumed: the ticket was answered with a full {} handshake",
                        version_name(version)
                    )
                }
                Err(e) => format!("not tested: {e}"),
            },
        };
        p.log(BY_TICKET, text, started);
    }
    let f = &mut report.features;
    if f.resumption.is_none() {
        let tickets = by_ticket.or(match f.session_tickets {
            Some(false) => Some(false),
            _ => None,
        });
        f.resumption = match (f.session_ids, tickets) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
    }
}

/// The name of [`http`]'s check, which the reports quote when HTTP was not tested.
pub(super) const HTTP_CHECK: &str = "HTTP request (hand-made session)";

/// HTTP over a hand-made session, for a server rustls could not talk to (CBC or static-RSA
/// suites only, TLS 1.0 or 1.1): its status line and HSTS header, so `tls.no-hsts` and the A+
/// are judged there too. Not behind a preamble (the protocol is not HTTP).
pub(super) fn http(p: &mut Prober<'_>, report: &mut TlsReport, version: u16) {
    if report.http.is_some() || p.preamble.is_some() || !p.may(HTTP_CHECK) {
        return;
    }
    let started = Instant::now();
    let request =
        super::handshakes::http_request(&p.target.path, &super::handshakes::host_header(p.target));
    let text = match establish(p, version, false) {
        Err(e) => format!("not tested: {e}"),
        Ok(mut session) => {
            let mut response = Vec::new();
            let sent = session.send(23, request.as_bytes());
            while sent.is_ok() && !response.windows(4).any(|w| w == b"\r\n\r\n") {
                match session.receive(Duration::from_millis(1500)) {
                    Ok((23, Some(plain))) if response.len() < 64 * 1024 => {
                        response.extend_from_slice(&plain);
                    }
                    _ => break,
                }
            }
            let suite = session.suite.clone();
            let _ = session.close();
            match super::handshakes::http_info(&response) {
                Some(info) => {
                    let text = format!(
                        "{} over {} ({}), HSTS {}",
                        info.status,
                        version_name(version),
                        suite,
                        info.hsts.as_deref().unwrap_or("none")
                    );
                    report.http = Some(info);
                    text
                }
                None => match sent {
                    Err(e) => format!("the request could not be sent: {e}"),
                    Ok(()) if response.is_empty() => "no answer to an HTTP request".into(),
                    Ok(()) => "the answer is not HTTP".into(),
                },
            }
        }
    };
    p.log(HTTP_CHECK, text, started);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(bulk: Bulk, mac: Mac) -> (Direction, Direction) {
        pair_at(0x0303, bulk, mac)
    }

    fn pair_at(version: u16, bulk: Bulk, mac: Mac) -> (Direction, Direction) {
        let block: Vec<u8> = (0u8..192).collect();
        // The client's sealing direction and a server-side opener with the same keys.
        let (out, _) = directions(version, bulk, mac, &block).unwrap();
        let mirrored: Vec<u8> = {
            // Swap client and server halves so the "server" direction holds the client's keys.
            let (mac_len, key_len, iv_len) = sizes(version, bulk, mac);
            let mut m = block.clone();
            let swap = |m: &mut Vec<u8>, at: usize, len: usize| {
                let (a, b) = m[at..at + 2 * len].split_at_mut(len);
                a.swap_with_slice(b);
            };
            swap(&mut m, 0, mac_len);
            swap(&mut m, 2 * mac_len, key_len);
            swap(&mut m, 2 * mac_len + 2 * key_len, iv_len);
            m
        };
        let (_, back) = directions(version, bulk, mac, &mirrored).unwrap();
        (out, back)
    }

    #[test]
    fn tls10_chains_its_cbc_iv_and_tls11_sends_one() {
        // TLS 1.0: no IV in the record; each record's IV is the last block of the one before,
        // so records open only in order.
        let (mut out, mut back) = pair_at(0x0301, Cbc128, Sha1);
        let first = out.seal(22, &[7u8; 11]).unwrap();
        assert_eq!(&first[..3], &[22, 3, 1]);
        assert_eq!(first.len() - 5, 32, "11 + 20 MAC + 1 padding, no IV");
        let second = out.seal(23, b"second").unwrap();
        assert!(back.open(23, &second[5..]).is_none(), "out of order");
        let (mut out, mut back) = pair_at(0x0301, Cbc128, Sha1);
        let first = out.seal(22, &[7u8; 11]).unwrap();
        let second = out.seal(23, b"second").unwrap();
        assert_eq!(back.open(22, &first[5..]).unwrap(), [7u8; 11]);
        assert_eq!(back.open(23, &second[5..]).unwrap(), b"second");
        // TLS 1.1: an explicit IV, and the version in the header the MAC covers.
        let (mut out, mut back) = pair_at(0x0302, Cbc256, Sha1);
        let r = out.seal(22, &[7u8; 11]).unwrap();
        assert_eq!(&r[..3], &[22, 3, 2]);
        assert_eq!(r.len() - 5, 16 + 32);
        assert_eq!(back.open(22, &r[5..]).unwrap(), [7u8; 11]);
        let (mut out, _) = pair_at(0x0302, Cbc256, Sha1);
        let (_, mut tls12) = pair_at(0x0303, Cbc256, Sha1);
        let r = out.seal(22, b"x").unwrap();
        assert!(tls12.open(22, &r[5..]).is_none(), "the version is MACed");
    }

    #[test]
    fn the_tls10_prf_agrees_with_openssl() {
        // `openssl kdf -keylen 40 -kdfopt digest:MD5-SHA1 -kdfopt hexsecret:ab×48
        //  -kdfopt hexseed:<"PRF Testvector" then cd×64> TLS1-PRF` (OpenSSL 3.0).
        let out = prf(
            Prf::Md5Sha1,
            &[0xab; 48],
            b"PRF Testvector",
            &[0xcd; 64],
            40,
        )
        .unwrap();
        assert_eq!(
            out,
            [
                0xD3, 0xD4, 0xD1, 0xE3, 0x49, 0xB5, 0xD5, 0x15, 0x04, 0x46, 0x66, 0xD5, 0x1D, 0xE3,
                0x2B, 0xAB, 0x25, 0x8C, 0xB5, 0x21, 0xB6, 0xB0, 0x53, 0x46, 0x3E, 0x35, 0x48, 0x32,
                0xFD, 0x97, 0x67, 0x54, 0x44, 0x3B, 0xCF, 0x9A, 0x29, 0x65, 0x19, 0xBC
            ]
        );
        // An odd-length secret: both halves share its middle byte.
        let out = prf(Prf::Md5Sha1, &[1, 2, 3, 4, 5], b"label ", b"seed", 20).unwrap();
        assert_eq!(
            out,
            [
                0x5B, 0x69, 0xC0, 0xD3, 0x0C, 0x2B, 0x80, 0x39, 0x44, 0x60, 0x55, 0x00, 0x90, 0x20,
                0x63, 0x35, 0xCE, 0x5E, 0x6B, 0x39
            ]
        );
        assert_eq!(hash(Prf::Md5Sha1, b"").len(), 36);
    }

    #[test]
    fn every_record_protection_seals_and_opens_with_the_sequence_number() {
        for (bulk, mac) in [
            (Gcm128, Aead),
            (Gcm256, Aead),
            (ChaCha, Aead),
            (Cbc128, Sha1),
            (Cbc256, Sha256),
            (Cbc256, Sha384),
        ] {
            let (mut out, mut back) = pair(bulk, mac);
            let first = out.seal(22, b"hello").unwrap();
            assert_eq!(&first[..3], &[22, 3, 3]);
            assert_eq!(back.open(22, &first[5..]).unwrap(), b"hello", "{bulk:?}");
            // Replayed or mislabelled, a record does not open: sequence and type are covered.
            assert!(back.open(22, &first[5..]).is_none(), "{bulk:?}");
            let second = out.seal(22, b"again, longer than one block").unwrap();
            assert!(back.open(21, &second[5..]).is_none(), "{bulk:?}");
            // A flipped ciphertext bit is refused.
            let (mut out, mut back) = pair(bulk, mac);
            let mut third = out.seal(23, b"data").unwrap();
            let last = third.len() - 1;
            third[last] ^= 1;
            assert!(back.open(23, &third[5..]).is_none(), "{bulk:?}");
        }
        // CBC: an IV, then whole blocks holding data, MAC and padding.
        let (mut out, _) = pair(Cbc128, Sha1);
        let r = out.seal(22, &[0u8; 11]).unwrap();
        assert_eq!(r.len() - 5, 16 + 32); // 11 + 20 + 1 padding byte = 32
    }

    #[test]
    fn fields_and_prefixes() {
        assert_eq!(prefixed(2, b"ab"), [0, 2, b'a', b'b']);
        assert_eq!(prefixed(1, b""), [0]);
        let data = [0, 2, 7, 8, 1, 9];
        let mut at = 0;
        assert_eq!(field(&data, &mut at, 2), Some(&[7, 8][..]));
        assert_eq!(field(&data, &mut at, 1), Some(&[9][..]));
        assert_eq!(field(&data, &mut at, 1), None);
        assert_eq!(field(&[0, 9, 1], &mut 0, 2), None);
    }

    #[test]
    fn the_suite_table_agrees_with_the_suite_names() {
        for (id, kx, bulk, mac) in SUITES {
            let name = suite_name(id);
            let ends384 = name.ends_with("SHA384");
            assert_eq!(Prf::of(0x0303, bulk, mac) == Prf::Sha384, ends384, "{name}");
            assert_eq!(Prf::of(0x0301, bulk, mac), Prf::Md5Sha1);
            let kx_named = match kx {
                Ecdhe => name.contains("ECDHE"),
                Dhe => name.contains("DHE") && !name.contains("ECDHE"),
                Rsa => !name.contains("DHE"),
            };
            assert!(kx_named, "{name}: {kx:?}");
            let bulk_named = match bulk {
                Gcm128 => name.contains("AES_128_GCM") || name.contains("AES128-GCM"),
                Gcm256 => name.contains("AES_256_GCM") || name.contains("AES256-GCM"),
                ChaCha => name.contains("CHACHA20"),
                Cbc128 => name.contains("AES_128_CBC") || name.contains("AES128-SHA"),
                Cbc256 => name.contains("AES_256_CBC") || name.contains("AES256-SHA"),
            };
            assert!(bulk_named, "{name}: {bulk:?}");
        }
        // Before TLS 1.2 only the CBC suites with SHA-1 MACs are offered.
        let old = suite_ids(0x0301);
        assert_eq!(old.len(), 8);
        assert!(old.contains(&0x002f) && old.contains(&0xc014) && !old.contains(&0xc027));
        assert_eq!(suite_ids(0x0303).len(), SUITES.len());
    }
}
