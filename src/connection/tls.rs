//! TLS through native-tls, with the handshake under the connect deadline.

use std::net::TcpStream;

use super::config::TlsConfig;
use super::stream::Stream;
use crate::deadline::Budget;
#[cfg(feature = "tls")]
use crate::deadline::Span;
use crate::error::{Error, Result};

/// Wraps `tcp` in TLS, the handshake under `budget`: every read and write it makes is bounded
/// by what is left, so a server that accepts TCP and then says nothing cannot hold the caller.
///
/// A handshake that gets no answer within the connect timeout is told apart from a slow TLS
/// server by one cheap check, inside the same timeout: the handshake gets all of it but the
/// last [`PROBE`] (at most a quarter of it), and if it runs out, the same address is sent a
/// plain `PING`. A port that answers it speaks plain RESP, not TLS: the error says so (a
/// configuration mistake, not retried) instead of being a timeout (retried). When the call's own
/// deadline ends first, there is no time for the check and the error is that timeout.
#[cfg(feature = "tls")]
pub(crate) fn wrap(tcp: TcpStream, host: &str, cfg: &TlsConfig, budget: Budget) -> Result<Stream> {
    use super::stream::Timed;
    use native_tls::HandshakeError;

    let connector = connector(cfg, budget)?;
    let name = cfg.server_name.as_deref().unwrap_or(host);
    let peer = tcp.peer_addr().ok();
    let probe = (budget.phase == crate::error::TimeoutPhase::Connect)
        .then(|| PROBE.min(budget.after / 4))
        .filter(|p| !p.is_zero());
    let handshake = match (probe, budget.deadline.instant()) {
        (Some(p), Some(end)) => Budget {
            deadline: crate::deadline::Deadline::at(end.checked_sub(p).unwrap_or(end)),
            ..budget
        },
        _ => budget,
    };
    let mut timed = Timed::new(tcp);
    timed.arm(Span {
        start: std::time::Instant::now(),
        timeout: None,
        phase: budget.phase,
        cap: handshake,
    });
    match connector.connect(name, timed) {
        Ok(stream) => Ok(Stream::Tls(Box::new(stream))),
        Err(HandshakeError::Failure(e)) if !handshake.deadline.has_passed() => Err(Error::tls(e)),
        Err(_) => match (peer, probe, budget.deadline.remaining()) {
            (Some(addr), Some(_), Some(left)) if speaks_plain_resp(addr, left) => {
                Err(Error::tls(std::io::Error::other(format!(
                    "no TLS handshake from {addr}, which answers plain RESP: \
                     use a redis:// URL (or point rediss:// at the server's TLS port)"
                ))))
            }
            _ => Err(budget.timeout()),
        },
    }
}

/// The most of the connect timeout kept for telling a plain-RESP port from a silent TLS one.
#[cfg(feature = "tls")]
const PROBE: std::time::Duration = std::time::Duration::from_millis(300);

/// Whether `addr` answers an inline `PING` with a RESP reply within `within`.
#[cfg(feature = "tls")]
fn speaks_plain_resp(addr: std::net::SocketAddr, within: std::time::Duration) -> bool {
    use std::io::{Read, Write};
    let start = std::time::Instant::now();
    if within < std::time::Duration::from_millis(1) {
        return false;
    }
    let Ok(mut s) = TcpStream::connect_timeout(&addr, within) else {
        return false;
    };
    let left = within.saturating_sub(start.elapsed());
    let mut reply = [0u8; 8];
    !left.is_zero()
        && s.set_read_timeout(Some(left)).is_ok()
        && s.set_write_timeout(Some(left)).is_ok()
        && s.write_all(b"PING\r\n").is_ok()
        && matches!(s.read(&mut reply), Ok(n) if n > 0 && matches!(reply[0], b'+' | b'-'))
}

/// The connector for `cfg`, built once per process and settings: building one reads the CA
/// and identity files and, with OpenSSL 3, the whole system certificate bundle (70-280 ms
/// here), which must not be paid again by every connection. A file changed on disk (a
/// rotated certificate) makes a new one.
#[cfg(feature = "tls")]
fn connector(cfg: &TlsConfig, budget: Budget) -> Result<native_tls::TlsConnector> {
    let stamps = stamps(cfg);
    if let Some(c) = cached(cfg, &stamps) {
        return Ok(c);
    }
    // Building cannot be interrupted, so it runs on a short-lived helper thread and the caller
    // waits no longer than its budget; a build that finishes late is cached for the next
    // connection all the same.
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = cfg.clone();
    std::thread::Builder::new()
        .name("redisync-tls-setup".into())
        .spawn(move || {
            let built = build_connector(&owned);
            if let Ok(c) = &built {
                store(&owned, stamps, c.clone());
            }
            let _ = tx.send(built);
        })
        .map_err(Error::tls)?;
    let got = match budget.remaining()? {
        Some(left) => rx.recv_timeout(left),
        None => rx
            .recv()
            .map_err(|_| std::sync::mpsc::RecvTimeoutError::Disconnected),
    };
    match got {
        Ok(built) => built,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(budget.timeout()),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Error::tls(
            std::io::Error::other("the TLS setup thread failed"),
        )),
    }
}

