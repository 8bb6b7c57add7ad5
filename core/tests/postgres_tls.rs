//! PostgreSQL connections over rustls, end to end against a throw-away server of the test's own.
//!
//! The test generates a CA, a server certificate for `127.0.0.1` (IP SAN) and `localhost` (DNS
//! SAN), a client certificate for the role `inventario_mtls`, and a second, unrelated CA. It then
//! starts a private PostgreSQL cluster on a free port whose `pg_hba.conf` admits TCP connections
//! only over TLS, and requires a client certificate from `inventario_mtls`. It proves that:
//!
//! * `sslmode=verify-full` with `sslrootcert` set to the test CA connects to `127.0.0.1` and to
//!   `localhost`, and the session really is encrypted (`pg_stat_ssl`);
//! * the same with the wrong CA as `sslrootcert` is refused: the issuer is unknown;
//! * verify-full to `127.0.0.2`, an address of the same server that the certificate does not
//!   name, is refused, and the error names the host and the certificate's names; it is the name
//!   check that refuses, since the same server, certificate and CA pass verify-full as
//!   `127.0.0.1` and `localhost`, and verify-ca to `127.0.0.1`;
//! * verify-ca to `127.0.0.2` is refused too, which libpq would allow: a known sqlx 0.8 bug,
//!   pinned here so that the upgrade that fixes it shows up (see
//!   [`verify_ca_checks_the_name_too`]);
//! * `inventario_mtls` connects with its client certificate and key, and is refused without a
//!   certificate or with one from the wrong CA;
//! * `sslmode=disable` is refused by the server.
//!
//! Every connection attempt goes through [`try_open`]. The test runs only when
//! `INVENTARIO_TEST_PG_URL` is set, because it needs a local PostgreSQL installation (`initdb`,
//! `pg_ctl`, `psql`); the variable's value is not used, and the server it names is never touched.
//! The cluster is stopped and every file removed when the test ends, also when it panics.

mod common;

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::PG_URL_VAR;
use inventario_core::Inventory;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

/// Opens the inventory by URL, as a user would, and checks that the session is encrypted;
/// `Err` carries the text of whatever refused it. The single place every case connects through.
async fn try_open(url: &str) -> Result<(), String> {
    let inv = Inventory::open(url, common::test_key(), "tls-test")
        .await
        .map_err(|e| e.to_string())?;
    let report = inv.verify_audit(None).await.map_err(|e| e.to_string())?;
    inv.close().await;
    if !report.is_intact() {
        return Err("the store opened but its audit chain does not verify".to_owned());
    }
    // The same URL, the same TLS settings: is the session really encrypted?
    let mut conn = PgConnection::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    conn.close().await.map_err(|e| e.to_string())?;
    if encrypted {
        Ok(())
    } else {
        Err("connected, but pg_stat_ssl says the session is not encrypted".to_owned())
    }
}

/// The role whose `pg_hba.conf` entry is `cert`: it must present a client certificate.
const MTLS_USER: &str = "inventario_mtls";
/// The cluster's superuser, admitted over TLS by `trust`.
const ADMIN_USER: &str = "postgres";
/// The database every case connects to, owned by [`MTLS_USER`].
const DATABASE: &str = "inventario_tls";
/// An address of the test server that its certificate does not name.
const UNNAMED_HOST: &str = "127.0.0.2";

#[tokio::test]
async fn postgres_connections_over_rustls() {
    if std::env::var_os(PG_URL_VAR).is_none_or(|v| v.is_empty()) {
        println!(
            "skipped: {PG_URL_VAR} is not set (PostgreSQL TLS tests need a local PostgreSQL \
             installation)"
        );
        return;
    }
    let started = Instant::now();
    let cluster = Cluster::start();
    println!(
        "cluster on port {} ready in {:.2?}",
        cluster.port,
        started.elapsed()
    );

    verify_full_is_encrypted(&cluster).await;
    wrong_ca_is_refused(&cluster).await;
    wrong_name_is_refused(&cluster).await;
    verify_ca_checks_the_name_too(&cluster).await;
    client_certificate_is_required(&cluster).await;
    plaintext_is_refused(&cluster).await;

    println!("all cases passed in {:.2?}", started.elapsed());
}

// ---- the cases ----------------------------------------------------------------------------

async fn verify_full_is_encrypted(c: &Cluster) {
    let ca = [("sslrootcert", c.pki.ca.as_path())];
    let by_ip = c.url(ADMIN_USER, "127.0.0.1", "verify-full", &ca);
    expect_connects("verify-full, test CA, IP SAN 127.0.0.1", &by_ip).await;
    let by_dns = c.url(ADMIN_USER, "localhost", "verify-full", &ca);
    expect_connects("verify-full, test CA, DNS SAN localhost", &by_dns).await;
}

