//! The anomaly detectors (DESIGN 4, "Detectors"): for each, fixtures that trigger it and
//! fixtures just below its threshold, on its boundaries, and with other actors beside it.
//!
//! Buenos Aires is UTC−3 all year since 2009, so 13:00Z is 10:00 local.

use chrono::{DateTime, TimeDelta, Utc};
use inventario_core::audit::{
    detect_brute_force, detect_decrypt_failures, detect_many_source_ips, detect_off_hours_access,
    detect_possible_exfiltration, run_detectors, Anomaly, AuditEvent, Detector, DetectorConfig,
    EventType, Severity, Status, Target,
};
use serde_json::json;
use uuid::Uuid;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("fixture instant")
        .with_timezone(&Utc)
}

fn event(
    at: DateTime<Utc>,
    actor: &str,
    event_type: EventType,
    detail: serde_json::Value,
) -> AuditEvent {
    let status = match event_type {
        EventType::LoginFailed | EventType::DecryptFailed => Status::Failed,
        _ => Status::Success,
    };
    AuditEvent {
        seq: 0,
        event_id: Uuid::nil(),
        at,
        actor: actor.to_owned(),
        event_type,
        target: Target::none(),
        status,
        key_id: None,
        detail,
        prev_hash: [0; 32],
        hash: [0; 32],
    }
}

fn login_failed(at: DateTime<Utc>, actor: &str) -> AuditEvent {
    event(at, actor, EventType::LoginFailed, json!({}))
}

fn login_failed_from(at: DateTime<Utc>, actor: &str, ip: &str) -> AuditEvent {
    event(at, actor, EventType::LoginFailed, json!({ "ip": ip }))
}

fn decrypt(at: DateTime<Utc>, actor: &str, rows: u64) -> AuditEvent {
    event(
        at,
        actor,
        EventType::EncryptedDataDecrypt,
        json!({ "rows": rows }),
    )
}

fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

/// `n` failed logins by `actor`, one every `step` from `start`.
fn failures(start: DateTime<Utc>, step: TimeDelta, n: i32, actor: &str) -> Vec<AuditEvent> {
    (0..n)
        .map(|i| login_failed(start + step * i, actor))
        .collect()
}

fn config() -> DetectorConfig {
    DetectorConfig::default()
}

fn only(anomalies: &[Anomaly]) -> &Anomaly {
    assert_eq!(anomalies.len(), 1, "{anomalies:#?}");
    &anomalies[0]
}

// --- brute force --------------------------------------------------------------------------------

const NOW: &str = "2024-03-04T23:00:00Z";

#[test]
fn brute_force_five_failures_in_an_hour_are_medium() {
    let events = failures(at("2024-03-04T10:00:00Z"), minutes(10), 5, "alice");
    let found = detect_brute_force(&events, &config(), at(NOW)).unwrap();
    let anomaly = only(&found);
    assert_eq!(anomaly.detector, Detector::BruteForce);
    assert_eq!(anomaly.severity, Severity::Medium);
    assert_eq!(anomaly.actor.as_deref(), Some("alice"));
    assert_eq!(anomaly.ip, None);
    assert_eq!(anomaly.count, 5);
    assert_eq!(anomaly.first_at, at("2024-03-04T10:00:00Z"));
    assert_eq!(anomaly.last_at, at("2024-03-04T10:40:00Z"));
}

#[test]
fn brute_force_four_failures_do_not_trigger() {
    let events = failures(at("2024-03-04T10:00:00Z"), minutes(1), 4, "alice");
    assert!(detect_brute_force(&events, &config(), at(NOW))
        .unwrap()
        .is_empty());
}

#[test]
fn brute_force_severity_is_high_at_six_and_critical_at_twenty() {
    let start = at("2024-03-04T10:00:00Z");
    let six = failures(start, minutes(1), 6, "alice");
    assert_eq!(
        only(&detect_brute_force(&six, &config(), at(NOW)).unwrap()).severity,
        Severity::High
    );
    let nineteen = failures(start, minutes(1), 19, "alice");
    assert_eq!(
        only(&detect_brute_force(&nineteen, &config(), at(NOW)).unwrap()).severity,
        Severity::High
    );
    let twenty = failures(start, minutes(1), 20, "alice");
    let anomaly = detect_brute_force(&twenty, &config(), at(NOW)).unwrap();
    assert_eq!(only(&anomaly).severity, Severity::Critical);
    assert_eq!(only(&anomaly).count, 20);
}

