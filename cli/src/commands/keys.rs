//! `inventario keys …`: create a store with a new master key, show the keys, rotate the master
//! key and data keys, run re-encryption, erase a subject.

use indicatif::ProgressBar;
use inventario_core::crypto::{CryptoError, KeyStatus, MasterKey};
use inventario_core::{ErasureReceipt, SubjectKind};
use serde_json::json;

use super::{timestamp, Context};
use crate::cli::{EraseArgs, KeysCommand, ReencryptArgs, RotateDataArgs, RotateMasterArgs};
use crate::exit::{Code, Failure};
use crate::output::{print, print_json, Align, Table};
use crate::progress;
use crate::secret::{self, Source};
use crate::store::Create;

/// Runs one `keys` subcommand.
pub(crate) async fn run(context: &Context, command: KeysCommand) -> Result<Code, Failure> {
    match command {
        KeysCommand::Init => init(context).await,
        KeysCommand::Status => status(context).await,
        KeysCommand::RotateMaster(args) => rotate_master(context, args).await,
        KeysCommand::RotateData(args) => rotate_data(context, args).await,
        KeysCommand::Reencrypt(args) => reencrypt(context, args).await,
        KeysCommand::EraseSubject(args) => erase_subject(context, args).await,
    }
}

/// Writes a new key to `--key-file`, then creates the store under it. The key file is written
/// first so that a store never exists whose key was not saved; if the store cannot be created
/// (or already has a keyring) the new file is removed again.
async fn init(context: &Context) -> Result<Code, Failure> {
    let key_file = context.key_file().ok_or_else(|| {
        Failure::usage(
            "keys init writes the new master key to --key-file PATH (or \
             INVENTARIO_MASTER_KEY_FILE): name a file that does not exist yet",
        )
    })?;
    let url = context.store_url(Create::Yes)?;
    secret::require_new_key_path(key_file)?;
    if let Some(dir) = url.plain_file().and_then(std::path::Path::parent) {
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(Failure::new(
                Code::Store,
                format!("cannot create {url}: {} is not a directory", dir.display()),
            ));
        }
    }
    let key = MasterKey::generate();
    secret::write_new_key_file(key_file, &key)?;
    let inventory = match context.open_raw(&url, key.into(), Create::Yes).await {
        Ok(inventory) => inventory,
        Err(error) => {
            // The store did not take the key: the file would only mislead.
            let _ = std::fs::remove_file(key_file);
            // A fresh key is refused only by a store that already has a keyring.
            return Err(if error.crypto() == Some(&CryptoError::WrongMasterKey) {
                Failure::refused(format!(
                    "{url} already has a keyring (tenant {}): keys init only creates new \
                     stores; its keys were left as they were",
                    context.tenant()
                ))
            } else {
                Failure::from(error).context(format!("cannot create {url}"))
            });
        }
    };
    let mk_version = inventory.keyring().mk_version();
    inventory.close().await;
    if context.json {
        print_json(&json!({
            "store": url.to_string(),
            "tenant": context.tenant().as_str(),
            "key_file": key_file.display().to_string(),
            "mk_version": mk_version,
        }))?;
    } else {
        print(&format!(
            "created {url} (tenant {}) with a new master key in {} (mode 0600)\n\
             keep a copy of the key file somewhere safe: without it nothing encrypted in the \
             store can be read",
            context.tenant(),
            key_file.display()
        ))?;
    }
    Ok(Code::Success)
}

async fn status(context: &Context) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let keyring = inventory.keyring();
    let mk_version = keyring.mk_version();
    let keys = keyring.keys();
    inventory.close().await;
    let count = |status: KeyStatus| keys.iter().filter(|k| k.status == status).count();
    if context.json {
        let keys: Vec<_> = keys
            .iter()
            .map(|k| {
                json!({
                    "id": k.id,
                    "purpose": k.purpose.as_str(),
                    "scope": k.scope,
                    "status": k.status.as_str(),
                    "mk_version": k.mk_version,
                })
            })
            .collect();
        print_json(&json!({
            "tenant": context.tenant().as_str(),
            "mk_version": mk_version,
            "keys": keys,
        }))?;
        return Ok(Code::Success);
    }
    let mut table = Table::new(&[
        ("ID", Align::Right),
        ("PURPOSE", Align::Left),
        ("SCOPE", Align::Left),
        ("STATUS", Align::Left),
        ("MK", Align::Right),
    ]);
    for k in &keys {
        table.row(vec![
            k.id.to_string(),
            k.purpose.as_str().to_owned(),
            k.scope.clone(),
            k.status.as_str().to_owned(),
            k.mk_version.to_string(),
        ]);
    }
    print(&format!(
        "tenant {}: master key version {mk_version}; {} keys ({} active, {} decrypt-only, {} destroyed)\n\n{}",
        context.tenant(),
        keys.len(),
        count(KeyStatus::Active),
        count(KeyStatus::DecryptOnly),
        count(KeyStatus::Destroyed),
        table.render()
    ))?;
    Ok(Code::Success)
}

