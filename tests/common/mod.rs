//! Test servers on 127.0.0.1 that the tests start themselves: a test PKI (rcgen), in-process
//! rustls servers, `openssl s_server` for what rustls cannot serve, and hostile raw TCP servers.

#![allow(dead_code, clippy::unwrap_used)] // shared by several test binaries; a panic fails the test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub mod jwt;

/// Runs the `rampart` binary: exit code, standard output, standard error.
pub fn rampart(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A test certificate authority, written to a temporary folder as PEM.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca_pem: String,
    pub ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    ca_key_pem: String,
    /// Whether issued certificates name their issuer's key (RFC 5280 4.2.1.1).
    aki: bool,
}

/// A leaf certificate and its key.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert_der: CertificateDer<'static>,
    pub key_der: PrivateKeyDer<'static>,
}

pub fn days(n: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(n)
}

impl Pki {
    /// A CA that follows RFC 5280.
    pub fn new() -> Self {
        Pki::build(true)
    }

    /// A CA as `openssl req -x509` makes one with a default configuration (no keyUsage), whose
    /// leaves carry no authorityKeyIdentifier either: trusted by webpki and browsers, refused
    /// by strict verifiers.
    pub fn nonconformant() -> Self {
        Pki::build(false)
    }

    fn build(conformant: bool) -> Self {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Rampart test CA");
        if conformant {
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        }
        params.not_before = days(-1);
        params.not_after = days(365);
        let cert = params.self_signed(&key).unwrap();
        let ca_key_pem = key.serialize_pem();
        let dir = tempfile::tempdir().unwrap();
        let ca_pem = cert.pem();
        std::fs::write(dir.path().join("ca.pem"), &ca_pem).unwrap();
        std::fs::write(dir.path().join("ca.key"), &ca_key_pem).unwrap();
        Pki {
            dir,
            ca_pem,
            ca_der: cert.der().clone(),
            issuer: Issuer::new(params, key),
            ca_key_pem,
            aki: conformant,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A leaf for `names` (IPs or DNS names), valid between the given days from now.
    pub fn leaf(&self, names: &[&str], from: i64, to: i64, client: bool) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().copied().unwrap_or("client"),
        );
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse::<std::net::IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*n).try_into().unwrap()),
            })
            .collect();
        params.not_before = days(from);
        params.not_after = days(to);
        params.use_authority_key_identifier_extension = self.aki;
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }

    /// A self-signed leaf (not issued by the CA).
    pub fn self_signed(&self, names: &[&str]) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|s| (*s).to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name.push(DnType::CommonName, names[0]);
        params.not_before = days(-1);
        params.not_after = days(200);
        let cert = params.self_signed(&key).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }

    /// A leaf made by the `openssl` command (RSA of `bits`, signed with `digest`), for what
    /// rcgen will not make. Returns (cert path, key path).
    pub fn openssl_leaf(&self, name: &str, bits: u32, digest: &str) -> (PathBuf, PathBuf) {
        let key = self.path(&format!("{name}.key"));
        let csr = self.path(&format!("{name}.csr"));
        let cert = self.path(&format!("{name}.pem"));
        let ext = self.path(&format!("{name}.ext"));
        std::fs::write(
            &ext,
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run_openssl(&[
            "req",
            "-new",
            "-newkey",
            &format!("rsa:{bits}"),
            "-nodes",
            "-keyout",
            key.to_str().unwrap(),
            "-subj",
            "/CN=127.0.0.1",
            "-out",
            csr.to_str().unwrap(),
        ]);
        run_openssl(&[
            "x509",
            "-req",
            "-in",
            csr.to_str().unwrap(),
            "-CA",
            self.path("ca.pem").to_str().unwrap(),
            "-CAkey",
            self.path("ca.key").to_str().unwrap(),
            "-CAcreateserial",
            "-days",
            "90",
            &format!("-{digest}"),
            "-extfile",
            ext.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ]);
        (cert, key)
    }

    /// A DER OCSP response for `cert`, signed by the CA as its own responder (status
    /// "unknown": the responder's index is empty), for `openssl s_server -status_file`.
    pub fn ocsp_response(&self, cert: &Path) -> PathBuf {
        let request = self.path("ocsp-req.der");
        let response = self.path("ocsp-resp.der");
        let index = self.write("ocsp-index.txt", "");
        let ca = self.path("ca.pem");
        let ca = ca.to_str().unwrap();
        run_openssl(&[
            "ocsp",
            "-issuer",
            ca,
            "-cert",
            cert.to_str().unwrap(),
            "-no_nonce",
            "-reqout",
            request.to_str().unwrap(),
        ]);
        run_openssl(&[
            "ocsp",
            "-index",
            index.to_str().unwrap(),
            "-rsigner",
            ca,
            "-rkey",
            self.path("ca.key").to_str().unwrap(),
            "-CA",
            ca,
            "-reqin",
            request.to_str().unwrap(),
            "-respout",
            response.to_str().unwrap(),
            "-ndays",
            "1",
        ]);
        response
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn run_openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().expect(
        "openssl is needed for this test: install Debian's openssl package (bash .ci/test does)",
    );
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What an in-process rustls server sends after the handshake.
#[derive(Clone)]
pub struct HttpReply {
    pub hsts: Option<&'static str>,
}

/// A rustls server on 127.0.0.1, answering one HTTP request per connection.
pub fn rustls_server(config: rustls::ServerConfig, reply: HttpReply) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = Arc::new(config);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = config.clone();
            let reply = reply.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, stream);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let mut response =
                    String::from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n");
                if let Some(h) = reply.hsts {
                    response.push_str(&format!("Strict-Transport-Security: {h}\r\n"));
                }
                response.push_str("\r\nok");
                let _ = tls.write_all(response.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

/// A rustls server config with this leaf, TLS 1.2 and 1.3, ALPN http/1.1.
pub fn server_config(leaf: &Leaf, client_auth: Option<(&Pki, bool)>) -> rustls::ServerConfig {
    let builder = rustls::ServerConfig::builder();
    let builder = match client_auth {
        Some((pki, required)) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(pki.ca_der.clone()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots));
            let verifier = if required {
                verifier.build()
            } else {
                verifier.allow_unauthenticated().build()
            };
            builder.with_client_cert_verifier(verifier.unwrap())
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(vec![leaf.cert_der.clone()], leaf.key_der.clone_key())
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// An `openssl s_server` on a free port; killed when dropped.
pub struct OpenSsl {
    pub port: u16,
    child: Child,
}

impl Drop for OpenSsl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `openssl s_server -www` with extra arguments (protocol flags, cipher strings).
pub fn openssl_server(cert: &Path, key: &Path, args: &[&str]) -> OpenSsl {
    start_openssl(cert, key, &["-www"], args)
}

/// Starts `openssl s_server` without `-www` (it then prints what it reads and answers
/// nothing), for options `-www` refuses, such as `-early_data`.
pub fn openssl_echo_server(cert: &Path, key: &Path, args: &[&str]) -> OpenSsl {
    start_openssl(cert, key, &[], args)
}

fn start_openssl(cert: &Path, key: &Path, mode: &[&str], args: &[&str]) -> OpenSsl {
    let mut child = Command::new("openssl")
        .args(["s_server", "-accept", "127.0.0.1:0"])
        .args(mode)
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
        .args(args)
        // Kept open (the Child holds it): without -www, s_server quits when stdin ends.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is needed for this test: install Debian's openssl package (bash .ci/test does)");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        if let Some(Ok(line)) = lines.next() {
            if let Some(addr) = line.strip_prefix("ACCEPT ") {
                break addr.rsplit(':').next().unwrap().trim().parse().unwrap();
            }
        } else {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("openssl s_server {args:?} did not start: {err}");
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    OpenSsl { port, child }
}

/// A raw TCP server on 127.0.0.1 that runs `behave` for each connection.
pub fn raw_server(behave: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let behave = Arc::new(behave);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let behave = behave.clone();
            std::thread::spawn(move || behave(stream));
        }
    });
    port
}