async fn wrong_ca_is_refused(c: &Cluster) {
    let wrong_ca = [("sslrootcert", c.pki.wrong_ca.as_path())];
    let url = c.url(ADMIN_USER, "127.0.0.1", "verify-full", &wrong_ca);
    expect_refused("verify-full, wrong CA", &url, "UnknownIssuer").await;
}

async fn wrong_name_is_refused(c: &Cluster) {
    let ca = [("sslrootcert", c.pki.ca.as_path())];
    let url = c.url(ADMIN_USER, UNNAMED_HOST, "verify-full", &ca);
    let reason = format!("certificate not valid for name \"{UNNAMED_HOST}\"");
    expect_refused(
        "verify-full, test CA, host not in the certificate",
        &url,
        &reason,
    )
    .await;
}

/// verify-ca should check the chain but, unlike verify-full, not the name.
///
/// To a host the certificate names, it connects. To one it does not name, libpq's verify-ca
/// connects too, but sqlx 0.8.6 with rustls refuses exactly as verify-full does: its
/// `NoHostnameTlsVerifier` forgives only `CertificateError::NotValidForName`, while rustls since
/// 0.23.24 reports a name mismatch as `NotValidForNameContext` (sqlx issue #3793, fixed upstream
/// by PR #3861 after 0.8.6). This case pins what the stack does today, so that an upgrade which
/// fixes it fails here: then replace the `expect_refused` below with `expect_connects`.
async fn verify_ca_checks_the_name_too(c: &Cluster) {
    let ca = [("sslrootcert", c.pki.ca.as_path())];
    let named = c.url(ADMIN_USER, "127.0.0.1", "verify-ca", &ca);
    expect_connects("verify-ca, test CA, host in the certificate", &named).await;
    let unnamed = c.url(ADMIN_USER, UNNAMED_HOST, "verify-ca", &ca);
    let reason = format!("certificate not valid for name \"{UNNAMED_HOST}\"");
    let case = "verify-ca, test CA, host not in the certificate (KNOWN sqlx 0.8 bug #3793: \
                libpq would connect)";
    expect_refused(case, &unnamed, &reason).await;
}

async fn client_certificate_is_required(c: &Cluster) {
    let pki = &c.pki;
    let with_cert = c.url(
        MTLS_USER,
        "127.0.0.1",
        "verify-full",
        &[
            ("sslrootcert", pki.ca.as_path()),
            ("sslcert", pki.client_cert.as_path()),
            ("sslkey", pki.client_key.as_path()),
        ],
    );
    expect_connects("mTLS user with its client certificate", &with_cert).await;

    let without_cert = c.url(
        MTLS_USER,
        "127.0.0.1",
        "verify-full",
        &[("sslrootcert", pki.ca.as_path())],
    );
    let reason = "connection requires a valid client certificate";
    expect_refused(
        "mTLS user without a client certificate",
        &without_cert,
        reason,
    )
    .await;

    let foreign_cert = c.url(
        MTLS_USER,
        "127.0.0.1",
        "verify-full",
        &[
            ("sslrootcert", pki.ca.as_path()),
            ("sslcert", pki.foreign_client_cert.as_path()),
            ("sslkey", pki.foreign_client_key.as_path()),
        ],
    );
    let reason = "UnknownCA";
    expect_refused(
        "mTLS user with a wrong-CA certificate",
        &foreign_cert,
        reason,
    )
    .await;
}

async fn plaintext_is_refused(c: &Cluster) {
    let url = c.url(ADMIN_USER, "127.0.0.1", "disable", &[]);
    let reason = "pg_hba.conf rejects connection";
    expect_refused("sslmode=disable", &url, reason).await;
}

async fn expect_connects(case: &str, url: &str) {
    if let Err(error) = try_open(url).await {
        panic!("{case}: expected an encrypted session, got: {error}\n  url: {url}");
    }
    println!("connected: {case}");
}

/// Asserts the attempt is refused and that the error names `reason`.
async fn expect_refused(case: &str, url: &str, reason: &str) {
    match try_open(url).await {
        Ok(()) => panic!("{case}: connected, but must be refused ({reason})\n  url: {url}"),
        Err(error) => {
            assert!(
                error.contains(reason),
                "{case}: refused, but the error does not say {reason:?}: {error}\n  url: {url}"
            );
            println!("refused:   {case}: {error}");
        }
    }
}

// ---- certificates -------------------------------------------------------------------------

/// PEM files of the test PKI.
struct Pki {
    ca: PathBuf,
    wrong_ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    /// A client certificate for [`MTLS_USER`] signed by the wrong CA.
    foreign_client_cert: PathBuf,
    foreign_client_key: PathBuf,
}

