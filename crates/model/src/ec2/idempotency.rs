//! EC2 client tokens: a create retried with the same `ClientToken` and the
//! same parameters answers with the resource the first request made; the same
//! token with other parameters is `IdempotentParameterMismatch`. The token,
//! the resource it made and a fingerprint of the request's parameters are a
//! record of their own, so they survive a restart.

use super::err;
use crate::error::Result;
use crate::table::Record;
use crate::time::Millis;
use crate::world::Region;
use serde::{Deserialize, Serialize};

/// One client token of one action.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientToken {
    /// `<Action>/<token>`: tokens are scoped by action.
    pub key: String,
    pub region: String,
    pub resource_id: String,
    /// A digest of every parameter of the first request but the token itself.
    pub fingerprint: String,
    pub created: Millis,
}

impl crate::codec::Versioned for ClientToken {}
impl Record for ClientToken {
    const KIND: &'static str = "ec2-client-token";
    fn id(&self) -> &str {
        &self.key
    }
    fn region(&self) -> &str {
        &self.region
    }
}

fn key(action: &str, token: &str) -> String {
    format!("{action}/{token}")
}

impl Region {
    /// The resource an earlier request with this token made, if it still
    /// `exists`; `IdempotentParameterMismatch` when that request had other
    /// parameters. A token whose resource is gone is forgotten (tasknet's
    /// choice: the retry creates anew).
    pub fn replay_token(
        &self,
        action: &str,
        token: &str,
        fingerprint: &str,
        exists: impl Fn(&Region, &str) -> bool,
    ) -> Result<Option<String>> {
        let Some(t) = self.client_tokens.get(&key(action, token)) else {
            return Ok(None);
        };
        if !exists(self, &t.resource_id) {
            return Ok(None);
        }
        if t.fingerprint != fingerprint {
            return Err(err::idempotent_mismatch());
        }
        Ok(Some(t.resource_id.clone()))
    }

    /// Remember that `token` made `resource_id`.
    pub fn remember_token(
        &mut self,
        action: &str,
        token: &str,
        fingerprint: &str,
        resource_id: &str,
        now: Millis,
    ) {
        self.client_tokens.insert(ClientToken {
            key: key(action, token),
            region: self.info.name.to_string(),
            resource_id: resource_id.to_string(),
            fingerprint: fingerprint.to_string(),
            created: now,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::world::World;

    #[test]
    fn same_token_same_parameters_replays_other_parameters_mismatch() {
        let mut w = World::new("123456789012", 1, crate::Millis(0));
        let r = w.region_mut("us-east-1").unwrap();
        let vpc = r.vpcs.iter().next().unwrap().id.clone();
        let exists = |r: &crate::Region, id: &str| r.route_tables.contains(id);
        assert_eq!(
            r.replay_token("CreateRouteTable", "t1", "a", exists)
                .unwrap(),
            None
        );
        let rt = r.create_route_table(&vpc, Vec::new()).unwrap();
        r.remember_token("CreateRouteTable", "t1", "a", &rt, crate::Millis(1));
        assert_eq!(
            r.replay_token("CreateRouteTable", "t1", "a", exists)
                .unwrap(),
            Some(rt.clone())
        );
        let e = r
            .replay_token("CreateRouteTable", "t1", "b", exists)
            .unwrap_err();
        assert_eq!(e.code, "IdempotentParameterMismatch");
        // Another action's token space.
        assert_eq!(
            r.replay_token("CreateNetworkAcl", "t1", "b", exists)
                .unwrap(),
            None
        );
        // Once the resource is gone the token is free again.
        r.delete_route_table(&rt).unwrap();
        assert_eq!(
            r.replay_token("CreateRouteTable", "t1", "b", exists)
                .unwrap(),
            None
        );
    }
}
