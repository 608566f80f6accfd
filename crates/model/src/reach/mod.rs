//! Reachability: what a task needs to reach, over which ENI, with which role,
//! and whether a path exists (N30, N40–N43). A pure function of the world and
//! a task (or a planned task): the launch acts on it, `explain` shows it.

pub mod endpoints;
pub mod path;
pub mod reasons;

use crate::ecs::types::{ContainerSpec, TaskDefinition};
use crate::rules::platform;
use crate::world::Region;
use endpoints::{Destination, ImageRef};
use path::{Blocked, Detail, Hop, Source};
use serde::Serialize;

/// The traffic types of N30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Traffic {
    EcrAuthorization,
    ImageManifest,
    ImageLayers,
    SecretsManager,
    SsmParameterStore,
    LogDriver,
    FireLens,
    Efs,
    Application,
}

impl Traffic {
    pub fn label(&self) -> &'static str {
        match self {
            Traffic::EcrAuthorization => "ECR authorization token",
            Traffic::ImageManifest => "image pull (manifest)",
            Traffic::ImageLayers => "image pull (layers)",
            Traffic::SecretsManager => "secrets from Secrets Manager",
            Traffic::SsmParameterStore => "secrets from SSM Parameter Store",
            Traffic::LogDriver => "logs through a log driver (awslogs)",
            Traffic::FireLens => "logs through FireLens",
            Traffic::Efs => "EFS file system",
            Traffic::Application => "application traffic",
        }
    }

    /// N30: which role the traffic needs.
    pub fn uses_execution_role(&self) -> bool {
        !matches!(
            self,
            Traffic::FireLens | Traffic::Efs | Traffic::Application
        )
    }

    /// N30: on Linux PV 1.3.0 ECR authorization and secrets use the Fargate-owned ENI.
    pub fn fargate_owned_on_old_platforms(&self) -> bool {
        matches!(
            self,
            Traffic::EcrAuthorization | Traffic::SecretsManager | Traffic::SsmParameterStore
        )
    }

    /// Does a failure of this traffic stop the task at launch (N41)?
    pub fn blocks_launch(&self) -> bool {
        matches!(
            self,
            Traffic::EcrAuthorization
                | Traffic::ImageManifest
                | Traffic::ImageLayers
                | Traffic::SecretsManager
                | Traffic::SsmParameterStore
                | Traffic::LogDriver
        )
    }
}

/// One thing the task must reach.
#[derive(Debug, Clone)]
pub struct Need {
    pub traffic: Traffic,
    pub container: Option<String>,
    /// The image, secret ARN or log group concerned.
    pub subject: String,
    pub image: Option<ImageRef>,
    pub dest: Option<Destination>,
}

/// The verdict for one need (N43).
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub traffic: &'static str,
    #[serde(skip)]
    pub kind: Traffic,
    pub container: Option<String>,
    pub subject: String,
    /// `task ENI` or `Fargate-owned ENI`.
    pub eni: &'static str,
    /// `task execution role` or `task role`.
    pub role: &'static str,
    pub role_arn: Option<String>,
    pub destination: Option<String>,
    pub address: Option<String>,
    /// `reachable`, `unreachable` or `not evaluated`.
    pub status: &'static str,
    pub path: Vec<Hop>,
    pub blocked: Option<Blocked>,
    /// AWS's stopped reason when this failure stops the task (N41).
    pub stopped_reason: Option<String>,
}

/// Where the task's ENI sits and what it carries.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkView {
    pub vpc_id: String,
    pub subnet_id: String,
    pub availability_zone: String,
    pub security_groups: Vec<String>,
    pub private_ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub public_ipv4: Option<String>,
    /// `IPv4`, `dual-stack` or `IPv6-only`.
    pub mode: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub task_arn: Option<String>,
    pub region: String,
    pub platform_version: String,
    pub network: NetworkView,
    pub verdicts: Vec<Verdict>,
    /// `starts` or `fails`.
    pub outcome: &'static str,
    pub stopped_reason: Option<String>,
    /// Set when the task ENI itself cannot be (or was not) created (N11):
    /// then no traffic flows at all.
    pub blocked: Option<Blocked>,
}

