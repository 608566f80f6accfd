//! The process's memory: RSS for `/_tasknet/stats`.

/// (VmRSS, VmHWM) in bytes, from /proc/self/status; None where there is
/// no such file.
pub fn rss() -> (Option<u64>, Option<u64>) {
    let Ok(s) = std::fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    (status_kb(&s, "VmRSS:"), status_kb(&s, "VmHWM:"))
}

fn status_kb(status: &str, key: &str) -> Option<u64> {
    let v = status.lines().find_map(|l| l.strip_prefix(key))?;
    let kb: u64 = v.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let s = "Name:\ttasknet\nVmHWM:\t  541284 kB\nVmRSS:\t  135464 kB\n";
        assert_eq!(status_kb(s, "VmRSS:"), Some(135464 * 1024));
        assert_eq!(status_kb(s, "VmHWM:"), Some(541284 * 1024));
        assert_eq!(status_kb(s, "VmSwap:"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_own_rss() {
        let (rss, peak) = rss();
        assert!(rss.is_some_and(|r| r > 0));
        assert!(peak >= rss);
    }
}