/// An HTTP request as the test servers see it.
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer` header.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }
}

/// An HTTP response from a test server.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn json(value: &serde_json::Value) -> Self {
        let mut r = Response::new(200, serde_json::to_vec(value).unwrap());
        r.headers
            .push(("Content-Type".into(), "application/json".into()));
        r
    }
}

/// A test HTTP(S) server on 127.0.0.1 and the number of requests it has answered.
pub struct HttpServer {
    pub port: u16,
    pub requests: Arc<std::sync::atomic::AtomicUsize>,
}

impl HttpServer {
    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    pub fn count(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Reads a request head. Like a real server, answers 400 at once to bytes that cannot start
/// an HTTP request (a TLS ClientHello, for one).
fn read_request(stream: &mut (impl Read + Write + ?Sized)) -> Option<Request> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        if raw.len() > 64 * 1024 {
            return None;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
        let method = raw
            .iter()
            .position(|b| *b == b' ')
            .unwrap_or(raw.len())
            .min(8);
        if !raw[..method].iter().all(u8::is_ascii_uppercase) {
            write_response(stream, &Response::new(400, "bad request"));
            return None;
        }
    }
    let text = String::from_utf8_lossy(&raw);
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Request {
        method,
        path,
        headers,
    })
}

fn write_response(stream: &mut (impl Write + ?Sized), r: &Response) {
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\n",
        r.status,
        r.body.len()
    );
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // One write: a response split in two small writes waits for the delayed ACK (Nagle).
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&r.body);
    let _ = stream.write_all(&bytes);
    let _ = stream.flush();
}

/// An HTTP server (HTTPS with `tls`) on 127.0.0.1, with keep-alive connections. `make` receives
/// the port before the first request, so handlers can know their own URL (an issuer does).
pub fn http_server<H>(tls: Option<rustls::ServerConfig>, make: impl FnOnce(u16) -> H) -> HttpServer
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = Arc::new(make(port));
    let tls = tls.map(Arc::new);
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
            let _ = stream.set_nodelay(true);
            let (handler, tls, counter) = (handler.clone(), tls.clone(), counter.clone());
            std::thread::spawn(move || {
                // Keep-alive, as real servers do: requests on one connection until it closes.
                let answer = |stream: &mut dyn ReadWrite| {
                    while let Some(request) = read_request(stream) {
                        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        write_response(stream, &handler(&request));
                    }
                };
                if let Some(config) = tls {
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut s = rustls::StreamOwned::new(conn, stream);
                    answer(&mut s);
                    s.conn.send_close_notify();
                    let _ = s.flush();
                } else {
                    let mut s = stream;
                    answer(&mut s);
                }
            });
        }
    });
    HttpServer { port, requests }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}