impl Explanation {
    /// The task ENI could not be created in the subnet (N11, N21): the task
    /// stops before any traffic, so no verdict is evaluated and the network
    /// view has no addresses.
    pub fn eni_failed(mut self, reason: String, note: String) -> Self {
        let subnet = self.network.subnet_id.clone();
        self.outcome = "fails";
        self.stopped_reason = Some(reason);
        self.blocked = Some(Blocked {
            hop: Hop {
                step: "network-interface",
                resource: subnet.clone(),
                note,
            },
            fix: format!(
                "Free IPv4 addresses in {subnet} (stop tasks or delete unused network interfaces), or launch into more subnets or a larger one."
            ),
        });
        self.network.private_ipv4 = None;
        self.network.ipv6 = None;
        self.network.public_ipv4 = None;
        for v in &mut self.verdicts {
            v.status = "not evaluated";
            v.address = None;
            v.path.clear();
            v.blocked = None;
            v.stopped_reason = None;
        }
        self
    }
}

/// What a task definition needs to reach, in the order the agent does it:
/// registry auth and secrets, then image pulls, then log validation (N30).
pub fn needs(r: &Region, td: &TaskDefinition, ipv6_only: bool) -> Vec<Need> {
    let info = r.info;
    let mut out: Vec<Need> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // 1. ECR authorization, once per ECR Region used.
    for c in &td.containers {
        let img = endpoints::parse_image(&c.image);
        if let Some((_, reg)) = &img.ecr {
            if seen.insert(format!("auth/{reg}")) {
                let ri = crate::regions::find(reg).unwrap_or(info);
                let mut d = endpoints::ecr_api(ri, img.ecr_dual_stack);
                if ri.name != info.name {
                    d.endpoint_service = None;
                }
                d.dual_stack_uri = endpoints::ecr_dual_stack_uri(&img);
                out.push(Need {
                    traffic: Traffic::EcrAuthorization,
                    container: None,
                    subject: c.image.clone(),
                    image: Some(img),
                    dest: Some(d),
                });
            }
        }
    }
    // 2. Secrets (and private registry credentials, which live in Secrets Manager).
    for c in &td.containers {
        let secrets = c.secrets.iter().chain(c.repository_credentials.iter());
        for s in secrets {
            if !seen.insert(format!("secret/{s}")) {
                continue;
            }
            out.push(secret_need(r, c, s, ipv6_only));
        }
    }
    // 3. Images: manifest, then layers.
    for c in &td.containers {
        if !seen.insert(format!("image/{}", c.image)) {
            continue;
        }
        let img = endpoints::parse_image(&c.image);
        let (manifest, layers) = match &img.ecr {
            Some((acct, reg)) => {
                let ri = crate::regions::find(reg).unwrap_or(info);
                let same = ri.name == info.name;
                let dual = img.ecr_dual_stack;
                let mut l = endpoints::ecr_layers(ri, dual);
                if !same {
                    l.endpoint_service = None;
                    l.prefix_list = None;
                }
                let mut m = endpoints::ecr_registry(ri, acct, same, dual);
                m.dual_stack_uri = endpoints::ecr_dual_stack_uri(&img);
                l.dual_stack_uri = m.dual_stack_uri.clone();
                (m, l)
            }
            None => {
                let m = endpoints::public_registry(&img.registry);
                let l = endpoints::layer_host(&img.registry)
                    .map(endpoints::public_registry)
                    .unwrap_or_else(|| m.clone());
                (m, l)
            }
        };
        out.push(Need {
            traffic: Traffic::ImageManifest,
            container: Some(c.name.clone()),
            subject: c.image.clone(),
            image: Some(img.clone()),
            dest: Some(manifest),
        });
        out.push(Need {
            traffic: Traffic::ImageLayers,
            container: Some(c.name.clone()),
            subject: c.image.clone(),
            image: Some(img),
            dest: Some(layers),
        });
    }
    // 4. Logs.
    for c in &td.containers {
        let opt = |k: &str| {
            c.log_options
                .iter()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.clone())
        };
        match c.log_driver.as_deref() {
            Some("awslogs") => {
                let reg = opt("awslogs-region").unwrap_or_else(|| info.name.to_string());
                let group = opt("awslogs-group").unwrap_or_default();
                if seen.insert(format!("logs/{reg}/{group}")) {
                    out.push(Need {
                        traffic: Traffic::LogDriver,
                        container: Some(c.name.clone()),
                        subject: group,
                        image: None,
                        dest: Some(logs_dest(r, &reg)),
                    });
                }
            }
            Some("awsfirelens") => {
                let name = opt("Name").unwrap_or_default().to_ascii_lowercase();
                if name.starts_with("cloudwatch") {
                    let reg = opt("region").unwrap_or_else(|| info.name.to_string());
                    let group = opt("log_group_name").unwrap_or_default();
                    out.push(Need {
                        traffic: Traffic::FireLens,
                        container: Some(c.name.clone()),
                        subject: group,
                        image: None,
                        dest: Some(logs_dest(r, &reg)),
                    });
                } else {
                    out.push(Need {
                        traffic: Traffic::FireLens,
                        container: Some(c.name.clone()),
                        subject: format!("FireLens output {name}"),
                        image: None,
                        dest: None,
                    });
                }
            }
            _ => {}
        }
    }
    if td.efs_volumes {
        out.push(Need {
            traffic: Traffic::Efs,
            container: None,
            subject: "EFS volumes".into(),
            image: None,
            dest: None,
        });
    }
    out.push(Need {
        traffic: Traffic::Application,
        container: None,
        subject: "the containers' own connections".into(),
        image: None,
        dest: None,
    });
    out
}

