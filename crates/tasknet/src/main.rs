//! `tasknet`: Amazon ECS on Fargate task networking on one machine.

mod admin;
mod exec;
mod explain;
mod serve;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "tasknet",
    version,
    about = "Amazon ECS on Fargate task networking, emulated on one machine"
)]
struct Cli {
    /// Log format: text for people, json for machines.
    #[arg(long, global = true, env = "TASKNET_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the AWS APIs (EC2, ECS, IAM, STS) over HTTP.
    Serve(ServeArgs),
    /// Explain what a task (or a planned task) can reach, hop by hop (N43).
    Explain(explain::ExplainArgs),
    /// Run a command inside a running task's network namespace (Linux data plane).
    Exec(exec::ExecArgs),
}

#[derive(clap::Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TASKNET_LISTEN", default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// Directory for the durable state (SQLite).
    #[arg(long, env = "TASKNET_DATA_DIR", default_value = "./tasknet-data")]
    pub data_dir: PathBuf,
    /// The emulated AWS account id.
    #[arg(long, env = "TASKNET_ACCOUNT_ID", default_value = "123456789012")]
    pub account_id: String,
    /// Region for requests that carry no SigV4 credential scope.
    #[arg(long, env = "TASKNET_REGION", default_value = "us-east-1")]
    pub region: String,
    /// Task lifecycle timing: `fast` (RUNNING in ~0.2 s) or `realistic`
    /// (tens of seconds, like Fargate).
    #[arg(long, env = "TASKNET_LIFECYCLE", default_value = "fast", value_parser = ["fast", "realistic"])]
    pub lifecycle: String,
    /// Override the PROVISIONING phase, in milliseconds.
    #[arg(long, env = "TASKNET_PROVISIONING_MS")]
    pub provisioning_ms: Option<i64>,
    /// Override the PENDING phase (image pull), in milliseconds.
    #[arg(long, env = "TASKNET_PENDING_MS")]
    pub pending_ms: Option<i64>,
    /// Override the ACTIVATING phase, in milliseconds.
    #[arg(long, env = "TASKNET_ACTIVATING_MS")]
    pub activating_ms: Option<i64>,
    /// Override the DEACTIVATING phase, in milliseconds.
    #[arg(long, env = "TASKNET_DEACTIVATING_MS")]
    pub deactivating_ms: Option<i64>,
    /// Override the STOPPING phase, in milliseconds.
    #[arg(long, env = "TASKNET_STOPPING_MS")]
    pub stopping_ms: Option<i64>,
    /// Override the DEPROVISIONING phase, in milliseconds.
    #[arg(long, env = "TASKNET_DEPROVISIONING_MS")]
    pub deprovisioning_ms: Option<i64>,
    /// How long stopped tasks stay describable, in seconds.
    #[arg(
        long,
        env = "TASKNET_STOPPED_TASK_RETENTION_SECS",
        default_value_t = 3600
    )]
    pub stopped_task_retention_secs: i64,
    /// Let tests inject faults into background jobs
    /// (`POST /_tasknet/faults`); never on in normal use.
    #[arg(long, env = "TASKNET_FAULT_INJECTION", hide = true)]
    pub fault_injection: bool,
    /// The data plane: `linux` gives every task a real network namespace
    /// (root, Linux, nftables); `none` runs the control plane alone; `auto`
    /// picks linux where it can run and says which it chose and why.
    #[arg(long, env = "TASKNET_DATAPLANE", default_value = "auto", value_parser = ["auto", "linux", "none"])]
    pub dataplane: String,
}

impl ServeArgs {
    pub fn lifecycle(&self) -> model::ecs::Lifecycle {
        let mut l = if self.lifecycle == "realistic" {
            model::ecs::Lifecycle::realistic()
        } else {
            model::ecs::Lifecycle::fast()
        };
        let set = |v: &mut i64, o: Option<i64>| {
            if let Some(x) = o {
                *v = x.max(0);
            }
        };
        set(&mut l.provisioning_ms, self.provisioning_ms);
        set(&mut l.pending_ms, self.pending_ms);
        set(&mut l.activating_ms, self.activating_ms);
        set(&mut l.deactivating_ms, self.deactivating_ms);
        set(&mut l.stopping_ms, self.stopping_ms);
        set(&mut l.deprovisioning_ms, self.deprovisioning_ms);
        l.retention_ms = self.stopped_task_retention_secs.max(0) * 1000;
        l
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TASKNET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Exec(args) => match exec::run(args) {
            // The command's own exit status is tasknet's.
            Ok(code) => return std::process::ExitCode::from(code.clamp(0, 255) as u8),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tasknet: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
