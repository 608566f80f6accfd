//! IAM roles and service-linked roles (enough for the ECS service-linked role
//! rule, N8); IAM users and access keys (who signs a request, and with which
//! secret). Texts are AWS's as recorded in docs/reference/wire-errors.md §4.

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
        check_name(&req.name, "roleName")?;
        let path = check_path(req.path)?;
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

/// IAM names (roles, users): 1 to 64 of `[\w+=,.@-]`.
fn check_name(name: &str, member: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        return Err(ApiError::new(
            "ValidationError",
            format!("1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
        ));
    }
    Ok(())
}

/// An IAM path (`/` unless given) must begin and end with `/`.
fn check_path(path: Option<String>) -> Result<String> {
    let path = path.unwrap_or_else(|| "/".into());
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err(ApiError::new("ValidationError", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."));
    }
    Ok(path)
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

/// An IAM user.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    /// `AIDA` + 17 upper-case alphanumerics.
    pub user_id: String,
    pub path: String,
    pub created: Millis,
    pub tags: Vec<(String, String)>,
}

impl crate::codec::Versioned for User {}

impl Record for User {
    const KIND: &'static str = "iam-user";
    fn id(&self) -> &str {
        &self.name
    }
    fn region(&self) -> &str {
        ""
    }
}

impl User {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:user{}{}", self.path, self.name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Inactive => "Inactive",
        }
    }

    /// UpdateAccessKey's `Status`.
    pub fn parse(s: &str) -> Result<KeyStatus> {
        match s {
            "Active" => Ok(KeyStatus::Active),
            "Inactive" => Ok(KeyStatus::Inactive),
            _ => Err(ApiError::new(
                "ValidationError",
                format!("1 validation error detected: Value '{s}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"),
            )),
        }
    }
}

/// An access key of an IAM user or of the account root. Its secret is kept
/// (tasknet checks signatures with it when asked to verify them).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessKey {
    /// `AKIA` + 16 upper-case alphanumerics.
    pub id: String,
    /// 40 characters of `[A-Za-z0-9+/]`.
    pub secret: String,
    /// The user the key belongs to; `None`: the account root.
    pub user: Option<String>,
    pub status: KeyStatus,
    pub created: Millis,
}

impl crate::codec::Versioned for AccessKey {}

impl Record for AccessKey {
    const KIND: &'static str = "iam-key";
    fn id(&self) -> &str {
        &self.id
    }
    fn region(&self) -> &str {
        ""
    }
}

/// Access keys a user (or the root) may have at once.
pub const KEYS_PER_USER: usize = 2;

fn no_such_user(name: &str) -> ApiError {
    ApiError::new(
        "NoSuchEntity",
        format!("The user with name {name} cannot be found."),
    )
    .with_status(404)
}

fn no_such_key(id: &str) -> ApiError {
    ApiError::new(
        "NoSuchEntity",
        format!("The Access Key with id {id} cannot be found."),
    )
    .with_status(404)
}

#[derive(Debug, Default, Clone)]
pub struct CreateUser {
    pub name: String,
    pub path: Option<String>,
    pub tags: Vec<(String, String)>,
}

impl World {
    pub fn user(&self, name: &str) -> Result<&User> {
        self.users.get(name).ok_or_else(|| no_such_user(name))
    }

    pub fn create_user(&mut self, req: CreateUser, now: Millis) -> Result<&User> {
        check_name(&req.name, "userName")?;
        let path = check_path(req.path)?;
        if self.users.contains(&req.name) {
            return Err(ApiError::new(
                "EntityAlreadyExists",
                format!("User with name {} already exists.", req.name),
            )
            .with_status(409));
        }
        let user_id = format!("AIDA{}", ids::upper_alnum(&mut self.rng, 17));
        let name = req.name.clone();
        self.users.insert(User {
            name: req.name,
            user_id,
            path,
            created: now,
            tags: req.tags,
        });
        self.user(&name)
    }

    /// DeleteUser: refused while the user still has access keys.
    pub fn delete_user(&mut self, name: &str) -> Result<()> {
        self.user(name)?;
        if self
            .access_keys
            .iter()
            .any(|k| k.user.as_deref() == Some(name))
        {
            return Err(ApiError::new(
                "DeleteConflict",
                "Cannot delete entity, must delete access keys first.",
            )
            .with_status(409));
        }
        self.users.remove(name);
        Ok(())
    }

    /// The access keys of `user` (`None`: the root's), oldest first.
    pub fn access_keys_of(&self, user: Option<&str>) -> Result<Vec<&AccessKey>> {
        if let Some(u) = user {
            self.user(u)?;
        }
        Ok(self
            .access_keys
            .iter()
            .filter(|k| k.user.as_deref() == user)
            .collect())
    }

    /// CreateAccessKey for `user` (`None`: the root).
    pub fn create_access_key(&mut self, user: Option<&str>, now: Millis) -> Result<&AccessKey> {
        if self.access_keys_of(user)?.len() >= KEYS_PER_USER {
            return Err(ApiError::new(
                "LimitExceeded",
                format!("Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"),
            )
            .with_status(409));
        }
        let id = loop {
            let id = format!("AKIA{}", ids::upper_alnum(&mut self.rng, 16));
            if !self.access_keys.contains(&id) {
                break id;
            }
        };
        let secret = ids::secret(&mut self.rng, 40);
        self.access_keys.insert(AccessKey {
            id: id.clone(),
            secret,
            user: user.map(str::to_string),
            status: KeyStatus::Active,
            created: now,
        });
        self.access_keys.get(&id).ok_or_else(|| no_such_key(&id))
    }

