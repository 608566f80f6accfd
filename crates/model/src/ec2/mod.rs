//! The EC2 VPC model: one module per resource family, errors in `err`.

pub mod address;
pub mod cidr_reservation;
pub mod dhcp;
pub mod endpoint;
pub mod eni;
pub mod err;
pub mod gateway;
pub mod idempotency;
pub mod nacl;
pub mod peering;
pub mod prefix_list;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod tags;
pub mod types;
pub mod vpc;

use crate::error::Result;
use crate::filter::{self, Filter, Filterable};
use crate::table::{Record, Table};
use crate::world::Region;

/// The common Describe* shape: explicit ids must all exist (first missing is
/// the error), then filters narrow the set. Items come with their table
/// sequence numbers for pagination.
pub fn describe<'a, T: Record + Filterable>(
    table: &'a Table<T>,
    cx: &Region,
    ids: &[String],
    filters: &[Filter],
    kind: err::Kind,
) -> Result<Vec<(u64, &'a T)>> {
    filter::check_names::<T>(filters)?;
    for id in ids {
        err::check_id(kind, id)?;
    }
    for id in ids {
        if !table.contains(id) {
            return Err(err::not_found(kind, id));
        }
    }
    Ok(table
        .iter_seq()
        .filter(|(_, r)| ids.is_empty() || ids.iter().any(|i| i == r.id()))
        .filter(|(_, r)| filter::matches(*r, cx, filters))
        .collect())
}
