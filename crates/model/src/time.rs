//! Timestamps. The model never reads the clock: callers pass `now`.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Millis(pub i64);

impl Millis {
    pub fn plus_ms(self, ms: i64) -> Millis {
        Millis(self.0 + ms)
    }
    /// Epoch seconds with millisecond fraction, as awsJson timestamps are sent.
    pub fn epoch_secs(self) -> f64 {
        self.0 as f64 / 1000.0
    }
    /// ISO 8601 in UTC with milliseconds, as EC2 sends `createTime`: `2024-03-25T08:44:20.000Z`.
    pub fn iso8601(self) -> String {
        let secs = self.0.div_euclid(1000);
        let ms = self.0.rem_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )
    }
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn iso() {
        assert_eq!(Millis(0).iso8601(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Millis(1_711_356_260_123).iso8601(),
            "2024-03-25T08:44:20.123Z"
        );
        assert_eq!(
            Millis(951_782_400_000).iso8601(),
            "2000-02-29T00:00:00.000Z"
        );
    }
}
