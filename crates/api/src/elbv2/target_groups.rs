//! CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup.

use super::*;
use model::elb::target_group::{CreateTargetGroup, DescribeTargetGroups, HealthCheckArgs};

/// One `TargetGroup` structure.
pub(crate) fn tg_xml(x: &mut Xml, r: &Region, tg: &TargetGroup) {
    let h = &tg.health;
    x.el("TargetGroupArn", &tg.arn)
        .el("TargetGroupName", &tg.name)
        .opt("Protocol", tg.protocol.as_ref())
        .opt("Port", tg.port)
        .opt("VpcId", tg.vpc_id.as_ref())
        .opt("HealthCheckProtocol", h.protocol.as_ref());
    if !h.port.is_empty() {
        x.el("HealthCheckPort", &h.port);
    }
    x.b("HealthCheckEnabled", h.enabled)
        .el("HealthCheckIntervalSeconds", h.interval_seconds)
        .el("HealthCheckTimeoutSeconds", h.timeout_seconds)
        .el("HealthyThresholdCount", h.healthy_threshold)
        .el("UnhealthyThresholdCount", h.unhealthy_threshold)
        .opt("HealthCheckPath", h.path.as_ref());
    if h.matcher_http.is_some() || h.matcher_grpc.is_some() {
        x.wrap("Matcher", |x| {
            x.opt("HttpCode", h.matcher_http.as_ref())
                .opt("GrpcCode", h.matcher_grpc.as_ref());
        });
    }
    string_members(
        x,
        "LoadBalancerArns",
        &r.target_group_load_balancers(&tg.arn),
    );
    x.el("TargetType", &tg.target_type)
        .opt("ProtocolVersion", tg.protocol_version.as_ref())
        .opt("IpAddressType", tg.ip_address_type.as_ref());
}

fn health_args(p: &Params) -> Result<HealthCheckArgs> {
    Ok(HealthCheckArgs {
        enabled: boolean(p, "HealthCheckEnabled")?,
        protocol: opt(p, "HealthCheckProtocol"),
        port: opt(p, "HealthCheckPort"),
        path: opt(p, "HealthCheckPath"),
        interval_seconds: int(p, "HealthCheckIntervalSeconds")?,
        timeout_seconds: int(p, "HealthCheckTimeoutSeconds")?,
        healthy_threshold: int(p, "HealthyThresholdCount")?,
        unhealthy_threshold: int(p, "UnhealthyThresholdCount")?,
        matcher_http: opt(p, "Matcher.HttpCode"),
        matcher_grpc: opt(p, "Matcher.GrpcCode"),
    })
}

pub async fn create_target_group(call: &Call<'_>, p: &Params) -> Result {
    let req = CreateTargetGroup {
        name: req(p, "Name")?,
        protocol: opt(p, "Protocol"),
        protocol_version: opt(p, "ProtocolVersion"),
        port: int(p, "Port")?,
        vpc_id: opt(p, "VpcId"),
        target_type: opt(p, "TargetType"),
        ip_address_type: opt(p, "IpAddressType"),
        health: health_args(p)?,
        tags: tags(p, "Tags")?,
    };
    write(call, move |r, now| {
        let arn = r.create_target_group(req, now)?;
        let tg = r.target_group(&arn)?;
        let mut x = Xml::new();
        x.members("TargetGroups", [tg], |x, tg| tg_xml(x, r, tg));
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_target_groups(call: &Call<'_>, p: &Params) -> Result {
    let req = DescribeTargetGroups {
        load_balancer_arn: opt(p, "LoadBalancerArn"),
        arns: list(p, "TargetGroupArns"),
        names: list(p, "Names"),
        paging: paging(p)?,
    };
    read(call, move |r, _| {
        let (page, next) = r.describe_target_groups(&req)?;
        let mut x = Xml::new();
        x.members("TargetGroups", page, |x, tg| tg_xml(x, r, tg));
        x.opt("NextMarker", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn modify_target_group(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "TargetGroupArn")?;
    let args = health_args(p)?;
    write(call, move |r, _| {
        r.modify_target_group(&arn, &args)?;
        let tg = r.target_group(&arn)?;
        let mut x = Xml::new();
        x.members("TargetGroups", [tg], |x, tg| tg_xml(x, r, tg));
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_target_group(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "TargetGroupArn")?;
    write(call, move |r, _| {
        r.delete_target_group(&arn).map(|_| String::new())
    })
    .await
}
