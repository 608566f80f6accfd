//! The error every operation returns: an AWS error code, its message and the
//! HTTP status the wire uses. The api crate wraps it in the envelope of the
//! protocol that was called (EC2 query, awsJson1_1, awsQuery). The constructor
//! functions for each service live next to that service's model (for example
//! `ec2::err`) so that every text is written once.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: Cow<'static, str>,
    pub message: String,
    pub status: u16,
}

impl ApiError {
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            status: 400,
        }
    }
    /// The state cannot be written right now (a full or read-only disk):
    /// a retryable server error that changed nothing. Each protocol renders
    /// it with its own code (see the api crate's envelopes).
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(Self::UNAVAILABLE, message).with_status(503)
    }
    pub const UNAVAILABLE: &'static str = "ServiceUnavailable";
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    /// True for server faults (5xx), which awsQuery marks `Receiver`.
    pub fn is_server_fault(&self) -> bool {
        self.status >= 500
    }
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;
