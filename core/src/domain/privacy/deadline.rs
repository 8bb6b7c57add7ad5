//! When a data subject's request is due: the per-regime table, calendar and business days, and
//! the holiday calendar that business days skip.
//!
//! | regime | access | rectification | erasure |
//! |---|---|---|---|
//! | Ley 25.326 | 10 calendar days (art. 14.2, "diez días corridos") | 5 business days (art. 16.2, "cinco días hábiles") | 5 business days (art. 16.2) |
//! | GDPR | one month (art. 12(3)) | one month | one month |
//!
//! Counting starts the day after receipt: a request received on a Friday with 5 business days
//! is due the next Friday (with no holiday in between). A GDPR month ends on the same day of
//! the next month, or on that month's last day when it has no such day (Regulation 1182/71
//! art. 3(2)(c)); a GDPR period that ends on a Saturday, Sunday or holiday ends on the next
//! business day instead (art. 3(4)). Ley 25.326's calendar days do not move: the earlier date
//! is the safe one. Business days are Monday to Friday, except the calendar's holidays.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use chrono::{Datelike, Months, NaiveDate, TimeDelta, Weekday};

use super::{PrivacyError, Regime, RequestKind};

/// The years [`HolidayCalendar::argentina`] computes holidays for.
pub const ARGENTINA_YEARS: RangeInclusive<i32> = 1900..=2200;

/// The days a business-day count skips besides weekends: national holidays, as the shop
/// configures them (the store keeps them in a table; `Inventory::set_holidays`).
///
/// ```
/// use chrono::NaiveDate;
/// use inventario_core::domain::privacy::HolidayCalendar;
/// let calendar = HolidayCalendar::argentina(2025..=2025).unwrap();
/// let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
/// assert!(calendar.is_holiday(day(7, 9)));        // Independence Day
/// assert!(calendar.is_holiday(day(4, 18)));       // Good Friday
/// assert!(!calendar.is_business_day(day(3, 4)));  // Carnival Tuesday
/// assert!(calendar.is_business_day(day(3, 5)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    days: BTreeSet<NaiveDate>,
}

impl HolidayCalendar {
    /// The most holidays one calendar holds (a century of them, with room to spare): a bound
    /// on what a business-day count may have to skip.
    pub const MAX_DAYS: usize = 5_000;

    /// A calendar of exactly these holidays.
    pub fn new(days: impl IntoIterator<Item = NaiveDate>) -> HolidayCalendar {
        HolidayCalendar {
            days: days.into_iter().collect(),
        }
    }

    /// No holidays: business days are Monday to Friday.
    pub fn empty() -> HolidayCalendar {
        HolidayCalendar::default()
    }

    /// Argentina's national holidays of `years` that follow from a rule (Ley 27.399): the
    /// fixed ones (1 Jan, 24 Mar, 2 Apr, 1 May, 25 May, 20 Jun, 9 Jul, 8 Dec, 25 Dec) and the
    /// ones Easter fixes (Carnival Monday and Tuesday, Good Friday).
    ///
    /// Not included, because the executive sets them each year: the movable holidays (17 Jun,
    /// 17 Aug, 12 Oct, 20 Nov, on the day they are moved to) and the "días no laborables con
    /// fines turísticos". Add them from the official list with [`HolidayCalendar::with`].
    ///
    /// # Errors
    /// [`PrivacyError::InvalidYears`] unless `years` is a non-empty range inside
    /// [`ARGENTINA_YEARS`] (the rules are not meant for other centuries, and an unbounded
    /// range would never end).
    pub fn argentina(years: RangeInclusive<i32>) -> Result<HolidayCalendar, PrivacyError> {
        if years.is_empty()
            || !ARGENTINA_YEARS.contains(years.start())
            || !ARGENTINA_YEARS.contains(years.end())
        {
            return Err(PrivacyError::InvalidYears);
        }
        let mut days = BTreeSet::new();
        for year in years {
            for (month, day) in [
                (1, 1),
                (3, 24),
                (4, 2),
                (5, 1),
                (5, 25),
                (6, 20),
                (7, 9),
                (12, 8),
                (12, 25),
            ] {
                days.extend(NaiveDate::from_ymd_opt(year, month, day));
            }
            if let Some(easter) = easter_sunday(year) {
                for back in [48, 47, 2] {
                    days.extend(easter.checked_sub_signed(TimeDelta::days(back)));
                }
            }
        }
        Ok(HolidayCalendar { days })
    }

