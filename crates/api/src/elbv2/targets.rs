//! RegisterTargets, DeregisterTargets, DescribeTargetHealth.

use super::*;
use model::elb::targets::TargetSpec;

fn target_specs(p: &Params) -> Result<Vec<TargetSpec>> {
    if !p.has_prefix("Targets") && p.get("Targets").is_none() {
        return Err(err::missing("targets"));
    }
    let mut out = Vec::new();
    for (i, t) in structs(p, "Targets").iter().enumerate() {
        let id = t
            .get("Id")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| err::missing(&format!("targets.{}.member.id", i + 1)))?;
        out.push(TargetSpec {
            id: id.to_string(),
            port: int(t, "Port")?,
            availability_zone: opt(t, "AvailabilityZone"),
        });
    }
    Ok(out)
}

pub async fn register_targets(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "TargetGroupArn")?;
    let specs = target_specs(p)?;
    write(call, move |r, now| {
        r.register_targets(&arn, &specs, now).map(|_| String::new())
    })
    .await
}

pub async fn deregister_targets(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "TargetGroupArn")?;
    let specs = target_specs(p)?;
    let timing = timing(call);
    write(call, move |r, now| {
        r.deregister_targets(&arn, &specs, &timing, now)
            .map(|_| String::new())
    })
    .await
}

pub async fn describe_target_health(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "TargetGroupArn")?;
    let specs = if p.has_prefix("Targets") {
        target_specs(p)?
    } else {
        Vec::new()
    };
    let timing = timing(call);
    read(call, move |r, now| {
        let found = r.describe_target_health(&arn, &specs, &timing, now)?;
        let mut x = Xml::with_capacity(256 * found.len() + 64);
        x.members("TargetHealthDescriptions", &found, |x, d| {
            x.wrap("Target", |x| {
                x.el("Id", &d.id)
                    .opt("Port", d.port)
                    .opt("AvailabilityZone", d.availability_zone.as_ref());
            });
            x.opt("HealthCheckPort", d.health_check_port.as_ref());
            x.wrap("TargetHealth", |x| {
                x.el("State", d.health.state)
                    .opt("Reason", d.health.reason)
                    .opt("Description", d.health.description);
            });
        });
        Ok(x.into_string())
    })
    .await
}
