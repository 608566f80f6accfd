//! AddTags, RemoveTags, DescribeTags.

use super::*;

pub async fn add_tags(call: &Call<'_>, p: &Params) -> Result {
    let arns = req_list(p, "ResourceArns")?;
    if !p.has_prefix("Tags") && p.get("Tags").is_none() {
        return Err(err::missing("tags"));
    }
    let tags = tags(p, "Tags")?;
    write(call, move |r, _| {
        r.elb_add_tags(&arns, &tags).map(|_| String::new())
    })
    .await
}

pub async fn remove_tags(call: &Call<'_>, p: &Params) -> Result {
    let arns = req_list(p, "ResourceArns")?;
    let keys = req_list(p, "TagKeys")?;
    write(call, move |r, _| {
        r.elb_remove_tags(&arns, &keys).map(|_| String::new())
    })
    .await
}

pub async fn describe_tags(call: &Call<'_>, p: &Params) -> Result {
    let arns = req_list(p, "ResourceArns")?;
    read(call, move |r, _| {
        let found = r.elb_describe_tags(&arns)?;
        let mut x = Xml::new();
        x.members("TagDescriptions", &found, |x, (arn, tags)| {
            x.el("ResourceArn", arn);
            tags_xml(x, tags);
        });
        Ok(x.into_string())
    })
    .await
}
