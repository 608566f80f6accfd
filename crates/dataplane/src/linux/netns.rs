//! Network namespaces: create, list, delete (with whatever still runs in
//! them), and run code inside one. Namespace entry is confined to
//! `run_in`, which does it on a dedicated OS thread (never on a tokio
//! worker: `setns` changes the calling thread for good).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Where `ip netns` keeps its namespaces.
const RUN_NETNS: &str = "/run/netns";
/// Per-namespace files `ip netns exec` binds over /etc (resolv.conf, hosts).
pub const ETC_NETNS: &str = "/etc/netns";

/// Who made each namespace: `/run/tasknet/owners/<netns>` holds the
/// instance (its data directory) and pid of the tasknet that made it, so
/// that two tasknets on one host never remove each other's namespaces.
const OWNERS: &str = "/run/tasknet/owners";

static INSTANCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Name this tasknet (its data directory); called once at start.
pub fn set_instance(id: &str) {
    let _ = INSTANCE.set(id.to_string());
}

fn instance() -> &'static str {
    INSTANCE.get().map(String::as_str).unwrap_or("")
}

/// Record that this tasknet owns namespace `name`.
pub fn claim(name: &str) {
    let _ = std::fs::create_dir_all(OWNERS);
    let _ = std::fs::write(
        Path::new(OWNERS).join(name),
        format!("{}\n{}\n", instance(), std::process::id()),
    );
}

/// Does another tasknet, still running, own namespace `name`?
pub fn owned_by_another(name: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(Path::new(OWNERS).join(name)) else {
        return false;
    };
    let mut lines = text.lines();
    let (owner, pid) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    if owner == instance() {
        return false;
    }
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    pid.parse::<i32>()
        .is_ok_and(|p| p > 0 && unsafe { libc::kill(p, 0) } == 0)
}

/// Namespaces whose name starts with `prefix`.
pub fn list(prefix: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(RUN_NETNS) else {
        return Vec::new();
    };
    let mut out: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix))
        .collect();
    out.sort();
    out
}

pub fn exists(name: &str) -> bool {
    Path::new(RUN_NETNS).join(name).exists()
}

/// Run `ip [-n ns] <args>`; the error carries ip's own message.
pub fn ip(ns: Option<&str>, args: &[&str]) -> Result<String, String> {
    let mut c = Command::new("ip");
    if let Some(n) = ns {
        c.args(["-n", n]);
    }
    let out = c
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "ip {}{}: {}",
            ns.map(|n| format!("-n {n} ")).unwrap_or_default(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Run many `ip` commands in one process (`ip -batch -`), in namespace `ns`.
pub fn ip_batch(ns: Option<&str>, lines: &[String]) -> Result<(), String> {
    batch(ns, &[], lines)
}

/// `ip_batch` with `ip -6` (the family of `route flush` and `rule`).
pub fn ip6_batch(ns: Option<&str>, lines: &[String]) -> Result<(), String> {
    batch(ns, &["-6"], lines)
}

fn batch(ns: Option<&str>, opts: &[&str], lines: &[String]) -> Result<(), String> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut c = Command::new("ip");
    if let Some(n) = ns {
        c.args(["-n", n]);
    }
    c.args(opts);
    let mut child = c
        .args(["-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    let text = lines.join("\n") + "\n";
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(text.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("ip -batch: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}-batch: {}",
            ns.map(|n| format!("-n {n} ")).unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Create a namespace; one that exists already is fine.
pub fn add(name: &str) -> Result<(), String> {
    claim(name);
    if exists(name) {
        return Ok(());
    }
    match ip(None, &["netns", "add", name]) {
        Ok(_) => Ok(()),
        Err(_) if exists(name) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Processes still running in a namespace (`tasknet exec` children).
pub fn pids(name: &str) -> Vec<i32> {
    ip(None, &["netns", "pids", name])
        .map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Delete a namespace, killing what runs in it first (a stopped task's
/// processes stop with it); one that is already gone is fine.
pub fn del(name: &str) -> Result<(), String> {
    for _ in 0..3 {
        let p = pids(name);
        if p.is_empty() {
            break;
        }
        for pid in p {
            // SAFETY: kill(2) with a pid read from the namespace's process list.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let r = if exists(name) {
        match ip(None, &["netns", "del", name]) {
            Err(e) if exists(name) => Err(e),
            _ => Ok(()),
        }
    } else {
        Ok(())
    };
    let _ = std::fs::remove_dir_all(Path::new(ETC_NETNS).join(name));
    if r.is_ok() {
        let _ = std::fs::remove_file(Path::new(OWNERS).join(name));
    }
    r
}

/// Run `f` inside namespace `name`, on a thread of its own that enters the
/// namespace once and ends with `f`.
pub fn run_in<R: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, String> {
    let path = Path::new(RUN_NETNS).join(name);
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = name.to_string();
    std::thread::Builder::new()
        .name(format!("netns {name}"))
        .spawn(move || {
            use std::os::fd::AsRawFd;
            // SAFETY: setns(2) on a namespace file we hold open; it changes
            // only this thread, which ends when `f` returns.
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            if rc != 0 {
                return Err(format!("setns {name}: {}", std::io::Error::last_os_error()));
            }
            Ok(f())
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?
        .join()
        .map_err(|_| "a namespace thread panicked".to_string())?
}

/// Write sysctls (`net/ipv4/ip_forward` = `1`) inside namespace `name`:
/// /proc/sys/net belongs to the writing thread's network namespace.
pub fn sysctls(name: &str, values: &[(&str, &str)]) -> Result<(), String> {
    let values: Vec<(String, String)> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    run_in(name, move || {
        for (k, v) in values {
            let p = format!("/proc/sys/{k}");
            std::fs::write(&p, &v).map_err(|e| format!("{p} = {v}: {e}"))?;
        }
        Ok(())
    })?
}

/// Write the files `ip netns exec` shows in the namespace's /etc.
pub fn write_etc(name: &str, files: &[(&str, String)]) -> Result<(), String> {
    let dir = Path::new(ETC_NETNS).join(name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (f, text) in files {
        let p = dir.join(f);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}
