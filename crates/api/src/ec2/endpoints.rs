//! (stub: filled in next)

use super::Result;
use crate::params::Params;
use crate::Call;

pub async fn associate_dhcp_options(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_dhcp_options(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_vpc_endpoint(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_dhcp_options(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_vpc_endpoints(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_dhcp_options(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_managed_prefix_lists(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_prefix_lists(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_vpc_endpoint_services(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_vpc_endpoints(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn get_managed_prefix_list_entries(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn modify_vpc_endpoint(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}
