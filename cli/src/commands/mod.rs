//! The subcommands, one module per group, and what they share: the [`Context`] built from the
//! global options, which opens the store.

mod audit;
mod backup;
mod import;
mod keys;
mod privacy;
mod stock;

use inventario_core::crypto::{CryptoError, MasterSecret};
use inventario_core::{Inventory, OpenOptions, TenantId};

use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit::{Code, Failure};
use crate::secret::{self, Source};
use crate::store::{Create, StoreUrl};

/// The actor recorded when neither `--actor` nor `$USER` names one.
const FALLBACK_ACTOR: &str = "inventario-cli";

/// Runs the command line; the exit code on success (0, or 7 for anomalies found).
pub(crate) async fn run(cli: Cli) -> Result<Code, Failure> {
    let context = Context::new(cli.global);
    match cli.command {
        Command::Keys(command) => keys::run(&context, command).await,
        Command::Audit(command) => audit::run(&context, command).await,
        Command::Stock(command) => stock::run(&context, command).await,
        Command::ImportLegacy(args) => import::run(&context, args).await,
        Command::Backup(command) => backup::run(&context, command).await,
        Command::Restore(args) => backup::restore(&context, args).await,
        Command::Drill(args) => backup::drill(&context, args).await,
        Command::Privacy(command) => privacy::run(&context, command).await,
    }
}

/// The global options, resolved.
pub(crate) struct Context {
    db: Option<String>,
    key_file: Option<std::path::PathBuf>,
    actor: String,
    tenant: TenantId,
    /// Whether to print results as JSON.
    pub(crate) json: bool,
}

impl Context {
    fn new(global: GlobalArgs) -> Context {
        Context {
            db: global.db,
            key_file: global.key_file,
            actor: global.actor.unwrap_or_else(default_actor),
            tenant: global.tenant.unwrap_or_else(TenantId::default_tenant),
            json: global.json,
        }
    }

    /// The store `--db` names.
    pub(crate) fn store_url(&self, create: Create) -> Result<StoreUrl, Failure> {
        let raw = self.db.as_deref().ok_or_else(|| {
            Failure::usage("no store: pass --db URL or set INVENTARIO_DATABASE_URL")
        })?;
        StoreUrl::parse(raw, create)
    }

    /// The `--key-file` path, if given.
    pub(crate) fn key_file(&self) -> Option<&std::path::Path> {
        self.key_file.as_deref()
    }

    /// The tenant.
    pub(crate) fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// Opens the existing store with the master secret from `--key-file` or the environment.
    pub(crate) async fn open(&self) -> Result<Inventory, Failure> {
        let url = self.store_url(Create::No)?;
        url.require_existing()?;
        let (master, source) = secret::master_secret(self.key_file())?;
        self.open_with(&url, master, &source).await
    }

    /// Opens `url` with `master`; `source` names where the secret came from in a
    /// wrong-key message.
    async fn open_with(
        &self,
        url: &StoreUrl,
        master: MasterSecret,
        source: &Source,
    ) -> Result<Inventory, Failure> {
        self.open_raw(url, master, Create::No)
            .await
            .map_err(|error| {
                let wrong_key = error.crypto() == Some(&CryptoError::WrongMasterKey);
                let failure = Failure::from(error);
                if wrong_key {
                    failure.context(format!(
                        "cannot open {url} with the master key from {source}"
                    ))
                } else {
                    failure.context(format!("cannot open {url}"))
                }
            })
    }

    /// Opens `url` with `master`, as the global options say, returning the library's error.
    /// Only `keys init` may create the tenant's keyring (`Create::Yes`); every other command
    /// opens an existing one, so a mistyped `--tenant` or database fails (exit 5) instead of
    /// making a new, empty store.
    pub(crate) async fn open_raw(
        &self,
        url: &StoreUrl,
        master: MasterSecret,
        create: Create,
    ) -> Result<Inventory, inventario_core::Error> {
        let mut options = OpenOptions::new(&self.actor)?
            .tenant(self.tenant.clone())
            // One command at a time: a small pool is plenty.
            .max_connections(2);
        if create == Create::No {
            options = options.existing_keyring_only();
        }
        Inventory::open_with(url.as_url(), master, options).await
    }
}

/// `cli:$USER`, or [`FALLBACK_ACTOR`].
fn default_actor() -> String {
    std::env::var("USER")
        .ok()
        .map(|user| user.trim().to_owned())
        .filter(|user| !user.is_empty() && user.chars().count() <= 100)
        .map_or_else(|| FALLBACK_ACTOR.to_owned(), |user| format!("cli:{user}"))
}

/// An instant as RFC 3339 UTC to the second, for people and JSON alike.
pub(crate) fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
