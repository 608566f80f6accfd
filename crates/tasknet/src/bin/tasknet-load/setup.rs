//! The setup the load modes share: a VPC whose main route table sends
//! 0.0.0.0/0 to an internet gateway (tasks with a public IP reach their
//! image), its subnets, security groups, and an ECS cluster with a Fargate
//! task definition.

use super::{must, xml_value, Conn};

/// One value of an EC2 answer, or an error naming what is missing.
fn field(body: &[u8], tag: &str) -> Result<String, String> {
    xml_value(body, tag).ok_or(format!("no {tag}"))
}

/// The VPC id and its subnet ids, in the order given. `subnets` are
/// (CIDR, zone letter or "" for any zone).
pub async fn public_vpc(
    c: &mut Conn,
    cidr: &str,
    subnets: &[(&str, &str)],
) -> Result<(String, Vec<String>), String> {
    let enc = |s: &str| s.replace('/', "%2F");
    let vpc = field(
        &must(
            c.ec2(&format!("Action=CreateVpc&CidrBlock={}", enc(cidr)))
                .await,
            "CreateVpc",
        )
        .await?,
        "vpcId",
    )?;
    let mut ids = Vec::new();
    for (block, az) in subnets {
        let zone = if az.is_empty() {
            String::new()
        } else {
            format!("&AvailabilityZone={}{az}", c.region)
        };
        let b = c
            .ec2(&format!(
                "Action=CreateSubnet&VpcId={vpc}&CidrBlock={}{zone}",
                enc(block)
            ))
            .await;
        ids.push(field(&must(b, "CreateSubnet").await?, "subnetId")?);
    }
    let igw = field(
        &must(
            c.ec2("Action=CreateInternetGateway").await,
            "CreateInternetGateway",
        )
        .await?,
        "internetGatewayId",
    )?;
    must(
        c.ec2(&format!(
            "Action=AttachInternetGateway&InternetGatewayId={igw}&VpcId={vpc}"
        ))
        .await,
        "AttachInternetGateway",
    )
    .await?;
    let rts = must(
        c.ec2(&format!(
            "Action=DescribeRouteTables&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}"
        ))
        .await,
        "DescribeRouteTables",
    )
    .await?;
    let main = field(&rts, "routeTableId")?;
    must(
        c.ec2(&format!(
            "Action=CreateRoute&RouteTableId={main}&DestinationCidrBlock=0.0.0.0%2F0&GatewayId={igw}"
        ))
        .await,
        "CreateRoute",
    )
    .await?;
    Ok((vpc, ids))
}

/// A security group of the VPC named (and described) `name`.
pub async fn security_group(c: &mut Conn, vpc: &str, name: &str) -> Result<String, String> {
    let b = c
        .ec2(&format!(
            "Action=CreateSecurityGroup&VpcId={vpc}&GroupName={name}&GroupDescription={name}"
        ))
        .await;
    field(&must(b, "CreateSecurityGroup").await?, "groupId")
}

/// An `alb` group and a `tasks` group that admits it on TCP 8080: the
/// load balancer's and its targets'.
pub async fn alb_and_task_groups(c: &mut Conn, vpc: &str) -> Result<(String, String), String> {
    let alb_sg = security_group(c, vpc, "alb").await?;
    let task_sg = security_group(c, vpc, "tasks").await?;
    must(
        c.ec2(&format!(
            "Action=AuthorizeSecurityGroupIngress&GroupId={task_sg}&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=8080&IpPermissions.1.ToPort=8080&IpPermissions.1.Groups.1.GroupId={alb_sg}"
        ))
        .await,
        "AuthorizeSecurityGroupIngress",
    )
    .await?;
    Ok((alb_sg, task_sg))
}

/// Cluster `cluster` and task definition `family`: one container `app`
/// (a public image), listening on `port` if given.
pub async fn cluster_and_task_definition(
    c: &mut Conn,
    cluster: &str,
    family: &str,
    port: Option<u16>,
) -> Result<(), String> {
    must(
        c.ecs(
            "CreateCluster",
            &serde_json::json!({ "clusterName": cluster }).to_string(),
        )
        .await,
        "CreateCluster",
    )
    .await?;
    let mut app = serde_json::json!({"name": "app", "image": "public.ecr.aws/nginx/nginx:latest"});
    if let Some(p) = port {
        app["portMappings"] = serde_json::json!([{ "containerPort": p }]);
    }
    let td = serde_json::json!({
        "family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512", "containerDefinitions": [app],
    });
    must(
        c.ecs("RegisterTaskDefinition", &td.to_string()).await,
        "RegisterTaskDefinition",
    )
    .await?;
    Ok(())
}
