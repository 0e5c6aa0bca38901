//! Time is stored as UTC milliseconds and shown in the community's time zone.

/// Offsets of the zones a community can choose, in minutes east of UTC. China has used one zone
/// without daylight saving since 1991, so a fixed offset is exact for Asia/Shanghai.
pub fn zone_offset_minutes(zone: &str) -> i64 {
    match zone {
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Hong_Kong" | "Asia/Taipei" | "Asia/Singapore" => 480,
        "Asia/Tokyo" => 540,
        "UTC" => 0,
        _ => 480,
    }
}

/// `2026-11-25 14:05`
pub fn format_local(ms: i64, zone: &str) -> String {
    let secs = ms.div_euclid(1000) + zone_offset_minutes(zone) * 60;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", rem / 3600, (rem % 3600) / 60)
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
