//! (stub: filled in next)

use super::Result;
use crate::params::Params;
use crate::Call;

pub async fn authorize_egress(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn authorize_ingress(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_network_acl(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_network_acl_entry(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn create_security_group(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_network_acl(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_network_acl_entry(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn delete_security_group(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_network_acls(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_security_group_rules(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn describe_security_groups(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn replace_network_acl_association(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn replace_network_acl_entry(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn revoke_egress(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}

pub async fn revoke_ingress(_call: &Call<'_>, _p: &Params) -> Result {
    Err(model::ApiError::new("UnsupportedOperation", "not yet implemented"))
}