fn logs_dest(r: &Region, region: &str) -> Destination {
    let ri = crate::regions::find(region).unwrap_or(r.info);
    let mut d = endpoints::aws(ri, format!("logs.{}.amazonaws.com", ri.name), "logs", false);
    if ri.name != r.info.name {
        d.endpoint_service = None;
    }
    d
}

fn secret_need(r: &Region, c: &ContainerSpec, s: &str, _ipv6_only: bool) -> Need {
    let (traffic, region, svc) = if let Some(rest) = s.strip_prefix("arn:aws:secretsmanager:") {
        (
            Traffic::SecretsManager,
            rest.split(':').next().unwrap_or(r.info.name).to_string(),
            "secretsmanager",
        )
    } else if let Some(rest) = s.strip_prefix("arn:aws:ssm:") {
        (
            Traffic::SsmParameterStore,
            rest.split(':').next().unwrap_or(r.info.name).to_string(),
            "ssm",
        )
    } else if c.repository_credentials.as_deref() == Some(s) {
        (
            Traffic::SecretsManager,
            r.info.name.to_string(),
            "secretsmanager",
        )
    } else {
        (Traffic::SsmParameterStore, r.info.name.to_string(), "ssm")
    };
    let ri = crate::regions::find(&region).unwrap_or(r.info);
    let mut d = endpoints::aws(ri, format!("{svc}.{}.amazonaws.com", ri.name), svc, false);
    if ri.name != r.info.name {
        d.endpoint_service = None;
    }
    Need {
        traffic,
        container: Some(c.name.clone()),
        subject: s.to_string(),
        image: None,
        dest: Some(d),
    }
}

/// Everything about the launch that the verdicts depend on.
pub struct Launch<'a> {
    pub source: Source<'a>,
    pub td: &'a TaskDefinition,
    pub platform_version: &'a str,
    pub task_arn: Option<String>,
    pub dual_stack: bool,
}

/// N30, N42: on Linux platform version 1.3.0 this traffic leaves over the
/// Fargate-owned ENI, which always reaches AWS.
fn over_fargate_owned_eni(launch: &Launch, traffic: Traffic) -> bool {
    traffic.fargate_owned_on_old_platforms()
        && platform::uses_fargate_owned_eni(launch.platform_version, launch.td.is_windows())
}

/// N41: the stopped reason of the first need that is unreachable and stops
/// the launch, as `explain` finds it, without writing the explanation (the
/// reconciler asks this of every task it starts).
pub fn launch_verdict(launch: &Launch) -> Option<String> {
    needs(launch.source.region, launch.td, launch.source.ipv6_only)
        .iter()
        .filter(|n| n.traffic.blocks_launch() && !over_fargate_owned_eni(launch, n.traffic))
        .find_map(|n| {
            let res = path::trace(&launch.source, n.dest.as_ref()?, Detail::Verdict);
            res.blocked.map(|_| (n, res.address))
        })
        .and_then(|(n, address)| reasons::stopped_reason(n, &address))
}

