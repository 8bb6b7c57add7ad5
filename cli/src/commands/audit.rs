//! `inventario audit …`: verify the chain, sign checkpoints, reports and anomaly detection.

use chrono::Utc;
use inventario_core::audit::{Checkpoint, Detection, DetectorConfig, VerifyReport};
use serde_json::{json, Value};

use super::{timestamp, Context};
use crate::cli::{AuditCommand, CheckpointArgs, DetectArgs, ReportArgs, ReportFormat, VerifyArgs};
use crate::exit::{Code, Failure};
use crate::output::{print, print_json, write_file, Align, Table};
use crate::progress;

/// Runs one `audit` subcommand.
pub(crate) async fn run(context: &Context, command: AuditCommand) -> Result<Code, Failure> {
    match command {
        AuditCommand::Verify(args) => verify(context, args).await,
        AuditCommand::Checkpoint(args) => checkpoint(context, args).await,
        AuditCommand::Report(args) => report(context, args).await,
        AuditCommand::Detect(args) => detect(context, args).await,
    }
}

/// Reads a checkpoint file written by `audit checkpoint`.
fn read_checkpoint(path: &std::path::Path) -> Result<Checkpoint, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::io(Code::Refused, "cannot read checkpoint", path, &e))?;
    Checkpoint::from_text(&text)
        .map_err(|e| Failure::from(inventario_core::Error::from(e)).context(path.display()))
}

async fn verify(context: &Context, args: VerifyArgs) -> Result<Code, Failure> {
    let since = args.since.as_deref().map(read_checkpoint).transpose()?;
    let inventory = context.open().await?;
    let spinner = progress::spinner("verifying the audit chain");
    let report = inventory.verify_audit(since.as_ref()).await;
    spinner.finish_and_clear();
    inventory.close().await;
    let report = report?;
    if context.json {
        print_json(&verify_json(&report))?;
    }
    if let Some(problem) = &report.problem {
        return Err(Failure::verification(format!(
            "audit chain broken at seq {} ({}): {}",
            problem.seq, problem.kind, problem.message
        )));
    }
    if !context.json {
        let mut line = if report.checked == 0 && report.to_seq == 0 {
            "audit chain intact: no records yet".to_owned()
        } else if report.checked == 0 {
            format!(
                "audit chain intact: no records after seq {}; head seq {}",
                report.to_seq, report.to_seq
            )
        } else {
            format!(
                "audit chain intact: {} records checked (seq {} to {}); head seq {}",
                report.checked, report.from_seq, report.to_seq, report.to_seq
            )
        };
        match (&since, report.checkpoint_seq) {
            (Some(_), Some(seq)) => line.push_str(&format!("; checkpoint at seq {seq} verified")),
            (Some(_), None) => line.push_str(
                "; the checkpoint predates a retention purge: checked from the retained anchor",
            ),
            (None, _) => {}
        }
        print(&line)?;
    }
    Ok(Code::Success)
}

fn verify_json(report: &VerifyReport) -> Value {
    json!({
        "intact": report.is_intact(),
        "checked": report.checked,
        "from_seq": report.from_seq,
        "to_seq": report.to_seq,
        "checkpoint_seq": report.checkpoint_seq,
        "problem": report.problem.as_ref().map(|p| json!({
            "seq": p.seq,
            "kind": p.kind.as_str(),
            "message": p.message,
        })),
    })
}

async fn checkpoint(context: &Context, args: CheckpointArgs) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let checkpoint = inventory.audit_checkpoint().await;
    inventory.close().await;
    let checkpoint = checkpoint?;
    let text = checkpoint.to_text();
    if let Some(path) = &args.out {
        write_file(path, &text)?;
    }
    if context.json {
        print_json(&json!({
            "seq": checkpoint.seq,
            "hash": hex(&checkpoint.hash),
            "at": timestamp(checkpoint.at),
            "tenant": checkpoint.tenant,
            "text": text,
        }))?;
    } else if let Some(path) = &args.out {
        print(&format!(
            "checkpoint of seq {} written to {}",
            checkpoint.seq,
            path.display()
        ))?;
    } else {
        print(text.trim_end())?;
    }
    Ok(Code::Success)
}

async fn report(context: &Context, args: ReportArgs) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let to = Utc::now();
    let from = to - args.period;
    let spinner = progress::spinner("building the audit report");
    let report = inventory
        .audit_report(from, to, &DetectorConfig::default())
        .await;
    spinner.finish_and_clear();
    inventory.close().await;
    let report = report?;
    let rendered = match args.format {
        ReportFormat::Json => report.to_json(),
        ReportFormat::Html => report.to_html(),
    };
    match &args.out {
        Some(path) => {
            write_file(path, &rendered)?;
            if context.json {
                print_json(&json!({ "written": path.display().to_string() }))?;
            } else {
                print(&format!("audit report written to {}", path.display()))?;
            }
        }
        None => print(rendered.trim_end())?,
    }
    Ok(Code::Success)
}

async fn detect(context: &Context, args: DetectArgs) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let now = Utc::now();
    let spinner = progress::spinner("running the anomaly detectors");
    let detection = inventory
        .detect_anomalies(now - args.period, now, &DetectorConfig::default())
        .await;
    spinner.finish_and_clear();
    inventory.close().await;
    let detection = detection?;
    if context.json {
        let value = serde_json::to_value(&detection)
            .map_err(|e| Failure::internal(format!("cannot serialise the detection: {e}")))?;
        print_json(&value)?;
    } else {
        print(&render_detection(&detection))?;
    }
    if !detection.anomalies.is_empty() {
        return Ok(Code::AnomaliesFound);
    }
    if let Some(first) = detection.failures.first() {
        return Err(Failure::internal(format!(
            "{} detector(s) could not run; {}: {}",
            detection.failures.len(),
            first.detector.as_str(),
            first.message
        )));
    }
    Ok(Code::Success)
}

fn render_detection(detection: &Detection) -> String {
    let mut out = if detection.anomalies.is_empty() {
        "no anomalies found".to_owned()
    } else {
        let mut table = Table::new(&[
            ("SEVERITY", Align::Left),
            ("DETECTOR", Align::Left),
            ("ACTOR", Align::Left),
            ("IP", Align::Left),
            ("COUNT", Align::Right),
            ("LAST SEEN", Align::Left),
            ("WHAT", Align::Left),
        ]);
        for a in &detection.anomalies {
            table.row(vec![
                a.severity.as_str().to_owned(),
                a.detector.as_str().to_owned(),
                a.actor.clone().unwrap_or_else(|| "-".to_owned()),
                a.ip.clone().unwrap_or_else(|| "-".to_owned()),
                a.count.to_string(),
                timestamp(a.last_at),
                a.message.clone(),
            ]);
        }
        format!(
            "{} anomalies found\n\n{}",
            detection.anomalies.len(),
            table.render()
        )
    };
    for failure in &detection.failures {
        out.push_str(&format!(
            "\ndetector {} could not run: {}",
            failure.detector.as_str(),
            failure.message
        ));
    }
    out
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
