//! Loading a fabric's nftables table (`firewall::ruleset`) atomically, in
//! one `nft -f -` transaction, so packets see the old rules or the new,
//! never a mix. Tracked connections survive (conntrack is not part of the
//! table), as they do on AWS when a rule changes.
//!
//! When the new table only adds to the loaded one (new sets, maps or
//! chains, more elements in existing ones: what a task that comes
//! brings), the transaction adds just that. Anything else replaces the
//! table whole (create if missing, delete, define anew). The difference
//! matters: a transaction that deletes anything waits for the kernel's RCU
//! grace periods, 12–20 ms here, where adding elements takes about 3 ms.

use super::netns;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

/// Load `table` into `fabric`, where `loaded` was loaded last (if known).
pub fn load(fabric: &str, loaded: Option<&str>, table: &str) -> Result<(), String> {
    if let Some(tx) = loaded.and_then(|old| additions(old, table)) {
        match run(fabric, tx) {
            Ok(()) => return Ok(()),
            // The host differs from what we think we loaded: replace it all.
            Err(e) => {
                tracing::info!(fabric, error = %e, "adding to the firewall failed; replacing it")
            }
        }
    }
    run(
        fabric,
        format!("table inet vpc\ndelete table inet vpc\n{table}"),
    )
}

fn run(fabric: &str, text: String) -> Result<(), String> {
    netns::run_in(fabric, move || {
        // The child inherits this thread's network namespace.
        let mut child = Command::new("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run nft: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        let out = child.wait_with_output().map_err(|e| format!("nft: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "nft: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    })?
}

/// A table as `firewall::ruleset` writes it: one line per set or map
/// (its declaration without elements, and its elements), one block per
/// chain.
#[derive(Default)]
struct Table<'a> {
    decls: BTreeMap<&'a str, (String, BTreeSet<&'a str>)>,
    chains: BTreeMap<&'a str, String>,
}

fn parse(text: &str) -> Option<Table<'_>> {
    let mut t = Table::default();
    let mut lines = text.lines();
    if lines.next()? != "table inet vpc {" {
        return None;
    }
    while let Some(line) = lines.next() {
        if line == "}" {
            return Some(t);
        }
        let mut words = line.split_whitespace();
        let (kind, name) = (words.next()?, words.next()?);
        match kind {
            "set" | "map" => {
                let (decl, elems) = match line.split_once(" elements = { ") {
                    Some((d, rest)) => (d.to_string(), rest.strip_suffix(" }; }")?),
                    None => (line.strip_suffix(" }")?.to_string(), ""),
                };
                let elems = elems.split(", ").filter(|e| !e.is_empty()).collect();
                t.decls.insert(name, (decl, elems));
            }
            "chain" => {
                let mut block = format!("{line}\n");
                loop {
                    let l = lines.next()?;
                    block.push_str(l);
                    block.push('\n');
                    if l == "  }" {
                        break;
                    }
                }
                t.chains.insert(name, block);
            }
            _ => return None,
        }
    }
    None
}