impl Pki {
    fn generate(dir: &Path) -> Self {
        fs::create_dir(dir).expect("create the certificate directory");
        let (ca, ca_key) = new_ca("inventario test CA");
        let (wrong_ca, wrong_ca_key) = new_ca("inventario wrong CA");

        let mut server = CertificateParams::default();
        server.subject_alt_names = vec![
            SanType::IpAddress(Ipv4Addr::LOCALHOST.into()),
            SanType::DnsName("localhost".try_into().expect("a valid DNS name")),
        ];
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let (server, server_key) = signed_leaf(server, &ca, &ca_key);
        let (client, client_key) = client_leaf(&ca, &ca_key);
        let (foreign, foreign_key) = client_leaf(&wrong_ca, &wrong_ca_key);

        let cert = |name: &str, cert: &Certificate| write_pem(&dir.join(name), &cert.pem(), 0o644);
        let key =
            |name: &str, key: &KeyPair| write_pem(&dir.join(name), &key.serialize_pem(), 0o600);
        Self {
            ca: cert("ca.pem", &ca),
            wrong_ca: cert("wrong-ca.pem", &wrong_ca),
            server_cert: cert("server.pem", &server),
            server_key: key("server.key", &server_key),
            client_cert: cert("client.pem", &client),
            client_key: key("client.key", &client_key),
            foreign_client_cert: cert("foreign-client.pem", &foreign),
            foreign_client_key: key("foreign-client.key", &foreign_key),
        }
    }
}

fn new_ca(name: &str) -> (Certificate, KeyPair) {
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().expect("generate a CA key");
    let cert = params.self_signed(&key).expect("self-sign the CA");
    (cert, key)
}

/// A client certificate whose CN is [`MTLS_USER`], as `cert` authentication requires.
fn client_leaf(ca: &Certificate, ca_key: &KeyPair) -> (Certificate, KeyPair) {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, MTLS_USER);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    signed_leaf(params, ca, ca_key)
}

fn signed_leaf(
    mut params: CertificateParams,
    ca: &Certificate,
    ca_key: &KeyPair,
) -> (Certificate, KeyPair) {
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().expect("generate a leaf key");
    let cert = params
        .signed_by(&key, ca, ca_key)
        .expect("sign a leaf certificate");
    (cert, key)
}

fn write_pem(path: &Path, pem: &str, mode: u32) -> PathBuf {
    fs::write(path, pem).expect("write a PEM file");
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("set a PEM file's mode");
    path.to_owned()
}

// ---- the throw-away cluster ---------------------------------------------------------------

/// A private PostgreSQL cluster in a temporary directory. Dropping it stops the server and
/// removes every file, also when the test panics.
struct Cluster {
    dir: TempDir,
    bin: PathBuf,
    /// The server refuses to run as root: then every server command runs as `postgres`.
    as_postgres: bool,
    port: u16,
    pki: Pki,
}

