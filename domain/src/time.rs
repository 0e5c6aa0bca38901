//! Time is stored as UTC milliseconds and shown in the community's time zone. Lengths of time
//! are named `Duration`s; `ms` turns one into the milliseconds that rows and clocks use.

use crate::Error;
use std::time::Duration;

pub const MINUTE: Duration = Duration::from_secs(60);
pub const HOUR: Duration = Duration::from_secs(3600);
pub const DAY: Duration = Duration::from_secs(86_400);

/// How long an unpaid order keeps its stock, unless configured otherwise.
pub const DEFAULT_PAY_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long after shipping an order completes by itself, unless configured otherwise.
pub const DEFAULT_AUTO_COMPLETE: Duration = Duration::from_secs(7 * 86_400);
/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(30 * 86_400);

/// A duration in milliseconds (the unit of every stored time).
pub const fn ms(d: Duration) -> i64 {
    d.as_millis() as i64
}

/// The zone of a community that has not chosen one.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

/// The zones a community can choose, with their offsets in minutes east of UTC. None of them
/// observes daylight saving (China has used one zone without it since 1991), so a fixed offset
/// is exact.
pub const ZONES: [(&str, i64); 7] = [
    ("Asia/Shanghai", 480),
    ("Asia/Chongqing", 480),
    ("Asia/Hong_Kong", 480),
    ("Asia/Taipei", 480),
    ("Asia/Singapore", 480),
    ("Asia/Tokyo", 540),
    ("UTC", 0),
];

/// The offset of a zone the shop knows, or `None`.
pub fn known_zone(zone: &str) -> Option<i64> {
    ZONES.iter().find(|(z, _)| *z == zone).map(|(_, o)| *o)
}

/// A zone an owner chose: one of `ZONES`, else `BadTimeZone` (never a silent default).
pub fn parse_zone(input: &str) -> Result<&'static str, Error> {
    let input = input.trim();
    ZONES.iter().find(|(z, _)| *z == input).map(|(z, _)| *z).ok_or(Error::BadTimeZone)
}

/// The offset used to show times. Zones are checked when they are saved, and the store reads
/// an unknown stored zone as `DEFAULT_ZONE` (and logs it), so the fallback here only guards.
pub fn zone_offset_minutes(zone: &str) -> i64 {
    known_zone(zone).unwrap_or(480)
}

/// `2026-11-25 14:05`
pub fn format_local(ms: i64, zone: &str) -> String {
    let secs = ms.div_euclid(1000) + zone_offset_minutes(zone) * 60;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", rem / 3600, (rem % 3600) / 60)
}

/// `2026-12-01T20:00` (what a `datetime-local` field holds), for a form's initial value.
pub fn input_local(ms: i64, zone: &str) -> String {
    format_local(ms, zone).replacen(' ', "T", 1)
}

/// Reads `2026-12-01T20:00` or `2026-12-01 20:00` typed in `zone` as UTC milliseconds.
pub fn parse_local(s: &str, zone: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = s.split_once(['T', ' '])?;
    let mut d = date.split('-');
    let (y, m, day): (i64, i64, i64) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let mut t = time.split(':');
    let (h, min): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    if d.next().is_some() || !(2000..=2200).contains(&y) || !(1..=12).contains(&m) || !(0..24).contains(&h) {
        return None;
    }
    if !(0..60).contains(&min) || day < 1 || day > days_in_month(y, m) {
        return None;
    }
    let days = days_from_civil(y, m, day);
    Some(((days * 86_400 + h * 3600 + min * 60) - zone_offset_minutes(zone) * 60) * 1000)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-to-days algorithm, the inverse of `civil_from_days`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_zones_are_accepted() {
        assert_eq!(parse_zone(" Asia/Tokyo "), Ok("Asia/Tokyo"));
        assert_eq!(parse_zone("Europe/Atlantis"), Err(Error::BadTimeZone));
        assert_eq!(parse_zone(""), Err(Error::BadTimeZone));
        assert_eq!(known_zone("UTC"), Some(0));
        assert_eq!(known_zone("Mars/Olympus"), None);
    }

    #[test]
    fn local_times_round_trip() {
        let ms = parse_local("2026-12-01T20:00", "Asia/Shanghai").unwrap();
        assert_eq!(format_local(ms, "Asia/Shanghai"), "2026-12-01 20:00");
        assert_eq!(input_local(ms, "Asia/Shanghai"), "2026-12-01T20:00");
        assert_eq!(parse_local("2026-12-01 12:00", "UTC"), Some(ms));
        assert_eq!(
            parse_local("2028-02-29T00:00", "UTC").map(|m| format_local(m, "UTC")),
            Some("2028-02-29 00:00".into())
        );
        for bad in ["", "2026-02-30T10:00", "2026-13-01T10:00", "2026-12-01T24:00", "2026-12-01", "明天"] {
            assert_eq!(parse_local(bad, "UTC"), None, "{bad}");
        }
    }

    #[test]
    fn formats_in_the_community_zone() {
        // 2026-11-25T06:05:00Z
        let ms = 1_795_586_700_000;
        assert_eq!(format_local(ms, "UTC"), "2026-11-25 06:05");
        assert_eq!(format_local(ms, "Asia/Shanghai"), "2026-11-25 14:05");
        assert_eq!(format_local(0, "UTC"), "1970-01-01 00:00");
        // Crossing midnight and a leap day.
        assert_eq!(format_local(951_868_800_000 - 1, "UTC"), "2000-02-29 23:59");
    }
}
