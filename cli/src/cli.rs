//! The command line: global options, subcommands and their help text (clap derive).
//!
//! No option takes a master key or passphrase: secrets come from a key file or the
//! environment (see `secret.rs`).

use std::path::PathBuf;

use chrono::TimeDelta;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use inventario_core::{Actor, TenantId};

const ABOUT: &str =
    "Operate an inventario-core store: keys, audit log, stock checks, legacy import";

const LONG_ABOUT: &str = "\
Operate an inventario-core store from the command line: create it with a new master key, rotate \
and inspect its keys, verify and report on its tamper-evident audit log, check stock, and import \
the legacy system's SQLite database.

The master key never goes on the command line (other users of the machine can read arguments, \
and shells keep them in their history). It comes from --key-file PATH (a file holding 64 hex \
digits or a passphrase, readable by its owner only) or, without it, from the environment: \
INVENTARIO_MASTER_KEY (64 hex digits) or INVENTARIO_MASTER_PASSPHRASE.

Exit codes: 0 ok, 1 internal error, 2 usage, 3 verification failed, 4 master key problem, \
5 store unreachable or database error, 6 input refused, 7 anomalies found (audit detect).";

const EXAMPLES: &str = "\
Examples:
  inventario --db tienda.db --key-file tienda.key keys init
  export INVENTARIO_DATABASE_URL=tienda.db INVENTARIO_MASTER_KEY_FILE=tienda.key
  inventario keys status
  inventario audit verify
  inventario stock low --json
  inventario import-legacy minimarket_inventory.db --dry-run --report import.json";

/// `inventario`: the command line of an inventario-core store.
#[derive(Parser)]
#[command(
    name = "inventario",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes (before or after the subcommand).
#[derive(Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// The store: a SQLite file path, sqlite://PATH, or postgres://USER@HOST/DB (TLS settings
    /// in the URL). A password in the URL is never printed
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "INVENTARIO_DATABASE_URL",
        hide_env_values = true
    )]
    pub(crate) db: Option<String>,

    /// File holding the master key (64 hex digits) or passphrase, readable by its owner only.
    /// Without it the key comes from INVENTARIO_MASTER_KEY or INVENTARIO_MASTER_PASSPHRASE
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "INVENTARIO_MASTER_KEY_FILE",
        hide_env_values = true
    )]
    pub(crate) key_file: Option<PathBuf>,

    /// Who is acting, as recorded in the audit log [default: cli:$USER]
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_actor)]
    pub(crate) actor: Option<String>,

    /// The tenant (shop or branch) whose data to use [default: default]
    #[arg(long, global = true, value_name = "ID", value_parser = parse_tenant)]
    pub(crate) tenant: Option<TenantId>,

    /// Print the command's result as JSON on stdout, for scripts
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

/// The subcommands.
#[derive(Subcommand)]
pub(crate) enum Command {
    /// Create a store, inspect and rotate its keys, erase a person's data
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Verify the audit chain, sign checkpoints, report and detect anomalies
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Read-only stock checks: balances, products below minimum, what to reorder
    #[command(subcommand)]
    Stock(StockCommand),
    /// Import a database of the legacy Python system (either SQLite layout)
    #[command(
        long_about = "Import a database of the legacy Python system (\"inventario-retail\", either \
SQLite layout): suppliers, products, customers and stock movements, personal data encrypted on \
the way in, float money converted to exact centavos with every rounding reported.

Everything is read and converted before anything is written, and the writes are one transaction: \
an import lands whole or not at all. A malformed legacy row stops it (exit 6) naming its table \
and id. Running it again imports only rows not imported before. Prints a one-line summary; \
--report and --markdown write the full report.",
        after_help = "\
Examples:
  inventario import-legacy minimarket_inventory.db --dry-run
  inventario import-legacy data/inventario.db --location DEPOSITO --report import.json --markdown import.md"
    )]
    ImportLegacy(ImportArgs),
    /// Take, inspect and verify encrypted backups of a SQLite store
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Restore a backup into a new store file, verifying it before it is installed
    #[command(
        long_about = "Restore a backup into a SQLite file (--into, else --db). The backup is \
authenticated chunk by chunk with the master key of the version it was made under (--key-file or \
the environment: the escrowed key), written to a temporary file, and checked before it is put in \
place: SQLite integrity, the store id, every key unwraps, the audit chain up to the backup's \
recovery point, the ledger against its balances, and the encrypted fields (all of them, or a \
sample with --verify-fields N). Any failure leaves nothing at the destination.