    /// A key of `user` (`None`: the root) by id; another owner's key is
    /// not found, as in AWS.
    fn own_key(&self, user: Option<&str>, id: &str) -> Result<&AccessKey> {
        if let Some(u) = user {
            self.user(u)?;
        }
        self.access_keys
            .get(id)
            .filter(|k| k.user.as_deref() == user)
            .ok_or_else(|| no_such_key(id))
    }

    pub fn update_access_key(
        &mut self,
        user: Option<&str>,
        id: &str,
        status: KeyStatus,
    ) -> Result<()> {
        self.own_key(user, id)?;
        if let Some(k) = self.access_keys.get_mut(id) {
            k.status = status;
        }
        Ok(())
    }

    pub fn delete_access_key(&mut self, user: Option<&str>, id: &str) -> Result<()> {
        self.own_key(user, id)?;
        self.access_keys.remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        World::new("123456789012", 7, Millis(0))
    }

    fn user(w: &mut World, name: &str) -> User {
        w.create_user(
            CreateUser {
                name: name.into(),
                ..Default::default()
            },
            Millis(5),
        )
        .unwrap()
        .clone()
    }

    #[test]
    fn users_have_aws_shaped_ids_and_unique_names() {
        let mut w = world();
        let u = w
            .create_user(
                CreateUser {
                    name: "alice".into(),
                    path: Some("/team/".into()),
                    tags: vec![],
                },
                Millis(1),
            )
            .unwrap()
            .clone();
        assert!(u.user_id.starts_with("AIDA") && u.user_id.len() == 21);
        assert_eq!(
            u.arn("123456789012"),
            "arn:aws:iam::123456789012:user/team/alice"
        );
        let e = w
            .create_user(
                CreateUser {
                    name: "alice".into(),
                    ..Default::default()
                },
                Millis(2),
            )
            .unwrap_err();
        assert_eq!((e.code.as_ref(), e.status), ("EntityAlreadyExists", 409));
        assert_eq!(e.message, "User with name alice already exists.");
        let e = w
            .create_user(
                CreateUser {
                    name: "bad name".into(),
                    ..Default::default()
                },
                Millis(2),
            )
            .unwrap_err();
        assert_eq!(e.code, "ValidationError");
        assert!(e.message.contains("'userName'"), "{}", e.message);
    }

    #[test]
    fn keys_per_user_and_owners() {
        let mut w = world();
        user(&mut w, "bob");
        let k1 = w.create_access_key(Some("bob"), Millis(1)).unwrap().clone();
        assert!(k1.id.starts_with("AKIA") && k1.id.len() == 20);
        assert!(k1.id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(k1.secret.len(), 40);
        assert_eq!(k1.status, KeyStatus::Active);
        w.create_access_key(Some("bob"), Millis(2)).unwrap();
        let e = w.create_access_key(Some("bob"), Millis(3)).unwrap_err();
        assert_eq!(
            (e.code.as_ref(), e.status, e.message.as_str()),
            (
                "LimitExceeded",
                409,
                "Cannot exceed quota for AccessKeysPerUser: 2"
            )
        );
        // The root's keys are apart from the users'.
        let root = w.create_access_key(None, Millis(4)).unwrap().clone();
        assert_eq!(root.user, None);
        assert_eq!(w.access_keys_of(None).unwrap().len(), 1);
        assert_eq!(w.access_keys_of(Some("bob")).unwrap().len(), 2);
        // Another owner's key is not found.
        let e = w
            .update_access_key(Some("bob"), &root.id, KeyStatus::Inactive)
            .unwrap_err();
        assert_eq!(
            e.message,
            format!("The Access Key with id {} cannot be found.", root.id)
        );
        assert_eq!(e.status, 404);
        w.update_access_key(Some("bob"), &k1.id, KeyStatus::Inactive)
            .unwrap();
        assert_eq!(
            w.access_keys.get(&k1.id).unwrap().status,
            KeyStatus::Inactive
        );
        let e = w.access_keys_of(Some("nobody")).unwrap_err();
        assert_eq!(e.message, "The user with name nobody cannot be found.");
    }

    #[test]
    fn a_user_with_keys_cannot_be_deleted() {
        let mut w = world();
        user(&mut w, "carol");
        let k = w
            .create_access_key(Some("carol"), Millis(1))
            .unwrap()
            .id
            .clone();
        let e = w.delete_user("carol").unwrap_err();
        assert_eq!(
            (e.code.as_ref(), e.status, e.message.as_str()),
            (
                "DeleteConflict",
                409,
                "Cannot delete entity, must delete access keys first."
            )
        );
        w.delete_access_key(Some("carol"), &k).unwrap();
        w.delete_user("carol").unwrap();
        assert_eq!(w.delete_user("carol").unwrap_err().status, 404);
    }

    #[test]
    fn users_and_keys_load_back_and_roll_back() {
        let mut w = world();
        user(&mut w, "dave");
        let k = w
            .create_access_key(Some("dave"), Millis(1))
            .unwrap()
            .clone();
        let mut rows = Vec::new();
        for ch in w.drain_changes() {
            if let crate::table::Change::Put {
                kind,
                region,
                seq,
                body,
            } = ch
            {
                for row in body.rows(kind) {
                    rows.push((row.kind.to_string(), region.clone(), seq, row.bytes));
                }
            }
        }
        let w2 = World::load("123456789012", 8, Millis(0), rows).unwrap();
        assert_eq!(
            w2.user("dave").unwrap().user_id,
            w.user("dave").unwrap().user_id
        );
        assert_eq!(w2.access_keys.get(&k.id).unwrap().secret, k.secret);
        let mut before = String::new();
        w.fingerprint_into(&mut before);
        user(&mut w, "erin");
        w.create_access_key(Some("erin"), Millis(2)).unwrap();
        w.rollback();
        let mut after = String::new();
        w.fingerprint_into(&mut after);
        assert_eq!(before, after);
    }
}