/// The modification times of the files a TLS configuration names (a changed file is a new
/// configuration).
#[cfg(feature = "tls")]
type Stamps = Vec<Option<std::time::SystemTime>>;

#[cfg(feature = "tls")]
type Cached = (TlsConfig, Stamps, native_tls::TlsConnector);

#[cfg(feature = "tls")]
static CACHE: parking_lot::Mutex<Vec<Cached>> = parking_lot::Mutex::new(Vec::new());

#[cfg(feature = "tls")]
fn stamps(cfg: &TlsConfig) -> Stamps {
    cfg.ca_file
        .iter()
        .chain(cfg.identity.iter().flat_map(|(c, k)| [c, k]))
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}

#[cfg(feature = "tls")]
fn cached(cfg: &TlsConfig, stamps: &Stamps) -> Option<native_tls::TlsConnector> {
    CACHE
        .lock()
        .iter()
        .find(|(k, s, _)| k == cfg && s == stamps)
        .map(|(_, _, c)| c.clone())
}

#[cfg(feature = "tls")]
fn store(cfg: &TlsConfig, stamps: Stamps, connector: native_tls::TlsConnector) {
    const MOST: usize = 16;
    let mut cache = CACHE.lock();
    cache.retain(|(k, _, _)| k != cfg);
    if cache.len() >= MOST {
        cache.remove(0);
    }
    cache.push((cfg.clone(), stamps, connector));
}

#[cfg(feature = "tls")]
fn build_connector(cfg: &TlsConfig) -> Result<native_tls::TlsConnector> {
    let mut builder = native_tls::TlsConnector::builder();
    if let Some(path) = &cfg.ca_file {
        let pem = read(path, "TLS CA file")?;
        let blocks = pem_blocks(&pem, "CERTIFICATE");
        if blocks.is_empty() {
            return Err(Error::invalid(
                "TLS CA file",
                format!("{} holds no PEM certificate", path.display()),
            ));
        }
        for block in blocks {
            let cert = native_tls::Certificate::from_pem(block)
                .map_err(|e| Error::invalid("TLS CA file", format!("{}: {e}", path.display())))?;
            builder.add_root_certificate(cert);
        }
    }
    if let Some((cert, key)) = &cfg.identity {
        let cert_pem = read(cert, "TLS client certificate")?;
        let key_pem = read(key, "TLS client key")?;
        let identity = native_tls::Identity::from_pkcs8(&cert_pem, &key_pem).map_err(|e| {
            Error::invalid(
                "TLS client identity",
                format!("{} / {}: {e}", cert.display(), key.display()),
            )
        })?;
        builder.identity(identity);
    }
    if cfg.danger_accept_invalid_certs {
        log::warn!("TLS certificate verification is OFF (danger_accept_invalid_certs)");
    }
    builder.danger_accept_invalid_certs(cfg.danger_accept_invalid_certs);
    builder.danger_accept_invalid_hostnames(cfg.danger_accept_invalid_hostnames);
    builder.build().map_err(Error::tls)
}

#[cfg(feature = "tls")]
fn read(path: &std::path::Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::invalid(what, format!("{}: {e}", path.display())))
}

/// Splits a PEM file into its blocks of one label (a CA bundle holds many certificates; the
/// parser underneath reads only the first block of what it is given).
#[cfg(feature = "tls")]
fn pem_blocks<'a>(pem: &'a [u8], label: &str) -> Vec<&'a [u8]> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = pem;
    while let Some(start) = find(rest, begin.as_bytes()) {
        let Some(stop) = find(&rest[start..], end.as_bytes()) else {
            break;
        };
        let stop = start + stop + end.len();
        blocks.push(&rest[start..stop]);
        rest = &rest[stop..];
    }
    blocks
}

#[cfg(feature = "tls")]
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(not(feature = "tls"))]
pub(crate) fn wrap(
    _tcp: TcpStream,
    _host: &str,
    _cfg: &TlsConfig,
    _budget: Budget,
) -> Result<Stream> {
    Err(Error::invalid(
        "TLS",
        "this build of redisync has no TLS support: enable the `tls` feature",
    ))
}

#[cfg(all(test, feature = "tls"))]
mod tests {
    use super::*;

    #[test]
    fn pem_bundle_splits_into_certificates() {
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
                    -----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n";
        let blocks = pem_blocks(pem, "CERTIFICATE");
        assert_eq!(blocks.len(), 2);
        assert!(blocks[1].windows(3).any(|w| w == b"BBB"));
        assert!(pem_blocks(b"nothing here", "CERTIFICATE").is_empty());
    }
}