An existing store is never replaced unless --overwrite is given, and never by a backup of another \
store.",
        after_help = "\
Examples:
  inventario --key-file escrow/mk-v1.key restore tienda-2026-11-24.ibk --into restored.db
  inventario --key-file tienda.key --db tienda.db restore tienda.ibk --overwrite --verify-fields 100"
    )]
    Restore(RestoreArgs),
    /// Run the recovery drill on a copy: backup, destroy, restore, verify, report
    #[command(
        long_about = "Run the disaster-recovery drill on a copy of the store at --db: take a \
backup, destroy the copy's database, restore it with the master key from --key-file or the \
environment (use the escrowed key: the drill then proves it opens the backups), verify it, and \
report the recovery point (the last audit seq and time in the backup), the recovery time measured \
and every check. The live store is only read.

Prints the report as Markdown (JSON with --json); --report and --markdown also write it to files. \
Exits 0 when every check passed, 3 when one failed.",
        after_help = "\
Examples:
  inventario --db tienda.db --key-file escrow/mk.key drill --report drill.json --markdown drill.md"
    )]
    Drill(DrillArgs),
    /// Privacy duties on a schedule: pending requests, retention, expired backups
    #[command(subcommand)]
    Privacy(PrivacyCommand),
}

/// `inventario privacy …`
#[derive(Subcommand)]
pub(crate) enum PrivacyCommand {
    /// List the open data-subject requests with the days left before their deadline
    #[command(
        long_about = "List the open access, rectification and erasure requests \
(`Inventory::pending_privacy_requests`, docs/PRIVACY.md) with their regime, the day they were \
received, the deadline and the days left as of today in the shop's time zone, overdue ones \
first (negative days left)."
    )]
    Pending,
    /// Apply the retention policy now (idempotent; audited RETENTION_PURGE)
    #[command(
        long_about = "Apply the store's retention policy as of now (`Inventory::apply_retention`, \
docs/PRIVACY.md): purge the audit records every category's period allows (never those under a \
legal hold; the chain stays verifiable) and destroy fiscal parts whose reason has expired. Running \
it twice changes nothing the second time. Meant for a daily schedule.",
        after_help = "\
Examples:
  inventario --db tienda.db --key-file tienda.key privacy apply-retention"
    )]
    ApplyRetention,
    /// Delete this store's backups in DIR older than the policy's backup period
    #[command(
        long_about = "Delete the backups of this store in DIR made before the retention policy's \
backup period (30 days by default; `Inventory::prune_backups`). Only files whose header names \
this store are considered, the newest is always kept, and backups under a legal hold stay.",
        after_help = "\
Examples:
  inventario --db tienda.db --key-file tienda.key privacy prune-backups /var/backups/tienda"
    )]
    PruneBackups {
        /// The directory holding the backups
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// `inventario backup …`
#[derive(Subcommand)]
pub(crate) enum BackupCommand {
    /// Write an encrypted backup of the store to FILE (a consistent snapshot; writers go on)
    #[command(
        long_about = "Write an encrypted backup of the store at --db to FILE: a consistent snapshot \
taken while writers go on, encrypted as a whole (AES-256-GCM-SIV in STREAM chunks) under a key \
derived from the master key. The master key is never in the file; only the master key of the \
store's current version opens it. FILE must not exist. The file appears only when complete: an \
interrupted backup leaves nothing a restore would accept.",
        after_help = "\
Examples:
  inventario --db tienda.db --key-file tienda.key backup create /backups/tienda-$(date +%F).ibk"
    )]
    Create {
        /// The backup file to write (must not exist)
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Show a backup's header (store, master-key version, recovery point) without a key
    Inspect {
        /// The backup file
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Authenticate every byte of a backup with the master key, writing nothing
    Verify {
        /// The backup file
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// How many encrypted fields a restore or drill decrypts to check them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldsArg {
    /// Every one.
    Full,
    /// Up to this many per encrypted column.
    Sample(u32),
}

fn parse_fields(text: &str) -> Result<FieldsArg, String> {
    if text.eq_ignore_ascii_case("full") || text.eq_ignore_ascii_case("all") {
        return Ok(FieldsArg::Full);
    }
    match text.parse::<u32>() {
        Ok(n) if n > 0 => Ok(FieldsArg::Sample(n)),
        _ => Err("expected `full` or a positive number of fields per column".to_owned()),
    }
}

/// `restore` options.
#[derive(Args)]
pub(crate) struct RestoreArgs {
    /// The backup file
    #[arg(value_name = "BACKUP")]
    pub(crate) backup: PathBuf,

    /// The SQLite file (or sqlite:// URL) to restore into [default: --db]
    #[arg(long, value_name = "PATH")]
    pub(crate) into: Option<String>,

    /// Replace an existing store there (only the same store: never another one)
    #[arg(long)]
    pub(crate) overwrite: bool,

    /// Decrypt every encrypted field (`full`) or up to N per column to check them
    #[arg(long, value_name = "full|N", default_value = "full", value_parser = parse_fields)]
    pub(crate) verify_fields: FieldsArg,
}

/// `drill` options.
#[derive(Args)]
pub(crate) struct DrillArgs {
    /// Where the copy, the backup and the restored store go [default: a new temporary directory]
    #[arg(long, value_name = "DIR")]
    pub(crate) work_dir: Option<PathBuf>,

    /// Keep the backup and the restored copy afterwards
    #[arg(long)]
    pub(crate) keep_files: bool,

    /// Decrypt every encrypted field (`full`) or up to N per column to check them
    #[arg(long, value_name = "full|N", default_value = "full", value_parser = parse_fields)]
    pub(crate) verify_fields: FieldsArg,

    /// Write the report as JSON to this file
    #[arg(long, value_name = "FILE.json")]
    pub(crate) report: Option<PathBuf>,

    /// Write the report as Markdown to this file
    #[arg(long, value_name = "FILE.md")]
    pub(crate) markdown: Option<PathBuf>,
}

/// `inventario keys …`
#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Create a new store with a freshly generated master key, written to --key-file
    #[command(
        long_about = "Create a new store at --db with a freshly generated random master key, \
written to --key-file as 64 hex digits. The key file must not exist yet; it is created readable \
and writable by its owner only (mode 0600). A store that already has a keyring is refused (exit \
6) and left as it was.

Keep a copy of the key file somewhere safe: without it nothing encrypted in the store can be \
read.",
        after_help = "\
Examples:
  inventario --db tienda.db --key-file tienda.key keys init
  inventario --db 'postgres://inventario@db.local/tienda?sslmode=verify-full&sslrootcert=ca.pem' \\
             --key-file /etc/inventario/master.key keys init"
    )]
    Init,

    /// Show the master-key version and every key's purpose, scope and status (never key material)
    #[command(after_help = "\
