//! ECS exceptions and their texts, written once. Sources:
//! `docs/rules.md` (N-rules), `docs/reference/ecs-error-texts.md`.

use crate::error::ApiError;

pub fn invalid_parameter(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterException", msg)
}

pub fn client(msg: impl Into<String>) -> ApiError {
    ApiError::new("ClientException", msg)
}

pub fn cluster_not_found() -> ApiError {
    ApiError::new("ClusterNotFoundException", "Cluster not found.")
}

/// services §1.5.
pub fn service_not_found() -> ApiError {
    ApiError::new("ServiceNotFoundException", "Service not found.")
}

pub fn resource_not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new("ResourceNotFoundException", msg)
}

/// N7: the text AWS gives (docs/reference/ecs-error-texts.md §4).
pub fn platform_unknown() -> ApiError {
    ApiError::new(
        "PlatformUnknownException",
        "The specified platform does not exist.",
    )
}

/// N7: the text AWS gives (docs/reference/ecs-error-texts.md §4).
pub fn platform_incompatible() -> ApiError {
    ApiError::new(
        "PlatformTaskDefinitionIncompatibilityException",
        "One or more of the requested capabilities are not supported.",
    )
}

/// N1.
pub fn fargate_requires_awsvpc() -> ApiError {
    client("Fargate only supports network mode \u{2018}awsvpc\u{2019}.")
}

/// N2.
pub fn hostname_with_awsvpc() -> ApiError {
    client("hostname is not supported on container when networkMode=awsvpc.")
}

/// N31 (chosen prefix), completed with what needs the role: AWS's own texts
/// for ECR images and log drivers; secrets and private registry auth have
/// their own AWS texts (docs/reference/ecs-error-texts.md §1).
pub fn needs_execution_role(what: &str) -> ApiError {
    match what {
        "secrets" => client("When you are specifying container secrets, you must also specify a value for 'executionRoleArn'."),
        "private registry authentication" => client(
            "Private repository authentication requires that the task definition specify a value for executionRoleArn.",
        ),
        _ => client(format!("Fargate requires task definition to have execution role ARN to support {what}.")),
    }
}

/// N3.
pub fn network_configuration_required() -> ApiError {
    invalid_parameter(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    )
}

/// N3.
pub fn network_configuration_not_valid() -> ApiError {
    invalid_parameter(
        "Network Configuration is not valid for the given networkMode of this task definition.",
    )
}

/// N8 (chosen).
pub fn service_linked_role_missing() -> ApiError {
    invalid_parameter("Unable to assume the service linked role. Please verify that the ECS service linked role exists.")
}

/// A container setting out of range or not one of its values. The text is
/// AWS's for `containerPort` (docs/reference/ecs-error-texts.md §1, CAP);
/// the other settings follow its pattern (INF).
pub fn invalid_container_setting(setting: &str, container: &str) -> ApiError {
    client(format!(
        "Invalid '{setting}' setting for container '{container}'."
    ))
}

/// A required member left out or empty: AWS's pattern for
/// `Container.image` and `Container.name` (§1, CAP), applied to the members
/// of other shapes (INF).
pub fn blank(member: &str) -> ApiError {
    client(format!("{member} should not be null or empty."))
}

/// A task-level value tasknet refused before typed requests
/// (`requiresCompatibilities`, `cpuArchitecture`, `operatingSystemFamily`):
/// its text stays. §1 found no AWS text.
pub fn invalid_value(what: &str, value: &str) -> ApiError {
    client(format!("Invalid value for {what}: {value}"))
}

/// A value that is not one of its enum's values, in RegisterTaskDefinition
/// (ClientException). No AWS text was found; this is the wording the research
/// notes chose (wire-errors.md §1.3): `Invalid value '<v>' for <member>.
/// Valid values: <a>, <b>.`
pub fn invalid_enum(member: &str, value: &str, allowed: &[&str]) -> ApiError {
    client(format!(
        "Invalid value '{value}' for {member}. Valid values: {}.",
        allowed.join(", ")
    ))
}