/// The transaction that turns `old` into `new` by adding only, if `new`
/// only adds to `old`.
fn additions(old: &str, new: &str) -> Option<String> {
    let (o, n) = (parse(old)?, parse(new)?);
    let mut decls = String::new();
    let mut elements = String::new();
    for (name, (decl, elems)) in &n.decls {
        match o.decls.get(name) {
            Some((od, oe)) => {
                if od != decl || !oe.is_subset(elems) {
                    return None;
                }
                let more: Vec<&str> = elems.difference(oe).copied().collect();
                if !more.is_empty() {
                    elements.push_str(&format!(
                        "add element inet vpc {name} {{ {} }}\n",
                        more.join(", ")
                    ));
                }
            }
            None => {
                let line = if elems.is_empty() {
                    format!("{decl} }}\n")
                } else {
                    let e: Vec<&str> = elems.iter().copied().collect();
                    format!("{decl} elements = {{ {} }}; }}\n", e.join(", "))
                };
                decls.push_str(&line);
            }
        }
    }
    if o.decls.keys().any(|k| !n.decls.contains_key(k)) {
        return None;
    }
    let mut chains = String::new();
    for (name, block) in &n.chains {
        match o.chains.get(name) {
            Some(b) if b == block => {}
            Some(_) => return None,
            None => chains.push_str(block),
        }
    }
    if o.chains.keys().any(|k| !n.chains.contains_key(k)) {
        return None;
    }
    Some(format!("table inet vpc {{\n{decls}{chains}}}\n{elements}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "table inet vpc {\n  set links { type ifname; elements = { \"igw0\", \"eni-a\" }; }\n  map eni_out { type ifname : verdict; elements = { \"eni-a\" : jump out_g1 }; }\n  set public_sources { type ipv4_addr; }\n  chain forward {\n    type filter hook forward priority filter; policy drop;\n    iifname != @links drop\n  }\n  chain out_g1 {\n    drop\n  }\n}\n";

    #[test]
    fn a_task_that_comes_only_adds_elements_and_chains() {
        let new = OLD
            .replace("\"eni-a\" };", "\"eni-a\", \"eni-b\" };")
            .replace(
                "\"eni-a\" : jump out_g1 };",
                "\"eni-a\" : jump out_g1, \"eni-b\" : jump out_g2 };",
            )
            .replace(
                "public_sources { type ipv4_addr; }",
                "public_sources { type ipv4_addr; elements = { 10.0.0.5 }; }",
            )
            .replace("}\n}\n", "}\n  chain out_g2 {\n    accept\n  }\n}\n");
        let tx = additions(OLD, &new).expect("additive");
        assert_eq!(
            tx,
            "table inet vpc {\n  chain out_g2 {\n    accept\n  }\n}\n\
             add element inet vpc eni_out { \"eni-b\" : jump out_g2 }\n\
             add element inet vpc links { \"eni-b\" }\n\
             add element inet vpc public_sources { 10.0.0.5 }\n"
        );
    }

    #[test]
    fn removing_or_changing_anything_replaces_the_table() {
        // An element gone (a task stopped).
        let fewer = OLD.replace(", \"eni-a\" };", " };");
        assert!(additions(OLD, &fewer).is_none());
        // A chain's rules changed (a security group rule).
        let changed = OLD.replace("    drop\n  }\n}\n", "    accept\n  }\n}\n");
        assert!(additions(OLD, &changed).is_none());
        // A chain gone.
        let gone = OLD.replace("  chain out_g1 {\n    drop\n  }\n", "");
        assert!(additions(OLD, &gone).is_none());
        // Unchanged: nothing to add, an empty transaction.
        assert_eq!(
            additions(OLD, OLD).as_deref(),
            Some("table inet vpc {\n}\n")
        );
    }

    #[test]
    fn the_firewalls_own_tables_are_understood() {
        use crate::firewall::{ruleset, Exits, Port, Ports};
        use model::ec2::eni::NewEni;
        use model::ec2::types::EniOwner;
        let mut w = model::world::World::new("123456789012", 1, model::Millis(0));
        let r = w.region_mut("us-east-1").expect("region");
        let subnet = r
            .subnets
            .iter()
            .next()
            .expect("a default subnet")
            .id
            .clone();
        let mut ids = Vec::new();
        for public in [false, true] {
            let mut n = NewEni::new(&subnet, EniOwner::User);
            n.public_ip = public;
            ids.push(r.create_eni(n, model::Millis(0)).expect("eni"));
        }
        let r = w.region("us-east-1").expect("region");
        let links = ["eni-aaaaaaaaaaa", "eni-bbbbbbbbbbb"];
        let table = |n: usize| {
            let ports: Vec<Port> = (0..n)
                .map(|i| Port {
                    link: links[i],
                    eni: r.enis.get(&ids[i]).expect("eni"),
                })
                .collect();
            let subnets = [(subnet.clone(), None, None)];
            let exits = Exits {
                nat: &[],
                gateway: &[],
                uplink: std::net::Ipv4Addr::new(100, 64, 0, 1),
                internet6: &[],
                nat64: &[],
                peerings: &[],
                nat_crossings: &[],
            };
            let ports = Ports {
                forwarded: &ports,
                local: &[],
            };
            ruleset(r, &ports, &subnets, &exits)
        };
        let (one, two) = (table(1), table(2));
        let t = parse(&two).expect("the ruleset parses");
        assert!(t.chains.contains_key("forward") && t.chains.contains_key("igw_out"));
        assert_eq!(t.decls["links"].1.len(), 3);
        assert_eq!(t.decls["public_sources"].1.len(), 1);
        // The second task (same groups, a public IP) only adds elements.
        let tx = additions(&one, &two).expect("additive");
        assert!(tx.starts_with("table inet vpc {\n}\n"), "{tx}");
        for name in [
            "links",
            "eni_out",
            "eni_in",
            "public_sources",
            "public_to_private",
            "private_to_public",
        ] {
            assert!(
                tx.contains(&format!("add element inet vpc {name} {{")),
                "{name}: {tx}"
            );
        }
        // Its going takes elements away: the table is replaced.
        assert!(additions(&two, &one).is_none());
    }
}
