//! Prefix lists: the AWS-managed ones (`DescribePrefixLists`, and beside the
//! customer-managed ones in `DescribeManagedPrefixLists`) and the lists users
//! create, modify, restore and delete.

use super::endpoints::{check_filters, filters_match, numbered};
use super::{id_list, id_req, read, write, Idempotency, Page, Result};
use crate::params::Params;
use crate::xml::Xml;
use crate::Call;
use model::ec2::err::{self, Kind};
use model::ec2::prefix_list::{
    list_not_found, CreatePrefixList, EntryArgs, ModifyPrefixList, PrefixList,
};
use model::filter::{check_id_values, Filter};
use model::services::ManagedPrefixList;
use model::{ApiError, Region};

/// A list as DescribeManagedPrefixLists shows it: AWS's or the account's.
enum AnyList<'a> {
    Aws(ManagedPrefixList),
    Customer(&'a PrefixList),
}

impl AnyList<'_> {
    fn id(&self) -> &str {
        match self {
            AnyList::Aws(l) => &l.id,
            AnyList::Customer(l) => &l.id,
        }
    }
    fn name(&self) -> &str {
        match self {
            AnyList::Aws(l) => &l.name,
            AnyList::Customer(l) => &l.name,
        }
    }
    fn owner(&self, r: &Region) -> String {
        match self {
            AnyList::Aws(_) => "AWS".into(),
            AnyList::Customer(_) => r.account_id.clone(),
        }
    }
}

/// `state` and `version` are what the call reports (a change reports the
/// version it started from, in progress).
fn list_xml(x: &mut Xml, r: &Region, l: &PrefixList, state: &str, version: u64) {
    x.el("prefixListId", &l.id)
        .el("addressFamily", &l.address_family)
        .el("state", state)
        .el("prefixListArn", l.arn(&r.account_id))
        .el("prefixListName", &l.name)
        .el("maxEntries", l.max_entries)
        .el("version", version)
        .tag_set(&l.tags)
        .el("ownerId", &r.account_id);
}

fn aws_list_xml(x: &mut Xml, r: &Region, l: &ManagedPrefixList) {
    let region = r.info.name;
    x.el("prefixListId", &l.id)
        .el("addressFamily", "IPv4")
        .el("state", "create-complete")
        .el(
            "prefixListArn",
            format!("arn:aws:ec2:{region}:aws:prefix-list/{}", l.id),
        )
        .el("prefixListName", &l.name)
        .tag_set(&[])
        .el("ownerId", "AWS");
}

/// The lists named by `ids` (all when empty) that pass `filters`.
fn pick<'a>(
    r: &'a Region,
    ids: &[String],
    filters: &[Filter],
    aws_only: bool,
    not_found: fn(&str) -> ApiError,
) -> Result<Vec<AnyList<'a>>> {
    let mut all: Vec<AnyList> = r
        .managed_prefix_lists()
        .into_iter()
        .map(AnyList::Aws)
        .collect();
    if !aws_only {
        all.extend(r.prefix_lists.iter().map(AnyList::Customer));
    }
    for id in ids {
        if !all.iter().any(|l| l.id() == id) {
            return Err(not_found(id));
        }
    }
    Ok(all
        .into_iter()
        .filter(|l| ids.is_empty() || ids.iter().any(|i| i == l.id()))
        .filter(|l| {
            filters_match(filters, |f| match f {
                "prefix-list-id" => vec![l.id().to_string()],
                "prefix-list-name" => vec![l.name().to_string()],
                "owner-id" => vec![l.owner(r)],
                _ => vec![],
            })
        })
        .collect())
}

fn check_id_filter(filters: &[Filter]) -> Result<()> {
    for f in filters.iter().filter(|f| f.name == "prefix-list-id") {
        check_id_values(f, Kind::PrefixList, |v| {
            err::malformed_named(Kind::PrefixList, v)
        })?;
    }
    Ok(())
}

