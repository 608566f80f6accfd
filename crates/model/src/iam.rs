//! IAM roles and service-linked roles (enough for the ECS service-linked role rule, N8).

use crate::error::{ApiError, Result};
use crate::ids;
use crate::table::Record;
use crate::time::Millis;
use crate::world::World;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub role_id: String,
    pub path: String,
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub created: Millis,
    pub tags: Vec<(String, String)>,
    /// The service principal of a service-linked role.
    pub service_linked: Option<String>,
}

impl crate::codec::Versioned for Role {}

impl Record for Role {
    const KIND: &'static str = "role";
    fn id(&self) -> &str {
        &self.name
    }
    fn region(&self) -> &str {
        ""
    }
}

impl Role {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:role{}{}", self.path, self.name)
    }
}

/// The name of the ECS service-linked role (N8).
pub const ECS_SLR: &str = "AWSServiceRoleForECS";

fn no_such_role(name: &str) -> ApiError {
    ApiError::new(
        "NoSuchEntity",
        format!("The role with name {name} cannot be found."),
    )
    .with_status(404)
}

/// The role name AWS gives a service's service-linked role.
fn slr_name(service: &str) -> Result<&'static str> {
    Ok(match service {
        "ecs.amazonaws.com" => ECS_SLR,
        "elasticloadbalancing.amazonaws.com" => "AWSServiceRoleForElasticLoadBalancing",
        "ecs.application-autoscaling.amazonaws.com" => {
            "AWSServiceRoleForApplicationAutoScaling_ECSService"
        }
        "ec2.amazonaws.com" => "AWSServiceRoleForEC2",
        _ => {
            return Err(ApiError::new(
                "InvalidInput",
                format!("Service principal {service} is not supported by tasknet's emulated IAM."),
            ))
        }
    })
}

#[derive(Debug, Default, Clone)]
pub struct CreateRole {
    pub name: String,
    pub path: Option<String>,
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub max_session_duration: Option<i64>,
    pub tags: Vec<(String, String)>,
}

impl World {
    pub fn role(&self, name: &str) -> Result<&Role> {
        self.roles.get(name).ok_or_else(|| no_such_role(name))
    }

    pub fn create_role(&mut self, req: CreateRole, now: Millis) -> Result<&Role> {
        if req.name.is_empty()
            || req.name.len() > 64
            || !req
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
        {
            return Err(ApiError::new(
                "ValidationError",
                format!("1 validation error detected: Value '{}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", req.name),
            ));
        }
        let path = req.path.unwrap_or_else(|| "/".into());
        if !path.starts_with('/') || !path.ends_with('/') {
            return Err(ApiError::new("ValidationError", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."));
        }
        check_trust_policy(&req.assume_role_policy)?;
        if self.roles.contains(&req.name) {
            return Err(ApiError::new(
                "EntityAlreadyExists",
                format!("Role with name {} already exists.", req.name),
            )
            .with_status(409));
        }
        let msd = req.max_session_duration.unwrap_or(3600);
        if !(3600..=43200).contains(&msd) {
            return Err(ApiError::new("ValidationError", format!("1 validation error detected: Value '{msd}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200")));
        }
        let id = format!("AROA{}", ids::upper_alnum(&mut self.rng, 17));
        let name = req.name.clone();
        self.roles.insert(Role {
            name: req.name,
            role_id: id,
            path,
            assume_role_policy: req.assume_role_policy,
            description: req.description,
            max_session_duration: msd,
            created: now,
            tags: req.tags,
            service_linked: None,
        });
        self.role(&name)
    }

    pub fn delete_role(&mut self, name: &str) -> Result<()> {
        let r = self.role(name)?;
        if r.service_linked.is_some() {
            return Err(ApiError::new(
                "UnmodifiableEntity",
                format!("Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"),
            ));
        }
        self.roles.remove(name);
        Ok(())
    }

    pub fn create_service_linked_role(
        &mut self,
        service: &str,
        description: Option<String>,
        now: Millis,
    ) -> Result<&Role> {
        let name = slr_name(service)?;
        if self.roles.contains(name) {
            return Err(ApiError::new(
                "InvalidInput",
                format!("Service role name {name} has been taken in this account, please try a different suffix."),
            ));
        }
        self.insert_service_linked_role(service, name, description, now);
        self.role(name)
    }

    fn insert_service_linked_role(
        &mut self,
        service: &str,
        name: &str,
        description: Option<String>,
        now: Millis,
    ) {
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
        );
        let id = format!("AROA{}", ids::upper_alnum(&mut self.rng, 17));
        self.roles.insert(Role {
            name: name.to_string(),
            role_id: id,
            path: format!("/aws-service-role/{service}/"),
            assume_role_policy: policy,
            description,
            max_session_duration: 3600,
            created: now,
            tags: Vec::new(),
            service_linked: Some(service.to_string()),
        });
    }

    /// N8: CreateCluster creates the ECS service-linked role when it is missing.
    pub fn ensure_ecs_service_linked_role(&mut self, now: Millis) {
        if !self.roles.contains(ECS_SLR) {
            self.insert_service_linked_role(
                "ecs.amazonaws.com",
                ECS_SLR,
                Some("Role to enable Amazon ECS to manage your cluster.".into()),
                now,
            );
        }
    }

    /// DeleteServiceLinkedRole: deletion completes at once; returns the task id.
    pub fn delete_service_linked_role(&mut self, name: &str) -> Result<String> {
        let r = self.role(name)?;
        let Some(svc) = r.service_linked.clone() else {
            return Err(ApiError::new(
                "InvalidInput",
                format!("Role {name} is not a service-linked role."),
            ));
        };
        let arn_path = format!("{svc}/{name}");
        self.roles.remove(name);
        let uuid = ids::uuid(&mut self.rng);
        Ok(format!("task/aws-service-role/{arn_path}/{uuid}"))
    }
}

/// Trust policies must be JSON whose statements only allow sts:AssumeRole*.
fn check_trust_policy(doc: &str) -> Result<()> {
    let bad = |m: &str| Err(ApiError::new("MalformedPolicyDocument", m.to_string()));
    let Ok(v) = serde_json::from_str::<serde_json::Value>(doc) else {
        return bad("This policy contains invalid Json");
    };
    let stmts = match v.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(o @ serde_json::Value::Object(_)) => vec![o.clone()],
        _ => return bad("Syntax errors in policy."),
    };
    for s in stmts {
        if s.get("Resource").is_some() {
            return bad("Has prohibited field Resource");
        }
        let actions: Vec<String> = match s.get("Action") {
            Some(serde_json::Value::String(a)) => vec![a.clone()],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        if actions.iter().any(|a| {
            !a.starts_with("sts:AssumeRole")
                && a != "sts:TagSession"
                && a != "sts:SetSourceIdentity"
        }) {
            return bad("AssumeRole policy may only specify STS AssumeRole actions.");
        }
    }
    Ok(())
}
