//! `tasknet exec`: run a host command inside a task's namespace, with the
//! task's /etc view (resolv.conf, hosts) bound over /etc as `ip netns exec`
//! does, passing stdin, stdout, stderr and the exit status through.

use std::process::Command;

/// Run `argv` in namespace `netns` with `env` added; the exit code (128 +
/// the signal number when killed by a signal, as shells report it).
pub fn exec(netns: &str, env: &[(String, String)], argv: &[String]) -> Result<i32, String> {
    if argv.is_empty() {
        return Err("no command given".into());
    }
    let status = Command::new("ip")
        .args(["netns", "exec", netns])
        .args(argv)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .status()
        .map_err(|e| format!("cannot run ip netns exec: {e}"))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(s)) => 128 + s,
        _ => 1,
    })
}
