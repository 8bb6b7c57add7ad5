//! Audit reports (DESIGN 4, "Reports"): totals, counts per event type and status, top actors,
//! anomalies and detector failures over a period, as JSON or as a self-contained HTML page.
//!
//! Everything in a report that comes from data (actors, event types, addresses, messages) is
//! attacker-influenced: the HTML escapes every such value, through `escape_html` only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::detect::{Anomaly, Detection, DetectorFailure};
use super::record::{AuditEvent, Status};

/// How many actors [`AuditReport::top_actors`] lists.
const TOP_ACTORS: usize = 10;

/// How many events of one type a period holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeCount {
    /// The event type's stored name, e.g. `STOCK_MOVEMENT`.
    pub event_type: String,
    /// How many.
    pub count: u64,
}

/// How many events of one status a period holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    /// `SUCCESS` or `FAILED`.
    pub status: String,
    /// How many.
    pub count: u64,
}

/// How many events one actor made in a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActorCount {
    /// The actor.
    pub actor: String,
    /// How many events.
    pub count: u64,
}

/// An audit report over a period. Field order is the JSON's order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditReport {
    /// Start of the period, inclusive, RFC 3339 UTC with microseconds.
    pub period_start: String,
    /// End of the period, exclusive, RFC 3339 UTC with microseconds.
    pub period_end: String,
    /// Events in the period.
    pub total_events: u64,
    /// Events in the period whose status is `FAILED`.
    pub failed_events: u64,
    /// Events per type, sorted by type name; only types that occur.
    pub events_by_type: Vec<TypeCount>,
    /// Events per status: `SUCCESS` then `FAILED`, both always present.
    pub events_by_status: Vec<StatusCount>,
    /// The ten actors with the most events, most first, ties by name.
    pub top_actors: Vec<ActorCount>,
    /// The anomalies found, as given.
    pub anomalies: Vec<Anomaly>,
    /// The detectors that could not run, as given.
    pub detector_failures: Vec<DetectorFailure>,
}

impl AuditReport {
    /// Builds the report of the events in `[period_start, period_end)` (events outside it are
    /// not counted; they may come in any order) with the anomalies and failures of `detection`.
    pub fn build(
        events: &[AuditEvent],
        period_start: DateTime<Utc>,
        period_end: DateTime<Utc>,
        detection: &Detection,
    ) -> AuditReport {
        let in_period: Vec<&AuditEvent> = events
            .iter()
            .filter(|e| e.at >= period_start && e.at < period_end)
            .collect();
        AuditReport {
            period_start: rfc3339(period_start),
            period_end: rfc3339(period_end),
            total_events: in_period.len() as u64,
            failed_events: count_with_status(&in_period, Status::Failed),
            events_by_type: counts_by_type(&in_period),
            events_by_status: [Status::Success, Status::Failed]
                .into_iter()
                .map(|status| StatusCount {
                    status: status.as_str().to_owned(),
                    count: count_with_status(&in_period, status),
                })
                .collect(),
            top_actors: top_actors(&in_period),
            anomalies: detection.anomalies.clone(),
            detector_failures: detection.failures.clone(),
        }
    }

    /// The report as pretty-printed JSON, fields in declaration order.
    pub fn to_json(&self) -> String {
        // Only strings, integers, sequences and structs: serialising cannot fail.
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|error| serde_json::json!({ "error": error.to_string() }).to_string())
    }

    /// The report as a self-contained HTML page (inline CSS, no scripts, a restrictive
    /// Content-Security-Policy); every value from data is escaped.
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(4096);
        html.push_str(HTML_HEAD);
        let _ = write!(
            html,
            "<h1>Audit report</h1>\n<p>Period: {} to {}</p>\n",
            escape_html(&self.period_start),
            escape_html(&self.period_end)
        );
        push_table(
            &mut html,
            "Totals",
            &["Events", "Failed"],
            [[
                self.total_events.to_string(),
                self.failed_events.to_string(),
            ]],
        );
        push_table(
            &mut html,
            "Events by type",
            &["Event type", "Count"],
            self.events_by_type
                .iter()
                .map(|c| [c.event_type.clone(), c.count.to_string()]),
        );
        push_table(
            &mut html,
            "Events by status",
            &["Status", "Count"],
            self.events_by_status
                .iter()
                .map(|c| [c.status.clone(), c.count.to_string()]),
        );
        push_table(
            &mut html,
            "Top actors",
            &["Actor", "Events"],
            self.top_actors
                .iter()
                .map(|c| [c.actor.clone(), c.count.to_string()]),
        );
        push_table(
            &mut html,
            "Anomalies",
            &[
                "Detector", "Severity", "Actor", "Address", "First", "Last", "Count", "Message",
            ],
            self.anomalies.iter().map(anomaly_row),
        );
        push_table(
            &mut html,
            "Detector failures",
            &["Detector", "Message"],
            self.detector_failures
                .iter()
                .map(|f| [f.detector.as_str().to_owned(), f.message.clone()]),
        );
        html.push_str("</body>\n</html>\n");
        html
    }
}

