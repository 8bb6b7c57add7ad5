//! The physical minimum of a store: a one-row INSERT in a write transaction of its own, on the
//! same database and through the same driver (`sqlx`'s `Any`) as the library. A stock movement's
//! cost is reported as a multiple of it.

use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Executor};

use crate::BoxError;

/// A scratch table with one connection held open, as the library's writer holds one.
pub struct BareTable {
    pool: AnyPool,
    conn: PoolConnection<Any>,
    table: String,
    insert: String,
    sqlite: bool,
    next_id: i64,
}

impl BareTable {
    /// Creates the table in the store at `url` (a table of its own: name from a UUIDv7).
    ///
    /// SQLite is set as the library sets it: WAL, `synchronous = NORMAL`; each transaction is
    /// `BEGIN IMMEDIATE`, as the library's writes are.
    pub async fn create(url: &str) -> Result<BareTable, BoxError> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await?;
        let mut conn = pool.acquire().await?;
        if sqlite {
            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
                .await?;
        }
        let table = format!("bench_bare_{}", uuid::Uuid::now_v7().simple());
        conn.execute(
            format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)").as_str(),
        )
        .await?;
        let insert = format!("INSERT INTO {table} (id, v) VALUES ($1, $2)");
        Ok(BareTable {
            pool,
            conn,
            table,
            insert,
            sqlite,
            next_id: 0,
        })
    }

    /// One transaction: begin, insert one row, commit.
    pub async fn insert_one(&mut self) -> Result<(), BoxError> {
        self.next_id += 1;
        let mut tx = if self.sqlite {
            Connection::begin_with(&mut *self.conn, "BEGIN IMMEDIATE").await?
        } else {
            Connection::begin(&mut *self.conn).await?
        };
        sqlx::query(&self.insert)
            .bind(self.next_id)
            .bind(self.next_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops the table and closes the connection.
    pub async fn drop_table(mut self) -> Result<(), BoxError> {
        self.conn
            .execute(format!("DROP TABLE {}", self.table).as_str())
            .await?;
        drop(self.conn);
        self.pool.close().await;
        Ok(())
    }
}
