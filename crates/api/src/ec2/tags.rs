//! CreateTags / DeleteTags / DescribeTags across every taggable resource.

use super::{ok_return, read, write, Page, Result};
use crate::params::{parse_tags, Params};
use crate::xml::Xml;
use crate::Call;

pub async fn create_tags(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("ResourceId");
    let tags = parse_tags(p, "Tag")?;
    write(call, move |r, _| {
        r.create_tags(&ids, &tags).map(|_| ok_return())
    })
    .await
}

pub async fn delete_tags(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("ResourceId");
    // A tag without Value deletes the key whatever its value; with one, only that pair.
    let tags: Vec<(String, Option<String>)> = p
        .structs("Tag")
        .into_iter()
        .map(|t| {
            (
                t.get("Key").unwrap_or_default().to_string(),
                t.string("Value"),
            )
        })
        .collect();
    write(call, move |r, _| {
        r.delete_tags(&ids, &tags).map(|_| ok_return())
    })
    .await
}

pub async fn describe_tags(call: &Call<'_>, p: &Params) -> Result {
    let filters = p.filters();
    let page = Page::from(p, false, "", 5, 1000)?;
    read(call, move |r| {
        let all = r.describe_tags(&filters)?;
        let (items, next) = page.apply(
            all.into_iter()
                .enumerate()
                .map(|(i, t)| (i as u64 + 1, t))
                .collect(),
        );
        let mut x = Xml::new();
        x.list("tagSet", items, |x, (id, rtype, tag)| {
            x.el("resourceId", id)
                .el("resourceType", rtype)
                .el("key", &tag.key)
                .el("value", &tag.value);
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}
