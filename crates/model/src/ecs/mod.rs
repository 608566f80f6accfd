//! ECS on Fargate: clusters, task definitions, tasks and their ENIs.
//! (Filled in by the ECS issue; the state container exists so the world can
//! persist and load it.)

use crate::table::Change;

#[derive(Default)]
pub struct EcsState {}

impl EcsState {
    pub(crate) fn drain_changes(&mut self, _out: &mut Vec<Change>) {}

    /// Load a persisted ECS record of `kind`, if it is one.
    pub(crate) fn try_load(&mut self, _kind: &str, _seq: u64, _body: &[u8], _region: &str) -> Option<Result<(), String>> {
        None
    }

    pub(crate) fn rebuild_derived(&mut self) {}
}