/// N30, N40–N43: every need's verdict, and whether the task starts.
pub fn explain(launch: &Launch) -> Explanation {
    let r = launch.source.region;
    let td = launch.td;
    let mut verdicts = Vec::new();
    for need in needs(r, td, launch.source.ipv6_only) {
        let fargate_owned = over_fargate_owned_eni(launch, need.traffic);
        let role = if need.traffic.uses_execution_role() {
            "task execution role"
        } else {
            "task role"
        };
        let role_arn = if need.traffic.uses_execution_role() {
            td.execution_role_arn.clone()
        } else {
            td.task_role_arn.clone()
        };
        let mut v = Verdict {
            traffic: need.traffic.label(),
            kind: need.traffic,
            container: need.container.clone(),
            subject: need.subject.clone(),
            eni: if fargate_owned {
                "Fargate-owned ENI"
            } else {
                "task ENI"
            },
            role,
            role_arn,
            destination: need.dest.as_ref().map(|d| d.host.clone()),
            address: None,
            status: "not evaluated",
            path: Vec::new(),
            blocked: None,
            stopped_reason: None,
        };
        match (&need.dest, fargate_owned) {
            (Some(d), true) => {
                v.status = "reachable";
                v.address = Some(d.ipv4.to_string());
                v.path = vec![Hop {
                    step: "fargate-owned-eni",
                    resource: "Fargate".into(),
                    note: format!("platform version {} carries this over the Fargate-owned ENI, which always reaches AWS (N42)", launch.platform_version),
                }];
            }
            (Some(d), false) => {
                let res = path::trace(&launch.source, d, Detail::Full);
                v.address = Some(res.address.clone());
                v.path = res.hops;
                match res.blocked {
                    None => v.status = "reachable",
                    Some(b) => {
                        v.status = "unreachable";
                        v.stopped_reason = reasons::stopped_reason(&need, &res.address);
                        v.blocked = Some(b);
                    }
                }
            }
            (None, _) => {}
        }
        verdicts.push(v);
    }
    let first = verdicts
        .iter()
        .find(|v| v.status == "unreachable" && v.kind.blocks_launch());
    let stopped_reason = first.and_then(|v| v.stopped_reason.clone());
    let src = &launch.source;
    Explanation {
        task_arn: launch.task_arn.clone(),
        region: r.info.name.to_string(),
        platform_version: launch.platform_version.to_string(),
        network: NetworkView {
            vpc_id: src.vpc.id.clone(),
            subnet_id: src.subnet.id.clone(),
            availability_zone: src.subnet.availability_zone.clone(),
            security_groups: src.groups.clone(),
            private_ipv4: src.ipv4.map(|x| x.to_string()),
            ipv6: src.ipv6.map(|x| x.to_string()),
            public_ipv4: src.public_ipv4.map(|x| {
                if x.is_unspecified() {
                    "assigned at launch".to_string()
                } else {
                    x.to_string()
                }
            }),
            mode: if src.ipv6_only {
                "IPv6-only"
            } else if launch.dual_stack {
                "dual-stack"
            } else {
                "IPv4"
            },
        },
        outcome: if first.is_some() { "fails" } else { "starts" },
        stopped_reason,
        verdicts,
        blocked: None,
    }
}