Examples:
  inventario keys status
  inventario keys status --json | jq '.keys[] | select(.status == \"active\")'")]
    Status,

    /// Rewrap every key under a new master secret (nothing is re-encrypted)
    #[command(
        long_about = "Rewrap every key under a new master secret, in one transaction; no field \
is re-encrypted. Afterwards only the new secret opens the store: the old key file or variable no \
longer works.

The new secret comes from --new-key-file, from --generate-to (a fresh random key written to a \
new file, mode 0600), or from INVENTARIO_NEW_MASTER_KEY (64 hex digits) or \
INVENTARIO_NEW_MASTER_PASSPHRASE. Never from the command line.",
        after_help = "\
Examples:
  inventario --key-file old.key keys rotate-master --generate-to new.key
  INVENTARIO_NEW_MASTER_PASSPHRASE=\"$(pass show inventario)\" inventario keys rotate-master"
    )]
    RotateMaster(RotateMasterArgs),

    /// Make a new data key active for a scope and queue the re-encryption job
    #[command(
        long_about = "Make a new data key active for a scope (`global` for costs, or \
`customer:ID` / `supplier:ID`); the old key only decrypts from now on. New writes use the new key \
at once; run `inventario keys reencrypt` to move stored fields onto it.",
        after_help = "\
Examples:
  inventario keys rotate-data
  inventario keys rotate-data --scope customer:42 && inventario keys reencrypt"
    )]
    RotateData(RotateDataArgs),

    /// Run every unfinished re-encryption job to the end, with a progress bar
    #[command(
        long_about = "Run every unfinished re-encryption job to the end, --batch rows per \
transaction. An interrupted run (Ctrl-C, a crash) resumes from its last committed batch the next \
time. A progress bar is drawn on stderr when it is a terminal.",
        after_help = "\
Examples:
  inventario keys reencrypt
  inventario keys reencrypt --batch 2000"
    )]
    Reencrypt(ReencryptArgs),

    /// Crypto-shred one customer's or supplier's personal data (irreversible; needs --yes)
    #[command(
        long_about = "Crypto-shred one customer's or supplier's personal data: their data key is \
destroyed, so their encrypted fields can never be read again, and their blind indexes are \
removed. Commercial records that name them by id (movements, orders) stay. This cannot be undone, \
so it needs --yes. Prints the erasure receipt.",
        after_help = "\
Examples:
  inventario keys erase-subject --customer 42 --yes
  inventario keys erase-subject --supplier 7 --yes --json > erasure-receipt.json"
    )]
    EraseSubject(EraseArgs),
}

