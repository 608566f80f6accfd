//! The `none` backend: no namespaces. Used where the data plane cannot run
//! (not root, not Linux, no nftables) or is not wanted; the control plane
//! then behaves exactly as without a data plane (no lifecycle gate).

use crate::{Applied, DataPlane, Desired};

pub struct NoDataPlane;

impl DataPlane for NoDataPlane {
    fn mode(&self) -> &'static str {
        "none"
    }
    /// Everything desired counts as up, so that the lifecycle never waits.
    fn apply(&self, desired: &Desired) -> Applied {
        Applied {
            up: desired.tasks.keys().cloned().collect(),
            ..Applied::default()
        }
    }
    fn clear(&self) {}
}