const HTML_HEAD: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
<title>Audit report</title>\n<style>\n\
body { font-family: sans-serif; margin: 2em; color: #222; }\n\
table { border-collapse: collapse; margin-bottom: 1.5em; }\n\
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }\n\
th { background: #eee; }\n\
</style>\n</head>\n<body>\n";

fn anomaly_row(anomaly: &Anomaly) -> [String; 8] {
    [
        anomaly.detector.as_str().to_owned(),
        anomaly.severity.as_str().to_owned(),
        anomaly.actor.clone().unwrap_or_default(),
        anomaly.ip.clone().unwrap_or_default(),
        rfc3339(anomaly.first_at),
        rfc3339(anomaly.last_at),
        anomaly.count.to_string(),
        anomaly.message.clone(),
    ]
}

/// A titled table; headers and every cell go through `escape_html`. An empty table says so.
fn push_table<const N: usize>(
    html: &mut String,
    title: &str,
    headers: &[&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) {
    let _ = writeln!(html, "<h2>{}</h2>", escape_html(title));
    let mut rows = rows.into_iter().peekable();
    if rows.peek().is_none() {
        html.push_str("<p>None.</p>\n");
        return;
    }
    html.push_str("<table>\n<tr>");
    for header in headers {
        let _ = write!(html, "<th>{}</th>", escape_html(header));
    }
    html.push_str("</tr>\n");
    for row in rows {
        html.push_str("<tr>");
        for cell in &row {
            let _ = write!(html, "<td>{}</td>", escape_html(cell));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
}

/// Escapes text for HTML element content and quoted attribute values: `&`, `<`, `>`, `"` and
/// `'` become character references.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn count_with_status(events: &[&AuditEvent], status: Status) -> u64 {
    events.iter().filter(|e| e.status == status).count() as u64
}

fn counts_by_type(events: &[&AuditEvent]) -> Vec<TypeCount> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for event in events {
        *counts.entry(event.event_type.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(event_type, count)| TypeCount {
            event_type: event_type.to_owned(),
            count,
        })
        .collect()
}

fn top_actors(events: &[&AuditEvent]) -> Vec<ActorCount> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for event in events {
        *counts.entry(&event.actor).or_default() += 1;
    }
    let mut ranked: Vec<(&str, u64)> = counts.into_iter().collect();
    ranked.sort_by(|(a_name, a_count), (b_name, b_count)| {
        b_count.cmp(a_count).then_with(|| a_name.cmp(b_name))
    });
    ranked
        .into_iter()
        .take(TOP_ACTORS)
        .map(|(actor, count)| ActorCount {
            actor: actor.to_owned(),
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{run_detectors, DetectorConfig, EventType, Target};
    use chrono::TimeDelta;
    use uuid::Uuid;

    const SCRIPT: &str = "<script>alert(1)</script>";
    const ATTRIBUTE: &str = "\"onmouseover=";

    fn instant(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("fixture instant")
            .with_timezone(&Utc)
    }

    fn event(at: DateTime<Utc>, actor: &str, event_type: EventType, status: Status) -> AuditEvent {
        AuditEvent {
            seq: 1,
            event_id: Uuid::nil(),
            at,
            actor: actor.to_owned(),
            event_type,
            target: Target::new("products", "1"),
            status,
            key_id: None,
            detail: serde_json::json!({}),
            prev_hash: [0; 32],
            hash: [0; 32],
        }
    }

    #[test]
    fn escape_html_escapes_the_five_characters() {
        assert_eq!(
            escape_html("a & b < c > d \" e ' f"),
            "a &amp; b &lt; c &gt; d &quot; e &#39; f"
        );
        assert_eq!(escape_html("&amp;"), "&amp;amp;");
        assert_eq!(escape_html("Ñandú 2 L"), "Ñandú 2 L");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn html_escapes_actor_names_and_addresses() {
        let start = instant("2024-03-04T10:00:00Z");
        let mut events = Vec::new();
        for actor in [format!("{SCRIPT}{ATTRIBUTE}"), format!("{ATTRIBUTE}x")] {
            for i in 0..5 {
                let mut failed = event(
                    start + TimeDelta::minutes(i),
                    &actor,
                    EventType::LoginFailed,
                    Status::Failed,
                );
                failed.detail = serde_json::json!({ "ip": format!("{ATTRIBUTE}{SCRIPT}") });
                events.push(failed);
            }
        }
        let now = start + TimeDelta::hours(1);
        let detection = run_detectors(&events, &DetectorConfig::default(), now);
        assert!(detection
            .anomalies
            .iter()
            .any(|a| a.ip.as_deref() == Some(&format!("{ATTRIBUTE}{SCRIPT}"))));
        let report = AuditReport::build(&events, start, now, &detection);
        let html = report.to_html();
        for raw in [SCRIPT, ATTRIBUTE] {
            assert!(!html.contains(raw), "{raw} appears unescaped");
            assert!(html.contains(&escape_html(raw)));
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover="));
        assert!(html.contains("<td>&quot;onmouseover=&lt;script&gt;"));
        assert!(!html.contains("<script"));
        assert!(html.starts_with("<!DOCTYPE html>"));
    }

    #[test]
    fn json_parses_back_with_the_totals() {
        let start = instant("2024-03-01T00:00:00Z");
        let end = instant("2024-04-01T00:00:00Z");
        let mut events = vec![
            event(start, "bob", EventType::StockMovement, Status::Success),
            event(start, "alice", EventType::StockMovement, Status::Success),
            event(start, "alice", EventType::DecryptFailed, Status::Failed),
            event(start, "carla", EventType::PriceChange, Status::Success),
            // Outside the period: the end is exclusive.
            event(end, "alice", EventType::StockMovement, Status::Success),
            event(
                start - TimeDelta::microseconds(1),
                "dan",
                EventType::LegalHold,
                Status::Success,
            ),
        ];
        events.push(event(
            start + TimeDelta::days(3),
            "bob",
            EventType::LoginFailed,
            Status::Failed,
        ));
        let detection = Detection {
            anomalies: Vec::new(),
            failures: vec![DetectorFailure {
                detector: crate::audit::Detector::BruteForce,
                message: "invalid".to_owned(),
            }],
        };
        let report = AuditReport::build(&events, start, end, &detection);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["period_start"], "2024-03-01T00:00:00.000000Z");
        assert_eq!(json["period_end"], "2024-04-01T00:00:00.000000Z");
        assert_eq!(json["total_events"], 5);
        assert_eq!(json["failed_events"], 2);
        assert_eq!(
            json["events_by_type"],
            serde_json::json!([
                { "event_type": "DECRYPT_FAILED", "count": 1 },
                { "event_type": "LOGIN_FAILED", "count": 1 },
                { "event_type": "PRICE_CHANGE", "count": 1 },
                { "event_type": "STOCK_MOVEMENT", "count": 2 },
            ])
        );
        assert_eq!(
            json["events_by_status"],
            serde_json::json!([
                { "status": "SUCCESS", "count": 3 },
                { "status": "FAILED", "count": 2 },
            ])
        );
        assert_eq!(
            json["top_actors"],
            serde_json::json!([
                { "actor": "alice", "count": 2 },
                { "actor": "bob", "count": 2 },
                { "actor": "carla", "count": 1 },
            ])
        );
        assert_eq!(json["anomalies"], serde_json::json!([]));
        assert_eq!(json["detector_failures"][0]["detector"], "brute_force");
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 9);
        assert!(report.to_json().starts_with("{\n  \"period_start\""));
    }

    #[test]
    fn top_actors_keeps_ten_most_active_ties_by_name() {
        let at = instant("2024-03-01T00:00:00Z");
        let mut events = Vec::new();
        for (i, actor) in ["l", "k", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a"]
            .iter()
            .enumerate()
        {
            let times = if i < 2 { 3 } else { 1 };
            for _ in 0..times {
                events.push(event(at, actor, EventType::StockMovement, Status::Success));
            }
        }
        let report =
            AuditReport::build(&events, at, at + TimeDelta::days(1), &Detection::default());
        let names: Vec<&str> = report.top_actors.iter().map(|a| a.actor.as_str()).collect();
        assert_eq!(names, ["k", "l", "a", "b", "c", "d", "e", "f", "g", "h"]);
        assert_eq!(report.top_actors[0].count, 3);
    }

    #[test]
    fn an_empty_period_still_renders() {
        let at = instant("2024-03-01T00:00:00Z");
        let report = AuditReport::build(&[], at, at, &Detection::default());
        assert_eq!(report.total_events, 0);
        assert_eq!(report.events_by_status.len(), 2);
        let html = report.to_html();
        assert!(html.contains("<p>None.</p>"));
        assert!(html.ends_with("</html>\n"));
    }
}
