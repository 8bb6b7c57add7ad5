//! Anomaly detectors over audit events (DESIGN 4, "Detectors").
//!
//! Every detector is a pure function of a slice of events, a [`DetectorConfig`] and the instant
//! `now`; none reads a clock, a file or a database. The legacy thresholds are the defaults and
//! the legacy bugs are fixed: brute force uses a real sliding window (not hourly buckets) and
//! business hours are compared in the shop's time zone (not in UTC).
//!
//! Conventions shared by all detectors:
//! - events may come in any order; they are read chronologically (by `at`, then `seq`);
//! - events after `now` are ignored (a clock ahead of ours must not make us alert on the future);
//! - a window of length `w` "in the last `w`" is the half-open interval `(now - w, now]`;
//! - `detail.ip` is read only when it is a non-empty string, `detail.rows` only when it is a
//!   non-negative integer (absent or malformed counts as 1 row: the access happened, its size is
//!   unknown).
//!
//! [`run_detectors`] runs them all so that one failing (a malformed config, or even a panic)
//! never stops the others: its failure is reported beside the anomalies the others found.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, NaiveTime, SecondsFormat, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use super::record::{AuditEvent, EventType, Status};

/// Which detector found an anomaly (or failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detector {
    /// Repeated failed logins by one actor or from one IP.
    BruteForce,
    /// Sensitive data read mostly outside business hours.
    OffHoursAccess,
    /// Far more sensitive rows read than the actor's usual days.
    PossibleExfiltration,
    /// Repeated failures to decrypt stored fields.
    DecryptFailures,
    /// One actor seen from many source addresses.
    ManySourceIps,
}

impl Detector {
    /// Every detector, in the order [`run_detectors`] runs them.
    pub const ALL: [Detector; 5] = [
        Detector::BruteForce,
        Detector::OffHoursAccess,
        Detector::PossibleExfiltration,
        Detector::DecryptFailures,
        Detector::ManySourceIps,
    ];

    /// The stable snake_case name used in reports and alerts, e.g. `brute_force`.
    pub fn as_str(self) -> &'static str {
        match self {
            Detector::BruteForce => "brute_force",
            Detector::OffHoursAccess => "off_hours_access",
            Detector::PossibleExfiltration => "possible_exfiltration",
            Detector::DecryptFailures => "decrypt_failures",
            Detector::ManySourceIps => "many_source_ips",
        }
    }
}

/// How urgent an anomaly is; ordered from `Low` to `Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Worth a look today.
    Medium,
    /// Worth a look now.
    High,
    /// An attack or a leak in progress, most likely.
    Critical,
}

impl Severity {
    /// `low`, `medium`, `high` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Something a detector found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Anomaly {
    /// The detector that found it.
    pub detector: Detector,
    /// How urgent it is.
    pub severity: Severity,
    /// The actor concerned, when the anomaly is about one.
    pub actor: Option<String>,
    /// The source address concerned, when the anomaly is about one (brute force per IP).
    pub ip: Option<String>,
    /// The first event the anomaly is made of (RFC 3339 UTC in JSON).
    #[serde(serialize_with = "serialize_rfc3339")]
    pub first_at: DateTime<Utc>,
    /// The last event the anomaly is made of (RFC 3339 UTC in JSON).
    #[serde(serialize_with = "serialize_rfc3339")]
    pub last_at: DateTime<Utc>,
    /// What the detector counted: failures in the densest window (brute force), off-hours
    /// accesses, rows read, decrypt failures, or distinct addresses.
    pub count: u64,
    /// A sentence for a human, with the threshold that was crossed.
    pub message: String,
}

/// A detector that could not run; the others still did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DetectorFailure {
    /// The detector that failed.
    pub detector: Detector,
    /// Why (a config error, or the message of a panic).
    pub message: String,
}

/// What [`run_detectors`] found: the anomalies, and the detectors that failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Detection {
    /// Every anomaly, grouped by detector in [`Detector::ALL`] order.
    pub anomalies: Vec<Anomaly>,
    /// The detectors that could not run.
    pub failures: Vec<DetectorFailure>,
}

