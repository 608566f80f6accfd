//! A data directory written by an earlier release loads in this one, with
//! every record as that release described it. The fixtures are made by
//! `scripts/make-upgrade-fixture.py` and kept in `tests/fixtures/upgrade/`;
//! `tests/e2e/test_upgrade.py` compares the wire answers too.

use control::{Control, Settings};
use model::ecs::Lifecycle;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/upgrade")
}

fn settings() -> Settings {
    Settings {
        account_id: "123456789012".into(),
        default_region: "us-east-1".into(),
        lifecycle: Lifecycle {
            // Fixtures are older than any retention period.
            retention_ms: i64::MAX / 4,
            ..Lifecycle::fast()
        },
        elb: model::elb::ElbTiming::fast(),
    }
}

/// A private copy of a fixture's data directory.
fn copy_fixture(name: &str) -> (PathBuf, Value) {
    let src = fixtures().join(name);
    let dir = std::env::temp_dir().join(format!("tasknet-upgrade-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.join(f.file_name())).unwrap();
    }
    let answers =
        serde_json::from_slice(&std::fs::read(src.join("answers.json")).unwrap()).unwrap();
    (dir, answers)
}

fn id<'a>(answers: &'a Value, name: &str) -> &'a str {
    answers["ids"][name].as_str().unwrap()
}

