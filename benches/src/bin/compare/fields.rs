//! Field encryption: ours in process vs pgcrypto's `pgp_sym_encrypt`/`pgp_sym_decrypt`
//! (`cipher-algo=aes256`) per row, server side, on the same value sizes.

use std::time::Instant;

use inventario_benches::store::{Backend, Scratch};
use inventario_benches::timing::{median, per_call};
use inventario_benches::{BoxError, BENCH_KEY_HEX};
use inventario_core::crypto::{FieldContext, MasterKey};
use inventario_core::Keyring;
use sqlx::{Connection, PgConnection, Row};

use crate::report::{Bound, Report};
use crate::Settings;

/// Field sizes, in bytes.
pub(crate) const SIZES: [usize; 5] = [16, 64, 256, 1024, 16384];

/// The passphrase pgcrypto is given: its own key stretching (S2K) runs on it per call.
const PASSPHRASE: &str = "una frase de paso de prueba";

/// Per-call medians of our `FieldCipher` (cached key) at each size, next to pgcrypto's per-row
/// cost when a PostgreSQL server is given.
pub(crate) async fn run(settings: &Settings, report: &mut Report) -> Result<(), BoxError> {
    eprintln!("field encryption: ours vs pgcrypto");
    let keyring = Keyring::open(
        "sqlite::memory:",
        MasterKey::from_hex(BENCH_KEY_HEX)?.into(),
    )
    .await?;
    let cipher = keyring.field_cipher();
    let ctx = FieldContext::new("customers", "notes", "42")?;
    let mut pg = match &settings.pg {
        Some(url) => Some(Pgcrypto::new(url, settings).await?),
        None => None,
    };
    for size in SIZES {
        let value = "x".repeat(size);
        let envelope = cipher.encrypt(value.as_str(), &ctx)?;
        let encrypt = per_call(settings.rounds, || cipher.encrypt(value.as_str(), &ctx));
        let decrypt = per_call(settings.rounds, || cipher.decrypt(&envelope, &ctx));
        if size == 64 {
            report.target(
                "Rust encrypt, 64 B",
                encrypt * 1e6,
                "µs",
                Bound::AtMost,
                Some(0.6),
            );
            report.target(
                "Rust decrypt, 64 B",
                decrypt * 1e6,
                "µs",
                Bound::AtMost,
                Some(0.6),
            );
        }
        let Some(pg) = pg.as_mut() else {
            eprintln!("  {size} B: encrypt {encrypt:.3e} s, decrypt {decrypt:.3e} s (no PostgreSQL: pgcrypto skipped)");
            continue;
        };
        let (pg_encrypt, pg_decrypt) = pg.per_row(size).await?;
        // DESIGN 8: at least 1,000× faster than pgp_sym_encrypt, i.e. at most 1/1000 its time.
        let target = (size == 64).then_some(0.001);
        report.comparison(
            &format!("encrypt, {size} B"),
            ("inventario FieldCipher::encrypt", encrypt),
            ("pgcrypto pgp_sym_encrypt aes256, per row", pg_encrypt),
            target,
            "ours in process; pgcrypto server side, per row of one SELECT over many rows",
        );
        report.comparison(
            &format!("decrypt, {size} B"),
            ("inventario FieldCipher::decrypt", decrypt),
            ("pgcrypto pgp_sym_decrypt, per row", pg_decrypt),
            target,
            "ours in process; pgcrypto server side, per row of one SELECT over many rows",
        );
    }
    if let Some(pg) = pg {
        pg.remove().await?;
    }
    keyring.close().await;
    Ok(())
}

/// pgcrypto in a scratch schema of the local server.
struct Pgcrypto {
    conn: PgConnection,
    scratch: Scratch,
    /// The schema pgcrypto's functions live in.
    functions: String,
    rows: usize,
    rounds: usize,
}

impl Pgcrypto {
    async fn new(url: &str, settings: &Settings) -> Result<Pgcrypto, BoxError> {
        let scratch = Scratch::new(&Backend::Postgres(url.to_owned())).await?;
        let mut conn = PgConnection::connect(scratch.url()).await?;
        let installed: Option<String> = sqlx::query_scalar(
            "SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
             WHERE e.extname = 'pgcrypto'",
        )
        .fetch_optional(&mut conn)
        .await?;
        let functions = match installed {
            Some(schema) => schema,
            None => {
                // Into the scratch schema: dropped with it.
                sqlx::query("CREATE EXTENSION pgcrypto")
                    .execute(&mut conn)
                    .await
                    .map_err(|e| format!("pgcrypto is not available on the server: {e}"))?;
                sqlx::query_scalar("SELECT current_schema()::text")
                    .fetch_one(&mut conn)
                    .await?
            }
        };
        let (rows, rounds) = if settings.quick { (20, 1) } else { (400, 5) };
        Ok(Pgcrypto {
            conn,
            scratch,
            functions,
            rows,
            rounds,
        })
    }

    /// The median per-row time of `pgp_sym_encrypt` and of `pgp_sym_decrypt` over a table of
    /// values of `size` bytes, each a median over rounds of one `SELECT` over every row.
    async fn per_row(&mut self, size: usize) -> Result<(f64, f64), BoxError> {
        let f = &self.functions;
        sqlx::query("DROP TABLE IF EXISTS pg_fields")
            .execute(&mut self.conn)
            .await?;
        sqlx::query(&format!(
            "CREATE TABLE pg_fields AS SELECT repeat('x', $1) AS v, \
             {f}.pgp_sym_encrypt(repeat('x', $1), $2, 'cipher-algo=aes256') AS c \
             FROM generate_series(1, $3)"
        ))
        .bind(size as i32)
        .bind(PASSPHRASE)
        .bind(self.rows as i32)
        .execute(&mut self.conn)
        .await?;
        let encrypt = format!(
            "SELECT sum(length({f}.pgp_sym_encrypt(v, $1, 'cipher-algo=aes256'))) FROM pg_fields"
        );
        let decrypt = format!("SELECT sum(length({f}.pgp_sym_decrypt(c, $1))) FROM pg_fields");
        let mut encrypts = Vec::new();
        let mut decrypts = Vec::new();
        // Alternate, so a slow minute of the VM weighs on both.
        for _ in 0..self.rounds {
            encrypts.push(self.timed(&encrypt, size).await?);
            decrypts.push(self.timed(&decrypt, size).await?);
        }
        Ok((median(&encrypts), median(&decrypts)))
    }

    async fn timed(&mut self, sql: &str, size: usize) -> Result<f64, BoxError> {
        let started = Instant::now();
        let row = sqlx::query(sql)
            .bind(PASSPHRASE)
            .fetch_one(&mut self.conn)
            .await?;
        let elapsed = started.elapsed().as_secs_f64();
        let total: i64 = row.try_get(0)?;
        if total < (size * self.rows) as i64 {
            return Err(format!(
                "pgcrypto returned {total} bytes for {} rows of {size}",
                self.rows
            )
            .into());
        }
        Ok(elapsed / self.rows as f64)
    }

    async fn remove(self) -> Result<(), BoxError> {
        self.conn.close().await?;
        self.scratch.remove().await
    }
}