/// Why a detector could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DetectorError {
    /// A [`DetectorConfig`] field has a value the detector cannot work with.
    #[error("invalid detector config: `{field}` {reason}; fix the value or start from DetectorConfig::default()")]
    InvalidConfig {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The detectors' thresholds. [`Default`] gives the legacy values (DESIGN 4).
#[derive(Clone, Debug, PartialEq)]
pub struct DetectorConfig {
    /// Length of the sliding window for failed logins (60 min).
    pub brute_force_window: TimeDelta,
    /// Failed logins in one window that make an anomaly, of medium severity (5).
    pub brute_force_min_failures: u64,
    /// Failed logins in one window that make it high (6).
    pub brute_force_high_at: u64,
    /// Failed logins in one window that make it critical (20).
    pub brute_force_critical_at: u64,
    /// How far back sensitive accesses are read for the off-hours ratio (24 h).
    pub off_hours_window: TimeDelta,
    /// The fraction of off-hours accesses that must be exceeded (0.5: more than half).
    pub off_hours_ratio: f64,
    /// Fewer sensitive accesses than this in the window never alert (5), so that one late
    /// access is not an anomaly.
    pub off_hours_min_accesses: u64,
    /// The shop's time zone, in which business hours are read (America/Argentina/Buenos_Aires).
    pub time_zone: Tz,
    /// Business hours start, local time, inclusive (09:00).
    pub business_start: NaiveTime,
    /// Business hours end, local time, exclusive (17:00).
    pub business_end: NaiveTime,
    /// Business days (Monday to Friday).
    pub business_days: Vec<Weekday>,
    /// The "day" whose rows are compared with the history (24 h, ending at `now`).
    pub exfiltration_window: TimeDelta,
    /// How many previous days make the history (30); each is one `exfiltration_window` long.
    pub exfiltration_history_days: u32,
    /// The multiple of the history's third quartile that must be exceeded (3.0).
    pub exfiltration_q3_multiplier: f64,
    /// Rows in one day that alert whatever the history (more than 10,000).
    pub exfiltration_absolute_rows: u64,
    /// How far back decrypt failures are counted (24 h).
    pub decrypt_failures_window: TimeDelta,
    /// Decrypt failures per actor that must be exceeded (3: four or more alert).
    pub decrypt_failures_max: u64,
    /// How far back source addresses are counted (24 h).
    pub source_ips_window: TimeDelta,
    /// Distinct addresses per actor that must be exceeded (10: eleven or more alert).
    pub source_ips_max: u64,
}

/// 09:00, checked at compile time.
const OPENING: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(time) => time,
    None => panic!("09:00 is a time of day"),
};

/// 17:00, checked at compile time.
const CLOSING: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(time) => time,
    None => panic!("17:00 is a time of day"),
};

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            brute_force_window: TimeDelta::minutes(60),
            brute_force_min_failures: 5,
            brute_force_high_at: 6,
            brute_force_critical_at: 20,
            off_hours_window: TimeDelta::hours(24),
            off_hours_ratio: 0.5,
            off_hours_min_accesses: 5,
            time_zone: chrono_tz::America::Argentina::Buenos_Aires,
            business_start: OPENING,
            business_end: CLOSING,
            business_days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            exfiltration_window: TimeDelta::hours(24),
            exfiltration_history_days: 30,
            exfiltration_q3_multiplier: 3.0,
            exfiltration_absolute_rows: 10_000,
            decrypt_failures_window: TimeDelta::hours(24),
            decrypt_failures_max: 3,
            source_ips_window: TimeDelta::hours(24),
            source_ips_max: 10,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The runner

/// The events every detector reads: those up to `now`, in chronological order.
struct Chronological<'a> {
    events: Vec<&'a AuditEvent>,
}

impl<'a> Chronological<'a> {
    fn up_to(events: &'a [AuditEvent], now: DateTime<Utc>) -> Self {
        let mut events: Vec<&AuditEvent> = events.iter().filter(|e| e.at <= now).collect();
        events.sort_by_key(|e| (e.at, e.seq));
        Chronological { events }
    }