async fn rotate_master(context: &Context, args: RotateMasterArgs) -> Result<Code, Failure> {
    // Resolve the new secret before touching the store, so that a mistake costs nothing.
    let new = match (&args.generate_to, &args.new_key_file) {
        (Some(path), _) => {
            secret::require_new_key_path(path)?;
            None
        }
        (None, file) => Some(secret::new_master_secret(file.as_deref())?),
    };
    let inventory = context.open().await?;
    let (new_secret, new_source) = match (new, &args.generate_to) {
        (Some(resolved), _) => resolved,
        (None, Some(path)) => {
            let key = MasterKey::generate();
            secret::write_new_key_file(path, &key)?;
            (key.into(), Source::File(path.clone()))
        }
        (None, None) => return Err(Failure::internal("no new master secret was resolved")),
    };
    let rotation = inventory
        .keyring()
        .rotate_master_key(new_secret)
        .await
        .map_err(|e| {
            let failure = Failure::from(e).context("master-key rotation failed");
            match &args.generate_to {
                Some(path) => failure.context(format!(
                    "{} holds a generated key the store may not use",
                    path.display()
                )),
                None => failure,
            }
        });
    inventory.close().await;
    let rotation = rotation?;
    if context.json {
        print_json(&json!({
            "mk_version": rotation.mk_version,
            "rewrapped": rotation.rewrapped,
            "new_secret": new_source.to_string(),
        }))?;
    } else {
        print(&format!(
            "master key rotated to version {}: {} keys rewrapped; from now on only the secret \
             from {new_source} opens the store",
            rotation.mk_version, rotation.rewrapped
        ))?;
    }
    Ok(Code::Success)
}

async fn rotate_data(context: &Context, args: RotateDataArgs) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let rotation = inventory.keyring().rotate_data_key(&args.scope).await;
    inventory.close().await;
    let rotation =
        rotation.map_err(|e| Failure::from(e).context(format!("scope {}", args.scope)))?;
    if context.json {
        print_json(&json!({
            "scope": args.scope,
            "key_id": rotation.key_id,
            "job_id": rotation.job_id,
        }))?;
    } else {
        print(&format!(
            "data key {} is now active for scope {}; re-encryption job {} is queued: run \
             `inventario keys reencrypt`",
            rotation.key_id, args.scope, rotation.job_id
        ))?;
    }
    Ok(Code::Success)
}

async fn reencrypt(context: &Context, args: ReencryptArgs) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    // One bar per job, over the job's columns, made when its first batch reports.
    let mut bar: Option<(i64, ProgressBar)> = None;
    let result = inventory
        .keyring()
        .reencrypt(args.batch, |p| {
            if bar.as_ref().is_none_or(|(job, _)| *job != p.job_id) {
                if let Some((_, done)) = bar.take() {
                    done.finish_and_clear();
                }
                let columns = u64::try_from(p.columns_total).unwrap_or(u64::MAX);
                bar = Some((p.job_id, progress::bar(columns)));
            }
            if let Some((_, bar)) = &bar {
                bar.set_position(u64::try_from(p.columns_done).unwrap_or(u64::MAX));
                bar.set_message(format!(
                    "job {} ({}): {}, {} rows",
                    p.job_id, p.scope, p.column, p.rows_done
                ));
            }
        })
        .await;
    if let Some((_, bar)) = bar {
        bar.finish_and_clear();
    }
    inventory.close().await;
    let reports = result?;
    if context.json {
        let jobs: Vec<_> = reports
            .iter()
            .map(|r| {
                json!({
                    "job_id": r.job_id,
                    "scope": r.scope,
                    "active_key": r.active_key,
                    "rows_done": r.rows_done,
                })
            })
            .collect();
        print_json(&json!({ "jobs": jobs }))?;
    } else if reports.is_empty() {
        print("no re-encryption job to run")?;
    } else {
        for r in &reports {
            print(&format!(
                "job {} (scope {}): {} rows re-encrypted; everything is sealed under key {}",
                r.job_id, r.scope, r.rows_done, r.active_key
            ))?;
        }
    }
    Ok(Code::Success)
}

async fn erase_subject(context: &Context, args: EraseArgs) -> Result<Code, Failure> {
    let (kind, id) = match (args.customer, args.supplier) {
        (Some(id), _) => (SubjectKind::Customer, id),
        (None, Some(id)) => (SubjectKind::Supplier, id),
        (None, None) => return Err(Failure::usage("name --customer ID or --supplier ID")),
    };
    if !args.yes {
        return Err(Failure::usage(format!(
            "erasing {} {id} destroys their data key and cannot be undone: add --yes to confirm",
            kind.as_str()
        )));
    }
    let inventory = context.open().await?;
    let receipt = inventory.erase_subject(kind, id).await;
    inventory.close().await;
    let receipt = receipt.map_err(|e| {
        let already = matches!(e.crypto(), Some(CryptoError::KeyDestroyed(_)));
        let failure = Failure::from(e);
        if already {
            failure.context(format!("{} {id} may already be erased", kind.as_str()))
        } else {
            failure
        }
    })?;
    print_receipt(context, &receipt)?;
    Ok(Code::Success)
}

fn print_receipt(context: &Context, receipt: &ErasureReceipt) -> Result<(), Failure> {
    if context.json {
        return print_json(&json!({
            "kind": receipt.kind.as_str(),
            "id": receipt.id,
            "destroyed_keys": receipt.destroyed_keys,
            "unreadable_fields": receipt.unreadable_fields,
            "blind_indexes_removed": receipt.blind_indexes_removed,
            "erased_at": timestamp(receipt.erased_at),
        }));
    }
    let keys: Vec<String> = receipt.destroyed_keys.iter().map(u32::to_string).collect();
    let fields = if receipt.unreadable_fields.is_empty() {
        "none".to_owned()
    } else {
        receipt.unreadable_fields.join(", ")
    };
    print(&format!(
        "erased {} {} at {}\n  data keys destroyed:    {}\n  fields now unreadable:  {fields}\n  blind indexes removed:  {}",
        receipt.kind.as_str(),
        receipt.id,
        timestamp(receipt.erased_at),
        if keys.is_empty() { "none".to_owned() } else { keys.join(", ") },
        receipt.blind_indexes_removed
    ))
}