/// `keys rotate-master` options.
#[derive(Args)]
#[command(group(ArgGroup::new("new_secret").args(["new_key_file", "generate_to"])))]
pub(crate) struct RotateMasterArgs {
    /// File holding the new master key (64 hex digits) or passphrase, readable by its owner only
    #[arg(long, value_name = "PATH", env = "INVENTARIO_NEW_MASTER_KEY_FILE")]
    pub(crate) new_key_file: Option<PathBuf>,

    /// Generate a new random master key and write it to this new file (mode 0600)
    #[arg(long, value_name = "PATH")]
    pub(crate) generate_to: Option<PathBuf>,
}

/// `keys rotate-data` options.
#[derive(Args)]
pub(crate) struct RotateDataArgs {
    /// The key scope: `global`, `customer:ID` or `supplier:ID`
    #[arg(long, value_name = "SCOPE", default_value = "global")]
    pub(crate) scope: String,
}

/// `keys reencrypt` options.
#[derive(Args)]
pub(crate) struct ReencryptArgs {
    /// Rows re-encrypted per transaction
    #[arg(
        long,
        value_name = "N",
        default_value_t = 500,
        value_parser = clap::value_parser!(u32).range(1..=100_000)
    )]
    pub(crate) batch: u32,
}

/// `keys erase-subject` options.
#[derive(Args)]
#[command(group(ArgGroup::new("subject").required(true).args(["customer", "supplier"])))]
pub(crate) struct EraseArgs {
    /// The customer's id
    #[arg(long, value_name = "ID")]
    pub(crate) customer: Option<i64>,