    fn iter(&self) -> impl Iterator<Item = &'a AuditEvent> + '_ {
        self.events.iter().copied()
    }

    /// The events in `(now - window, now]`.
    fn within_last(
        &self,
        window: TimeDelta,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a AuditEvent> + '_ {
        let since = now - window;
        self.iter().filter(move |e| e.at > since)
    }
}

type DetectorFn =
    fn(&Chronological<'_>, &DetectorConfig, DateTime<Utc>) -> Result<Vec<Anomaly>, DetectorError>;

const DETECTORS: [(Detector, DetectorFn); 5] = [
    (Detector::BruteForce, brute_force),
    (Detector::OffHoursAccess, off_hours_access),
    (Detector::PossibleExfiltration, possible_exfiltration),
    (Detector::DecryptFailures, decrypt_failures),
    (Detector::ManySourceIps, many_source_ips),
];

/// Runs every detector over `events` (in any order) as of `now`.
///
/// A detector that returns an error or panics becomes a [`DetectorFailure`]; the others still
/// run and their anomalies are kept.
pub fn run_detectors(
    events: &[AuditEvent],
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Detection {
    run_detector_list(&DETECTORS, events, config, now)
}

fn run_detector_list(
    detectors: &[(Detector, DetectorFn)],
    events: &[AuditEvent],
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Detection {
    let chronological = Chronological::up_to(events, now);
    let mut detection = Detection::default();
    for &(detector, run) in detectors {
        let outcome = catch_unwind(AssertUnwindSafe(|| run(&chronological, config, now)));
        match outcome {
            Ok(Ok(anomalies)) => detection.anomalies.extend(anomalies),
            Ok(Err(error)) => detection.failures.push(DetectorFailure {
                detector,
                message: error.to_string(),
            }),
            Err(panic) => detection.failures.push(DetectorFailure {
                detector,
                message: format!("the detector panicked: {}", panic_message(panic.as_ref())),
            }),
        }
    }
    detection
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "(no message)"
    }
}

// ---------------------------------------------------------------------------------------------
// Brute force

/// Failed logins (`LOGIN_FAILED` events) per actor and, separately, per source IP: an anomaly
/// for every burst of at least `brute_force_min_failures` within one sliding window.
///
/// The window is half-open: failures count together when the last is *less than*
/// `brute_force_window` after the first (60 min exactly apart are two windows). Overlapping
/// windows that each reach the threshold form one anomaly spanning them, whose `count` and
/// severity are those of its densest window. Every event in the slice up to `now` is read: the
/// caller chooses the span.
pub fn detect_brute_force(
    events: &[AuditEvent],
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    brute_force(&Chronological::up_to(events, now), config, now)
}

fn brute_force(
    events: &Chronological<'_>,
    config: &DetectorConfig,
    _now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    require_positive("brute_force_window", config.brute_force_window)?;
    require_nonzero("brute_force_min_failures", config.brute_force_min_failures)?;
    if config.brute_force_high_at < config.brute_force_min_failures
        || config.brute_force_critical_at < config.brute_force_high_at
    {
        return Err(DetectorError::InvalidConfig {
            field: "brute_force_high_at",
            reason: "must lie between brute_force_min_failures and brute_force_critical_at",
        });
    }
    let mut by_actor: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    let mut by_ip: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for event in events
        .iter()
        .filter(|e| e.event_type == EventType::LoginFailed)
    {
        by_actor.entry(&event.actor).or_default().push(event.at);
        if let Some(ip) = source_ip(event) {
            by_ip.entry(ip).or_default().push(event.at);
        }
    }
    let mut anomalies = Vec::new();
    for (actor, times) in by_actor {
        for burst in bursts(&times, config) {
            anomalies.push(burst.into_anomaly(Some(actor), None, config));
        }
    }
    for (ip, times) in by_ip {
        for burst in bursts(&times, config) {
            anomalies.push(burst.into_anomaly(None, Some(ip), config));
        }
    }
    Ok(anomalies)
}

/// A run of overlapping windows that each held enough failures.
struct Burst {
    first_at: DateTime<Utc>,
    last_at: DateTime<Utc>,
    densest_window: u64,
}

impl Burst {
    fn into_anomaly(
        self,
        actor: Option<&str>,
        ip: Option<&str>,
        config: &DetectorConfig,
    ) -> Anomaly {
        let who = match (actor, ip) {
            (Some(actor), _) => format!("by actor {actor}"),
            (None, Some(ip)) => format!("from address {ip}"),
            (None, None) => "from an unknown source".to_owned(),
        };
        Anomaly {
            detector: Detector::BruteForce,
            severity: brute_force_severity(self.densest_window, config),
            actor: actor.map(str::to_owned),
            ip: ip.map(str::to_owned),
            first_at: self.first_at,
            last_at: self.last_at,
            count: self.densest_window,
            message: format!(
                "{} failed logins {who} within {} min (threshold {})",
                self.densest_window,
                config.brute_force_window.num_minutes(),
                config.brute_force_min_failures
            ),
        }
    }
}

fn brute_force_severity(failures: u64, config: &DetectorConfig) -> Severity {
    if failures >= config.brute_force_critical_at {
        Severity::Critical
    } else if failures >= config.brute_force_high_at {
        Severity::High
    } else {
        Severity::Medium
    }
}

/// Two pointers over sorted instants: for each failure, the window that ends with it.
fn bursts(times: &[DateTime<Utc>], config: &DetectorConfig) -> Vec<Burst> {
    let mut bursts: Vec<Burst> = Vec::new();
    let mut start = 0;
    // Index of the last failure of the current burst, to tell overlapping windows apart.
    let mut current_end: Option<usize> = None;
    for (end, &at) in times.iter().enumerate() {
        while at - times[start] >= config.brute_force_window {
            start += 1;
        }
        let in_window = (end - start + 1) as u64;
        if in_window < config.brute_force_min_failures {
            continue;
        }
        match (current_end, bursts.last_mut()) {
            (Some(previous_end), Some(burst)) if start <= previous_end => {
                burst.last_at = at;
                burst.densest_window = burst.densest_window.max(in_window);
            }
            _ => bursts.push(Burst {
                first_at: times[start],
                last_at: at,
                densest_window: in_window,
            }),
        }
        current_end = Some(end);
    }
    bursts
}

// ---------------------------------------------------------------------------------------------
// Off-hours access

/// Actors whose sensitive accesses ([`EventType::is_sensitive_access`]) in the last
/// `off_hours_window` are more than `off_hours_ratio` outside business hours, once they made at
/// least `off_hours_min_accesses` of them.
///
/// Business hours are read in `time_zone` local time (an instant is converted, with the zone's
/// offset on that date): `business_start` inclusive to `business_end` exclusive, on
/// `business_days`. `count` is the number of off-hours accesses; `first_at` and `last_at` are
/// the first and last of them.
pub fn detect_off_hours_access(
    events: &[AuditEvent],
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    off_hours_access(&Chronological::up_to(events, now), config, now)
}

#[derive(Default)]
struct AccessTally {
    total: u64,
    off_hours: Vec<DateTime<Utc>>,
}

fn off_hours_access(
    events: &Chronological<'_>,
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    require_positive("off_hours_window", config.off_hours_window)?;
    if !(0.0..1.0).contains(&config.off_hours_ratio) {
        return Err(DetectorError::InvalidConfig {
            field: "off_hours_ratio",
            reason: "must be at least 0 and below 1",
        });
    }
    if config.business_start >= config.business_end {
        return Err(DetectorError::InvalidConfig {
            field: "business_end",
            reason: "must be after business_start",
        });
    }
    let mut by_actor: BTreeMap<&str, AccessTally> = BTreeMap::new();
    let sensitive = events
        .within_last(config.off_hours_window, now)
        .filter(|e| e.event_type.is_sensitive_access());
    for event in sensitive {
        let tally = by_actor.entry(&event.actor).or_default();
        tally.total += 1;
        if !is_business_time(event.at, config) {
            tally.off_hours.push(event.at);
        }
    }
    let mut anomalies = Vec::new();
    for (actor, tally) in by_actor {
        let off = tally.off_hours.len() as u64;
        let share = off as f64 / tally.total as f64;
        let (Some(&first_at), Some(&last_at)) = (tally.off_hours.first(), tally.off_hours.last())
        else {
            continue;
        };
        if tally.total < config.off_hours_min_accesses || share <= config.off_hours_ratio {
            continue;
        }
        anomalies.push(Anomaly {
            detector: Detector::OffHoursAccess,
            severity: Severity::Medium,
            actor: Some(actor.to_owned()),
            ip: None,
            first_at,
            last_at,
            count: off,
            message: format!(
                "actor {actor} made {off} of {} sensitive accesses outside business hours ({} to {} {}), more than {:.0} %",
                tally.total,
                config.business_start.format("%H:%M"),
                config.business_end.format("%H:%M"),
                config.time_zone.name(),
                config.off_hours_ratio * 100.0
            ),
        });
    }
    Ok(anomalies)
}

/// Whether `at` falls in business hours, read in the configured time zone.
fn is_business_time(at: DateTime<Utc>, config: &DetectorConfig) -> bool {
    use chrono::Datelike;
    let local = at.with_timezone(&config.time_zone);
    let time = local.time();
    config.business_days.contains(&local.weekday())
        && time >= config.business_start
        && time < config.business_end
}

// ---------------------------------------------------------------------------------------------
// Possible exfiltration

/// Actors who read, through successful sensitive accesses, more rows in the last
/// `exfiltration_window` than `exfiltration_q3_multiplier` times the third quartile of their
/// daily totals over the `exfiltration_history_days` before it, or more than
/// `exfiltration_absolute_rows` whatever their history.
///
/// Day `k` (1 to `exfiltration_history_days`) is `(now - (k + 1)·w, now - k·w]` with `w` the
/// window, so days are aligned on `now`, not on midnight. Days without activity count as zeros.
/// The third quartile is the **nearest-rank** 75th percentile: the values sorted ascending, the
/// one at 1-based rank ⌈0.75 · n⌉ (the 23rd of 30). An actor with no sensitive access in the
/// history, or idle on so many days that the third quartile is 0, has no baseline, and only the
/// absolute threshold applies (a zero baseline would flag a single row).
///
/// Above the absolute threshold the severity is critical; above the relative one only, high.
/// `count` is the rows read in the last window.
pub fn detect_possible_exfiltration(
    events: &[AuditEvent],
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    possible_exfiltration(&Chronological::up_to(events, now), config, now)
}

/// One actor's rows: `days[0]` is the last window, `days[k]` the k-th day before it.
struct RowHistory {
    days: Vec<u64>,
    active_in_history: bool,
    first_at: Option<DateTime<Utc>>,
    last_at: Option<DateTime<Utc>>,
}

fn possible_exfiltration(
    events: &Chronological<'_>,
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    let window = config.exfiltration_window;
    require_positive("exfiltration_window", window)?;
    if !config.exfiltration_q3_multiplier.is_finite() || config.exfiltration_q3_multiplier < 0.0 {
        return Err(DetectorError::InvalidConfig {
            field: "exfiltration_q3_multiplier",
            reason: "must be a finite, non-negative number",
        });
    }
    let history_days = usize::try_from(config.exfiltration_history_days).unwrap_or(usize::MAX);
    let periods = history_days.saturating_add(1);
    let lookback = i32::try_from(periods)
        .ok()
        .and_then(|n| window.checked_mul(n))
        .ok_or(DetectorError::InvalidConfig {
            field: "exfiltration_history_days",
            reason: "times exfiltration_window is too long a span",
        })?;
    let mut by_actor: BTreeMap<&str, RowHistory> = BTreeMap::new();
    let accesses = events
        .within_last(lookback, now)
        .filter(|e| e.event_type.is_sensitive_access() && e.status == Status::Success);
    for event in accesses {
        let day = days_before(now, event.at, window).min(periods - 1);
        let history = by_actor.entry(&event.actor).or_insert_with(|| RowHistory {
            days: vec![0; periods],
            active_in_history: false,
            first_at: None,
            last_at: None,
        });
        history.days[day] = history.days[day].saturating_add(rows_of(event));
        if day == 0 {
            history.first_at.get_or_insert(event.at);
            history.last_at = Some(event.at);
        } else {
            history.active_in_history = true;
        }
    }
    let mut anomalies = Vec::new();
    for (actor, history) in by_actor {
        if let Some(anomaly) = exfiltration_anomaly(actor, history, config) {
            anomalies.push(anomaly);
        }
    }
    Ok(anomalies)
}

/// Which day before `now` an instant in `(now - n·w, now]` belongs to (0 = the last window).
fn days_before(now: DateTime<Utc>, at: DateTime<Utc>, window: TimeDelta) -> usize {
    let age = (now - at).num_microseconds().unwrap_or(i64::MAX);
    let length = window.num_microseconds().unwrap_or(i64::MAX).max(1);
    // `at` is in (now - (k + 1)·w, now - k·w] exactly when age is in [k·w, (k + 1)·w).
    usize::try_from(age / length).unwrap_or(usize::MAX)
}

fn exfiltration_anomaly(
    actor: &str,
    history: RowHistory,
    config: &DetectorConfig,
) -> Option<Anomaly> {
    let (first_at, last_at) = (history.first_at?, history.last_at?);
    let rows = history.days[0];
    let baseline = if history.active_in_history {
        // A zero Q3 (an actor idle most days) gives no baseline: only the absolute threshold.
        third_quartile_nearest_rank(&history.days[1..]).filter(|&q3| q3 > 0)
    } else {
        None
    };
    let relative_limit = baseline.map(|q3| config.exfiltration_q3_multiplier * q3 as f64);
    let (severity, reason) = if rows > config.exfiltration_absolute_rows {
        (
            Severity::Critical,
            format!("more than {} rows", config.exfiltration_absolute_rows),
        )
    } else if let (Some(limit), Some(q3)) = (relative_limit, baseline) {
        if rows as f64 <= limit {
            return None;
        }
        (
            Severity::High,
            format!(
                "more than {} × the daily Q3 of {q3} rows",
                config.exfiltration_q3_multiplier
            ),
        )
    } else {
        return None;
    };
    Some(Anomaly {
        detector: Detector::PossibleExfiltration,
        severity,
        actor: Some(actor.to_owned()),
        ip: None,
        first_at,
        last_at,
        count: rows,
        message: format!(
            "actor {actor} read {rows} sensitive rows in {} h, {reason}",
            config.exfiltration_window.num_hours()
        ),
    })
}

/// The nearest-rank 75th percentile: sorted ascending, the value at 1-based rank ⌈0.75 · n⌉.
/// `None` for no values.
fn third_quartile_nearest_rank(values: &[u64]) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (sorted.len() * 3).div_ceil(4);
    sorted.get(rank.checked_sub(1)?).copied()
}

/// The rows an access returned: `detail.rows` when it is a non-negative integer, else 1.
fn rows_of(event: &AuditEvent) -> u64 {
    event
        .detail
        .get("rows")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(1)
}

// ---------------------------------------------------------------------------------------------
// Decrypt failures

/// Actors with more than `decrypt_failures_max` `DECRYPT_FAILED` events in the last
/// `decrypt_failures_window`. `count` is the number of failures.
pub fn detect_decrypt_failures(
    events: &[AuditEvent],
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    decrypt_failures(&Chronological::up_to(events, now), config, now)
}

fn decrypt_failures(
    events: &Chronological<'_>,
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    require_positive("decrypt_failures_window", config.decrypt_failures_window)?;
    let mut by_actor: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    let failures = events
        .within_last(config.decrypt_failures_window, now)
        .filter(|e| e.event_type == EventType::DecryptFailed);
    for event in failures {
        by_actor.entry(&event.actor).or_default().push(event.at);
    }
    let mut anomalies = Vec::new();
    for (actor, times) in by_actor {
        let count = times.len() as u64;
        let (Some(&first_at), Some(&last_at)) = (times.first(), times.last()) else {
            continue;
        };
        if count <= config.decrypt_failures_max {
            continue;
        }
        anomalies.push(Anomaly {
            detector: Detector::DecryptFailures,
            severity: Severity::Medium,
            actor: Some(actor.to_owned()),
            ip: None,
            first_at,
            last_at,
            count,
            message: format!(
                "actor {actor} hit {count} decrypt failures in {} h (more than {})",
                config.decrypt_failures_window.num_hours(),
                config.decrypt_failures_max
            ),
        });
    }
    Ok(anomalies)
}

// ---------------------------------------------------------------------------------------------
// Many source IPs

/// Actors seen from more than `source_ips_max` distinct `detail.ip` values (any event type) in
/// the last `source_ips_window`. `count` is the number of distinct addresses; `first_at` and
/// `last_at` bound the events that carried one.
pub fn detect_many_source_ips(
    events: &[AuditEvent],
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    many_source_ips(&Chronological::up_to(events, now), config, now)
}

#[derive(Default)]
struct AddressesSeen<'a> {
    addresses: BTreeSet<&'a str>,
    first_at: Option<DateTime<Utc>>,
    last_at: Option<DateTime<Utc>>,
}

