//! Local days in the appliance's time zone (top-level `timezone` in the
//! config, default the system's): daily quotas and the daily restart cap
//! reset at local midnight, as players expect, not at 00:00 UTC.

use super::Timestamp;

/// The appliance's time zone.
#[derive(Clone, Debug)]
pub struct Zone {
    tz: jiff::tz::TimeZone,
}

impl Zone {
    /// The zone named `name` (IANA, e.g. "Europe/Paris"), or the system's
    /// when `None` (UTC if the system has none configured).
    pub fn new(name: Option<&str>) -> Result<Zone, String> {
        let tz = match name {
            Some(name) => jiff::tz::TimeZone::get(name).map_err(|e| {
                format!("unknown time zone `{name}` (an IANA name like \"Europe/Paris\"; is tzdata installed?): {e}")
            })?,
            None => jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC),
        };
        Ok(Zone { tz })
    }

    pub fn utc() -> Zone {
        Zone {
            tz: jiff::tz::TimeZone::UTC,
        }
    }

    /// The zone itself, for rendering dates and finding local times.
    pub fn tz(&self) -> &jiff::tz::TimeZone {
        &self.tz
    }

    /// The zone's name, for logs.
    pub fn name(&self) -> &str {
        self.tz.iana_name().unwrap_or("the system's local time")
    }

    /// Seconds east of UTC at `at`.
    pub fn offset_secs(&self, at: Timestamp) -> i32 {
        match jiff::Timestamp::from_millisecond(at.as_millis_i64()) {
            Ok(ts) => self.tz.to_offset(ts).seconds(),
            Err(_) => 0,
        }
    }

    /// The local day number of `at` (days since 1970-01-01, local).
    pub fn day(&self, at: Timestamp) -> u32 {
        const DAY_MS: i64 = 86_400_000;
        let local = at
            .as_millis_i64()
            .saturating_add(i64::from(self.offset_secs(at)) * 1000);
        u32::try_from(local.div_euclid(DAY_MS).max(0)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_midnight_is_not_utc_midnight() {
        // 2026-11-20 23:30 UTC is already the 21st in Paris (UTC+1).
        let at = Timestamp(1_795_217_400_000);
        let utc = Zone::utc().day(at);
        let paris = Zone::new(Some("Europe/Paris")).unwrap().day(at);
        assert_eq!(paris, utc + 1);
    }

    #[test]
    fn unknown_zone_is_a_clear_error() {
        let err = Zone::new(Some("Europe/Atlantis")).unwrap_err();
        assert!(err.contains("Europe/Atlantis"), "{err}");
    }
}
