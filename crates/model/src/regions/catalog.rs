//! Static catalog of the AWS Regions of the commercial partition (`aws`), as
//! botocore lists them, with their Availability Zones and address pools.
//!
//! Pure data, no logic. Sources:
//! - Region codes and `long_name`: botocore `data/endpoints.json`, partition
//!   `aws`, field `description` (botocore 1.43.11).
//! - `opt_in_required`: AWS docs, "Regions that are disabled by default"
//!   (all Regions launched after 2019-03-20).
//! - AZ IDs: AWS docs, "AWS Availability Zones"
//!   (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html).
//!   Zone-name -> AZ-ID mappings are one real account's
//!   `describe-availability-zones` output where available; in the oldest Regions
//!   the mapping differs per account (any permutation is realistic).
//! - IPv4/IPv6 pools: AWS `ip-ranges.json`
//!   (https://ip-ranges.amazonaws.com/ip-ranges.json), copy of 2025-11-03
//!   (syncToken 1762205307); IPv6 VPC blocks also checked in a 2024 copy.
//!   `ec2_v4_pool` / `vpc_v6_pool` are prefixes listed with service `EC2`.
//!   `service_v4_pool` is a prefix listed only as `AMAZON`/`S3` (never as
//!   `EC2`); in newer Regions it may sit inside a wider EC2-listed block, but
//!   never overlaps `ec2_v4_pool`. "aggregate" marks a /22 whose four /24
//!   parts (or /24+/24+/23) are each listed as AMAZON for that Region.

use super::{RegionInfo, ZoneInfo};