fn many_source_ips(
    events: &Chronological<'_>,
    config: &DetectorConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>, DetectorError> {
    require_positive("source_ips_window", config.source_ips_window)?;
    let mut by_actor: BTreeMap<&str, AddressesSeen<'_>> = BTreeMap::new();
    for event in events.within_last(config.source_ips_window, now) {
        let Some(ip) = source_ip(event) else {
            continue;
        };
        let seen = by_actor.entry(&event.actor).or_default();
        seen.addresses.insert(ip);
        seen.first_at.get_or_insert(event.at);
        seen.last_at = Some(event.at);
    }
    let mut anomalies = Vec::new();
    for (actor, seen) in by_actor {
        let count = seen.addresses.len() as u64;
        let (Some(first_at), Some(last_at)) = (seen.first_at, seen.last_at) else {
            continue;
        };
        if count <= config.source_ips_max {
            continue;
        }
        anomalies.push(Anomaly {
            detector: Detector::ManySourceIps,
            severity: Severity::Medium,
            actor: Some(actor.to_owned()),
            ip: None,
            first_at,
            last_at,
            count,
            message: format!(
                "actor {actor} was seen from {count} addresses in {} h (more than {})",
                config.source_ips_window.num_hours(),
                config.source_ips_max
            ),
        });
    }
    Ok(anomalies)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// `detail.ip`, when the application recorded a non-empty string.
fn source_ip(event: &AuditEvent) -> Option<&str> {
    event
        .detail
        .get("ip")
        .and_then(serde_json::Value::as_str)
        .filter(|ip| !ip.is_empty())
}

fn require_positive(field: &'static str, window: TimeDelta) -> Result<(), DetectorError> {
    if window > TimeDelta::zero() {
        Ok(())
    } else {
        Err(DetectorError::InvalidConfig {
            field,
            reason: "must be a positive duration",
        })
    }
}

fn require_nonzero(field: &'static str, count: u64) -> Result<(), DetectorError> {
    if count > 0 {
        Ok(())
    } else {
        Err(DetectorError::InvalidConfig {
            field,
            reason: "must be at least 1",
        })
    }
}

fn serialize_rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Target;
    use uuid::Uuid;

    fn login_failed(at: DateTime<Utc>) -> AuditEvent {
        AuditEvent {
            seq: 1,
            event_id: Uuid::nil(),
            at,
            actor: "alice".to_owned(),
            event_type: EventType::LoginFailed,
            target: Target::none(),
            status: Status::Failed,
            key_id: None,
            detail: serde_json::json!({}),
            prev_hash: [0; 32],
            hash: [0; 32],
        }
    }

    fn panicking(
        _: &Chronological<'_>,
        _: &DetectorConfig,
        _: DateTime<Utc>,
    ) -> Result<Vec<Anomaly>, DetectorError> {
        panic!("index out of bounds in a detector")
    }

    fn panicking_with_a_string(
        _: &Chronological<'_>,
        _: &DetectorConfig,
        _: DateTime<Utc>,
    ) -> Result<Vec<Anomaly>, DetectorError> {
        panic!("{} went wrong", "something")
    }

    #[test]
    fn a_panicking_detector_becomes_a_failure_and_the_others_still_run() {
        let now = DateTime::from_timestamp(1_710_000_000, 0).unwrap_or_default();
        let events: Vec<AuditEvent> = (1..=5)
            .map(|i| login_failed(now - TimeDelta::minutes(i)))
            .collect();
        let list: [(Detector, DetectorFn); 3] = [
            (Detector::OffHoursAccess, panicking),
            (Detector::BruteForce, brute_force),
            (Detector::DecryptFailures, panicking_with_a_string),
        ];
        let detection = run_detector_list(&list, &events, &DetectorConfig::default(), now);
        assert_eq!(detection.anomalies.len(), 1);
        assert_eq!(detection.anomalies[0].detector, Detector::BruteForce);
        assert_eq!(
            detection.failures,
            [
                DetectorFailure {
                    detector: Detector::OffHoursAccess,
                    message: "the detector panicked: index out of bounds in a detector".to_owned(),
                },
                DetectorFailure {
                    detector: Detector::DecryptFailures,
                    message: "the detector panicked: something went wrong".to_owned(),
                },
            ]
        );
    }

    #[test]
    fn the_runner_runs_every_detector_once_in_order() {
        let detectors: Vec<Detector> = DETECTORS.iter().map(|(d, _)| *d).collect();
        assert_eq!(detectors, Detector::ALL);
    }

    #[test]
    fn third_quartile_is_the_nearest_rank() {
        assert_eq!(third_quartile_nearest_rank(&[]), None);
        assert_eq!(third_quartile_nearest_rank(&[7]), Some(7));
        // ⌈0.75 · 4⌉ = 3rd value.
        assert_eq!(third_quartile_nearest_rank(&[4, 1, 3, 2]), Some(3));
        // ⌈0.75 · 5⌉ = 4th value, where interpolation would give 4.0 of [1, 2, 3, 4, 5] too,
        // but ⌈0.75 · 6⌉ = 5th value (5) where interpolation gives 4.75.
        assert_eq!(third_quartile_nearest_rank(&[5, 4, 3, 2, 1]), Some(4));
        assert_eq!(third_quartile_nearest_rank(&[6, 5, 4, 3, 2, 1]), Some(5));
        let mut month = vec![0; 22];
        month.extend([10; 8]);
        assert_eq!(third_quartile_nearest_rank(&month), Some(10));
        month[29] = 0;
        assert_eq!(third_quartile_nearest_rank(&month), Some(0));
    }

    #[test]
    fn days_are_counted_back_from_now() {
        let now = DateTime::from_timestamp(1_710_000_000, 0).unwrap_or_default();
        let day = TimeDelta::hours(24);
        assert_eq!(days_before(now, now, day), 0);
        assert_eq!(
            days_before(now, now - day + TimeDelta::microseconds(1), day),
            0
        );
        assert_eq!(days_before(now, now - day, day), 1);
        assert_eq!(
            days_before(now, now - day * 30 - TimeDelta::hours(1), day),
            30
        );
    }

    #[test]
    fn rows_default_to_one() {
        let mut event = login_failed(DateTime::default());
        assert_eq!(rows_of(&event), 1);
        event.detail = serde_json::json!({ "rows": 250 });
        assert_eq!(rows_of(&event), 250);
        for malformed in [
            serde_json::json!(-3),
            serde_json::json!("9"),
            serde_json::json!(2.5),
        ] {
            event.detail = serde_json::json!({ "rows": malformed });
            assert_eq!(rows_of(&event), 1);
        }
    }
}
