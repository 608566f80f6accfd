//! The rules of `docs/rules.md` (N1…N73), one module per topic. Each rule is
//! a function whose doc comment names its spec id; the API, the reconciler,
//! `explain` and the data plane all ask these functions.

pub mod awsvpc;
pub mod dualstack;
pub mod ipv6_only;
pub mod platform;