pub static REGIONS: &[RegionInfo] = &[
    RegionInfo {
        name: "af-south-1",
        long_name: "Africa (Cape Town)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "af-south-1a",
                id: "afs1-az1",
            },
            ZoneInfo {
                name: "af-south-1b",
                id: "afs1-az2",
            },
            ZoneInfo {
                name: "af-south-1c",
                id: "afs1-az3",
            },
        ],
        ec2_v4_pool: "13.244.0.0/15",
        vpc_v6_pool: "2406:da11::/36",
        service_v4_pool: "13.246.248.0/22",
    },
    RegionInfo {
        name: "ap-east-1",
        long_name: "Asia Pacific (Hong Kong)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ap-east-1a",
                id: "ape1-az1",
            },
            ZoneInfo {
                name: "ap-east-1b",
                id: "ape1-az2",
            },
            ZoneInfo {
                name: "ap-east-1c",
                id: "ape1-az3",
            },
        ],
        ec2_v4_pool: "18.162.0.0/16",
        vpc_v6_pool: "2406:da1e::/32",
        service_v4_pool: "43.198.168.0/22",
    },
    RegionInfo {
        name: "ap-east-2",
        long_name: "Asia Pacific (Taipei)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ap-east-2a",
                id: "ape2-az1",
            },
            ZoneInfo {
                name: "ap-east-2b",
                id: "ape2-az2",
            },
            ZoneInfo {
                name: "ap-east-2c",
                id: "ape2-az3",
            },
        ],
        ec2_v4_pool: "43.212.0.0/15",
        vpc_v6_pool: "2600:1f20:c000::/36",
        service_v4_pool: "15.190.244.0/22",
    },
    RegionInfo {
        name: "ap-northeast-1",
        long_name: "Asia Pacific (Tokyo)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "ap-northeast-1a",
                id: "apne1-az4",
            },
            ZoneInfo {
                name: "ap-northeast-1c",
                id: "apne1-az1",
            },
            ZoneInfo {
                name: "ap-northeast-1d",
                id: "apne1-az2",
            },
        ],
        ec2_v4_pool: "13.112.0.0/14",
        vpc_v6_pool: "2406:da14::/36",
        service_v4_pool: "52.219.0.0/20",
    },
    RegionInfo {
        name: "ap-northeast-2",
        long_name: "Asia Pacific (Seoul)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "ap-northeast-2a",
                id: "apne2-az1",
            },
            ZoneInfo {
                name: "ap-northeast-2b",
                id: "apne2-az2",
            },
            ZoneInfo {
                name: "ap-northeast-2c",
                id: "apne2-az3",
            },
            ZoneInfo {
                name: "ap-northeast-2d",
                id: "apne2-az4",
            },
        ],
        ec2_v4_pool: "13.124.0.0/16",
        vpc_v6_pool: "2406:da12::/36",
        service_v4_pool: "52.219.204.0/22",
    },
    RegionInfo {
        name: "ap-northeast-3",
        long_name: "Asia Pacific (Osaka)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "ap-northeast-3a",
                id: "apne3-az3",
            },
            ZoneInfo {
                name: "ap-northeast-3b",
                id: "apne3-az1",
            },
            ZoneInfo {
                name: "ap-northeast-3c",
                id: "apne3-az2",
            },
        ],
        ec2_v4_pool: "13.208.0.0/16",
        vpc_v6_pool: "2406:da16::/36",
        service_v4_pool: "15.168.96.0/22",
    },
    RegionInfo {
        name: "ap-south-1",
        long_name: "Asia Pacific (Mumbai)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "ap-south-1a",
                id: "aps1-az1",
            },
            ZoneInfo {
                name: "ap-south-1b",
                id: "aps1-az3",
            },
            ZoneInfo {
                name: "ap-south-1c",
                id: "aps1-az2",
            },
        ],
        ec2_v4_pool: "13.232.0.0/14",
        vpc_v6_pool: "2406:da1a::/36",
        service_v4_pool: "52.219.64.0/22",
    },
    RegionInfo {
        name: "ap-south-2",
        long_name: "Asia Pacific (Hyderabad)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ap-south-2a",
                id: "aps2-az1",
            },
            ZoneInfo {
                name: "ap-south-2b",
                id: "aps2-az2",
            },
            ZoneInfo {
                name: "ap-south-2c",
                id: "aps2-az3",
            },
        ],
        ec2_v4_pool: "16.112.0.0/16",
        vpc_v6_pool: "2406:da1b::/36",
        service_v4_pool: "18.61.120.0/22",
    },
    RegionInfo {
        name: "ap-southeast-1",
        long_name: "Asia Pacific (Singapore)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "ap-southeast-1a",
                id: "apse1-az1",
            },
            ZoneInfo {
                name: "ap-southeast-1b",
                id: "apse1-az2",
            },
            ZoneInfo {
                name: "ap-southeast-1c",
                id: "apse1-az3",
            },
        ],
        ec2_v4_pool: "13.250.0.0/15",
        vpc_v6_pool: "2406:da18::/36",
        service_v4_pool: "16.12.48.0/21",
    },
    RegionInfo {
        name: "ap-southeast-2",
        long_name: "Asia Pacific (Sydney)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "ap-southeast-2a",
                id: "apse2-az1",
            },
            ZoneInfo {
                name: "ap-southeast-2b",
                id: "apse2-az3",
            },
            ZoneInfo {
                name: "ap-southeast-2c",
                id: "apse2-az2",
            },
        ],
        ec2_v4_pool: "13.236.0.0/14",
        vpc_v6_pool: "2406:da1c::/36",
        service_v4_pool: "52.95.128.0/21",
    },
    RegionInfo {
        name: "ap-southeast-3",
        long_name: "Asia Pacific (Jakarta)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ap-southeast-3a",
                id: "apse3-az1",
            },
            ZoneInfo {
                name: "ap-southeast-3b",
                id: "apse3-az2",
            },
            ZoneInfo {
                name: "ap-southeast-3c",
                id: "apse3-az3",
            },
        ],
        ec2_v4_pool: "108.136.0.0/15",
        vpc_v6_pool: "2406:da19::/36",
        service_v4_pool: "43.218.160.0/22",
    },
    RegionInfo {
        name: "ap-southeast-4",
        long_name: "Asia Pacific (Melbourne)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ap-southeast-4a",
                id: "apse4-az1",
            },
            ZoneInfo {
                name: "ap-southeast-4b",
                id: "apse4-az2",
            },
            ZoneInfo {
                name: "ap-southeast-4c",
                id: "apse4-az3",
            },
        ],
        ec2_v4_pool: "16.26.0.0/16",
        vpc_v6_pool: "2406:da1f::/36",
        service_v4_pool: "16.51.32.0/22",
    },
    RegionInfo {
        name: "ap-southeast-5",
        long_name: "Asia Pacific (Malaysia)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ap-southeast-5a",
                id: "apse5-az1",
            },
            ZoneInfo {
                name: "ap-southeast-5b",
                id: "apse5-az2",
            },
            ZoneInfo {
                name: "ap-southeast-5c",
                id: "apse5-az3",
            },
        ],
        ec2_v4_pool: "43.216.0.0/15",
        vpc_v6_pool: "2406:da32:800::/40", // EC2-listed /40; VPC-block role unverified
        service_v4_pool: "15.190.32.0/20",
    },
    RegionInfo {
        name: "ap-southeast-6",
        long_name: "Asia Pacific (New Zealand)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ap-southeast-6a",
                id: "apse6-az1",
            },
            ZoneInfo {
                name: "ap-southeast-6b",
                id: "apse6-az2",
            },
            ZoneInfo {
                name: "ap-southeast-6c",
                id: "apse6-az3",
            },
        ],
        ec2_v4_pool: "46.168.0.0/15",
        vpc_v6_pool: "2406:da36:2800::/40", // EC2-listed /40; VPC-block role unverified
        service_v4_pool: "3.102.48.0/22",   // aggregate; unverified as a single entry
    },
    RegionInfo {
        name: "ap-southeast-7",
        long_name: "Asia Pacific (Thailand)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ap-southeast-7a",
                id: "apse7-az1",
            },
            ZoneInfo {
                name: "ap-southeast-7b",
                id: "apse7-az2",
            },
            ZoneInfo {
                name: "ap-southeast-7c",
                id: "apse7-az3",
            },
        ],
        ec2_v4_pool: "43.210.0.0/15",
        vpc_v6_pool: "2406:da30:4800::/40", // EC2-listed /40; VPC-block role unverified
        service_v4_pool: "43.208.52.0/22",  // aggregate of four listed AMAZON /24s
    },
    RegionInfo {
        name: "ca-central-1",
        long_name: "Canada (Central)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "ca-central-1a",
                id: "cac1-az1",
            },
            ZoneInfo {
                name: "ca-central-1b",
                id: "cac1-az2",
            },
            ZoneInfo {
                name: "ca-central-1d",
                id: "cac1-az4",
            },
        ],
        ec2_v4_pool: "3.96.0.0/15",
        vpc_v6_pool: "2600:1f11::/36",
        service_v4_pool: "15.156.212.0/22",
    },
    RegionInfo {
        name: "ca-west-1",
        long_name: "Canada West (Calgary)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "ca-west-1a",
                id: "caw1-az1",
            },
            ZoneInfo {
                name: "ca-west-1b",
                id: "caw1-az2",
            },
            ZoneInfo {
                name: "ca-west-1c",
                id: "caw1-az3",
            },
        ],
        ec2_v4_pool: "56.112.0.0/16",
        vpc_v6_pool: "2600:1f1a:4000::/36",
        service_v4_pool: "40.176.80.0/22", // unverified (holds listed AMAZON 40.176.82.0/24, 40.176.83.0/24)
    },
    RegionInfo {
        name: "eu-central-1",
        long_name: "Europe (Frankfurt)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "eu-central-1a",
                id: "euc1-az2",
            },
            ZoneInfo {
                name: "eu-central-1b",
                id: "euc1-az3",
            },
            ZoneInfo {
                name: "eu-central-1c",
                id: "euc1-az1",
            },
        ],
        ec2_v4_pool: "3.120.0.0/14",
        vpc_v6_pool: "2a05:d014::/35",
        service_v4_pool: "16.12.24.0/21",
    },
    RegionInfo {
        name: "eu-central-2",
        long_name: "Europe (Zurich)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "eu-central-2a",
                id: "euc2-az1",
            },
            ZoneInfo {
                name: "eu-central-2b",
                id: "euc2-az2",
            },
            ZoneInfo {
                name: "eu-central-2c",
                id: "euc2-az3",
            },
        ],
        ec2_v4_pool: "51.34.0.0/16",
        vpc_v6_pool: "2a05:d019::/36",
        service_v4_pool: "16.63.88.0/22",
    },
    RegionInfo {
        name: "eu-north-1",
        long_name: "Europe (Stockholm)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "eu-north-1a",
                id: "eun1-az1",
            },
            ZoneInfo {
                name: "eu-north-1b",
                id: "eun1-az2",
            },
            ZoneInfo {
                name: "eu-north-1c",
                id: "eun1-az3",
            },
        ],
        ec2_v4_pool: "13.48.0.0/15",
        vpc_v6_pool: "2a05:d016::/36",
        service_v4_pool: "16.171.80.0/22",
    },
    RegionInfo {
        name: "eu-south-1",
        long_name: "Europe (Milan)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "eu-south-1a",
                id: "eus1-az1",
            },
            ZoneInfo {
                name: "eu-south-1b",
                id: "eus1-az2",
            },
            ZoneInfo {
                name: "eu-south-1c",
                id: "eus1-az3",
            },
        ],
        ec2_v4_pool: "15.161.0.0/16",
        vpc_v6_pool: "2a05:d01a::/36",
        service_v4_pool: "18.102.160.0/22",
    },
    RegionInfo {
        name: "eu-south-2",
        long_name: "Europe (Spain)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "eu-south-2a",
                id: "eus2-az1",
            },
            ZoneInfo {
                name: "eu-south-2b",
                id: "eus2-az2",
            },
            ZoneInfo {
                name: "eu-south-2c",
                id: "eus2-az3",
            },
        ],
        ec2_v4_pool: "51.92.0.0/16",
        vpc_v6_pool: "2a05:d011::/36",
        service_v4_pool: "18.101.80.0/22",
    },
    RegionInfo {
        name: "eu-west-1",
        long_name: "Europe (Ireland)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "eu-west-1a",
                id: "euw1-az2",
            },
            ZoneInfo {
                name: "eu-west-1b",
                id: "euw1-az3",
            },
            ZoneInfo {
                name: "eu-west-1c",
                id: "euw1-az1",
            },
        ],
        ec2_v4_pool: "3.248.0.0/13",
        vpc_v6_pool: "2a05:d018::/36",
        service_v4_pool: "52.218.0.0/17",
    },
    RegionInfo {
        name: "eu-west-2",
        long_name: "Europe (London)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "eu-west-2a",
                id: "euw2-az2",
            },
            ZoneInfo {
                name: "eu-west-2b",
                id: "euw2-az3",
            },
            ZoneInfo {
                name: "eu-west-2c",
                id: "euw2-az1",
            },
        ],
        ec2_v4_pool: "35.176.0.0/15",
        vpc_v6_pool: "2a05:d01c::/36",
        service_v4_pool: "13.43.44.0/22",
    },
    RegionInfo {
        name: "eu-west-3",
        long_name: "Europe (Paris)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "eu-west-3a",
                id: "euw3-az1",
            },
            ZoneInfo {
                name: "eu-west-3b",
                id: "euw3-az2",
            },
            ZoneInfo {
                name: "eu-west-3c",
                id: "euw3-az3",
            },
        ],
        ec2_v4_pool: "35.180.0.0/16",
        vpc_v6_pool: "2a05:d012::/36",
        service_v4_pool: "13.39.220.0/22",
    },
    RegionInfo {
        name: "il-central-1",
        long_name: "Israel (Tel Aviv)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "il-central-1a",
                id: "ilc1-az1",
            },
            ZoneInfo {
                name: "il-central-1b",
                id: "ilc1-az2",
            },
            ZoneInfo {
                name: "il-central-1c",
                id: "ilc1-az3",
            },
        ],
        ec2_v4_pool: "51.85.0.0/16",
        vpc_v6_pool: "2a05:d015::/36",
        service_v4_pool: "51.16.240.0/22",
    },
    RegionInfo {
        name: "me-central-1",
        long_name: "Middle East (UAE)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "me-central-1a",
                id: "mec1-az1",
            },
            ZoneInfo {
                name: "me-central-1b",
                id: "mec1-az2",
            },
            ZoneInfo {
                name: "me-central-1c",
                id: "mec1-az3",
            },
        ],
        ec2_v4_pool: "40.172.0.0/16",
        vpc_v6_pool: "2406:da17::/36",
        service_v4_pool: "3.29.156.0/22",
    },
    RegionInfo {
        name: "me-south-1",
        long_name: "Middle East (Bahrain)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "me-south-1a",
                id: "mes1-az1",
            },
            ZoneInfo {
                name: "me-south-1b",
                id: "mes1-az2",
            },
            ZoneInfo {
                name: "me-south-1c",
                id: "mes1-az3",
            },
        ],
        ec2_v4_pool: "15.185.0.0/16",
        vpc_v6_pool: "2a05:d01e::/36",
        service_v4_pool: "16.24.32.0/22",
    },
    RegionInfo {
        name: "mx-central-1",
        long_name: "Mexico (Central)",
        opt_in_required: true,
        zones: &[
            ZoneInfo {
                name: "mx-central-1a",
                id: "mxc1-az1",
            },
            ZoneInfo {
                name: "mx-central-1b",
                id: "mxc1-az2",
            },
            ZoneInfo {
                name: "mx-central-1c",
                id: "mxc1-az3",
            },
        ],
        ec2_v4_pool: "78.14.0.0/15",
        vpc_v6_pool: "2600:1f30:7400::/40", // EC2-listed /40; VPC-block role unverified
        service_v4_pool: "78.12.60.0/22",   // aggregate of four listed AMAZON /24s
    },
    RegionInfo {
        name: "sa-east-1",
        long_name: "South America (Sao Paulo)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "sa-east-1a",
                id: "sae1-az1",
            },
            ZoneInfo {
                name: "sa-east-1b",
                id: "sae1-az2",
            },
            ZoneInfo {
                name: "sa-east-1c",
                id: "sae1-az3",
            },
        ],
        ec2_v4_pool: "18.228.0.0/16",
        vpc_v6_pool: "2600:1f1e::/36",
        service_v4_pool: "15.229.200.0/22",
    },
    RegionInfo {
        name: "us-east-1",
        long_name: "US East (N. Virginia)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "us-east-1a",
                id: "use1-az4",
            },
            ZoneInfo {
                name: "us-east-1b",
                id: "use1-az6",
            },
            ZoneInfo {
                name: "us-east-1c",
                id: "use1-az1",
            },
            ZoneInfo {
                name: "us-east-1d",
                id: "use1-az2",
            },
            ZoneInfo {
                name: "us-east-1e",
                id: "use1-az3",
            },
            ZoneInfo {
                name: "us-east-1f",
                id: "use1-az5",
            },
        ],
        ec2_v4_pool: "3.80.0.0/12",
        vpc_v6_pool: "2600:1f18::/33",
        service_v4_pool: "16.182.0.0/16",
    },
    RegionInfo {
        name: "us-east-2",
        long_name: "US East (Ohio)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "us-east-2a",
                id: "use2-az1",
            },
            ZoneInfo {
                name: "us-east-2b",
                id: "use2-az2",
            },
            ZoneInfo {
                name: "us-east-2c",
                id: "use2-az3",
            },
        ],
        ec2_v4_pool: "3.136.0.0/13",
        vpc_v6_pool: "2600:1f16::/34",
        service_v4_pool: "52.219.80.0/20",
    },
    RegionInfo {
        name: "us-west-1",
        long_name: "US West (N. California)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "us-west-1a",
                id: "usw1-az1",
            },
            ZoneInfo {
                name: "us-west-1b",
                id: "usw1-az3",
            },
        ],
        ec2_v4_pool: "13.56.0.0/16",
        vpc_v6_pool: "2600:1f1c::/36",
        service_v4_pool: "52.219.112.0/21",
    },
    RegionInfo {
        name: "us-west-2",
        long_name: "US West (Oregon)",
        opt_in_required: false,
        zones: &[
            ZoneInfo {
                name: "us-west-2a",
                id: "usw2-az2",
            },
            ZoneInfo {
                name: "us-west-2b",
                id: "usw2-az1",
            },
            ZoneInfo {
                name: "us-west-2c",
                id: "usw2-az3",
            },
            ZoneInfo {
                name: "us-west-2d",
                id: "usw2-az4",
            },
        ],
        ec2_v4_pool: "35.160.0.0/13",
        vpc_v6_pool: "2600:1f14::/34",
        service_v4_pool: "52.218.128.0/17",
    },
];