pub async fn describe_prefix_lists(call: &Call<'_>, p: &Params) -> Result {
    let ids = id_list(p, "PrefixListId", Kind::PrefixList)?;
    let filters = p.filters();
    check_filters(&filters, &["prefix-list-id", "prefix-list-name"])?;
    check_id_filter(&filters)?;
    let page = Page::from(p, false, "prefixListIds", 5, 1000)?;
    read(call, move |r| {
        let lists = pick(r, &ids, &filters, true, |id| {
            ApiError::new(
                "InvalidPrefixListID.NotFound",
                format!("The prefix list ID '{id}' does not exist"),
            )
        })?;
        let (items, next) = page.apply(numbered(lists));
        let mut x = Xml::new();
        x.list("prefixListSet", &items, |x, l| {
            if let AnyList::Aws(l) = l {
                x.str_list("cidrSet", &l.cidrs)
                    .el("prefixListId", &l.id)
                    .el("prefixListName", &l.name);
            }
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_managed_prefix_lists(call: &Call<'_>, p: &Params) -> Result {
    let ids = id_list(p, "PrefixListId", Kind::PrefixList)?;
    let filters = p.filters();
    check_filters(
        &filters,
        &["prefix-list-id", "prefix-list-name", "owner-id"],
    )?;
    check_id_filter(&filters)?;
    let page = Page::from(p, false, "prefixListIds", 1, 100)?;
    read(call, move |r| {
        let lists = pick(r, &ids, &filters, false, list_not_found)?;
        let (items, next) = page.apply(numbered(lists));
        let mut x = Xml::new();
        x.list("prefixListSet", &items, |x, l| match l {
            AnyList::Aws(l) => aws_list_xml(x, r, l),
            AnyList::Customer(l) => list_xml(x, r, l, &l.state, l.version),
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn get_managed_prefix_list_entries(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "PrefixListId", Kind::PrefixList)?;
    let version = p.int("TargetVersion")?;
    let page = Page::from(p, false, "prefixListId", 1, 100)?;
    read(call, move |r| {
        let entries = r.prefix_list_entries(&id, version)?;
        let (items, next) = page.apply(numbered(entries));
        let mut x = Xml::new();
        x.list("entrySet", items, |x, e| {
            x.el("cidr", e.cidr)
                .opt("description", e.description.as_ref());
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn get_managed_prefix_list_associations(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "PrefixListId", Kind::PrefixList)?;
    let page = Page::from(p, false, "prefixListId", 5, 255)?;
    read(call, move |r| {
        if !r.prefix_list_exists(&id) {
            return Err(list_not_found(&id));
        }
        let (items, next) = page.apply(numbered(r.prefix_list_associations(&id)));
        let mut x = Xml::new();
        x.list("prefixListAssociationSet", items, |x, res| {
            x.el("resourceId", res).el("resourceOwner", &r.account_id);
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

fn entries(p: &Params, prefix: &str) -> Vec<EntryArgs> {
    p.structs(prefix)
        .into_iter()
        .map(|e| EntryArgs {
            cidr: e.get("Cidr").unwrap_or_default().to_string(),
            description: e.string("Description"),
        })
        .collect()
}

pub async fn create_managed_prefix_list(call: &Call<'_>, p: &Params) -> Result {
    let req = CreatePrefixList {
        name: p.string("PrefixListName"),
        address_family: p.string("AddressFamily"),
        max_entries: p.int("MaxEntries")?,
        entries: entries(p, "Entry"),
        tags: p.tag_specs("prefix-list")?,
    };
    let idem = Idempotency::of(p, "CreateManagedPrefixList");
    write(call, move |r, now| {
        let id = Idempotency::run(
            &idem,
            r,
            now,
            |r, id| r.prefix_lists.contains(id),
            |r| r.create_prefix_list(req, now),
        )?;
        let l = r.customer_prefix_list(&id)?;
        let mut x = Xml::new();
        x.wrap("prefixList", |x| {
            list_xml(x, r, l, "create-in-progress", l.version)
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn modify_managed_prefix_list(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "PrefixListId", Kind::PrefixList)?;
    let m = ModifyPrefixList {
        current_version: p.int("CurrentVersion")?,
        name: p.string("PrefixListName"),
        add: entries(p, "AddEntry"),
        remove: p
            .structs("RemoveEntry")
            .into_iter()
            .map(|e| e.get("Cidr").unwrap_or_default().to_string())
            .collect(),
        max_entries: p.int("MaxEntries")?,
    };
    write(call, move |r, _| {
        let before = r.modify_prefix_list(&id, m)?;
        let l = r.customer_prefix_list(&id)?;
        let mut x = Xml::new();
        x.wrap("prefixList", |x| {
            list_xml(x, r, l, "modify-in-progress", before.version)
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn restore_managed_prefix_list_version(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "PrefixListId", Kind::PrefixList)?;
    let previous = p
        .int("PreviousVersion")?
        .ok_or_else(|| err::missing("previousVersion"))?;
    let current = p
        .int("CurrentVersion")?
        .ok_or_else(|| err::missing("currentVersion"))?;
    write(call, move |r, _| {
        let before = r.restore_prefix_list(&id, previous, current)?;
        let l = r.customer_prefix_list(&id)?;
        let mut x = Xml::new();
        x.wrap("prefixList", |x| {
            list_xml(x, r, l, "restore-in-progress", before.version)
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_managed_prefix_list(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "PrefixListId", Kind::PrefixList)?;
    write(call, move |r, _| {
        let l = r.delete_prefix_list(&id)?;
        let mut x = Xml::new();
        x.wrap("prefixList", |x| {
            list_xml(x, r, &l, "delete-in-progress", l.version)
        });
        Ok(x.into_string())
    })
    .await
}
