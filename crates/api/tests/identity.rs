//! Who a request acts as, through the real wire path: SigV4 verification
//! with the configured root key and keys from CreateAccessKey, and the
//! account a key acts in when signatures are not verified.

use api::{Api, AuthConfig, Request, RootKey};
use control::{Control, Settings};
use model::ecs::Lifecycle;
use std::sync::Arc;
use store::SqliteStore;

const ACCOUNT: &str = "123456789012";
const ROOT_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const ROOT_SECRET: &str = "root-secret";

fn api(verify: bool) -> Api {
    let settings = Settings {
        account_id: ACCOUNT.into(),
        default_region: "us-east-1".into(),
        lifecycle: Lifecycle::fast(),
        elb: model::elb::ElbTiming::fast(),
    };
    let control = Control::start(Box::new(SqliteStore::in_memory().unwrap()), settings).unwrap();
    Api::with_auth(
        Arc::new(control),
        AuthConfig {
            verify_signatures: verify,
            root_key: Some(RootKey {
                access_key_id: ROOT_KEY.into(),
                secret_access_key: ROOT_SECRET.into(),
            }),
        },
    )
}

fn now() -> i64 {
    control::now().0 / 1000
}

/// A query request (IAM or STS), signed with `key` unless it is `None`.
fn query(service: &str, body: &str, key: Option<(&str, &str)>) -> Request {
    let mut r = Request {
        method: "POST".into(),
        path: "/".into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: body.as_bytes().to_vec(),
        ..Default::default()
    };
    if let Some((k, s)) = key {
        api::sigv4::sign(&mut r, k, s, "us-east-1", service, now());
    }
    r
}

fn ecs_list_clusters(key: (&str, &str)) -> Request {
    let mut r = Request {
        method: "POST".into(),
        path: "/".into(),
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.1".into()),
            (
                "x-amz-target".into(),
                "AmazonEC2ContainerServiceV20141113.ListClusters".into(),
            ),
        ],
        body: b"{}".to_vec(),
        ..Default::default()
    };
    api::sigv4::sign(&mut r, key.0, key.1, "us-east-1", "ecs", now());
    r
}

const WHO: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// The text of the first `<tag>` of an XML body.
fn el(body: &[u8], tag: &str) -> String {
    let s = String::from_utf8_lossy(body);
    let open = format!("<{tag}>");
    let start = s.find(&open).map(|i| i + open.len()).unwrap_or(0);
    let end = s[start..].find('<').map(|i| start + i).unwrap_or(start);
    s[start..end].to_string()
}

#[tokio::test]
async fn verified_keys_act_as_their_owner() {
    let api = api(true);
    let root = Some((ROOT_KEY, ROOT_SECRET));
    let r = api.handle(query("sts", WHO, root)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(el(&r.body, "Arn"), format!("arn:aws:iam::{ACCOUNT}:root"));
    assert_eq!(el(&r.body, "UserId"), ACCOUNT);

    let r = api
        .handle(query(
            "iam",
            "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=/dev/",
            root,
        ))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let user_id = el(&r.body, "UserId");
    let r = api
        .handle(query(
            "iam",
            "Action=CreateAccessKey&Version=2010-05-08&UserName=alice",
            root,
        ))
        .await;
    let (key, secret) = (el(&r.body, "AccessKeyId"), el(&r.body, "SecretAccessKey"));
    assert!(key.starts_with("AKIA") && secret.len() == 40);

    let r = api.handle(query("sts", WHO, Some((&key, &secret)))).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        el(&r.body, "Arn"),
        format!("arn:aws:iam::{ACCOUNT}:user/dev/alice")
    );
    assert_eq!(el(&r.body, "UserId"), user_id);
    let r = api.handle(ecs_list_clusters((&key, &secret))).await;
    assert_eq!(r.status, 200);

    // Refusals, in each protocol's words.
    let r = api.handle(query("sts", WHO, Some((&key, "wrong")))).await;
    assert_eq!(
        (r.status, el(&r.body, "Code")),
        (403, "SignatureDoesNotMatch".into())
    );
    let r = api.handle(ecs_list_clusters((&key, "wrong"))).await;
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        (r.status, v["__type"].as_str()),
        (400, Some("InvalidSignatureException"))
    );
    let r = api.handle(query("sts", WHO, None)).await;
    assert_eq!(
        (r.status, el(&r.body, "Code")),
        (403, "MissingAuthenticationToken".into())
    );
    let r = api
        .handle(query("sts", WHO, Some(("111111111111", "x"))))
        .await;
    assert_eq!(
        (r.status, el(&r.body, "Code")),
        (403, "InvalidClientTokenId".into())
    );
}

#[tokio::test]
async fn unverified_keys_name_their_account_and_inactive_ones_are_refused() {
    let api = api(false);
    let r = api
        .handle(query("sts", WHO, Some(("111111111111", "any"))))
        .await;
    assert_eq!(el(&r.body, "Account"), "111111111111");
    let r = api.handle(query("sts", WHO, Some(("test", "any")))).await;
    assert_eq!(el(&r.body, "Account"), ACCOUNT);
    let r = api.handle(query("sts", WHO, None)).await;
    assert_eq!(el(&r.body, "Account"), ACCOUNT);

    // A root key made in account 2222…: it acts there, whatever the secret.
    let other = Some(("222222222222", "any"));
    let r = api
        .handle(query(
            "iam",
            "Action=CreateAccessKey&Version=2010-05-08",
            other,
        ))
        .await;
    let key = el(&r.body, "AccessKeyId");
    let r = api
        .handle(query("sts", WHO, Some((&key, "not checked"))))
        .await;
    assert_eq!(el(&r.body, "Arn"), "arn:aws:iam::222222222222:root");
    let body =
        format!("Action=UpdateAccessKey&Version=2010-05-08&AccessKeyId={key}&Status=Inactive");
    assert_eq!(api.handle(query("iam", &body, other)).await.status, 200);
    let r = api.handle(query("sts", WHO, Some((&key, "x")))).await;
    assert_eq!(
        (r.status, el(&r.body, "Code")),
        (403, "InvalidClientTokenId".into())
    );
    // Account 1111… knows nothing of that key.
    let body = format!("Action=DeleteAccessKey&Version=2010-05-08&AccessKeyId={key}");
    let r = api
        .handle(query("iam", &body, Some(("111111111111", "any"))))
        .await;
    assert_eq!(
        (r.status, el(&r.body, "Code")),
        (404, "NoSuchEntity".into())
    );
}
