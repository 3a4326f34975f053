//! Live checks of the endpoints behind a model: TLS (`tls`) and JWT handling (`jwt`), with the
//! network plumbing they share: targets, deadlines, size limits and cancellation. Probes return
//! plain data; they never print. Probing is always an explicit user action.

pub mod catalog;
pub mod jwt;
pub mod starttls;
pub mod tls;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::vocab::Severity;

/// A finding from a probe, with a dotted id like `tls.legacy-protocol`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProbeFinding {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    /// What was observed that proves it.
    pub evidence: String,
}

impl ProbeFinding {
    /// A finding of a catalogued check ([`catalog::CHECKS`]), titled as the catalog titles it.
    #[must_use]
    pub fn of(id: &str, severity: Severity, evidence: impl Into<String>) -> Self {
        let title = catalog::check(id).map_or(id, |c| c.title);
        ProbeFinding::new(id, severity, title, evidence)
    }

    /// A finding with its own title (where the evidence words it).
    #[must_use]
    pub fn new(id: &str, severity: Severity, title: &str, evidence: impl Into<String>) -> Self {
        ProbeFinding {
            id: id.to_string(),
            severity,
            title: title.to_string(),
            evidence: evidence.into(),
        }
    }
}

/// Why a probe could not start (bad input); failures of the target are results, not errors.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Target(#[from] InvalidTarget),
    #[error("{0}")]
    Input(String),
}

pub use crate::model::target::{InvalidTarget, Target};

/// The addresses to try for a target. Names are resolved (the user asked to probe them); IP
/// literals and `localhost` never leave the machine.
///
/// # Errors
/// The name does not resolve.
pub fn addresses(target: &Target) -> io::Result<Vec<SocketAddr>> {
    if target.host.eq_ignore_ascii_case("localhost") {
        return Ok(vec![
            SocketAddr::from(([127, 0, 0, 1], target.port)),
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, target.port)),
        ]);
    }
    if let Ok(ip) = target.host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    Ok((target.host.as_str(), target.port)
        .to_socket_addrs()?
        .collect())
}

/// A shared flag to stop a probe early (the GUI's Cancel button).
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    #[must_use]
    pub fn new() -> Self {
        Cancel::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A point in time after which every network operation of a probe fails.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(Instant);

impl Deadline {
    #[must_use]
    pub fn after(d: Duration) -> Self {
        Deadline(Instant::now() + d)
    }

    #[must_use]
    pub fn remaining(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    #[must_use]
    pub fn passed(self) -> bool {
        self.remaining().is_zero()
    }

    /// The earlier of this deadline and `d` from now.
    #[must_use]
    pub fn within(self, d: Duration) -> Self {
        Deadline(self.0.min(Instant::now() + d))
    }
}

/// Connects to the first address that answers before the deadline.
///
/// # Errors
/// Every address failed or the deadline passed.
pub fn connect(target: &Target, deadline: Deadline) -> io::Result<Stream> {
    let addresses = addresses(target)?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
    for addr in addresses {
        let left = deadline.remaining();
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "timed out connecting",
            ));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(Stream {
                    inner: s,
                    deadline,
                    read_limit: DEFAULT_READ_LIMIT,
                    read: 0,
                });
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Bytes a probe reads from one connection at most.
pub const DEFAULT_READ_LIMIT: usize = 1024 * 1024;

/// A TCP stream whose every read and write fails once the deadline has passed, and whose reads
/// stop at a byte limit: a slow or endless server cannot hold a probe or fill its memory.
pub struct Stream {
    inner: TcpStream,
    deadline: Deadline,
    read_limit: usize,
    read: usize,
}

impl Stream {
    pub fn set_read_limit(&mut self, limit: usize) {
        self.read_limit = limit;
    }

    /// Brings the deadline forward to at most `d` from now (a short wait for optional data),
    /// returning the deadline it replaces: give it to [`Stream::restore`] once the wait is
    /// over, or nothing more can be written (a close_notify after the wait would time out).
    pub fn shorten(&mut self, d: Duration) -> Deadline {
        let before = self.deadline;
        self.deadline = self.deadline.within(d);
        before
    }

    /// Puts back the deadline [`Stream::shorten`] replaced.
    pub fn restore(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }

    /// Starts counting bytes against the limit afresh (after a protocol preamble).
    pub fn reset_read_count(&mut self) {
        self.read = 0;
    }

    /// The local end of the connection.
    ///
    /// # Errors
    /// The socket is gone.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    fn arm(&self) -> io::Result<()> {
        let left = self.deadline.remaining();
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
        }
        self.inner.set_read_timeout(Some(left))?;
        self.inner.set_write_timeout(Some(left))
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read >= self.read_limit {
            return Err(io::Error::other(format!(
                "the server sent more than {} bytes",
                self.read_limit
            )));
        }
        self.arm()?;
        let max = buf.len().min(self.read_limit - self.read);
        match self.inner.read(&mut buf[..max]) {
            Ok(n) => {
                self.read += n;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"))
            }
            Err(e) => Err(e),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.arm()?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

pub use crate::text::quote;

/// The certificates of a PEM file; a block that does not parse is an error.
///
/// # Errors
/// Invalid PEM.
pub fn pem_certificates(
    pem: &[u8],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ProbeError> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProbeError::Input(format!("invalid PEM certificate: {e}")))
}

/// The one CA loader (`--ca`, an endpoint's `ca`), for the TLS and JWT probes alike: the
/// certificates of a PEM file, refused when any block does not parse or there is none.
///
/// # Errors
/// Invalid PEM, or no certificate in it.
pub fn ca_certificates(
    pem: &[u8],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ProbeError> {
    let certs = pem_certificates(pem)?;
    if certs.is_empty() {
        return Err(ProbeError::Input(
            "the CA file holds no PEM certificate".into(),
        ));
    }
    Ok(certs)
}

/// A short, human description of an I/O failure.
#[must_use]
pub fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timed out".to_string(),
        io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        io::ErrorKind::ConnectionReset => "connection reset by the server".to_string(),
        io::ErrorKind::UnexpectedEof => "the server closed the connection".to_string(),
        _ => e.to_string(),
    }
}
