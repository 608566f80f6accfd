//! The AWS wire. A request is routed by `X-Amz-Target` (awsJson1_1, ECS) or by
//! its `Action`/`Version` form fields (EC2 query; awsQuery for IAM and STS),
//! with the service and Region taken from the SigV4 credential scope when the
//! request is signed. Operations call the model through the control plane;
//! nothing here decides behaviour beyond decoding and encoding.

pub mod ec2;
pub mod ecs;
pub mod ecs_task;
pub mod elbv2;
pub mod envelope;
pub mod params;
pub mod protocol;
pub mod query;
pub mod route;
pub mod sigv4;
pub mod xml;

use control::Control;
use std::sync::Arc;

/// An HTTP request, independent of the server library.
#[derive(Debug, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub request_id: String,
    /// Extra headers (name, value).
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// What every handler gets: the control plane and the request's identity.
pub struct Call<'a> {
    pub control: &'a Control,
    /// The account the request acts in.
    pub account: String,
    /// The caller's ARN (the account root unless an IAM user's key signed).
    pub principal: String,
    /// The IAM user whose access key signed the request; `None`: the root.
    pub user: Option<CallerUser>,
    pub region: String,
    pub request_id: String,
}

/// An IAM user making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerUser {
    pub name: String,
    /// `AIDA…`
    pub id: String,
}

impl Call<'_> {
    /// A mutating operation in the caller's account, all or nothing.
    pub async fn write<R>(
        &self,
        f: impl FnOnce(&mut model::World, model::Millis) -> Result<R, model::ApiError>,
    ) -> Result<R, model::ApiError> {
        self.control.write(&self.account, f).await
    }

    /// A read in the caller's account.
    pub async fn read<R>(&self, f: impl FnOnce(&model::World) -> R) -> Result<R, model::ApiError> {
        self.control.read(&self.account, f).await
    }
}

pub struct Api {
    pub control: Arc<Control>,
    pub auth: AuthConfig,
}

/// How requests are authenticated (`tasknet serve --verify-signatures`,
/// `--root-access-key-id`, `--root-secret-access-key`). Off by default:
/// any credentials are accepted.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    /// Check every request's SigV4 signature; refuse unsigned requests and
    /// keys tasknet does not know.
    pub verify_signatures: bool,
    /// A root access key of the default account, known from the start, so
    /// that IAM users and their keys can be created when verifying.
    pub root_key: Option<RootKey>,
}

#[derive(Clone)]
pub struct RootKey {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for RootKey {
    // Never the secret, should a config end up in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RootKey({})", self.access_key_id)
    }
}

impl AuthConfig {
    /// Check the flags' combination; warn where it is legal but limiting.
    pub fn check(&self) -> Result<(), String> {
        if let Some(k) = &self.root_key {
            if k.access_key_id.is_empty() || k.secret_access_key.is_empty() {
                return Err(
                    "--root-access-key-id and --root-secret-access-key must not be empty".into(),
                );
            }
        }
        if self.verify_signatures && self.root_key.is_none() {
            tracing::warn!("--verify-signatures without --root-access-key-id: only access keys created earlier with CreateAccessKey can sign requests");
        }
        Ok(())
    }
}

thread_local! {
    static RNG: std::cell::RefCell<fastrand::Rng> = std::cell::RefCell::new(fastrand::Rng::new());
}

/// A fresh request id (UUID v4).
pub fn request_id() -> String {
    RNG.with(|r| model::ids::uuid(&mut r.borrow_mut()))
}

impl Api {
    /// An `Api` accepting any credentials (no signature checks).
    pub fn new(control: Arc<Control>) -> Self {
        Api::with_auth(control, AuthConfig::default())
    }

    pub fn with_auth(control: Arc<Control>, auth: AuthConfig) -> Self {
        Api { control, auth }
    }

    pub async fn handle(&self, req: Request) -> Response {
        route::dispatch(&self.control, &self.auth, req).await
    }
}
