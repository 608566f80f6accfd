//! `tasknet`: Amazon ECS on Fargate task networking on one machine.

mod admin;
mod body;
mod conn;
mod console;
mod exec;
mod explain;
mod memory;
mod origin;
mod serve;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
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
    // Boxed: its many flags make it far larger than the other commands.
    Serve(Box<ServeArgs>),
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
    /// Largest request body accepted, in bytes; a larger one is answered 413
    /// (at once when its Content-Length says so, without reading it).
    #[arg(long, env = "TASKNET_MAX_BODY_BYTES", default_value_t = 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_bytes: u64,
    /// Request-body bytes held in memory at once, across all connections.
    /// A request that finds no room waits up to --body-budget-wait-secs,
    /// then is answered 503 (which SDKs retry). At least --max-body-bytes.
    #[arg(long, env = "TASKNET_BODY_BUDGET_BYTES", default_value_t = 32 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_budget_bytes: u64,
    /// How long a request waits for room in the body budget, in seconds.
    #[arg(long, env = "TASKNET_BODY_BUDGET_WAIT_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_budget_wait_secs: u64,
    /// Seconds a client has to send a request's headers, counted from its
    /// first byte (or from connecting, for a connection's first request).
    #[arg(long, env = "TASKNET_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a whole request body (408 after that).
    #[arg(long, env = "TASKNET_BODY_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout_secs: u64,
    /// Seconds an idle keep-alive connection is kept open between requests.
    #[arg(long, env = "TASKNET_IDLE_TIMEOUT_SECS", default_value_t = 75, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,
    /// Connections served at once; above it tasknet stops accepting until
    /// one closes (the kernel's backlog holds the rest).
    #[arg(long, env = "TASKNET_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Also accept requests from web pages of this origin
    /// (`http://localhost:3000`; `*` for any). Repeatable; the environment
    /// variable takes a comma-separated list. tasknet's own origin is always
    /// allowed.
    #[arg(
        long = "allow-origin",
        value_name = "ORIGIN",
        env = "TASKNET_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    pub allow_origins: Vec<String>,
    /// The data plane: `linux` gives every task a real network namespace
    /// (root, Linux, nftables); `none` runs the control plane alone; `auto`
    /// picks linux where it can run and says which it chose and why.
    #[arg(long, env = "TASKNET_DATAPLANE", default_value = "auto", value_parser = ["auto", "linux", "none"])]
    pub dataplane: String,
    /// Check every request's SigV4 signature (header or presigned URL):
    /// unsigned requests, unknown or inactive keys and wrong signatures are
    /// refused with each service's own error. Keys are those created with
    /// IAM CreateAccessKey and the --root-access-key-id.
    #[arg(long, env = "TASKNET_VERIFY_SIGNATURES")]
    pub verify_signatures: bool,
    /// An access key id of the default account's root user (with
    /// --root-secret-access-key), to create IAM users and keys with when
    /// signatures are verified.
    #[arg(
        long,
        env = "TASKNET_ROOT_ACCESS_KEY_ID",
        requires = "root_secret_access_key"
    )]
    pub root_access_key_id: Option<String>,
    /// The secret of --root-access-key-id.
    #[arg(
        long,
        env = "TASKNET_ROOT_SECRET_ACCESS_KEY",
        requires = "root_access_key_id",
        hide_env_values = true
    )]
    pub root_secret_access_key: Option<String>,
}

impl ServeArgs {
    pub fn auth(&self) -> api::AuthConfig {
        api::AuthConfig {
            verify_signatures: self.verify_signatures,
            root_key: self
                .root_access_key_id
                .clone()
                .zip(self.root_secret_access_key.clone())
                .map(|(access_key_id, secret_access_key)| api::RootKey {
                    access_key_id,
                    secret_access_key,
                }),
        }
    }

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
    // Colour only for a person at a terminal: a log file gets plain text.
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
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
        Command::Serve(args) => serve::run(*args),
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