    /// The supplier's id
    #[arg(long, value_name = "ID")]
    pub(crate) supplier: Option<i64>,

    /// Confirm the erasure: it cannot be undone
    #[arg(long)]
    pub(crate) yes: bool,
}

/// `inventario audit …`
#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Recompute the audit chain and name the first record that is not as written
    #[command(
        long_about = "Recompute the audit chain and name the first record that was modified, \
deleted, inserted or reordered. With --since, the checkpoint in that file (written earlier by \
`audit checkpoint`) is verified too: the chain must still contain it, and only what follows is \
checked. Exits 0 when the chain is intact, 3 when it is not (the first failure on stderr).",
        after_help = "\
Examples:
  inventario audit verify
  inventario audit verify --since /mnt/pinned/checkpoint-2024-06-01.txt"
    )]
    Verify(VerifyArgs),

    /// Sign the chain's current head and print (or write) the checkpoint
    #[command(
        long_about = "Sign the chain's current head with the store's Ed25519 key and print the \
checkpoint as text (or write it to --out). Keep it where the store's administrators cannot edit \
it, and later pass it to `audit verify --since` to prove the history was not rewritten or rolled \
back.",
        after_help = "\
Examples:
  inventario audit checkpoint --out checkpoint-$(date +%F).txt
  inventario audit checkpoint | mail -s checkpoint auditor@example.com"
    )]
    Checkpoint(CheckpointArgs),

    /// Write the audit report of a recent period as JSON or HTML
    #[command(
        long_about = "The audit report of the last --period: totals, counts per event type and \
status, the most active actors, and the anomalies the detectors find, as JSON or as a \
self-contained HTML page (every value escaped), on stdout or in --out.",
        after_help = "\
Examples:
  inventario audit report --period 7d --format html --out audit-week.html
  inventario audit report --period 24h | jq .anomalies"
    )]
    Report(ReportArgs),

    /// Run the anomaly detectors over the audit log (exit 7 when they find something)
    #[command(
        long_about = "Run every anomaly detector (brute force, off-hours access, possible \
exfiltration, decrypt failures, many source addresses) with the default thresholds, for the last \
--period. Exits 0 when nothing was found, 7 when anomalies were found (listed on stdout), 1 when \
a detector could not run and nothing was found.",
        after_help = "\
Examples:
  inventario audit detect --period 24h || notify-oncall
  inventario audit detect --json"
    )]
    Detect(DetectArgs),
}

/// `audit verify` options.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// A checkpoint file written by `audit checkpoint`: verify it, then check only what follows
    #[arg(long, value_name = "CHECKPOINT_FILE")]
    pub(crate) since: Option<PathBuf>,
}

/// `audit checkpoint` options.
#[derive(Args)]
pub(crate) struct CheckpointArgs {
    /// Write the checkpoint to this file instead of stdout (replacing it)
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// `audit report` options.
#[derive(Args)]
pub(crate) struct ReportArgs {
    /// How far back the report goes: a number and m (minutes), h (hours), d (days) or w (weeks)
    #[arg(long, value_name = "PERIOD", default_value = "24h", value_parser = parse_period)]
    pub(crate) period: TimeDelta,

    /// The report's format
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    pub(crate) format: ReportFormat,

    /// Write the report to this file instead of stdout (replacing it)
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// The format of `audit report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// Pretty-printed JSON.
    Json,
    /// A self-contained HTML page.
    Html,
}

/// `audit detect` options.
#[derive(Args)]
pub(crate) struct DetectArgs {
    /// The period failed logins are looked at over: a number and m, h, d or w (the other
    /// detectors use their own windows)
    #[arg(long, value_name = "PERIOD", default_value = "24h", value_parser = parse_period)]
    pub(crate) period: TimeDelta,
}

/// `inventario stock …`
#[derive(Subcommand)]
pub(crate) enum StockCommand {
    /// Balances by product and location: on hand, reserved, available
    #[command(after_help = "\
Examples:
  inventario stock list
  inventario stock list --sku ALM-YERBA-1KG --json")]
    List(ListArgs),

