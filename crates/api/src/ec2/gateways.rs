//! (stub: filled in next)

use super::Result;
use crate::params::Params;
use crate::Call;

pub async fn allocate_address(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn associate_address(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn attach_internet_gateway(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_egress_only_internet_gateway(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_internet_gateway(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_nat_gateway(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_egress_only_internet_gateway(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_internet_gateway(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_nat_gateway(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_addresses(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_egress_only_internet_gateways(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_internet_gateways(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_nat_gateways(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn detach_internet_gateway(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn disassociate_address(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn release_address(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}