#[test]
fn brute_force_window_is_half_open_sixty_minutes() {
    // First and last exactly 60 min apart: never five in one window.
    let start = at("2024-03-04T10:00:00Z");
    let spread = failures(start, minutes(15), 5, "alice");
    assert!(detect_brute_force(&spread, &config(), at(NOW))
        .unwrap()
        .is_empty());
    // One microsecond less, and they are.
    let mut tight = spread.clone();
    tight[4].at -= TimeDelta::microseconds(1);
    assert_eq!(
        only(&detect_brute_force(&tight, &config(), at(NOW)).unwrap()).count,
        5
    );
}

#[test]
fn brute_force_burst_across_an_hour_boundary_is_caught() {
    // Legacy hourly buckets saw 3 in 10:00–11:00 and 2 in 11:00–12:00, and said nothing.
    let events = failures(at("2024-03-04T10:57:00Z"), minutes(1), 5, "alice");
    let found = detect_brute_force(&events, &config(), at(NOW)).unwrap();
    assert_eq!(only(&found).count, 5);
    assert_eq!(only(&found).first_at, at("2024-03-04T10:57:00Z"));
}

#[test]
fn brute_force_counts_per_ip_across_actors() {
    let start = at("2024-03-04T10:00:00Z");
    let events: Vec<AuditEvent> = ["ana", "beto", "carla", "dario", "eva"]
        .iter()
        .enumerate()
        .map(|(i, actor)| login_failed_from(start + minutes(i as i64), actor, "203.0.113.9"))
        .collect();
    let found = detect_brute_force(&events, &config(), at(NOW)).unwrap();
    let anomaly = only(&found);
    assert_eq!(anomaly.actor, None);
    assert_eq!(anomaly.ip.as_deref(), Some("203.0.113.9"));
    assert_eq!(anomaly.count, 5);
}

#[test]
fn brute_force_with_an_ip_reports_the_actor_and_the_ip_separately() {
    let start = at("2024-03-04T10:00:00Z");
    let events: Vec<AuditEvent> = (0..5)
        .map(|i| login_failed_from(start + minutes(i), "alice", "198.51.100.7"))
        .collect();
    let found = detect_brute_force(&events, &config(), at(NOW)).unwrap();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found
        .iter()
        .any(|a| a.actor.as_deref() == Some("alice") && a.ip.is_none()));
    assert!(found
        .iter()
        .any(|a| a.actor.is_none() && a.ip.as_deref() == Some("198.51.100.7")));
}

#[test]
fn brute_force_does_not_mix_actors_or_other_events() {
    let start = at("2024-03-04T10:00:00Z");
    let mut events = failures(start, minutes(1), 3, "alice");
    events.extend(failures(start, minutes(1), 4, "bob"));
    events.extend((0..10).map(|i| {
        event(
            start + minutes(i),
            "alice",
            EventType::DecryptFailed,
            json!({}),
        )
    }));
    assert!(detect_brute_force(&events, &config(), at(NOW))
        .unwrap()
        .is_empty());
}