#[tokio::test]
async fn release_0_1_0_data_directory_loads_with_every_record() {
    let (dir, answers) = copy_fixture("v0.1.0-00e0f0d");
    let c = Control::open(&dir, settings()).expect("the old data directory opens");
    let a = answers.clone();
    let checked = c
        .read("123456789012", move |w| {
            let r = w.region("us-east-1").unwrap();
            let vpc = r.vpcs.get(id(&a, "vpc")).expect("vpc");
            assert_eq!(
                vpc.cidr_blocks.len(),
                2,
                "primary and secondary IPv4 blocks"
            );
            assert_eq!(vpc.ipv6_blocks.len(), 1);
            for s in ["public_subnet", "private_subnet"] {
                assert!(r.subnets.contains(id(&a, s)), "{s}");
            }
            for (table_has, name) in [
                (r.internet_gateways.contains(id(&a, "igw")), "igw"),
                (r.egress_only_gateways.contains(id(&a, "eigw")), "eigw"),
                (r.nat_gateways.contains(id(&a, "nat")), "nat"),
                (r.addresses.contains(id(&a, "eip")), "eip"),
                (r.route_tables.contains(id(&a, "public_route_table")), "rtb"),
                (
                    r.route_tables.contains(id(&a, "private_route_table")),
                    "rtb",
                ),
                (r.security_groups.contains(id(&a, "sg")), "sg"),
                (r.network_acls.contains(id(&a, "acl")), "acl"),
                (r.dhcp_options.contains(id(&a, "dhcp")), "dopt"),
                (
                    r.vpc_endpoints.contains(id(&a, "interface_endpoint")),
                    "vpce",
                ),
                (r.vpc_endpoints.contains(id(&a, "s3_endpoint")), "vpce"),
                (r.enis.contains(id(&a, "eni")), "eni"),
            ] {
                assert!(table_has, "{name} was not loaded");
            }
            let sg = r.security_groups.get(id(&a, "sg")).unwrap();
            assert_eq!(
                sg.rules.iter().filter(|x| !x.egress).count(),
                2,
                "both ingress rules"
            );
            assert_eq!(r.ecs.task_definitions.len(), 3);
            // Release 0.1.0 stored each definition as the client's JSON
            // (ecs-taskdef version 1); it is typed now, and describes exactly
            // as that release described it.
            for answer in [
                "describe_task_definition_1",
                "describe_task_definition_2",
                "describe_task_definition_batch",
            ] {
                let mut want = a["ecs"][answer]["taskDefinition"].clone();
                let arn = want["taskDefinitionArn"].as_str().unwrap();
                let key = arn.rsplit_once("task-definition/").unwrap().1;
                let td = r.ecs.task_definitions.get(key).expect(key);
                let mut got = r.task_definition_json(td);
                // boto3 recorded the time as a date; the wire has epoch seconds.
                want.as_object_mut().unwrap().remove("registeredAt");
                got.as_object_mut().unwrap().remove("registeredAt");
                assert_eq!(got, want, "{answer}");
                // Image, port mappings, environment and log configuration
                // survived member by member.
                let c = &td.spec.container_definitions[0];
                let w = &want["containerDefinitions"][0];
                assert_eq!(c.image.as_deref(), w["image"].as_str(), "{answer}");
                assert_eq!(
                    serde_json::to_value(&c.port_mappings).unwrap(),
                    w["portMappings"],
                    "{answer}"
                );
                assert_eq!(
                    serde_json::to_value(&c.environment).unwrap(),
                    w["environment"],
                    "{answer}"
                );
                assert_eq!(
                    serde_json::to_value(&c.log_configuration).unwrap(),
                    w["logConfiguration"],
                    "{answer}"
                );
            }
            let web1 = &r.ecs.task_definitions.get("web:1").unwrap().spec;
            let c = &web1.container_definitions[0];
            assert_eq!(
                c.image.as_deref(),
                Some("public.ecr.aws/nginx/nginx:latest")
            );
            assert_eq!(c.port_mappings[0].container_port, Some(8080));
            assert_eq!(c.port_mappings[0].host_port, Some(8080));
            assert_eq!(c.port_mappings[0].protocol.as_deref(), Some("tcp"));
            assert_eq!(c.environment[0].name.as_deref(), Some("MODE"));
            assert_eq!(c.environment[0].value.as_deref(), Some("fixture"));
            let log = c.log_configuration.as_ref().unwrap();
            assert_eq!(log.log_driver.as_deref(), Some("awslogs"));
            assert_eq!(log.options.as_ref().unwrap()["awslogs-group"], "/ecs/web");
            assert!(r.ecs.clusters.contains("fixture"));
            let statuses: Vec<&str> = a["ecs"]["describe_tasks"]["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    let arn = t["taskArn"].as_str().unwrap();
                    let tid = arn.rsplit('/').next().unwrap();
                    let task = r.ecs.tasks.get(tid).expect("task");
                    assert_eq!(task.last_status.as_str(), t["lastStatus"].as_str().unwrap());
                    // ecs-launch version 1 kept the overrides as JSON; typed now.
                    assert_eq!(
                        serde_json::to_value(&task.overrides).unwrap(),
                        t["overrides"]
                    );
                    assert_eq!(
                        task.attachment.private_ipv4.as_deref(),
                        t["attachments"][0]["details"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|d| d["name"] == "privateIPv4Address")
                            .and_then(|d| d["value"].as_str())
                    );
                    task.last_status.as_str()
                })
                .collect();
            assert!(w.role("ecsTaskExecutionRole").is_ok());
            // Derived state is rebuilt from the loaded records: each task ENI
            // and the user ENI hold an address of their subnet.
            let s = r.subnets.get(id(&a, "public_subnet")).unwrap();
            let used = 251 - r.available_ip_count(&s.id);
            assert!(used >= 2, "the running tasks' ENIs hold addresses: {used}");
            statuses.len()
        })
        .await
        .unwrap();
    assert_eq!(checked, 3);
    // The store was upgraded in place and its files are private now.
    c.shutdown();
    let mode = std::fs::metadata(dir.join("tasknet.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the fixture's 0644 file is made private"
    );
    // And it opens again as a current store, with the same content.
    let c = Control::open(&dir, settings()).expect("reopens after the upgrade");
    let n = c
        .read("123456789012", |w| {
            w.region("us-east-1").unwrap().ecs.tasks.len()
        })
        .await
        .unwrap();
    assert_eq!(n, 3);
    // Writes work on the upgraded store.
    let vpc = c
        .write("123456789012", |w, now| {
            w.region_mut("us-east-1")?.create_vpc(
                model::ec2::vpc::CreateVpc {
                    cidr_block: Some("10.77.0.0/16".into()),
                    ..Default::default()
                },
                now,
            )
        })
        .await
        .unwrap();
    assert!(vpc.starts_with("vpc-"));
    c.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