    /// This calendar with `days` added.
    pub fn with(mut self, days: impl IntoIterator<Item = NaiveDate>) -> HolidayCalendar {
        self.days.extend(days);
        self
    }

    /// Whether `day` is one of the calendar's holidays.
    pub fn is_holiday(&self, day: NaiveDate) -> bool {
        self.days.contains(&day)
    }

    /// Whether `day` is a business day: Monday to Friday and not a holiday.
    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_holiday(day)
    }

    /// The holidays, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.days.iter().copied()
    }

    /// How many holidays the calendar holds.
    pub fn len(&self) -> usize {
        self.days.len()
    }

    /// Whether the calendar holds no holiday.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// The first business day strictly after `day`.
    fn next_business_day(&self, day: NaiveDate) -> NaiveDate {
        let mut next = day;
        loop {
            match next.succ_opt() {
                // The end of chrono's calendar (year 262,142): nothing to count towards.
                None => return next,
                Some(d) => next = d,
            }
            if self.is_business_day(next) {
                return next;
            }
        }
    }

    /// `day` itself when it is a business day, else the next one.
    fn business_day_on_or_after(&self, day: NaiveDate) -> NaiveDate {
        if self.is_business_day(day) {
            day
        } else {
            self.next_business_day(day)
        }
    }
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian algorithm).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// How long a period is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// Calendar days ("días corridos"), counted from the day after receipt.
    CalendarDays(u32),
    /// Business days ("días hábiles"): Monday to Friday except holidays, counted from the day
    /// after receipt.
    BusinessDays(u32),
    /// Calendar months: the same day of the month, or the month's last day when it has none.
    Months(u32),
}

/// One row of the deadline table: the period, and whether a period that ends on a day that is
/// not a business day moves to the next business day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeadlineRule {
    /// How long.
    pub period: Period,
    /// Whether an end on a weekend or holiday moves to the next business day.
    pub roll_to_business_day: bool,
}

impl DeadlineRule {
    /// The last day of the period for a request received on `received`. Never before
    /// `received` (and after it for any period longer than zero).
    pub fn due(&self, received: NaiveDate, calendar: &HolidayCalendar) -> NaiveDate {
        let end = match self.period {
            Period::CalendarDays(n) => received
                .checked_add_signed(TimeDelta::days(i64::from(n)))
                .unwrap_or(NaiveDate::MAX),
            Period::BusinessDays(n) => {
                let mut day = received;
                for _ in 0..n {
                    day = calendar.next_business_day(day);
                }
                day
            }
            Period::Months(n) => received
                .checked_add_months(Months::new(n))
                .unwrap_or(NaiveDate::MAX),
        };
        if self.roll_to_business_day {
            calendar.business_day_on_or_after(end)
        } else {
            end
        }
    }
}

/// The deadline table: the rule of each request under each regime (see the module's table).
pub const DEADLINE_TABLE: [(Regime, RequestKind, DeadlineRule); 6] = [
    (
        Regime::Ley25326,
        RequestKind::Access,
        DeadlineRule {
            period: Period::CalendarDays(10),
            roll_to_business_day: false,
        },
    ),
    (
        Regime::Ley25326,
        RequestKind::Rectification,
        DeadlineRule {
            period: Period::BusinessDays(5),
            roll_to_business_day: false,
        },
    ),
    (
        Regime::Ley25326,
        RequestKind::Erasure,
        DeadlineRule {
            period: Period::BusinessDays(5),
            roll_to_business_day: false,
        },
    ),
    (
        Regime::Gdpr,
        RequestKind::Access,
        DeadlineRule {
            period: Period::Months(1),
            roll_to_business_day: true,
        },
    ),
    (
        Regime::Gdpr,
        RequestKind::Rectification,
        DeadlineRule {
            period: Period::Months(1),
            roll_to_business_day: true,
        },
    ),
    (
        Regime::Gdpr,
        RequestKind::Erasure,
        DeadlineRule {
            period: Period::Months(1),
            roll_to_business_day: true,
        },
    ),
];