#[test]
fn brute_force_reads_unsorted_events_and_ignores_the_future() {
    let mut events = failures(at("2024-03-04T10:00:00Z"), minutes(1), 5, "alice");
    events.reverse();
    events.swap(1, 3);
    assert_eq!(
        only(&detect_brute_force(&events, &config(), at(NOW)).unwrap()).count,
        5
    );
    // The same burst is after `now`: nothing to see yet.
    assert!(
        detect_brute_force(&events, &config(), at("2024-03-04T09:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn brute_force_separate_bursts_are_separate_anomalies_and_overlapping_ones_merge() {
    let mut events = failures(at("2024-03-04T10:00:00Z"), minutes(1), 5, "alice");
    events.extend(failures(at("2024-03-04T15:00:00Z"), minutes(1), 5, "alice"));
    assert_eq!(
        detect_brute_force(&events, &config(), at(NOW))
            .unwrap()
            .len(),
        2
    );
    // One failure every 10 min for 3 h: every 60-min window holds 6, one long attack.
    let steady = failures(at("2024-03-04T10:00:00Z"), minutes(10), 19, "bob");
    let found = detect_brute_force(&steady, &config(), at(NOW)).unwrap();
    let anomaly = only(&found);
    assert_eq!(anomaly.count, 6);
    assert_eq!(anomaly.severity, Severity::High);
    assert_eq!(anomaly.first_at, at("2024-03-04T10:00:00Z"));
    assert_eq!(anomaly.last_at, at("2024-03-04T13:00:00Z"));
}

// --- off-hours access ---------------------------------------------------------------------------

/// Tuesday 2024-03-05 13:00 local.
const OFF_HOURS_NOW: &str = "2024-03-05T16:00:00Z";

fn accesses(times: &[&str], actor: &str) -> Vec<AuditEvent> {
    times.iter().map(|t| decrypt(at(t), actor, 1)).collect()
}

#[test]
fn off_hours_mostly_night_accesses_trigger() {
    // 22:00–02:00 local, Monday night.
    let events = accesses(
        &[
            "2024-03-05T01:00:00Z",
            "2024-03-05T02:00:00Z",
            "2024-03-05T03:00:00Z",
            "2024-03-05T04:00:00Z",
            "2024-03-05T05:00:00Z",
        ],
        "alice",
    );
    let found = detect_off_hours_access(&events, &config(), at(OFF_HOURS_NOW)).unwrap();
    let anomaly = only(&found);
    assert_eq!(anomaly.detector, Detector::OffHoursAccess);
    assert_eq!(anomaly.actor.as_deref(), Some("alice"));
    assert_eq!(anomaly.count, 5);
    assert_eq!(anomaly.first_at, at("2024-03-05T01:00:00Z"));
}

#[test]
fn off_hours_needs_the_minimum_number_of_accesses() {
    let four = accesses(
        &[
            "2024-03-05T01:00:00Z",
            "2024-03-05T02:00:00Z",
            "2024-03-05T03:00:00Z",
            "2024-03-05T04:00:00Z",
        ],
        "alice",
    );
    assert!(detect_off_hours_access(&four, &config(), at(OFF_HOURS_NOW))
        .unwrap()
        .is_empty());
    let one_late = config();
    let one_late = DetectorConfig {
        off_hours_min_accesses: 1,
        ..one_late
    };
    let found = detect_off_hours_access(&four[..1], &one_late, at(OFF_HOURS_NOW)).unwrap();
    assert_eq!(only(&found).count, 1);
}

#[test]
fn off_hours_exactly_half_does_not_trigger_more_than_half_does() {
    let business = [
        "2024-03-05T13:00:00Z",
        "2024-03-05T14:00:00Z",
        "2024-03-05T15:00:00Z",
    ];
    let night = [
        "2024-03-05T01:00:00Z",
        "2024-03-05T02:00:00Z",
        "2024-03-05T03:00:00Z",
        "2024-03-05T04:00:00Z",
    ];
    let half: Vec<&str> = business.iter().chain(&night[..3]).copied().collect();
    assert!(
        detect_off_hours_access(&accesses(&half, "alice"), &config(), at(OFF_HOURS_NOW))
            .unwrap()
            .is_empty()
    );
    let more: Vec<&str> = business.iter().chain(&night).copied().collect();
    let found =
        detect_off_hours_access(&accesses(&more, "alice"), &config(), at(OFF_HOURS_NOW)).unwrap();
    assert_eq!(only(&found).count, 4);
}

#[test]
fn off_hours_reads_local_time_not_utc() {
    // 19:00Z Monday is 16:00 in Buenos Aires: business hours (legacy UTC hours called it night).
    let afternoon: Vec<AuditEvent> = (0..6)
        .map(|i| decrypt(at("2024-03-04T19:00:00Z") + minutes(i), "alice", 1))
        .collect();
    assert!(
        detect_off_hours_access(&afternoon, &config(), at(OFF_HOURS_NOW))
            .unwrap()
            .is_empty()
    );
    // 10:00Z Tuesday is 07:00 local: before opening (legacy UTC hours called it business).
    let early: Vec<AuditEvent> = (0..6)
        .map(|i| decrypt(at("2024-03-05T10:00:00Z") + minutes(i), "alice", 1))
        .collect();
    assert_eq!(
        only(&detect_off_hours_access(&early, &config(), at(OFF_HOURS_NOW)).unwrap()).count,
        6
    );
}

#[test]
fn off_hours_business_hours_start_inclusive_end_exclusive() {
    let five_at = |local_utc: &str| -> Vec<AuditEvent> {
        (0..5).map(|_| decrypt(at(local_utc), "alice", 1)).collect()
    };
    let found = |events: Vec<AuditEvent>| {
        detect_off_hours_access(&events, &config(), at(OFF_HOURS_NOW))
            .unwrap()
            .len()
    };
    // 09:00:00 and 16:59:59.999999 local are in, 08:59:59.999999 and 17:00:00 are out.
    assert_eq!(found(five_at("2024-03-05T12:00:00Z")), 0);
    assert_eq!(found(five_at("2024-03-04T19:59:59.999999Z")), 0);
    assert_eq!(found(five_at("2024-03-05T11:59:59.999999Z")), 1);
    assert_eq!(found(five_at("2024-03-04T20:00:00Z")), 1);
}

#[test]
fn off_hours_weekends_are_off_hours() {
    let now = at("2024-03-10T12:00:00Z");
    // Saturday 11:00 local.
    let saturday: Vec<AuditEvent> = (0..5)
        .map(|i| decrypt(at("2024-03-09T14:00:00Z") + minutes(i), "alice", 1))
        .collect();
    assert_eq!(
        detect_off_hours_access(&saturday, &config(), now)
            .unwrap()
            .len(),
        1
    );
    // The same hour on Friday is business hours.
    let friday: Vec<AuditEvent> = (0..5)
        .map(|i| decrypt(at("2024-03-08T14:00:00Z") + minutes(i), "bob", 1))
        .collect();
    assert!(
        detect_off_hours_access(&friday, &config(), at("2024-03-09T02:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn off_hours_ignores_non_sensitive_events_old_events_and_other_actors() {
    let night = [
        "2024-03-05T01:00:00Z",
        "2024-03-05T02:00:00Z",
        "2024-03-05T03:00:00Z",
    ];
    let mut events: Vec<AuditEvent> = night
        .iter()
        .map(|t| event(at(t), "alice", EventType::StockMovement, json!({})))
        .collect();
    events.extend(accesses(&night, "alice"));
    events.extend(accesses(&night[..2], "bob"));
    // More than 24 h before now.
    events.extend(accesses(
        &["2024-03-04T01:00:00Z", "2024-03-04T02:00:00Z"],
        "alice",
    ));
    assert!(
        detect_off_hours_access(&events, &config(), at(OFF_HOURS_NOW))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn off_hours_counts_every_sensitive_access_type() {
    let events: Vec<AuditEvent> = [
        EventType::EncryptedDataDecrypt,
        EventType::DataExport,
        EventType::AccessRequest,
        EventType::DataExport,
        EventType::AccessRequest,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, kind)| {
        event(
            at("2024-03-05T02:00:00Z") + minutes(i as i64),
            "alice",
            kind,
            json!({}),
        )
    })
    .collect();
    assert_eq!(
        only(&detect_off_hours_access(&events, &config(), at(OFF_HOURS_NOW)).unwrap()).count,
        5
    );
}

// --- possible exfiltration ----------------------------------------------------------------------

const EXFIL_NOW: &str = "2024-04-10T12:00:00Z";

/// One access of `rows` rows by `actor` in each of the given history days (1 = the day before
/// the last 24 h).
fn history(actor: &str, days: impl IntoIterator<Item = i64>, rows: u64) -> Vec<AuditEvent> {
    let now = at(EXFIL_NOW);
    days.into_iter()
        .map(|day| decrypt(now - TimeDelta::hours(24 * day + 1), actor, rows))
        .collect()
}

fn last_day(actor: &str, rows: u64) -> AuditEvent {
    decrypt(at(EXFIL_NOW) - TimeDelta::hours(2), actor, rows)
}

#[test]
fn exfiltration_without_history_only_the_absolute_threshold_applies() {
    let now = at(EXFIL_NOW);
    let at_limit = vec![last_day("alice", 4_000), last_day("alice", 6_000)];
    assert!(detect_possible_exfiltration(&at_limit, &config(), now)
        .unwrap()
        .is_empty());
    let over = vec![last_day("alice", 4_000), last_day("alice", 6_001)];
    let found = detect_possible_exfiltration(&over, &config(), now).unwrap();
    let anomaly = only(&found);
    assert_eq!(anomaly.detector, Detector::PossibleExfiltration);
    assert_eq!(anomaly.severity, Severity::Critical);
    assert_eq!(anomaly.count, 10_001);
}

#[test]
fn exfiltration_above_three_times_the_daily_q3_triggers() {
    let now = at(EXFIL_NOW);
    let mut events = history("alice", 1..=30, 100);
    events.push(last_day("alice", 300));
    assert!(detect_possible_exfiltration(&events, &config(), now)
        .unwrap()
        .is_empty());
    events.push(last_day("alice", 1));
    let found = detect_possible_exfiltration(&events, &config(), now).unwrap();
    assert_eq!(only(&found).severity, Severity::High);
    assert_eq!(only(&found).count, 301);
}

#[test]
fn exfiltration_q3_is_nearest_rank_with_idle_days_as_zeros() {
    let now = at(EXFIL_NOW);
    // 8 active days of 1,000 rows among 30: sorted, the 23rd value (⌈0.75 · 30⌉) is 1,000, so
    // the limit is 3,000. Linear interpolation would give 750 and a limit of 2,250.
    let mut events = history("alice", 1..=8, 1_000);
    events.push(last_day("alice", 2_500));
    assert!(detect_possible_exfiltration(&events, &config(), now)
        .unwrap()
        .is_empty());
    events.push(last_day("alice", 501));
    assert_eq!(
        only(&detect_possible_exfiltration(&events, &config(), now).unwrap()).count,
        3_001
    );
    // 7 active days: the 23rd value is an idle day and Q3 is 0. A zero baseline says nothing
    // about what is unusual, so only the absolute threshold applies (otherwise one row read
    // by an occasional user would alert).
    let mut sparse = history("bob", 1..=7, 1_000);
    sparse.push(last_day("bob", 9_000));
    assert!(detect_possible_exfiltration(&sparse, &config(), now)
        .unwrap()
        .is_empty());
    sparse.push(last_day("bob", 1_001));
    assert_eq!(
        only(&detect_possible_exfiltration(&sparse, &config(), now).unwrap()).severity,
        Severity::Critical
    );
}

#[test]
fn exfiltration_reads_rows_only_from_successful_sensitive_accesses() {
    let now = at(EXFIL_NOW);
    let mut events = history("alice", 1..=30, 10);
    // Absent `rows` counts 1: 30 of them are exactly 3 × 10.
    events.extend(
        (0..30).map(|i| event(now - minutes(i), "alice", EventType::DataExport, json!({}))),
    );
    let mut failed = decrypt(now - minutes(90), "alice", 5_000);
    failed.status = Status::Failed;
    events.push(failed);
    events.push(event(
        now - minutes(91),
        "alice",
        EventType::StockMovement,
        json!({ "rows": 5_000 }),
    ));
    assert!(detect_possible_exfiltration(&events, &config(), now)
        .unwrap()
        .is_empty());
    events.push(event(
        now - minutes(92),
        "alice",
        EventType::AccessRequest,
        json!({ "rows": "many" }),
    ));
    assert_eq!(
        only(&detect_possible_exfiltration(&events, &config(), now).unwrap()).count,
        31
    );
}

#[test]
fn exfiltration_uses_each_actors_own_history() {
    let now = at(EXFIL_NOW);
    let mut events = history("bob", 1..=30, 100);
    events.push(last_day("alice", 5_000));
    events.push(last_day("bob", 250));
    assert!(detect_possible_exfiltration(&events, &config(), now)
        .unwrap()
        .is_empty());
}

#[test]
fn exfiltration_last_day_is_the_24_hours_up_to_now() {
    let now = at(EXFIL_NOW);
    // Exactly 24 h old belongs to the history, not to the last day.
    let events = vec![decrypt(now - TimeDelta::hours(24), "alice", 20_000)];
    assert!(detect_possible_exfiltration(&events, &config(), now)
        .unwrap()
        .is_empty());
    let events = vec![decrypt(
        now - TimeDelta::hours(24) + TimeDelta::microseconds(1),
        "alice",
        20_000,
    )];
    assert_eq!(
        detect_possible_exfiltration(&events, &config(), now)
            .unwrap()
            .len(),
        1
    );
}

// --- decrypt failures ---------------------------------------------------------------------------

const DAY_NOW: &str = "2024-03-05T12:00:00Z";

fn decrypt_failed(at: DateTime<Utc>, actor: &str) -> AuditEvent {
    event(
        at,
        actor,
        EventType::DecryptFailed,
        json!({ "error": "authentication" }),
    )
}

#[test]
fn decrypt_failures_more_than_three_in_a_day_trigger() {
    let now = at(DAY_NOW);
    let mut events: Vec<AuditEvent> = (1..=3)
        .map(|h| decrypt_failed(now - TimeDelta::hours(h), "alice"))
        .collect();
    assert!(detect_decrypt_failures(&events, &config(), now)
        .unwrap()
        .is_empty());
    events.push(decrypt_failed(now - TimeDelta::hours(23), "alice"));
    let found = detect_decrypt_failures(&events, &config(), now).unwrap();
    let anomaly = only(&found);
    assert_eq!(anomaly.detector, Detector::DecryptFailures);
    assert_eq!(anomaly.count, 4);
    assert_eq!(anomaly.actor.as_deref(), Some("alice"));
}

#[test]
fn decrypt_failures_outside_the_day_or_by_others_do_not_count() {
    let now = at(DAY_NOW);
    let mut events: Vec<AuditEvent> = (1..=3)
        .map(|h| decrypt_failed(now - TimeDelta::hours(h), "alice"))
        .collect();
    events.push(decrypt_failed(now - TimeDelta::hours(24), "alice"));
    events.push(decrypt_failed(now - TimeDelta::hours(1), "bob"));
    events.push(event(
        now - TimeDelta::hours(1),
        "alice",
        EventType::LoginFailed,
        json!({}),
    ));
    assert!(detect_decrypt_failures(&events, &config(), now)
        .unwrap()
        .is_empty());
}

// --- many source IPs ----------------------------------------------------------------------------

fn seen_from(
    now: DateTime<Utc>,
    actor: &str,
    ips: impl IntoIterator<Item = u32>,
) -> Vec<AuditEvent> {
    ips.into_iter()
        .map(|n| {
            event(
                now - minutes(i64::from(n) + 1),
                actor,
                EventType::StockMovement,
                json!({ "ip": format!("192.0.2.{n}") }),
            )
        })
        .collect()
}

#[test]
fn many_source_ips_more_than_ten_trigger() {
    let now = at(DAY_NOW);
    let ten = seen_from(now, "alice", 1..=10);
    assert!(detect_many_source_ips(&ten, &config(), now)
        .unwrap()
        .is_empty());
    let eleven = seen_from(now, "alice", 1..=11);
    let found = detect_many_source_ips(&eleven, &config(), now).unwrap();
    let anomaly = only(&found);
    assert_eq!(anomaly.detector, Detector::ManySourceIps);
    assert_eq!(anomaly.count, 11);
}

#[test]
fn many_source_ips_counts_distinct_recent_addresses_of_one_actor() {
    let now = at(DAY_NOW);
    let mut events = seen_from(now, "alice", 1..=10);
    // A repeated address, an old one, another actor's, and events without a usable address.
    events.extend(seen_from(now, "alice", [3]));
    events.push(event(
        now - TimeDelta::hours(25),
        "alice",
        EventType::StockMovement,
        json!({ "ip": "192.0.2.200" }),
    ));
    events.extend(seen_from(now, "bob", 50..=60));
    events.push(event(
        now,
        "alice",
        EventType::StockMovement,
        json!({ "ip": "" }),
    ));
    events.push(event(
        now,
        "alice",
        EventType::StockMovement,
        json!({ "ip": 7 }),
    ));
    let found = detect_many_source_ips(&events, &config(), now).unwrap();
    assert_eq!(only(&found).actor.as_deref(), Some("bob"));
}

// --- the runner ---------------------------------------------------------------------------------

fn one_of_each(now: DateTime<Utc>) -> Vec<AuditEvent> {
    let mut events = failures(now - minutes(30), minutes(1), 5, "mallory");
    events.push(last_day("exporter", 10_001));
    events.extend((1..=4).map(|h| decrypt_failed(now - TimeDelta::hours(h), "clumsy")));
    events.extend(seen_from(now, "roamer", 1..=11));
    // Wednesday 02:00–02:04 local.
    events.extend((0..5).map(|i| decrypt(at("2024-04-10T05:00:00Z") + minutes(i), "night-owl", 1)));
    events.reverse();
    events
}

#[test]
fn run_detectors_runs_every_detector() {
    let now = at(EXFIL_NOW);
    let detection = run_detectors(&one_of_each(now), &config(), now);
    assert!(detection.failures.is_empty(), "{:?}", detection.failures);
    let found: Vec<(Detector, Option<&str>)> = detection
        .anomalies
        .iter()
        .map(|a| (a.detector, a.actor.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (Detector::BruteForce, Some("mallory")),
            (Detector::OffHoursAccess, Some("night-owl")),
            (Detector::PossibleExfiltration, Some("exporter")),
            (Detector::DecryptFailures, Some("clumsy")),
            (Detector::ManySourceIps, Some("roamer")),
        ]
    );
}

#[test]
fn run_detectors_reports_a_bad_config_and_keeps_the_other_detectors() {
    let now = at(EXFIL_NOW);
    let broken = DetectorConfig {
        brute_force_window: TimeDelta::zero(),
        source_ips_window: TimeDelta::minutes(-5),
        ..config()
    };
    let detection = run_detectors(&one_of_each(now), &broken, now);
    let failed: Vec<Detector> = detection.failures.iter().map(|f| f.detector).collect();
    assert_eq!(failed, [Detector::BruteForce, Detector::ManySourceIps]);
    assert!(detection.failures[0].message.contains("brute_force_window"));
    assert_eq!(detection.anomalies.len(), 3);
    assert!(detection
        .anomalies
        .iter()
        .all(|a| !failed.contains(&a.detector)));
}

#[test]
fn every_config_check_names_its_field() {
    let now = at(EXFIL_NOW);
    let cases: [(DetectorConfig, &str); 6] = [
        (
            DetectorConfig {
                brute_force_min_failures: 0,
                ..config()
            },
            "brute_force_min_failures",
        ),
        (
            DetectorConfig {
                brute_force_high_at: 21,
                ..config()
            },
            "brute_force_high_at",
        ),
        (
            DetectorConfig {
                off_hours_ratio: 1.0,
                ..config()
            },
            "off_hours_ratio",
        ),
        (
            DetectorConfig {
                business_end: config().business_start,
                ..config()
            },
            "business_end",
        ),
        (
            DetectorConfig {
                exfiltration_q3_multiplier: f64::NAN,
                ..config()
            },
            "exfiltration_q3_multiplier",
        ),
        (
            DetectorConfig {
                decrypt_failures_window: TimeDelta::zero(),
                ..config()
            },
            "decrypt_failures_window",
        ),
    ];
    for (broken, field) in cases {
        let detection = run_detectors(&one_of_each(now), &broken, now);
        assert_eq!(detection.failures.len(), 1, "{field}: {detection:?}");
        assert!(detection.failures[0].message.contains(field), "{field}");
        assert_eq!(detection.anomalies.len(), 4, "{field}");
    }
}

#[test]
fn detector_and_severity_names_are_stable() {
    let names: Vec<&str> = Detector::ALL.iter().map(|d| d.as_str()).collect();
    assert_eq!(
        names,
        [
            "brute_force",
            "off_hours_access",
            "possible_exfiltration",
            "decrypt_failures",
            "many_source_ips"
        ]
    );
    for detector in Detector::ALL {
        assert_eq!(
            serde_json::to_value(detector).unwrap(),
            json!(detector.as_str())
        );
    }
    assert!(Severity::Low < Severity::Medium);
    assert!(Severity::Medium < Severity::High);
    assert!(Severity::High < Severity::Critical);
    assert_eq!(
        serde_json::to_value(Severity::Critical).unwrap(),
        json!("critical")
    );
}

#[test]
fn anomalies_serialise_instants_as_rfc3339_utc() {
    let now = at(EXFIL_NOW);
    let events = failures(at("2024-03-04T10:00:00.5Z"), minutes(1), 5, "alice");
    let found = detect_brute_force(&events, &config(), now).unwrap();
    let value = serde_json::to_value(only(&found)).unwrap();
    assert_eq!(value["first_at"], "2024-03-04T10:00:00.500000Z");
    assert_eq!(value["detector"], "brute_force");
    assert_eq!(value["severity"], "medium");
    assert_eq!(value["ip"], serde_json::Value::Null);
}
