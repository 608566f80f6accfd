// tasknet console: one VPC drawn from /_tasknet/console/api/vpc, kept live
// by /_tasknet/console/api/events, a selected task's N43 explanation from
// /_tasknet/console/api/task with its path drawn over the map.
//
// No framework and no build step: the layout is CSS grid (zones as columns)
// and the path is one SVG overlay. Every string from the API goes into the
// page as text (textContent), never as HTML.
"use strict";

(function () {
  const T0 = performance.now();
  const API = "/_tasknet/console/api/";
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------
  // State
  // ------------------------------------------------------------------
  const state = {
    account: null,
    region: null,
    vpc: null,
    view: null, // the VPC view model
    tasks: new Map(), // id -> chip
    chipEls: new Map(), // id -> element
    selectedTask: null, // task id
    selectedVerdict: null, // index into the explanation's verdicts
    explain: null, // api/task answer
    selectedRes: null,
    source: null, // EventSource
    pending: [], // events received before the view
    viewLoading: false,
    metrics: {},
    eventLog: [],
  };

  const STATES = {
    PROVISIONING: { glyph: "◌", short: "PROV" },
    PENDING: { glyph: "◔", short: "PEND" },
    ACTIVATING: { glyph: "◑", short: "ACT" },
    RUNNING: { glyph: "●", short: "RUN" },
    DEACTIVATING: { glyph: "◐", short: "DEACT" },
    STOPPING: { glyph: "◒", short: "STOPG" },
    DEPROVISIONING: { glyph: "◓", short: "DEPROV" },
    STOPPED: { glyph: "■", short: "STOP" },
  };

  // ------------------------------------------------------------------
  // Helpers
  // ------------------------------------------------------------------
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === "class") e.className = v;
        else if (k === "text") e.textContent = v;
        else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return e;
  }

  function q(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
    return u.toString();
  }

  async function get(path, params) {
    const r = await fetch(API + path + "?" + q(params), { headers: { accept: "application/json" }, signal: AbortSignal.timeout(20000) });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error(body.message || r.statusText);
      e.status = r.status;
      throw e;
    }
    return body;
  }

  function shortId(id) {
    return id.length > 8 ? id.slice(0, 8) : id;
  }

  function shortService(name) {
    // com.amazonaws.us-east-1.ecr.dkr -> ecr.dkr
    const parts = name.split(".");
    return parts.length > 3 ? parts.slice(3).join(".") : name;
  }

  function setLive(s, text) {
    const l = $("live");
    l.dataset.state = s;
    l.textContent = text;
  }

  function announce(text) {
    setLive($("live").dataset.state, $("live").textContent.split(" · ")[0] + " · " + text);
  }

  // ------------------------------------------------------------------
  // URL state: #account=…&region=…&vpc=…&task=…&res=…
  // ------------------------------------------------------------------
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    return {
      account: h.get("account"),
      region: h.get("region"),
      vpc: h.get("vpc"),
      task: h.get("task"),
      res: h.get("res"),
    };
  }

  function writeHash() {
    const h = q({
      account: state.account,
      region: state.region,
      vpc: state.vpc,
      task: state.selectedTask,
      res: state.selectedRes,
    });
    history.replaceState(null, "", "#" + h);
  }

  // ------------------------------------------------------------------
  // Pickers
  // ------------------------------------------------------------------
  async function loadAccounts(want) {
    const a = await get("accounts", {});
    const sel = $("account");
    sel.replaceChildren(
      ...a.accounts.map((x) =>
        el("option", { value: x.id, text: x.id + (x.isDefault ? " (default)" : "") }),
      ),
    );
    state.account = a.accounts.some((x) => x.id === want.account) ? want.account : a.defaultAccount;
    sel.value = state.account;
    sel.disabled = a.accounts.length < 2;
    state.defaultRegion = a.defaultRegion;
  }

  async function loadRegions(want) {
    const r = await get("regions", { account: state.account });
    const sel = $("region");
    sel.replaceChildren(
      ...r.regions.map((x) => {
        const busy = x.vpcs > 1 || x.tasks > 0;
        const label = busy ? `${x.name} — ${x.vpcs} VPCs, ${x.tasks} tasks` : x.name;
        return el("option", { value: x.name, text: label });
      }),
    );
    const names = r.regions.map((x) => x.name);
    state.region = names.includes(want) ? want : state.defaultRegion;
    sel.value = state.region;
  }

  async function loadVpcs(want) {
    const v = await get("vpcs", { account: state.account, region: state.region });
    const sel = $("vpc");
    sel.replaceChildren(
      ...v.vpcs.map((x) => {
        const name = x.name ? `${x.name} ` : "";
        const dflt = x.isDefault ? " (default)" : "";
        const label = `${name}${x.id} ${x.cidrs.join(", ")}${dflt} — ${x.tasks} tasks`;
        return el("option", { value: x.id, text: label });
      }),
    );
    state.vpc = v.vpcs.some((x) => x.id === want) ? want : v.suggested;
    sel.value = state.vpc || "";
  }

  // ------------------------------------------------------------------
  // The map
  // ------------------------------------------------------------------
  function routeText(r) {
    const ok = r.state === "active";
    return el(
      "li",
      {
        class: "route " + (ok ? "ok" : "blackhole"),
        "data-via": r.target,
        title: `${r.destination} goes to ${r.target} (${r.targetKind}, ${r.state})`,
      },
      el("span", { class: "dest", text: r.destination }),
      el("span", { class: "arrow", text: "→" }),
      el("span", { class: "via", text: r.target }),
      ok ? null : el("span", { class: "badge bad", text: "✕ blackhole" }),
    );
  }

  const KIND = {
    public: { glyph: "◍", label: "public" },
    private: { glyph: "◉", label: "private" },
    "ipv6-only": { glyph: "⑥", label: "IPv6-only" },
  };

  function renderSubnet(s) {
    const k = KIND[s.kind] || { glyph: "", label: s.kind };
    const free = s.free === null || s.free === undefined ? null : s.free;
    const used = free !== null && s.size ? Math.round(((s.size - free) / s.size) * 100) : 0;
    const tasks = el("div", {
      class: "chips",
      role: "group",
      "aria-label": `Tasks in ${s.name || s.id}`,
      "data-chips": s.id,
    });
    const card = el(
      "section",
      {
        class: `subnet kind-${s.kind}`,
        "data-res": s.id,
        "data-subnet": s.id,
        "aria-label": `Subnet ${s.name || s.id}, ${k.label}`,
      },
      el(
        "header",
        null,
        el("span", { class: `kind kind-${s.kind}`, title: k.label }, el("i", { "aria-hidden": "true", text: k.glyph }), k.label),
        el("button", { class: "link sid", type: "button", text: s.name ? `${s.name} · ${s.id}` : s.id, onclick: () => selectResource(s.id) }),
      ),
      el(
        "div",
        { class: "cidrs" },
        s.cidr ? el("span", { class: "cidr", text: s.cidr }) : null,
        ...s.ipv6Cidrs.map((c) => el("span", { class: "cidr v6", text: c })),
      ),
      free === null
        ? el("div", { class: "free", text: "IPv6 addresses only" })
        : el(
            "div",
            { class: "free", "data-free": s.id },
            el("meter", { min: 0, max: s.size || 1, value: (s.size || 0) - free, "aria-label": "addresses used" }),
            el("span", { class: "free-n", text: `${free} free` }),
            el("span", { class: "muted", text: ` of ${s.size} (${used}% used)` }),
          ),
      el(
        "div",
        { class: "rtb" },
        el("button", {
          class: "link rtb-id",
          type: "button",
          "data-res": s.routeTableId || "",
          text: (s.routeTableId || "no route table") + (s.mainRouteTable ? " (main)" : ""),
          onclick: () => s.routeTableId && selectResource(s.routeTableId),
        }),
        s.defaultRoutes.length
          ? el("ul", { class: "routes", "aria-label": "Default routes" }, ...s.defaultRoutes.map(routeText))
          : el("div", { class: "routes none", text: "no default route (local only)" }),
      ),
      s.networkAclId
        ? el("div", { class: "acl" }, el("button", { class: "link", type: "button", "data-res": s.networkAclId, text: s.networkAclId, onclick: () => selectResource(s.networkAclId) }))
        : null,
      s.natGateways.length || s.loadBalancerNodes.length
        ? el(
            "div",
            { class: "infra" },
            ...s.natGateways.map((n) => {
              const nat = state.view.natGateways.find((x) => x.id === n) || { state: "" };
              return el("button", { class: `node nat st-${nat.state}`, type: "button", "data-res": n, onclick: () => selectResource(n) }, el("i", { "aria-hidden": "true", text: "⇆" }), `NAT ${n}`, nat.state !== "available" ? ` (${nat.state})` : "");
            }),
            ...s.loadBalancerNodes.map((n) => {
              const lb = state.view.loadBalancers.find((x) => x.arn === n.loadBalancer);
              return el("span", { class: "node lbnode", "data-res": n.eniId, title: n.eniId }, el("i", { "aria-hidden": "true", text: "⚖" }), `${lb ? lb.name : "LB"} node ${n.privateIpv4 || ""}`);
            }),
          )
        : null,
      tasks,
    );
    return card;
  }

  function chipLabel(t) {
    const st = STATES[t.lastStatus] || { glyph: "?", short: t.lastStatus };
    const failed = t.stopCode === "TaskFailedToStart";
    return `Task ${t.id} ${t.lastStatus}${failed ? " (failed to start)" : ""} ${t.privateIpv4 || t.ipv6 || ""} ${t.taskDefinition}`;
  }

  function updateChip(e, t) {
    const st = STATES[t.lastStatus] || { glyph: "?", short: t.lastStatus };
    const failed = t.stopCode === "TaskFailedToStart";
    e.className = `chip st-${t.lastStatus}${failed ? " failed" : ""}${state.selectedTask === t.id ? " selected" : ""}`;
    e.dataset.status = t.lastStatus;
    e.dataset.res = t.eniId || "";
    e.setAttribute("aria-label", chipLabel(t));
    e.title = `${t.taskDefinition} · ${t.lastStatus}${t.stoppedReason ? " · " + t.stoppedReason : ""}`;
    e.replaceChildren(
      el("i", { "aria-hidden": "true", text: failed ? "✕" : st.glyph }),
      el("span", { class: "tid", text: shortId(t.id) }),
      el("span", { class: "ip", text: t.privateIpv4 || t.ipv6 || "—" }),
      el("span", { class: "st", text: failed ? "FAILED" : st.short }),
    );
  }

  function makeChip(t) {
    const e = el("button", { type: "button", "data-task": t.id, tabindex: -1 });
    updateChip(e, t);
    return e;
  }

  function visible(t) {
    return $("show-stopped").checked || t.lastStatus !== "STOPPED";
  }

  function placeChip(t) {
    let e = state.chipEls.get(t.id);
    const box = document.querySelector(`[data-chips="${CSS.escape(t.subnetId)}"]`);
    if (!visible(t) || !box) {
      if (e) {
        e.remove();
        state.chipEls.delete(t.id);
      }
      return;
    }
    if (!e) {
      e = makeChip(t);
      state.chipEls.set(t.id, e);
      box.append(e);
    } else {
      updateChip(e, t);
      if (e.parentElement !== box) box.append(e);
    }
  }

  function fixTabStops() {
    for (const box of document.querySelectorAll("[data-chips]")) {
      let first = true;
      for (const c of box.children) {
        c.tabIndex = first ? 0 : -1;
        first = false;
      }
    }
  }

  function renderEdge(v) {
    const nodes = [];
    for (const g of v.internetGateways) {
      nodes.push(el("button", { class: "node igw", type: "button", "data-res": g.id, onclick: () => selectResource(g.id) }, el("i", { "aria-hidden": "true", text: "⇅" }), "Internet gateway ", el("b", { text: g.id })));
    }
    for (const g of v.egressOnlyGateways) {
      nodes.push(el("button", { class: "node eigw", type: "button", "data-res": g.id, onclick: () => selectResource(g.id) }, el("i", { "aria-hidden": "true", text: "↑" }), "Egress-only gateway ", el("b", { text: g.id })));
    }
    for (const e of v.endpoints) {
      const kind = e.endpointType === "Gateway" ? "gateway endpoint" : "interface endpoint";
      nodes.push(
        el(
          "button",
          { class: `node vpce ${e.endpointType.toLowerCase()}`, type: "button", "data-res": e.id, title: e.service, onclick: () => selectResource(e.id) },
          el("i", { "aria-hidden": "true", text: e.endpointType === "Gateway" ? "⇥" : "⊡" }),
          `${shortService(e.service)} `,
          el("span", { class: "muted", text: kind + " " }),
          el("b", { text: e.id }),
        ),
      );
    }
    if (!nodes.length) nodes.push(el("span", { class: "muted", text: "No internet gateway, egress-only gateway or endpoint: nothing leaves this VPC." }));
    nodes.push(el("span", { id: "dest-node", class: "node dest", hidden: true }));
    $("edge").replaceChildren(el("h2", { class: "vh", text: "Gateways and endpoints" }), ...nodes);
  }

  function renderHead(v) {
    const h = v.vpc;
    $("vpc-head").replaceChildren(
      el(
        "div",
        { class: "vpc-title", "data-res": h.id },
        el("h2", null, h.name ? `${h.name} · ` : "", el("button", { class: "link", type: "button", text: h.id, onclick: () => selectResource(h.id) }), h.isDefault ? el("span", { class: "badge", text: "default VPC" }) : null),
        el("span", { class: "cidrs" }, ...h.cidrs.map((c) => el("span", { class: "cidr", text: c })), ...h.ipv6Cidrs.map((c) => el("span", { class: "cidr v6", text: c }))),
        el("span", { class: "muted", text: ` DNS support ${h.dnsSupport ? "on" : "off"}, hostnames ${h.dnsHostnames ? "on" : "off"} · ${v.tasks.length} tasks · ${v.subnets.length} subnets in ${v.zones.length} zones` }),
      ),
    );
  }

  function healthGlyph(s) {
    return { healthy: "✓", unhealthy: "✕", initial: "…", draining: "↘", unused: "○", unavailable: "?" }[s] || "?";
  }

  function renderLbs(v) {
    const box = $("lbs");
    if (!v.loadBalancers.length && !v.targetGroups.length) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.hidden = false;
    const tgs = new Map(v.targetGroups.map((t) => [t.arn, t]));
    const shown = new Set();
    const tgCard = (tg) => {
      shown.add(tg.arn);
      return el(
        "div",
        { class: "tg", "data-res": tg.arn },
        el("h4", null, el("button", { class: "link", type: "button", text: tg.name, onclick: () => selectResource(tg.arn) }), el("span", { class: "muted", text: ` ${tg.targetType} ${tg.protocol || ""}${tg.port ? ":" + tg.port : ""} · ${tg.targets.length} targets` })),
        tg.targets.length
          ? el(
              "ul",
              { class: "targets" },
              ...tg.targets.map((t) =>
                el(
                  "li",
                  { class: `target h-${t.state}`, "data-target": `${t.id}:${t.port}`, "data-health": t.state },
                  el("i", { "aria-hidden": "true", text: healthGlyph(t.state) }),
                  t.taskId ? el("button", { class: "link", type: "button", text: `${t.id}:${t.port}`, onclick: () => selectTask(t.taskId) }) : `${t.id}:${t.port}`,
                  el("span", { class: "hstate", text: ` ${t.state}` }),
                  t.reason ? el("span", { class: "muted", text: ` ${t.reason}${t.description ? ": " + t.description : ""}` }) : null,
                ),
              ),
            )
          : el("p", { class: "muted", text: "no targets registered" }),
      );
    };
    const cards = v.loadBalancers.map((lb) =>
      el(
        "article",
        { class: `lb st-${lb.state}`, "data-res": lb.arn, "data-lb": lb.name },
        el("h3", null, el("i", { "aria-hidden": "true", text: "⚖ " }), el("button", { class: "link", type: "button", text: lb.name, onclick: () => selectResource(lb.arn) }), el("span", { class: "badge", text: `${lb.lbType} · ${lb.scheme} · ${lb.state}` })),
        el("div", { class: "muted dns", text: lb.dnsName }),
        ...lb.listeners.map((l) =>
          el(
            "div",
            { class: "listener" },
            el("div", { class: "lsn", text: `${l.protocol}:${l.port} →` }),
            ...l.targetGroups.map((a) => (tgs.has(a) ? tgCard(tgs.get(a)) : el("div", { class: "muted", text: a }))),
          ),
        ),
        lb.listeners.length ? null : el("p", { class: "muted", text: "no listeners" }),
      ),
    );
    const loose = v.targetGroups.filter((t) => !shown.has(t.arn));
    box.replaceChildren(
      el("h2", { text: "Load balancers and target groups" }),
      ...cards,
      loose.length ? el("article", { class: "lb loose" }, el("h3", { text: "Target groups without a load balancer" }), ...loose.map(tgCard)) : null,
    );
  }

  // The VPC's ECS services (exposed for tests).
  function renderServices(services) {
    const box = $("services");
    if (!services || !services.length) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.hidden = false;
    box.replaceChildren(
      el("h2", { text: "Services" }),
      ...services.map((s) =>
        el(
          "article",
          { class: "service", "data-service": s.name, "data-res": s.arn },
          el("h3", null, el("i", { "aria-hidden": "true", text: "⟳ " }), s.name, el("span", { class: "badge", text: s.status })),
          el("div", { class: "muted", text: `${s.cluster} · ${s.taskDefinition}` }),
          el("div", { class: "counts", text: `desired ${s.desiredCount} · running ${s.runningCount} · pending ${s.pendingCount}` }),
          s.targetGroups.length ? el("div", { class: "muted", text: "target groups: " + s.targetGroups.map((a) => a.split("/").slice(-2, -1)[0] || a).join(", ") }) : null,
        ),
      ),
    );
  }

  function renderView(v) {
    const t0 = performance.now();
    state.view = v;
    $("map-empty").hidden = true;
    renderHead(v);
    renderEdge(v);
    const zones = $("zones");
    zones.style.setProperty("--zones", String(Math.max(1, v.zones.length)));
    const byId = new Map(v.subnets.map((s) => [s.id, s]));
    zones.replaceChildren(
      ...v.zones.map((z) =>
        el(
          "div",
          { class: "zone", "data-zone": z.name, role: "region", "aria-label": `Availability Zone ${z.name}` },
          el("h2", { class: "zone-name" }, z.name, el("span", { class: "muted", text: ` ${z.id}` })),
          ...z.subnets.map((id) => renderSubnet(byId.get(id))),
        ),
      ),
    );
    if (!v.zones.length) zones.append(el("p", { class: "empty", text: "This VPC has no subnets yet." }));
    state.tasks = new Map(v.tasks.map((t) => [t.id, t]));
    state.chipEls = new Map();
    const frags = new Map();
    for (const t of v.tasks) {
      if (!visible(t)) continue;
      const e = makeChip(t);
      state.chipEls.set(t.id, e);
      let f = frags.get(t.subnetId);
      if (!f) frags.set(t.subnetId, (f = document.createDocumentFragment()));
      f.append(e);
    }
    for (const [sid, f] of frags) {
      const box = document.querySelector(`[data-chips="${CSS.escape(sid)}"]`);
      if (box) box.append(f);
    }
    fixTabStops();
    renderServices(v.services);
    renderLbs(v);
    state.metrics.renderMs = performance.now() - t0;
    // Events that came while the view was fetched.
    const queued = state.pending;
    state.pending = [];
    for (const [name, data] of queued) onEvent(name, data);
    drawPath();
  }

  async function loadView() {
    if (!state.vpc) {
      $("map-empty").hidden = false;
      $("map-empty").textContent = "No VPC in this Region.";
      return;
    }
    state.viewLoading = true;
    const t0 = performance.now();
    try {
      const v = await get("vpc", { account: state.account, region: state.region, vpc: state.vpc });
      state.metrics.fetchMs = performance.now() - t0;
      state.metrics.serverBuildMs = v.buildMs;
      state.metrics.tasks = v.tasks.length;
      state.viewLoading = false;
      renderView(v);
    } catch (e) {
      state.viewLoading = false;
      $("map-empty").hidden = false;
      $("map-empty").textContent = `Cannot load ${state.vpc}: ${e.message}`;
    }
  }

  // ------------------------------------------------------------------
  // Live updates
  // ------------------------------------------------------------------
  let refetchTimer = null;
  function refetchSoon(alsoLists) {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(async () => {
      if (alsoLists) {
        await loadAccounts({ account: state.account });
        await loadRegions(state.region);
        await loadVpcs(state.vpc);
      }
      await loadView();
      if (state.selectedTask) loadExplain(state.selectedTask, true);
    }, 150);
  }

  let explainTimer = null;
  function onEvent(name, data) {
    if (state.viewLoading || !state.view) {
      if (name !== "hello") state.pending.push([name, data]);
      return;
    }
    if (name === "tasks") {
      for (const t of data.upserts) {
        const old = state.tasks.get(t.id);
        if (old && old.version > t.version) continue;
        state.tasks.set(t.id, t);
        placeChip(t);
        if (t.id === state.selectedTask) {
          clearTimeout(explainTimer);
          explainTimer = setTimeout(() => loadExplain(t.id, true), 100);
        }
      }
      for (const id of data.removed) {
        state.tasks.delete(id);
        const e = state.chipEls.get(id);
        if (e) e.remove();
        state.chipEls.delete(id);
      }
      for (const s of data.subnets) {
        const f = document.querySelector(`[data-free="${CSS.escape(s.id)}"]`);
        const sv = state.view.subnets.find((x) => x.id === s.id);
        if (f && sv && s.free !== null) {
          sv.free = s.free;
          f.querySelector("meter").value = (sv.size || 0) - s.free;
          f.querySelector(".free-n").textContent = `${s.free} free`;
          const used = sv.size ? Math.round(((sv.size - s.free) / sv.size) * 100) : 0;
          f.querySelector(".muted").textContent = ` of ${sv.size} (${used}% used)`;
        }
      }
      state.view.tasks = Array.from(state.tasks.values());
      fixTabStops();
      if (state.selectedTask) drawPath();
    } else if (name === "elb") {
      state.view.loadBalancers = data.loadBalancers;
      state.view.targetGroups = data.targetGroups;
      renderLbs(state.view);
    } else if (name === "topology") {
      refetchSoon(false);
    } else if (name === "reload") {
      refetchSoon(true);
    }
  }

  function connect() {
    if (state.source) state.source.close();
    if (!state.vpc) return;
    const src = new EventSource(API + "events?" + q({ account: state.account, region: state.region, vpc: state.vpc }));
    state.source = src;
    let first = true;
    src.addEventListener("hello", () => {
      setLive("live", "● live");
      if (!first) refetchSoon(false); // reconnected: catch up
      first = false;
    });
    for (const name of ["tasks", "elb", "topology", "reload"]) {
      src.addEventListener(name, (ev) => {
        let data = {};
        try {
          data = JSON.parse(ev.data);
        } catch (_) {
          return;
        }
        // The last few events, for whoever debugs the page.
        state.eventLog.push([Math.round(performance.now()), name, ev.data.length]);
        if (state.eventLog.length > 50) state.eventLog.shift();
        onEvent(name, data);
      });
    }
    src.onerror = () => setLive("down", "○ reconnecting…");
  }

  // ------------------------------------------------------------------
  // Selection and the explain panel
  // ------------------------------------------------------------------
  async function selectTask(id, quiet) {
    state.selectedTask = id;
    state.selectedRes = null;
    state.selectedVerdict = null;
    for (const e of document.querySelectorAll(".chip.selected")) e.classList.remove("selected");
    const chip = state.chipEls.get(id);
    if (chip) {
      chip.classList.add("selected");
      if (!quiet) chip.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    writeHash();
    await loadExplain(id, false);
  }

  async function loadExplain(id, refresh) {
    let a;
    try {
      a = await get("task", { account: state.account, region: state.region, task: id });
    } catch (e) {
      if (state.selectedTask !== id) return;
      if (e.status === 404) {
        renderPanelMessage(`Task ${id} is gone (stopped tasks are kept for the retention period).`);
        clearPath();
      } else renderPanelMessage(`Cannot explain ${id}: ${e.message}`);
      return;
    }
    if (state.selectedTask !== id) return;
    state.explain = a;
    const vs = (a.explanation && a.explanation.verdicts) || [];
    if (!refresh || state.selectedVerdict === null || state.selectedVerdict >= vs.length) {
      let i = vs.findIndex((v) => v.status === "unreachable");
      if (i < 0) i = vs.findIndex((v) => v.path && v.path.length);
      state.selectedVerdict = i < 0 ? null : i;
    }
    renderTaskPanel(a);
    drawPath();
  }

  function renderPanelMessage(text) {
    $("panel").replaceChildren(el("p", { class: "hint", text }));
  }

  function panelOpen(open) {
    document.body.classList.toggle("selecting", open);
  }

  function closePanel() {
    state.selectedTask = null;
    state.selectedRes = null;
    state.explain = null;
    for (const e of document.querySelectorAll(".chip.selected")) e.classList.remove("selected");
    clearPath();
    renderPanelMessage("Select a task (or search for an id) to see what it can reach, hop by hop.");
    panelOpen(false);
    writeHash();
  }

  function dl(pairs) {
    return el("dl", { class: "kv" }, ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: String(v) })]));
  }

  function statusCell(v) {
    const g = { reachable: "✓", unreachable: "✕", "not evaluated": "–" }[v.status] || "?";
    return el("td", { class: `vstatus s-${v.status.replace(" ", "-")}` }, el("i", { "aria-hidden": "true", text: g + " " }), v.status);
  }

  function renderTaskPanel(a) {
    const t = a.task;
    const x = a.explanation;
    const st = STATES[t.lastStatus] || { glyph: "?" };
    const failed = t.stopCode === "TaskFailedToStart";
    const head = el(
      "div",
      { class: "panel-head" },
      el("h2", { id: "panel-title" }, el("span", { class: `chip-sample st-${t.lastStatus}${failed ? " failed" : ""}` }, el("i", { "aria-hidden": "true" }), t.lastStatus), ` Task ${shortId(t.id)}`),
      el("button", { class: "close", type: "button", "aria-label": "Close details", text: "✕", onclick: closePanel }),
    );
    const facts = dl([
      ["ARN", t.arn],
      ["Task definition", t.taskDefinition],
      ["Cluster", t.cluster],
      ["Group", t.group],
      ["Desired", t.desiredStatus],
      ["Subnet", `${t.subnetId} (${t.zone})`],
      ["ENI", t.eniId],
      ["Private IPv4", t.privateIpv4],
      ["IPv6", t.ipv6],
      ["Public IPv4", t.publicIpv4],
      ["Security groups", t.securityGroups.join(", ")],
      ["Stop code", t.stopCode],
      ["Stopped reason", t.stoppedReason],
    ]);
    const parts = [head, facts];
    if (!x) {
      parts.push(el("p", { class: "warn", text: a.explainError || "No explanation." }));
    } else {
      parts.push(
        el("h3", null, "What it must reach ", el("span", { class: `badge outcome-${x.outcome}`, text: x.outcome === "fails" ? "✕ launch fails" : "✓ launch starts" }), el("span", { class: "muted", text: ` ${x.network.mode} · platform ${x.platform_version}` })),
      );
      if (x.blocked) parts.push(blockedBox(x.blocked, "The task's network interface"));
      const rows = x.verdicts.map((v, i) => {
        const sel = i === state.selectedVerdict;
        const pathCell = el("td", { class: "vpath" });
        if (v.blocked) {
          pathCell.append(el("div", { class: "missing" }, el("b", { text: "Missing hop: " }), `${v.blocked.hop.step} ${v.blocked.hop.resource}`), el("div", { class: "hopnote", text: v.blocked.hop.note }), el("div", { class: "fix" }, el("b", { text: "Fix: " }), v.blocked.fix));
        } else if (v.path.length) {
          pathCell.append(el("span", { class: "hops-brief", text: v.path.map((h) => h.step).join(" → ") }));
        } else {
          pathCell.append(el("span", { class: "muted", text: v.status === "not evaluated" ? "not traced" : "—" }));
        }
        if (v.path.length || v.blocked) {
          pathCell.append(el("button", { class: "show-path", type: "button", "aria-pressed": sel ? "true" : "false", text: sel ? "Path shown on map" : "Show on map", onclick: () => showVerdict(i) }));
        }
        return el(
          "tr",
          { class: `verdict v-${v.status.replace(" ", "-")}${sel ? " selected" : ""}`, "data-traffic": v.traffic },
          el("th", { scope: "row" }, el("div", { text: v.traffic }), el("div", { class: "muted subj", text: [v.container, v.subject].filter(Boolean).join(": ") }), v.destination ? el("div", { class: "muted", text: `→ ${v.destination}${v.address ? " (" + v.address + ")" : ""}` }) : null),
          el("td", null, el("div", { text: v.eni }), el("div", { class: "muted", text: v.role, title: v.role_arn || "no role in the task definition" }), v.role_arn ? el("div", { class: "muted arn", text: v.role_arn.split("/").pop() }) : null),
          statusCell(v),
          pathCell,
        );
      });
      parts.push(
        el(
          "div",
          { class: "table-wrap" },
          el(
            "table",
            { class: "explain", "aria-describedby": "panel-title" },
            el("caption", { class: "vh", text: "Each need of the task: the ENI and role it uses, whether it is reachable, the path or the missing hop and its fix" }),
            el("thead", null, el("tr", null, ...["Need", "ENI · role", "Status", "Path, or the missing hop and its fix"].map((h) => el("th", { scope: "col", text: h })))),
            el("tbody", null, ...rows),
          ),
        ),
      );
      const v = state.selectedVerdict === null ? null : x.verdicts[state.selectedVerdict];
      if (v) parts.push(hopList(v));
    }
    if (a.containers && a.containers.length) {
      parts.push(el("h3", { text: "Containers" }), el("ul", { class: "containers" }, ...a.containers.map((c) => el("li", null, el("b", { text: c.name }), ` ${c.image} · ${c.lastStatus}${c.reason ? " · " + c.reason : ""}`))));
    }
    panelOpen(true);
    $("panel").replaceChildren(...parts);
  }

  function blockedBox(b, what) {
    return el("div", { class: "missing box" }, el("b", { text: `${what}: missing hop ` }), `${b.hop.step} ${b.hop.resource}`, el("div", { class: "hopnote", text: b.hop.note }), el("div", { class: "fix" }, el("b", { text: "Fix: " }), b.fix));
  }

  function hopList(v) {
    const items = v.path.map((h) => el("li", { class: "hop", "data-step": h.step }, el("b", { text: h.step }), " ", el("code", { text: h.resource }), el("div", { class: "muted", text: h.note })));
    if (v.blocked) {
      items.push(el("li", { class: "hop blocked" }, el("b", { text: "✕ missing: " + v.blocked.hop.step }), " ", el("code", { text: v.blocked.hop.resource }), el("div", { text: v.blocked.hop.note }), el("div", { class: "fix" }, el("b", { text: "Fix: " }), v.blocked.fix)));
    } else if (v.status === "reachable") {
      items.push(el("li", { class: "hop done" }, el("b", { text: "✓ reached " }), el("code", { text: v.destination || v.address || "" })));
    }
    return el("section", { class: "hops", "aria-label": `Path of ${v.traffic}` }, el("h3", { text: `Path: ${v.traffic}` }), el("ol", null, ...items));
  }

  function showVerdict(i) {
    state.selectedVerdict = i;
    if (state.explain) renderTaskPanel(state.explain);
    drawPath();
    const chip = state.chipEls.get(state.selectedTask);
    if (chip) chip.scrollIntoView({ block: "nearest" });
  }

  // ------------------------------------------------------------------
  // The path on the map (SVG overlay)
  // ------------------------------------------------------------------
  function clearPath() {
    $("overlay").replaceChildren();
    for (const e of document.querySelectorAll(".on-path, .blocked-hop")) e.classList.remove("on-path", "blocked-hop");
    const d = $("dest-node");
    if (d) d.hidden = true;
  }

  function anchorFor(resource, subnetCard) {
    if (!resource) return null;
    const sel = `[data-res="${CSS.escape(resource)}"]`;
    return (subnetCard && subnetCard.querySelector(sel)) || document.querySelector(`#map ${sel}`);
  }

  const SVGNS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }

  function drawPath() {
    clearPath();
    const x = state.explain;
    if (!x || !x.explanation || state.selectedVerdict === null) return;
    const v = x.explanation.verdicts[state.selectedVerdict];
    if (!v) return;
    const chip = state.chipEls.get(state.selectedTask);
    const card = document.querySelector(`[data-subnet="${CSS.escape(x.task.subnetId)}"]`);
    const start = chip || card;
    if (!start) return;
    const anchors = [start];
    for (const h of v.path) {
      if (h.resource.startsWith("vpc-") || h.resource.startsWith("sg-")) continue;
      const a = anchorFor(h.resource, card);
      if (a && anchors[anchors.length - 1] !== a && !(a === card && anchors.length === 1)) anchors.push(a);
    }
    let blockedEl = null;
    if (v.blocked) {
      blockedEl = anchorFor(v.blocked.hop.resource, card);
      if (blockedEl === card && anchors.length === 1 && chip) blockedEl = null;
      if (blockedEl && anchors[anchors.length - 1] !== blockedEl) anchors.push(blockedEl);
      if (blockedEl) blockedEl.classList.add("blocked-hop");
    } else if (v.status === "reachable") {
      const d = $("dest-node");
      if (d) {
        d.hidden = false;
        d.replaceChildren(el("i", { "aria-hidden": "true", text: "◎" }), v.destination || v.address || "destination");
        anchors.push(d);
      }
    }
    for (const a of anchors) a.classList.add("on-path");
    const map = $("map");
    const mr = map.getBoundingClientRect();
    const o = $("overlay");
    o.setAttribute("width", map.scrollWidth);
    o.setAttribute("height", map.scrollHeight);
    const center = (e) => {
      const r = e.getBoundingClientRect();
      return [r.left - mr.left + map.scrollLeft + r.width / 2, r.top - mr.top + map.scrollTop + r.height / 2];
    };
    const defs = svg("defs");
    const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }));
    defs.append(marker);
    o.append(defs);
    const pts = anchors.map(center);
    if (pts.length > 1) {
      o.append(svg("polyline", { points: pts.map((p) => p.join(",")).join(" "), class: v.blocked ? "path blocked" : "path", "marker-end": "url(#arrow)" }));
    }
    for (const p of pts.slice(1)) o.append(svg("circle", { cx: p[0], cy: p[1], r: 4, class: "hopdot" }));
    if (v.blocked) {
      // Beside the blocked element (its text stays readable), or after the
      // last hop drawn when the missing hop is not on the map.
      let [cx, cy] = blockedEl ? center(blockedEl) : pts[pts.length - 1];
      if (blockedEl) cx += blockedEl.getBoundingClientRect().width / 2 + 16;
      else cx += 28;
      const g = svg("g", { class: "xmark" });
      g.append(svg("circle", { cx, cy, r: 11 }));
      g.append(svg("path", { d: `M${cx - 5},${cy - 5} L${cx + 5},${cy + 5} M${cx + 5},${cy - 5} L${cx - 5},${cy + 5}` }));
      const label = svg("text", { x: cx + 15, y: cy + 4 });
      label.textContent = "missing: " + v.blocked.hop.step;
      g.append(label);
      o.append(g);
    }
    o.dataset.hops = String(anchors.length);
  }

  // ------------------------------------------------------------------
  // Resources (search results and map nodes)
  // ------------------------------------------------------------------
  async function selectResource(id) {
    state.selectedTask = null;
    state.selectedRes = id;
    state.explain = null;
    clearPath();
    for (const e of document.querySelectorAll(".chip.selected")) e.classList.remove("selected");
    writeHash();
    let a;
    try {
      a = await get("resource", { account: state.account, region: state.region, id });
    } catch (e) {
      renderPanelMessage(`${id}: ${e.message}`);
      return;
    }
    if (state.selectedRes !== id) return;
    panelOpen(true);
    const target = anchorFor(id, null) || (a.kind === "network-interface" && a.record.subnet_id ? anchorFor(a.record.subnet_id, null) : null);
    if (target) {
      target.classList.add("on-path");
      target.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    const rec = a.record || {};
    const body = [];
    if (a.kind === "security-group" && Array.isArray(rec.rules)) {
      const rows = rec.rules.map((r) => el("tr", null, el("td", { text: r.egress ? "egress" : "ingress" }), el("td", { text: r.protocol === "-1" ? "all" : r.protocol }), el("td", { text: r.from_port === r.to_port ? String(r.from_port) : `${r.from_port}-${r.to_port}` }), el("td", { text: peerText(r.peer) }), el("td", { text: r.description || "" })));
      body.push(el("h3", { text: `${rec.name} — ${rec.description}` }), el("div", { class: "table-wrap" }, el("table", { class: "rules" }, el("thead", null, el("tr", null, ...["Direction", "Protocol", "Ports", "Peer", "Description"].map((h) => el("th", { scope: "col", text: h })))), el("tbody", null, ...rows))));
    }
    const fargate = rec.owner && rec.owner.Fargate;
    if (a.kind === "network-interface" && fargate) {
      const tid = fargate.task_arn.split("/").pop();
      body.push(el("p", null, "The network interface of task ", el("button", { class: "link", type: "button", text: tid, onclick: () => selectTask(tid) })));
    }
    if (a.kind === "route-table" && Array.isArray(rec.routeStates)) {
      body.push(el("h3", { text: "Routes" }), el("ul", { class: "routes" }, ...rec.routeStates.map(routeText)));
    }
    body.push(el("details", { open: a.kind !== "security-group" && a.kind !== "route-table" }, el("summary", { text: "Record" }), el("pre", { class: "record", text: JSON.stringify(rec, null, 2) })));
    $("panel").replaceChildren(
      el("div", { class: "panel-head" }, el("h2", { id: "panel-title", text: `${a.kind} ${id}` }), el("button", { class: "close", type: "button", "aria-label": "Close details", text: "✕", onclick: closePanel })),
      a.vpcId && a.vpcId !== state.vpc ? el("p", { class: "muted" }, "In ", el("button", { class: "link", type: "button", text: a.vpcId, onclick: () => goto({ region: a.region, vpc: a.vpcId, res: id }) })) : null,
      ...body,
    );
  }

  function peerText(p) {
    if (!p) return "";
    if (p.V4) return p.V4;
    if (p.V6) return p.V6;
    if (p.PrefixList) return p.PrefixList;
    if (p.Group) return p.Group.group_id;
    return JSON.stringify(p);
  }

  // ------------------------------------------------------------------
  // Search
  // ------------------------------------------------------------------
  let searchSeq = 0;
  let hits = [];
  let active = -1;
  async function runSearch(text) {
    const mine = ++searchSeq;
    const box = $("search-results");
    if (text.trim().length < 3) {
      box.hidden = true;
      $("search").setAttribute("aria-expanded", "false");
      return;
    }
    let r;
    try {
      r = await get("search", { account: state.account, region: state.region, q: text.trim() });
    } catch (e) {
      return;
    }
    if (mine !== searchSeq) return;
    hits = r.hits;
    active = hits.length ? 0 : -1;
    renderHits();
  }

  function renderHits() {
    const box = $("search-results");
    box.replaceChildren(
      ...(hits.length
        ? hits.map((h, i) =>
            el(
              "li",
              { role: "option", id: `hit-${i}`, class: "hit" + (i === active ? " active" : ""), "aria-selected": i === active ? "true" : "false", "data-hit": h.id, onmousedown: (e) => { e.preventDefault(); pick(i); } },
              el("span", { class: "hit-kind", text: h.kind }),
              el("span", { class: "hit-id", text: h.id }),
              el("span", { class: "muted", text: ` ${h.label} · ${h.region}` }),
            ),
          )
        : [el("li", { class: "hit none", text: "Nothing has that id." })]),
    );
    box.hidden = false;
    $("search").setAttribute("aria-expanded", "true");
    if (active >= 0) $("search").setAttribute("aria-activedescendant", `hit-${active}`);
    else $("search").removeAttribute("aria-activedescendant");
  }

  async function pick(i) {
    const h = hits[i];
    if (!h) return;
    $("search-results").hidden = true;
    $("search").setAttribute("aria-expanded", "false");
    if (h.kind === "task") await goto({ region: h.region, vpc: h.vpcId, task: h.id });
    else if (h.kind === "vpc") await goto({ region: h.region, vpc: h.id });
    else await goto({ region: h.region, vpc: h.vpcId, res: h.id });
  }

  async function goto(where) {
    const region = where.region || state.region;
    if (region !== state.region) {
      state.region = region;
      $("region").value = region;
      await loadVpcs(where.vpc);
      await switchVpc(state.vpc);
    } else if (where.vpc && where.vpc !== state.vpc) {
      $("vpc").value = where.vpc;
      await switchVpc(where.vpc);
    }
    if (where.task) await selectTask(where.task);
    else if (where.res) await selectResource(where.res);
    else writeHash();
  }

  async function switchVpc(id) {
    state.vpc = id;
    closePanel();
    state.view = null;
    await loadView();
    connect();
    writeHash();
  }

  // ------------------------------------------------------------------
  // Keyboard
  // ------------------------------------------------------------------
  function onChipKey(e) {
    const c = e.target.closest(".chip");
    if (!c) return;
    const box = c.parentElement;
    const list = Array.from(box.children);
    const i = list.indexOf(c);
    let n = null;
    const perRow = Math.max(1, Math.round(box.clientWidth / Math.max(1, c.offsetWidth + 4)));
    if (e.key === "ArrowRight") n = list[i + 1];
    else if (e.key === "ArrowLeft") n = list[i - 1];
    else if (e.key === "ArrowDown") n = list[Math.min(list.length - 1, i + perRow)];
    else if (e.key === "ArrowUp") n = list[Math.max(0, i - perRow)];
    else if (e.key === "Home") n = list[0];
    else if (e.key === "End") n = list[list.length - 1];
    if (n && n !== c) {
      e.preventDefault();
      c.tabIndex = -1;
      n.tabIndex = 0;
      n.focus();
    }
  }

  function wire() {
    $("zones").addEventListener("click", (e) => {
      const c = e.target.closest(".chip");
      if (c) {
        for (const x of $("zones").querySelectorAll(".chip[tabindex='0']")) if (x.parentElement === c.parentElement) x.tabIndex = -1;
        c.tabIndex = 0;
        selectTask(c.dataset.task, true);
      }
    });
    $("zones").addEventListener("keydown", onChipKey);
    $("account").addEventListener("change", async (e) => {
      state.account = e.target.value;
      await loadRegions(state.region);
      await loadVpcs(null);
      await switchVpc(state.vpc);
    });
    $("region").addEventListener("change", async (e) => {
      state.region = e.target.value;
      await loadVpcs(null);
      await switchVpc(state.vpc);
    });
    $("vpc").addEventListener("change", (e) => switchVpc(e.target.value));
    $("show-stopped").addEventListener("change", () => {
      for (const t of state.tasks.values()) placeChip(t);
      fixTabStops();
      drawPath();
    });
    let timer = null;
    const input = $("search");
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => runSearch(input.value), 120);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && hits.length) {
        e.preventDefault();
        active = (active + 1) % hits.length;
        renderHits();
      } else if (e.key === "ArrowUp" && hits.length) {
        e.preventDefault();
        active = (active - 1 + hits.length) % hits.length;
        renderHits();
      } else if (e.key === "Escape") {
        $("search-results").hidden = true;
        input.setAttribute("aria-expanded", "false");
      }
    });
    $("search-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      clearTimeout(timer);
      if ($("search-results").hidden || !hits.length) await runSearch(input.value);
      if (active >= 0) pick(active);
    });
    input.addEventListener("blur", () => setTimeout(() => ($("search-results").hidden = true), 150));
    document.addEventListener("keydown", (e) => {
      const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement && document.activeElement.tagName);
      if (e.key === "/" && !typing) {
        e.preventDefault();
        input.focus();
        input.select();
      } else if (e.key === "Escape" && !typing && (state.selectedTask || state.selectedRes)) {
        const back = state.chipEls.get(state.selectedTask);
        closePanel();
        if (back) back.focus();
      }
    });
    // A page left open in the back/forward cache keeps its stream (and one
    // of the browser's six connections to tasknet) unless it is closed.
    window.addEventListener("pagehide", () => {
      if (state.source) state.source.close();
      state.source = null;
    });
    window.addEventListener("pageshow", (e) => {
      if (e.persisted) {
        connect();
        refetchSoon(false);
      }
    });
    let rt = null;
    window.addEventListener("resize", () => {
      clearTimeout(rt);
      rt = setTimeout(drawPath, 100);
    });
  }

  // ------------------------------------------------------------------
  // Start
  // ------------------------------------------------------------------
  async function start() {
    wire();
    const want = readHash();
    try {
      await loadAccounts(want);
      await loadRegions(want.region);
      await loadVpcs(want.vpc);
    } catch (e) {
      $("map-empty").textContent = `Cannot reach tasknet: ${e.message}`;
      setLive("down", "○ offline");
      return;
    }
    connect();
    await loadView();
    state.metrics.interactiveMs = performance.now(); // since navigation started
    state.metrics.scriptMs = performance.now() - T0;
    document.body.dataset.ready = "1";
    if (want.task) await selectTask(want.task);
    else if (want.res) await selectResource(want.res);
    writeHash();
  }

  // For scripts and the browser tests.
  window.tasknetConsole = {
    state,
    get metrics() {
      return state.metrics;
    },
    renderServices,
    selectTask,
    selectResource,
    goto,
  };

  start();
})();
