//! The stopped reasons AWS gives when a task cannot reach what it needs (N41),
//! filled in with the Region, registry, image and emulated address. Texts are
//! byte-exact (sources: `docs/reference/ecs-error-texts.md`; rules N41, N42 in `docs/rules.md`).

use super::{Need, Traffic};
use crate::services::fnv;

/// `dial tcp <ip>:443` as Go prints it (IPv6 in brackets).
fn dial(addr: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]:443")
    } else {
        format!("{addr}:443")
    }
}

/// A stable, realistic layer URL for an image.
fn layer_url(need: &Need, host: &str) -> String {
    let h = fnv(&need.subject);
    match need.image.as_ref().and_then(|i| i.ecr.clone()) {
        Some((acct, _)) => format!(
            "https://{host}/{:04x}-{acct}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}/{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            h & 0xffff,
            (h >> 16) as u32,
            (h >> 8) & 0xffff,
            (h >> 24) & 0xffff,
            (h >> 40) & 0xffff,
            h & 0xffff_ffff_ffff,
            (h >> 20) as u32,
            (h >> 4) & 0xffff,
            (h >> 12) & 0xffff,
            (h >> 28) & 0xffff,
            (h >> 8) & 0xffff_ffff_ffff
        ),
        None => format!(
            "https://{host}/registry-v2/docker/registry/v2/blobs/sha256/{:02x}/{:016x}{:016x}{:016x}{:016x}/data",
            h & 0xff,
            h,
            h.rotate_left(16),
            h.rotate_left(32),
            h.rotate_left(48)
        ),
    }
}

/// N11: EC2 could not create the task ENI in the subnet (aws-behavior §3).
pub fn eni_creation_failed(subnet_id: &str, code: &str) -> String {
    format!("Unexpected EC2 error while attempting to Create Network Interface in subnet '{subnet_id}': {code}")
}

/// AWS's stopped reason for an unreachable launch need; `None` for traffic
/// whose failure does not stop the task.
pub fn stopped_reason(need: &Need, addr: &str) -> Option<String> {
    let dest = need.dest.as_ref()?;
    let host = &dest.host;
    let d = dial(addr);
    Some(match need.traffic {
        Traffic::EcrAuthorization => format!(
            "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration. operation error ECR: GetAuthorizationToken, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://{host}/\": dial tcp {d}: i/o timeout"
        ),
        Traffic::ImageManifest => {
            let img = need.image.as_ref()?;
            format!(
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {}: failed to do request: Head \"https://{host}/v2/{}/manifests/{}\": dial tcp {d}: i/o timeout",
                img.full, img.repository, img.reference
            )
        }
        Traffic::ImageLayers => {
            let image = &need.subject;
            format!(
                "CannotPullContainerError: The task cannot pull {image} from the registry {image}. There is a connection issue between the task and the registry. Check your task network configuration. : failed to copy: httpReadSeeker: failed open: failed to do request: Get {}: dial tcp {d}: i/o timeout.",
                layer_url(need, host)
            )
        }
        Traffic::SecretsManager => format!(
            "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret from asm: There is a connection issue between the task and AWS Secrets Manager. Check your task network configuration. failed to fetch secret {} from secrets manager: operation error Secrets Manager: GetSecretValue, https response error StatusCode: 0, RequestID: , canceled, context deadline exceeded.",
            need.subject
        ),
        Traffic::SsmParameterStore => "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secrets from ssm: The task cannot pull secrets from AWS Systems Manager. There is a connection issue between the task and AWS Systems Manager Parameter Store. Check your task network configuration. RequestCanceled: request context canceled caused by: context deadline exceeded".to_string(),
        Traffic::LogDriver => "ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon CloudWatch log group defined in the task definition. There is a connection issue between the task and Amazon CloudWatch. Check your network configuration. : signal: killed".to_string(),
        Traffic::FireLens | Traffic::Efs | Traffic::Application => return None,
    })
}
