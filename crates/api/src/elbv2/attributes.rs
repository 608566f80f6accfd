//! DescribeLoadBalancerAttributes, ModifyLoadBalancerAttributes,
//! DescribeTargetGroupAttributes, ModifyTargetGroupAttributes.

use super::*;
use model::elb::attributes::{lb_attributes, tg_attributes};

fn pairs(p: &Params) -> Result<Vec<(String, String)>> {
    if !p.has_prefix("Attributes") && p.get("Attributes").is_none() {
        return Err(err::missing("attributes"));
    }
    Ok(structs(p, "Attributes")
        .iter()
        .map(|a| {
            (
                a.get("Key").unwrap_or_default().to_string(),
                a.get("Value").unwrap_or_default().to_string(),
            )
        })
        .collect())
}

fn xml(attrs: &[(String, String)]) -> String {
    let mut x = Xml::new();
    attributes_xml(&mut x, attrs);
    x.into_string()
}

pub async fn describe_load_balancer_attributes(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "LoadBalancerArn")?;
    read(call, move |r, _| {
        Ok(xml(&lb_attributes(r.load_balancer(&arn)?)))
    })
    .await
}

pub async fn modify_load_balancer_attributes(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "LoadBalancerArn")?;
    let attrs = pairs(p)?;
    write(call, move |r, _| {
        Ok(xml(&r.modify_load_balancer_attributes(&arn, &attrs)?))
    })
    .await
}

pub async fn describe_target_group_attributes(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "TargetGroupArn")?;
    read(call, move |r, _| {
        Ok(xml(&tg_attributes(r.target_group(&arn)?)))
    })
    .await
}

pub async fn modify_target_group_attributes(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "TargetGroupArn")?;
    let attrs = pairs(p)?;
    write(call, move |r, _| {
        Ok(xml(&r.modify_target_group_attributes(&arn, &attrs)?))
    })
    .await
}
