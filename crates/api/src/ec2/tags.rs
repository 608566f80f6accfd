//! (stub: filled in next)

use super::Result;
use crate::params::Params;
use crate::Call;

pub async fn create_tags(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_tags(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_tags(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}