    /// Products at or below their seasonal minimum today, most urgent first
    #[command(after_help = "\
Examples:
  inventario stock low
  inventario stock low --json | jq length")]
    Low,

    /// What to order today, grouped by supplier
    #[command(after_help = "\
Examples:
  inventario stock reorder
  inventario stock reorder --json")]
    Reorder,

    /// Replay the ledger and compare it with the balances (exit 3 on a mismatch)
    #[command(after_help = "\
Examples:
  inventario stock verify")]
    Verify,
}

/// `stock list` options.
#[derive(Args)]
pub(crate) struct ListArgs {
    /// Only this product
    #[arg(long, value_name = "SKU")]
    pub(crate) sku: Option<String>,

    /// Only this location (its code)
    #[arg(long, value_name = "CODE")]
    pub(crate) location: Option<String>,
}

/// `import-legacy` options.
#[derive(Args)]
pub(crate) struct ImportArgs {
    /// The legacy SQLite database (minimarket_inventory.db or data/inventario.db)
    #[arg(value_name = "SQLITE_FILE")]
    pub(crate) file: PathBuf,

    /// The code of the location that receives the stock (created if missing) [default: LOCAL]
    #[arg(long, value_name = "CODE")]
    pub(crate) location: Option<String>,

    /// Read and convert everything and report what would be imported, but write nothing
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Write the full report as JSON to this file
    #[arg(long, value_name = "FILE.json")]
    pub(crate) report: Option<PathBuf>,

    /// Write the full report as Markdown to this file
    #[arg(long, value_name = "FILE.md")]
    pub(crate) markdown: Option<PathBuf>,
}

fn parse_actor(text: &str) -> Result<String, String> {
    Actor::parse(text)
        .map(|actor| actor.as_str().to_owned())
        .map_err(|e| e.to_string())
}

fn parse_tenant(text: &str) -> Result<TenantId, String> {
    TenantId::parse(text).map_err(|e| e.to_string())
}

/// Reads a period: a positive whole number and a unit, `30m`, `24h`, `7d` or `2w`.
pub(crate) fn parse_period(text: &str) -> Result<TimeDelta, String> {
    let text = text.trim();
    let invalid = || format!("{text:?} is not a period like 30m, 24h, 7d or 2w");
    let split = text.len().checked_sub(1).ok_or_else(invalid)?;
    let (number, unit) = text.split_at_checked(split).ok_or_else(invalid)?;
    let number: i64 = number.parse().map_err(|_| invalid())?;
    if number <= 0 {
        return Err(format!("{text:?}: a period must be longer than zero"));
    }
    let period = match unit {
        "m" => TimeDelta::try_minutes(number),
        "h" => TimeDelta::try_hours(number),
        "d" => TimeDelta::try_days(number),
        "w" => TimeDelta::try_weeks(number),
        _ => return Err(invalid()),
    };
    period
        .filter(|p| *p <= TimeDelta::days(36_500))
        .ok_or_else(|| format!("{text:?} is longer than a century"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn periods_read_as_operators_write_them() {
        assert_eq!(parse_period("30m"), Ok(TimeDelta::minutes(30)));
        assert_eq!(parse_period("24h"), Ok(TimeDelta::hours(24)));
        assert_eq!(parse_period(" 7d "), Ok(TimeDelta::days(7)));
        assert_eq!(parse_period("2w"), Ok(TimeDelta::weeks(2)));
        for bad in [
            "",
            "h",
            "0h",
            "-1d",
            "7",
            "7y",
            "1.5h",
            "ñh",
            "99999999999999w",
        ] {
            assert!(parse_period(bad).is_err(), "{bad:?}");
        }
    }
}
