//! `inventario import-legacy`: the legacy Python system's SQLite database into the store.

use inventario_core::import::ImportOptions;

use super::Context;
use crate::cli::ImportArgs;
use crate::exit::{Code, Failure};
use crate::output::{print, write_file};
use crate::progress;

/// Imports (or, with `--dry-run`, converts and reports) the legacy file; prints the summary
/// line (the whole report with `--json`) and writes the report files asked for.
pub(crate) async fn run(context: &Context, args: ImportArgs) -> Result<Code, Failure> {
    // The library opens the legacy file itself; a clear message for the commonest mistake.
    if !args.file.is_file() {
        return Err(Failure::refused(format!(
            "{} is not a file: name the legacy SQLite database (minimarket_inventory.db or \
             data/inventario.db)",
            args.file.display()
        )));
    }
    let mut options = ImportOptions::default().dry_run(args.dry_run);
    if let Some(code) = &args.location {
        options = options.location(code);
    }
    let inventory = context.open().await?;
    let spinner = progress::spinner(format!(
        "{} {}",
        if args.dry_run { "reading" } else { "importing" },
        args.file.display()
    ));
    let report = inventory.import_legacy(&args.file, &options).await;
    spinner.finish_and_clear();
    inventory.close().await;
    let report = report.map_err(|e| Failure::from(e).context(args.file.display()))?;
    if let Some(path) = &args.report {
        write_file(path, &report.to_json())?;
    }
    if let Some(path) = &args.markdown {
        write_file(path, &report.to_markdown())?;
    }
    if context.json {
        print(&report.to_json())?;
    } else {
        print(&report.summary())?;
    }
    Ok(Code::Success)
}