impl DeadlineRule {
    /// The rule of `kind` under `regime`, from [`DEADLINE_TABLE`].
    pub fn of(regime: Regime, kind: RequestKind) -> DeadlineRule {
        DEADLINE_TABLE
            .iter()
            .find(|(r, k, _)| *r == regime && *k == kind)
            .map(|(_, _, rule)| *rule)
            // The table has a row for every pair (a test checks it).
            .unwrap_or(DeadlineRule {
                period: Period::CalendarDays(0),
                roll_to_business_day: false,
            })
    }
}

/// The day a request of `kind` under `regime`, received on `received`, is due.
///
/// ```
/// use chrono::NaiveDate;
/// use inventario_core::domain::privacy::{due_date, HolidayCalendar, Regime, RequestKind};
/// let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
/// let none = HolidayCalendar::empty();
/// // Received on Friday 4 July 2025: 5 business days later is Friday 11 July...
/// assert_eq!(due_date(Regime::Ley25326, RequestKind::Erasure, day(7, 4), &none), day(7, 11));
/// // ...or Monday 14 July when Wednesday 9 July is a holiday.
/// let ar = HolidayCalendar::argentina(2025..=2025).unwrap();
/// assert_eq!(due_date(Regime::Ley25326, RequestKind::Erasure, day(7, 4), &ar), day(7, 14));
/// // Access: 10 calendar days. GDPR: one month.
/// assert_eq!(due_date(Regime::Ley25326, RequestKind::Access, day(7, 4), &ar), day(7, 14));
/// assert_eq!(due_date(Regime::Gdpr, RequestKind::Access, day(1, 31), &none), day(2, 28));
/// ```
pub fn due_date(
    regime: Regime,
    kind: RequestKind,
    received: NaiveDate,
    calendar: &HolidayCalendar,
) -> NaiveDate {
    DeadlineRule::of(regime, kind).due(received, calendar)
}

