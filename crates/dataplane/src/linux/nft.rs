//! Loading a fabric's nftables table (`firewall::ruleset`) atomically: one
//! `nft -f -` transaction creates the table if missing, deletes it and
//! defines it anew, so packets see the old rules or the new, never a mix.
//! Tracked connections survive (conntrack is not part of the table), as
//! they do on AWS when a rule changes.

use super::netns;
use std::io::Write;
use std::process::{Command, Stdio};

pub fn load(fabric: &str, table: &str) -> Result<(), String> {
    let text = format!("table inet vpc\ndelete table inet vpc\n{table}");
    netns::run_in(fabric, move || {
        // The child inherits this thread's network namespace.
        let mut child = Command::new("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run nft: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        let out = child.wait_with_output().map_err(|e| format!("nft: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "nft: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    })?
}
