//! The world tasknet emulates, and its rules. Pure: no I/O, no clock, no async.
//! Every operation takes the current time from its caller and records what it
//! changed in `Table`s, so the control plane can commit exactly that.

pub mod cloud;
pub mod codec;
pub mod ec2;
pub mod ecs;
pub mod elb;
pub mod error;
pub mod filter;
pub mod iam;
pub mod ids;
pub mod ipam;
pub mod json_input;
pub mod net;
pub mod reach;
pub mod regions;
pub mod rules;
pub mod services;
pub mod table;
pub mod time;
pub mod undo;
pub mod world;

pub use error::{ApiError, Result};
pub use time::Millis;
pub use world::{Region, World};