/// Calendar days from `today` to `due`: 0 on the last day, negative once overdue.
///
/// ```
/// use chrono::NaiveDate;
/// use inventario_core::domain::privacy::days_left;
/// let day = |d| NaiveDate::from_ymd_opt(2025, 7, d).unwrap();
/// assert_eq!(days_left(day(11), day(8)), 3);
/// assert_eq!(days_left(day(11), day(11)), 0);
/// assert_eq!(days_left(day(11), day(14)), -3);
/// ```
pub fn days_left(due: NaiveDate, today: NaiveDate) -> i64 {
    (due - today).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_regime_and_kind_has_a_rule() {
        for regime in [Regime::Ley25326, Regime::Gdpr] {
            for kind in [
                RequestKind::Access,
                RequestKind::Rectification,
                RequestKind::Erasure,
            ] {
                let rows = DEADLINE_TABLE
                    .iter()
                    .filter(|(r, k, _)| *r == regime && *k == kind)
                    .count();
                assert_eq!(rows, 1, "{regime} {kind}");
            }
        }
    }

    #[test]
    fn easter_is_right_for_known_years() {
        assert_eq!(easter_sunday(2024), Some(day(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(day(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(day(2026, 4, 5)));
        assert_eq!(easter_sunday(2000), Some(day(2000, 4, 23)));
        assert_eq!(easter_sunday(2038), Some(day(2038, 4, 25)));
    }

    #[test]
    fn holidays_are_computed_only_for_supported_years() {
        let (first, last) = (2026, 2025);
        for years in [1899..=1900, 2200..=2201, first..=last, i32::MIN..=i32::MAX] {
            assert_eq!(
                HolidayCalendar::argentina(years.clone()),
                Err(PrivacyError::InvalidYears),
                "{years:?}"
            );
        }
        assert!(HolidayCalendar::argentina(ARGENTINA_YEARS).is_ok());
    }

    #[test]
    fn argentina_calendar_has_the_rule_based_holidays() {
        let cal = HolidayCalendar::argentina(2024..=2024).unwrap();
        assert_eq!(cal.len(), 12);
        // Carnival 2024 was 12 and 13 February; Good Friday 29 March.
        for d in [day(2024, 2, 12), day(2024, 2, 13), day(2024, 3, 29)] {
            assert!(cal.is_holiday(d), "{d}");
        }
        assert!(
            !cal.is_holiday(day(2024, 8, 17)),
            "movable holidays are configured"
        );
    }

    #[test]
    fn ley_25326_access_is_ten_calendar_days_even_across_weekends_and_holidays() {
        let ar = HolidayCalendar::argentina(2025..=2025).unwrap();
        let rule = DeadlineRule::of(Regime::Ley25326, RequestKind::Access);
        // Received on a Saturday; the 10th day is a Tuesday.
        assert_eq!(rule.due(day(2025, 3, 1), &ar), day(2025, 3, 11));
        // The 10th day is a Sunday: it does not move.
        assert_eq!(rule.due(day(2025, 3, 6), &ar), day(2025, 3, 16));
        // The 10th day is a holiday (9 July): it does not move either.
        assert_eq!(rule.due(day(2025, 6, 29), &ar), day(2025, 7, 9));
    }

    #[test]
    fn business_days_skip_weekends() {
        let none = HolidayCalendar::empty();
        let rule = DeadlineRule::of(Regime::Ley25326, RequestKind::Rectification);
        // Monday → Monday; Friday → Friday; Saturday and Sunday → the Friday after.
        assert_eq!(rule.due(day(2025, 7, 7), &none), day(2025, 7, 14));
        assert_eq!(rule.due(day(2025, 7, 11), &none), day(2025, 7, 18));
        assert_eq!(rule.due(day(2025, 7, 12), &none), day(2025, 7, 18));
        assert_eq!(rule.due(day(2025, 7, 13), &none), day(2025, 7, 18));
        // Wednesday → Wednesday of the next week.
        assert_eq!(rule.due(day(2025, 7, 2), &none), day(2025, 7, 9));
    }

    #[test]
    fn business_days_skip_the_configured_holidays() {
        let rule = DeadlineRule::of(Regime::Ley25326, RequestKind::Erasure);
        // Wednesday 2 July 2025 → Wednesday 9 July without holidays...
        assert_eq!(
            rule.due(day(2025, 7, 2), &HolidayCalendar::empty()),
            day(2025, 7, 9)
        );
        // ...Thursday 10 July with Independence Day...
        let ar = HolidayCalendar::argentina(2025..=2025).unwrap();
        assert_eq!(rule.due(day(2025, 7, 2), &ar), day(2025, 7, 10));
        // ...and Friday 11 July when the shop adds a bridge day on the 10th.
        let bridged = ar.clone().with([day(2025, 7, 10)]);
        assert_eq!(rule.due(day(2025, 7, 2), &bridged), day(2025, 7, 11));
        // Christmas week: received Friday 19 Dec 2025, 25 Dec skipped.
        assert_eq!(rule.due(day(2025, 12, 19), &ar), day(2025, 12, 29));
    }

    #[test]
    fn a_gdpr_month_clamps_to_the_month_end_and_rolls_to_a_business_day() {
        let none = HolidayCalendar::empty();
        let rule = DeadlineRule::of(Regime::Gdpr, RequestKind::Erasure);
        // 5 March 2025 → Saturday 5 April → Monday 7 April.
        assert_eq!(rule.due(day(2025, 3, 5), &none), day(2025, 4, 7));
        // 31 January 2025 → 28 February (a Friday).
        assert_eq!(rule.due(day(2025, 1, 31), &none), day(2025, 2, 28));
        // 31 January 2024 (leap year) → Thursday 29 February.
        assert_eq!(rule.due(day(2024, 1, 31), &none), day(2024, 2, 29));
        // 15 April 2025 → Thursday 15 May; 25 April → Sunday 25 May → Monday 26 May, and
        // Tuesday 27 May if the 26th were a holiday.
        assert_eq!(rule.due(day(2025, 4, 15), &none), day(2025, 5, 15));
        assert_eq!(rule.due(day(2025, 4, 25), &none), day(2025, 5, 26));
        let cal = HolidayCalendar::new([day(2025, 5, 26)]);
        assert_eq!(rule.due(day(2025, 4, 25), &cal), day(2025, 5, 27));
    }

    #[test]
    fn days_left_is_negative_when_overdue() {
        assert_eq!(days_left(day(2025, 7, 11), day(2025, 7, 1)), 10);
        assert_eq!(days_left(day(2025, 7, 11), day(2025, 7, 12)), -1);
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (1990i32..2100, 1u32..=366).prop_map(|(y, d)| {
            NaiveDate::from_yo_opt(y, d).unwrap_or_else(|| NaiveDate::from_yo_opt(y, 365).unwrap())
        })
    }

    fn any_calendar() -> impl Strategy<Value = HolidayCalendar> {
        prop::collection::vec(any_day(), 0..40).prop_map(HolidayCalendar::new)
    }

    fn any_rule() -> impl Strategy<Value = DeadlineRule> {
        (
            prop_oneof![
                (0u32..40).prop_map(Period::CalendarDays),
                (0u32..40).prop_map(Period::BusinessDays),
                (0u32..14).prop_map(Period::Months),
            ],
            any::<bool>(),
        )
            .prop_map(|(period, roll)| DeadlineRule {
                period,
                roll_to_business_day: roll,
            })
    }

    proptest! {
        #[test]
        fn a_deadline_is_never_before_receipt(
            received in any_day(),
            rule in any_rule(),
            calendar in any_calendar(),
        ) {
            let due = rule.due(received, &calendar);
            prop_assert!(due >= received);
            let positive = match rule.period {
                Period::CalendarDays(n) | Period::BusinessDays(n) | Period::Months(n) => n > 0,
            };
            if positive {
                prop_assert!(due > received);
            }
        }

        #[test]
        fn business_days_count_exactly_n_business_days(
            received in any_day(),
            n in 0u32..30,
            calendar in any_calendar(),
        ) {
            let rule = DeadlineRule { period: Period::BusinessDays(n), roll_to_business_day: false };
            let due = rule.due(received, &calendar);
            let counted = received
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= due)
                .filter(|d| calendar.is_business_day(*d))
                .count();
            prop_assert_eq!(counted, n as usize);
            if n > 0 {
                prop_assert!(calendar.is_business_day(due));
            }
        }

        #[test]
        fn a_rolled_deadline_is_a_business_day(
            received in any_day(),
            rule in any_rule(),
            calendar in any_calendar(),
        ) {
            let rolled = DeadlineRule { roll_to_business_day: true, ..rule };
            let due = rolled.due(received, &calendar);
            prop_assert!(calendar.is_business_day(due));
            let plain = DeadlineRule { roll_to_business_day: false, ..rule }.due(received, &calendar);
            prop_assert!(due >= plain);
            // It moves only past days that are not business days.
            prop_assert!(plain.iter_days().take_while(|d| *d < due).all(|d| !calendar.is_business_day(d)));
        }

        #[test]
        fn later_receipt_never_means_an_earlier_deadline(
            received in any_day(),
            later_by in 0i64..60,
            regime in prop_oneof![Just(Regime::Ley25326), Just(Regime::Gdpr)],
            kind in prop_oneof![Just(RequestKind::Access), Just(RequestKind::Rectification), Just(RequestKind::Erasure)],
            calendar in any_calendar(),
        ) {
            let later = received + TimeDelta::days(later_by);
            prop_assert!(due_date(regime, kind, later, &calendar) >= due_date(regime, kind, received, &calendar));
        }
    }
}