impl Cluster {
    fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("inventario-pg-tls-")
            .tempdir()
            .expect("create a temporary directory");
        let pki = Pki::generate(&dir.path().join("tls"));
        fs::create_dir(dir.path().join("socket")).expect("create the socket directory");
        let as_postgres = effective_uid_is_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("run chown");
            assert!(status.success(), "chown -R postgres: failed: {status}");
        }
        let cluster = Self {
            dir,
            bin: server_bindir(),
            as_postgres,
            port: free_port(),
            pki,
        };
        cluster.initdb();
        cluster.configure();
        cluster.pg_ctl_start();
        cluster.create_role_and_database();
        cluster
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A command for one of the server binaries, run as the server's user.
    fn server_command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", "postgres", "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        command.current_dir(self.dir.path());
        command
    }

    fn initdb(&self) {
        let mut initdb = self.server_command("initdb");
        initdb
            .arg("-D")
            .arg(self.data_dir())
            .args([
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ])
            .arg(format!("--username={ADMIN_USER}"));
        run(&mut initdb, "initdb");
    }

    fn configure(&self) {
        let quoted = |path: &Path| format!("'{}'", path.display().to_string().replace('\'', "''"));
        let settings = [
            ("port", self.port.to_string()),
            ("listen_addresses", format!("'127.0.0.1,{UNNAMED_HOST}'")),
            ("unix_socket_directories", quoted(&self.socket_dir())),
            ("ssl", "on".to_owned()),
            ("ssl_cert_file", quoted(&self.pki.server_cert)),
            ("ssl_key_file", quoted(&self.pki.server_key)),
            ("ssl_ca_file", quoted(&self.pki.ca)),
            ("fsync", "off".to_owned()),
            ("synchronous_commit", "off".to_owned()),
            ("full_page_writes", "off".to_owned()),
        ];
        let mut conf = "\n# inventario postgres_tls test\n".to_owned();
        for (name, value) in settings {
            conf.push_str(&format!("{name} = {value}\n"));
        }
        let conf_path = self.data_dir().join("postgresql.conf");
        let mut existing = fs::read_to_string(&conf_path).expect("read postgresql.conf");
        existing.push_str(&conf);
        fs::write(&conf_path, existing).expect("write postgresql.conf");

        // First match wins: the mTLS role must present a certificate, everyone else is trusted
        // over TLS, and TCP without TLS is rejected outright.
        let hba = format!(
            "local     all  {ADMIN_USER}       trust\n\
             hostssl   all  {MTLS_USER}  127.0.0.0/8  cert\n\
             hostssl   all  all              127.0.0.0/8  trust\n\
             hostnossl all  all              0.0.0.0/0    reject\n\
             host      all  all              ::/0         reject\n"
        );
        fs::write(self.data_dir().join("pg_hba.conf"), hba).expect("write pg_hba.conf");
    }

    fn socket_dir(&self) -> PathBuf {
        self.dir.path().join("socket")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    fn pg_ctl_start(&self) {
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", "30", "start"]);
        let output = pg_ctl.output().expect("run pg_ctl start");
        if !output.status.success() {
            let log = fs::read_to_string(self.log_file()).unwrap_or_default();
            panic!(
                "pg_ctl start failed ({}):\n{}\nserver log:\n{log}",
                output.status,
                output_text(&output)
            );
        }
    }

    fn create_role_and_database(&self) {
        self.psql(
            "postgres",
            &[
                &format!("CREATE ROLE {MTLS_USER} LOGIN"),
                &format!("CREATE DATABASE {DATABASE} OWNER {MTLS_USER}"),
            ],
        );
        // Each role keeps its store in a schema of its own (the default search_path starts
        // with "$user"), so the two roles never share tables.
        self.psql(
            DATABASE,
            &[
                &format!("CREATE SCHEMA {MTLS_USER} AUTHORIZATION {MTLS_USER}"),
                &format!("CREATE SCHEMA {ADMIN_USER}"),
            ],
        );
    }

    /// Runs `commands` as the superuser in `database`, over the cluster's Unix socket.
    fn psql(&self, database: &str, commands: &[&str]) {
        let mut psql = self.server_command("psql");
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.socket_dir())
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                ADMIN_USER,
                "-d",
                database,
            ]);
        for command in commands {
            psql.args(["-c", command]);
        }
        run(&mut psql, &format!("psql in {database}"));
    }

    /// A connection URL; `files` are query parameters naming PEM files.
    fn url(&self, user: &str, host: &str, sslmode: &str, files: &[(&str, &Path)]) -> String {
        let mut url = format!(
            "postgres://{user}@{host}:{}/{DATABASE}?sslmode={sslmode}",
            self.port
        );
        for (name, path) in files {
            url.push_str(&format!("&{name}={}", percent_encode_path(path)));
        }
        url
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if !self.data_dir().join("postmaster.pid").exists() {
            return;
        }
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "-t", "30", "stop"]);
        match pg_ctl.output() {
            Ok(output) if output.status.success() => {}
            Ok(output) => eprintln!("pg_ctl stop failed: {}", output_text(&output)),
            Err(error) => eprintln!("could not run pg_ctl stop: {error}"),
        }
        // `dir` (a TempDir) is dropped after this, removing every file.
    }
}

/// The directory holding `initdb` and `pg_ctl`: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin`.
fn server_bindir() -> PathBuf {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && has_server(&dir) {
            return dir;
        }
    }
    let mut candidates: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    candidates.sort();
    match candidates.pop() {
        Some((_, dir)) => dir,
        None => panic!(
            "{PG_URL_VAR} is set, but no PostgreSQL server binaries (initdb, pg_ctl) were found \
             via `pg_config --bindir` or in /usr/lib/postgresql/*/bin"
        ),
    }
}

fn effective_uid_is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("run id -u");
    assert!(output.status.success(), "id -u failed");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

/// A TCP port free on both addresses the server listens on.
fn free_port() -> u16 {
    for _ in 0..20 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let port = listener.local_addr().expect("local address").port();
        if TcpListener::bind((UNNAMED_HOST, port)).is_ok() {
            return port;
        }
    }
    panic!("found no port free on both 127.0.0.1 and {UNNAMED_HOST}");
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}",
        output.status,
        output_text(&output)
    );
}

fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Percent-encodes a path for a URL query value, keeping `/` and unreserved characters.
fn percent_encode_path(path: &Path) -> String {
    let text = path.to_str().expect("a UTF-8 temporary path");
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
