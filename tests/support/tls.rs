//! TLS material made at test time with the `openssl` command line.
//!
//! Certificates are generated rather than checked in so they never expire in
//! the repository and no private key is ever committed. One set is made per
//! test process (on first use) and shared by all its tests: key generation is
//! the slow part. Keys are RSA 2048 in PKCS#8 PEM (`BEGIN PRIVATE KEY`), the
//! form every TLS stack loads; certificates are SHA-256, valid for 10 days.
//!
//! The files live in a per-process directory under Cargo's
//! `CARGO_TARGET_TMPDIR` (inside `target/`, removed by `cargo clean`). It is
//! not deleted at exit: a process-wide static is never dropped, and servers
//! started by the tests read the files until the very end.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Validity of every certificate, in days.
const DAYS: &str = "10";

/// Paths of the generated TLS files. All are PEM.
#[derive(Debug)]
pub struct TlsCerts {
    /// Directory holding all the files.
    pub dir: PathBuf,
    /// The test CA's certificate: what clients and the server trust.
    pub ca_cert: PathBuf,
    /// The test CA's private key.
    pub ca_key: PathBuf,
    /// Server certificate for `localhost`, SAN `DNS:localhost,IP:127.0.0.1`,
    /// signed by the test CA.
    pub server_cert: PathBuf,
    /// The server certificate's private key (PKCS#8).
    pub server_key: PathBuf,
    /// Client certificate (CN `redisync-test-client`, extended key usage
    /// clientAuth) signed by the test CA: for mutual TLS.
    pub client_cert: PathBuf,
    /// The client certificate's private key (PKCS#8).
    pub client_key: PathBuf,
    /// A second CA, unrelated to the first: trusting only it must make
    /// verification of the server fail ("bad certificate" tests).
    pub other_ca_cert: PathBuf,
    /// The unrelated CA's private key.
    pub other_ca_key: PathBuf,
    /// A client certificate signed by the unrelated CA: a server requiring
    /// client certificates must reject it.
    pub untrusted_client_cert: PathBuf,
    /// The untrusted client certificate's private key (PKCS#8).
    pub untrusted_client_key: PathBuf,
}

/// The process-wide set of TLS files, generated on first call.
///
/// # Panics
///
/// When `openssl` is missing or fails, with its output.
pub fn tls_certs() -> &'static TlsCerts {
    static CERTS: OnceLock<TlsCerts> = OnceLock::new();
    CERTS.get_or_init(generate)
}

/// Extensions for each kind of certificate; `-subj` supplies the names.
const OPENSSL_CNF: &str = "\
[req]
distinguished_name = req_dn
prompt = no

[req_dn]
CN = unused

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

fn generate() -> TlsCerts {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(base).unwrap_or_else(|e| panic!("cannot create {}: {e}", base.display()));
    let dir = tempfile::Builder::new()
        .prefix("redisync-tls-")
        .tempdir_in(base)
        .unwrap_or_else(|e| panic!("cannot create a temp dir in {}: {e}", base.display()))
        .keep();
    let cnf = dir.join("openssl.cnf");
    fs::write(&cnf, OPENSSL_CNF).unwrap_or_else(|e| panic!("cannot write {}: {e}", cnf.display()));

    let p = |name: &str| dir.join(name);
    let certs = TlsCerts {
        ca_cert: p("ca.crt"),
        ca_key: p("ca.key"),
        server_cert: p("server.crt"),
        server_key: p("server.key"),
        client_cert: p("client.crt"),
        client_key: p("client.key"),
        other_ca_cert: p("other-ca.crt"),
        other_ca_key: p("other-ca.key"),
        untrusted_client_cert: p("untrusted-client.crt"),
        untrusted_client_key: p("untrusted-client.key"),
        dir: dir.clone(),
    };

    self_signed_ca(&cnf, &certs.ca_key, &certs.ca_cert, "redisync test CA");
    self_signed_ca(
        &cnf,
        &certs.other_ca_key,
        &certs.other_ca_cert,
        "redisync unrelated CA",
    );
    let ca = (&certs.ca_cert, &certs.ca_key);
    let other_ca = (&certs.other_ca_cert, &certs.other_ca_key);
    issue(
        &cnf,
        ca,
        "v3_server",
        "localhost",
        2,
        &certs.server_key,
        &certs.server_cert,
    );
    issue(
        &cnf,
        ca,
        "v3_client",
        "redisync-test-client",
        3,
        &certs.client_key,
        &certs.client_cert,
    );
    issue(
        &cnf,
        other_ca,
        "v3_client",
        "redisync-untrusted-client",
        2,
        &certs.untrusted_client_key,
        &certs.untrusted_client_cert,
    );
    certs
}

/// A PKCS#8 RSA key at `key` (`genpkey` writes PKCS#8 by default).
fn new_key(key: &Path) {
    run(openssl()
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .arg("-out")
        .arg(key));
}

fn self_signed_ca(cnf: &Path, key: &Path, cert: &Path, name: &str) {
    new_key(key);
    run(openssl()
        .args([
            "req",
            "-new",
            "-x509",
            "-extensions",
            "v3_ca",
            "-sha256",
            "-days",
            DAYS,
        ])
        .arg("-subj")
        .arg(format!("/CN={name}"))
        .arg("-config")
        .arg(cnf)
        .arg("-key")
        .arg(key)
        .arg("-out")
        .arg(cert));
}

/// A new key and a certificate for `cn` signed by `issuer` (cert, key), with
/// the extensions of section `extensions` of the config file.
fn issue(
    cnf: &Path,
    issuer: (&PathBuf, &PathBuf),
    extensions: &str,
    cn: &str,
    serial: u32,
    key: &Path,
    cert: &Path,
) {
    new_key(key);
    let csr = cert.with_extension("csr");
    run(openssl()
        .args(["req", "-new"])
        .arg("-subj")
        .arg(format!("/CN={cn}"))
        .arg("-config")
        .arg(cnf)
        .arg("-key")
        .arg(key)
        .arg("-out")
        .arg(&csr));
    run(openssl()
        .args(["x509", "-req", "-sha256", "-days", DAYS])
        .arg("-set_serial")
        .arg(serial.to_string())
        .arg("-extfile")
        .arg(cnf)
        .arg("-extensions")
        .arg(extensions)
        .arg("-in")
        .arg(&csr)
        .arg("-CA")
        .arg(issuer.0)
        .arg("-CAkey")
        .arg(issuer.1)
        .arg("-out")
        .arg(cert));
}

fn openssl() -> Command {
    Command::new("openssl")
}

/// Runs an `openssl` command; panics with its output when it fails.
fn run(cmd: &mut Command) {
    let output = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run `openssl` to generate test certificates (is it installed?): {e}")
    });
    if !output.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
    }
}