impl Region {
    /// The source a task's traffic starts from. Before the ENI exists (or for a
    /// plan) a representative address of the subnet stands in.
    #[allow(clippy::too_many_arguments)]
    pub fn launch_source(
        &self,
        subnet_id: &str,
        groups: &[String],
        ipv4: Option<std::net::Ipv4Addr>,
        ipv6: Option<std::net::Ipv6Addr>,
        public: Option<std::net::Ipv4Addr>,
        assign_public_ip: bool,
        dual_stack: bool,
        ipv6_only: bool,
    ) -> Option<Source<'_>> {
        let subnet = self.subnets.get(subnet_id)?;
        let vpc = self.vpcs.get(&subnet.vpc_id)?;
        let ipv4 = ipv4.or_else(|| {
            if ipv6_only {
                None
            } else {
                subnet.cidr.and_then(|c| c.nth(4))
            }
        });
        let ipv6 = ipv6.or_else(|| {
            (dual_stack || ipv6_only)
                .then(|| {
                    subnet
                        .ipv6_cidr()
                        .map(|c| std::net::Ipv6Addr::from(c.base() + 4))
                })
                .flatten()
        });
        let public_ipv4 = public.or_else(|| {
            (assign_public_ip && !ipv6_only).then_some(std::net::Ipv4Addr::UNSPECIFIED)
        });
        Some(Source {
            region: self,
            vpc,
            subnet,
            groups: groups.to_vec(),
            ipv4,
            ipv6,
            public_ipv4,
            ipv6_only,
        })
    }

    /// A launched task as the verdicts see it; `None` once its definition or
    /// subnet is gone.
    fn task_launch<'a>(
        &'a self,
        t: &'a crate::ecs::types::Task,
        task_arn: Option<String>,
    ) -> Option<Launch<'a>> {
        let td = self.ecs.task_definitions.get(&t.task_definition)?;
        let a = &t.attachment;
        let n = &t.network;
        let source = self.launch_source(
            &n.subnet_id,
            &n.security_groups,
            a.private_ipv4.as_deref().and_then(|s| s.parse().ok()),
            a.ipv6.as_deref().and_then(|s| s.parse().ok()),
            a.public_ipv4.as_deref().and_then(|s| s.parse().ok()),
            n.assign_public_ip && a.eni_id.is_none(),
            n.dual_stack,
            n.ipv6_only,
        )?;
        Some(Launch {
            source,
            td,
            platform_version: &t.platform_version,
            task_arn,
            dual_stack: n.dual_stack,
        })
    }

    /// Whether the task's ENI was never created (N11): then that is why it
    /// failed, and no traffic was evaluated.
    fn eni_never_created(t: &crate::ecs::types::Task) -> bool {
        t.attachment.eni_id.is_none() && t.stop_code.as_deref() == Some("TaskFailedToStart")
    }

    /// N43 for a launched task (any phase, including STOPPED).
    pub fn explain_task(&self, t: &crate::ecs::types::Task) -> Option<Explanation> {
        let e = explain(&self.task_launch(t, Some(t.arn(&self.account_id)))?);
        if Self::eni_never_created(t) {
            let reason = t.stopped_reason.clone().unwrap_or_default();
            let note = format!("the task ENI was never created in {}", t.network.subnet_id);
            return Some(e.eni_failed(reason, note));
        }
        Some(e)
    }

    /// N41 for a launched task: its `explain_task` stopped reason, found
    /// without writing the explanation.
    pub fn task_launch_verdict(&self, t: &crate::ecs::types::Task) -> Option<String> {
        let launch = self.task_launch(t, None)?;
        if Self::eni_never_created(t) {
            return Some(t.stopped_reason.clone().unwrap_or_default());
        }
        launch_verdict(&launch)
    }
}

impl Region {
    /// The source traffic from an existing ENI starts from (a task's, a load
    /// balancer node's, a user's).
    pub fn eni_source(&self, eni_id: &str) -> Option<Source<'_>> {
        let eni = self.enis.get(eni_id)?;
        let subnet = self.subnets.get(&eni.subnet_id)?;
        let vpc = self.vpcs.get(&subnet.vpc_id)?;
        let public_ipv4 = eni
            .private_ips
            .iter()
            .find(|p| p.primary)
            .and_then(|p| p.association.as_ref())
            .map(|a| a.public_ip);
        Some(Source {
            region: self,
            vpc,
            subnet,
            groups: eni.groups.clone(),
            ipv4: eni.primary_ip(),
            ipv6: eni.ipv6_addresses.first().copied(),
            public_ipv4,
            ipv6_only: subnet.ipv6_native,
        })
    }

    /// Any flow from an ENI to an address, hop by hop (N71, N72): what a
    /// load balancer's health check, a task talking to another task, or a
    /// packet of the data plane meets. `None` if the ENI is gone.
    pub fn trace_flow(
        &self,
        eni_id: &str,
        to: std::net::IpAddr,
        flow: path::Flow,
        detail: Detail,
    ) -> Option<path::PathResult> {
        Some(path::trace_to(&self.eni_source(eni_id)?, to, flow, detail))
    }

    /// `trace_flow` with a guess at the ENI holding `to` (`hint`): used
    /// when it still holds the address, else the ENI is searched for.
    pub fn trace_flow_hinted(
        &self,
        eni_id: &str,
        to: std::net::IpAddr,
        hint: Option<&str>,
        flow: path::Flow,
        detail: Detail,
    ) -> Option<path::PathResult> {
        let src = self.eni_source(eni_id)?;
        let known = hint
            .and_then(|h| self.enis.get(h))
            .filter(|e| e.vpc_id == src.vpc.id && eni_holds(e, to));
        Some(match known {
            Some(e) => path::trace_to_eni(&src, to, Some(e), flow, detail),
            None => path::trace_to(&src, to, flow, detail),
        })
    }

    /// The ENI of `vpc_id` holding `ip`, if any (a scan of the Region's ENIs).
    pub fn eni_with_address(
        &self,
        vpc_id: &str,
        ip: std::net::IpAddr,
    ) -> Option<&crate::ec2::types::NetworkInterface> {
        self.enis
            .iter()
            .find(|e| e.vpc_id == vpc_id && eni_holds(e, ip))
    }
}

