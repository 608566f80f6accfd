//! (stub: filled in next)

use super::Result;
use crate::params::Params;
use crate::Call;

pub async fn associate_route_table(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_route(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_route_table(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_route(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_route_table(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_route_tables(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn disassociate_route_table(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn replace_route(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn replace_route_table_association(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}