fn eni_holds(e: &crate::ec2::types::NetworkInterface, ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v) => e.private_ips.iter().any(|p| p.ip == v),
        std::net::IpAddr::V6(v) => e.ipv6_addresses.contains(&v),
    }
}

#[cfg(test)]
mod tests;

impl crate::world::World {
    /// N43 for a planned task: RunTask's checks, then one explanation per
    /// subnet the task could land in. `inline` is a RegisterTaskDefinition body
    /// to use instead of a registered definition.
    pub fn explain_plan(
        &self,
        region: &str,
        req: &crate::ecs::task::RunTask,
        inline: Option<&serde_json::Value>,
    ) -> crate::Result<Vec<Explanation>> {
        use crate::ecs::types::Cluster;
        let r = self.region(region)?;
        let cluster = match &req.cluster {
            Some(c) => r.active_cluster(c)?.clone(),
            // No cluster named: any cluster with the Fargate capacity providers.
            None => Cluster {
                name: "default".into(),
                region: region.to_string(),
                status: "ACTIVE".into(),
                settings: Vec::new(),
                capacity_providers: vec!["FARGATE".into(), "FARGATE_SPOT".into()],
                default_strategy: Vec::new(),
                tags: Vec::new(),
                created: crate::time::Millis(0),
                configuration: None,
                service_connect_namespace: None,
            },
        };
        if inline.is_none() {
            crate::ecs::taskdef::check_revision(&req.task_definition)?;
        }
        let td = match inline {
            Some(body) => {
                let body: crate::ecs::shapes::RegisterTaskDefinition =
                    crate::json_input::decode(body)?;
                r.build_task_definition(&body, &req.principal, crate::time::Millis(0))?
            }
            None => r
                .find_task_definition(&req.task_definition)
                .cloned()
                .ok_or_else(|| crate::ecs::err::client("Unable to describe task definition."))?,
        };
        let mut plan_req = req.clone();
        if plan_req.launch_type.is_none()
            && plan_req.capacity_provider_strategy.is_empty()
            && cluster.default_strategy.is_empty()
        {
            plan_req.launch_type = Some("FARGATE".into());
        }
        let slr = self.roles.contains(crate::iam::ECS_SLR);
        let Some(p) = r.prepare(&cluster, &plan_req, td, slr)? else {
            return Err(crate::ecs::err::invalid_parameter(
                "The task would be placed on EC2 capacity; tasknet explains Fargate tasks only.",
            ));
        };
        let dual_setting = r.effective_setting("dualStackIPv6", &req.principal).value == "enabled";
        let vpc = r.vpc(&p.checked.vpc_id)?;
        let mut out = Vec::new();
        for s in &p.checked.subnets {
            let subnet = r.subnet(s)?;
            let dual = !p.ipv6_only
                && crate::rules::dualstack::task_gets_ipv6(
                    dual_setting,
                    vpc,
                    subnet,
                    platform::supports_dual_stack(p.version, p.windows),
                );
            let Some(source) = r.launch_source(
                s,
                &p.checked.security_groups,
                None,
                None,
                None,
                p.checked.assign_public_ip,
                dual,
                p.ipv6_only,
            ) else {
                continue;
            };
            let e = explain(&Launch {
                source,
                td: &p.td,
                platform_version: p.version,
                task_arn: None,
                dual_stack: dual,
            });
            // N11: the launch would stop before any traffic, out of addresses.
            if subnet.cidr.is_some() && !p.ipv6_only && r.available_ip_count(s) == 0 {
                let code = crate::ec2::err::insufficient_addresses().code;
                let note = format!(
                    "{s} ({}) has no free IPv4 address: {code}",
                    subnet.cidr.map(|c| c.to_string()).unwrap_or_default()
                );
                out.push(e.eni_failed(reasons::eni_creation_failed(s, &code), note));
                continue;
            }
            out.push(e);
        }
        Ok(out)
    }
}
