// The node's local HTTP API, for this user's own front ends (CLI one-shots, web UI, TUI).
// Bound to loopback by the caller; every request needs the per-install token, a loopback
// Host header (no DNS rebinding) and, when the browser sends one, a same-origin Origin.
import { Elysia, t } from "elysia";
import type { FelundNode, NodeEvent } from "./node.ts";
import * as svc from "./service.ts";
import { saveSettings } from "./identity.ts";
import type { AccessMode } from "../protocol/control.ts";
import { timingSafeEqualStr } from "../protocol/crypto.ts";

const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

export interface LocalApiOptions { node: FelundNode; token: string; port: () => number }

export function isAllowedHost(host: string | null, port: number): boolean {
  if (!host) return false;
  return LOOPBACK_HOSTS.some((h) => host === `${h}:${port}`);
}
export function isAllowedOrigin(origin: string | null, port: number): boolean {
  if (!origin) return true; // non-browser clients send none
  return LOOPBACK_HOSTS.some((h) => origin === `http://${h}:${port}`);
}

function tokenOf(req: Request): string {
  const auth = req.headers.get("authorization");
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  const h = req.headers.get("x-felund-token");
  if (h) return h.trim();
  return new URL(req.url).searchParams.get("token") ?? "";
}

/** Why the local API refuses a request (status and body), or undefined to go on. */
export function refusal(req: Request, token: string, port: number): { status: 401 | 403; body: { ok: false; error: string } } | undefined {
  const u = new URL(req.url);
  if (!isAllowedHost(req.headers.get("host") ?? u.host, port))
    return { status: 403, body: { ok: false, error: "forbidden: Host is not this machine's loopback address" } };
  if (!isAllowedOrigin(req.headers.get("origin"), port))
    return { status: 403, body: { ok: false, error: "forbidden: cross-origin request" } };
  if (!timingSafeEqualStr(tokenOf(req), token))
    return { status: 401, body: { ok: false, error: "unauthorized: missing or wrong token" } };
  return undefined;
}

/** Guard for the local API; returns a Response to refuse, or undefined to go on. */
export function guard(req: Request, token: string, port: number): Response | undefined {
  const r = refusal(req, token, port);
  return r && Response.json(r.body, { status: r.status });
}

export function stateOf(node: FelundNode) {
  const s = node.settings;
  return {
    node: { nodeId: s.nodeId, displayName: s.displayName, bind: s.bind, port: node.port, listenAddr: node.listenAddr, relayBase: node.relay?.base ?? s.relayBase, retentionDays: s.retentionDays },
    relay: node.relay?.status() ?? null,
    circles: svc.listCircles(node.ctx).map((c) => ({ ...c, channels: svc.listChannels(node.ctx, c.circleId) })),
    calls: [...node.calls.sessions.values()].map((c) => ({ ...c, participants: [...c.participants] })),
  };
}

export function eventJson(node: FelundNode, e: NodeEvent): unknown {
  if (e.t === "message") return { t: "message", message: svc.viewMessage(node.ctx, e.message, node.nodeId) };
  return e;
}

export function createLocalApi(o: LocalApiOptions) {
  const { node } = o;
  const fail = (e: unknown, set: { status?: number | string }) => {
    if (e instanceof svc.UserError) {
      set.status = e.status;
      return { ok: false, error: e.message };
    }
    throw e;
  };
  const wsClients = new Set<{ send(s: string): unknown }>();
  node.subscribe((e) => {
    if (!wsClients.size) return;
    const s = JSON.stringify(eventJson(node, e));
    for (const c of wsClients) c.send(s);
  });

  return new Elysia({ name: "local-api", prefix: "/api" })
    // transform runs before body/query validation (beforeHandle runs after it), so a request
    // without the token is refused before anything about it is looked at or reported
    .onTransform(({ request, status }) => {
      const r = refusal(request, o.token, o.port());
      if (r) throw status(r.status, r.body);
    })
    .get("/health", () => ({ ok: true, nodeId: node.nodeId }))
    .get("/state", () => ({ ok: true, ...stateOf(node) }))
    .post("/settings", ({ body, set }) => {
      try {
        if (body.displayName !== undefined) node.published(svc.setDisplayName(node.ctx, body.displayName));
        if (body.relayBase !== undefined) {
          const r = body.relayBase.trim().replace(/\/+$/, "");
          if (r && !/^https?:\/\//.test(r)) throw new svc.UserError("relay URL must start with http:// or https://");
          saveSettings(node.store, { relayBase: r });
          node.configureRelay(r);
        }
        if (body.retentionDays !== undefined) saveSettings(node.store, { retentionDays: body.retentionDays });
        node.emit({ t: "circles" });
        return { ok: true, ...stateOf(node) };
      } catch (e) { return fail(e, set); }
    }, { body: t.Object({ displayName: t.Optional(t.String({ maxLength: 200 })), relayBase: t.Optional(t.String({ maxLength: 500 })), retentionDays: t.Optional(t.Integer({ minimum: 0, maximum: 36500 })) }) })
    .get("/circles", () => ({ ok: true, circles: svc.listCircles(node.ctx) }))
    .post("/circles", ({ body, set }) => {
      try { return { ok: true, ...node.createCircle(body.name ?? "", { legacy: body.legacy, ttlS: body.ttlS, maxUses: body.maxUses }) }; } catch (e) { return fail(e, set); }
    }, { body: t.Object({ name: t.Optional(t.String({ maxLength: 200 })), legacy: t.Optional(t.Boolean()), ttlS: t.Optional(t.Integer({ minimum: 60, maximum: 31_536_000 })), maxUses: t.Optional(t.Integer({ minimum: 1 })) }) })
    .post("/circles/join", async ({ body, set }) => {
      try { return { ok: true, ...(await node.join(body)) }; } catch (e) { return fail(e, set); }
    }, { body: t.Object({ code: t.Optional(t.String({ maxLength: 4096 })), secret: t.Optional(t.String({ maxLength: 512 })), peer: t.Optional(t.String({ maxLength: 300 })) }) })
    .delete("/circles/:id", ({ params, set }) => {
      try { node.leave(params.id); return { ok: true }; } catch (e) { return fail(e, set); }
    })
    .post("/circles/:id/name", ({ params, body, set }) => {
      try { node.published(svc.renameCircle(node.ctx, params.id, body.name)); return { ok: true }; } catch (e) { return fail(e, set); }
    }, { body: t.Object({ name: t.String({ maxLength: 200 }) }) })
    .get("/circles/:id/invite", ({ params, query, set }) => {
      try {
        return { ok: true, code: node.inviteCode(params.id, { ...(query.ttlS ? { ttlS: Number(query.ttlS) } : {}), ...(query.maxUses ? { maxUses: Number(query.maxUses) } : {}) }) };
      } catch (e) { return fail(e, set); }
    }, { query: t.Object({ ttlS: t.Optional(t.Numeric({ minimum: 60, maximum: 31_536_000 })), maxUses: t.Optional(t.Numeric({ minimum: 1 })) }) })
    .post("/circles/:id/kick", ({ params, body, set }) => {
      try { return { ok: true, message: svc.viewMessage(node.ctx, node.kick(params.id, body.members), node.nodeId) }; } catch (e) { return fail(e, set); }
    }, { body: t.Object({ members: t.Array(t.String({ maxLength: 128 }), { minItems: 1, maxItems: 100 }) }) })
    .post("/circles/:id/channels/:ch/approve", ({ params, body, set }) => {
      try { node.approve(params.id, params.ch, body.member); return { ok: true, channels: svc.listChannels(node.ctx, params.id) }; } catch (e) { return fail(e, set); }
    }, { body: t.Object({ member: t.String({ maxLength: 128 }) }) })
    .get("/circles/:id/channels", ({ params, set }) => {
      try { return { ok: true, channels: svc.listChannels(node.ctx, params.id) }; } catch (e) { return fail(e, set); }
    })
    .post("/circles/:id/channels", ({ params, body, set }) => {
      try {
        node.published(svc.createChannel(node.ctx, params.id, body.name, (body.mode ?? "public") as AccessMode, body.key ?? ""));
        return { ok: true, channels: svc.listChannels(node.ctx, params.id) };
      } catch (e) { return fail(e, set); }
    }, { body: t.Object({ name: t.String({ maxLength: 64 }), mode: t.Optional(t.Union([t.Literal("public"), t.Literal("key"), t.Literal("invite")])), key: t.Optional(t.String({ maxLength: 200 })) }) })
    .post("/circles/:id/channels/:ch/join", ({ params, body, set }) => {
      try { node.published(svc.joinChannel(node.ctx, params.id, params.ch, body?.key ?? "")); return { ok: true, channels: svc.listChannels(node.ctx, params.id) }; } catch (e) { return fail(e, set); }
    }, { body: t.Optional(t.Object({ key: t.Optional(t.String({ maxLength: 200 })) })) })
    .post("/circles/:id/channels/:ch/leave", ({ params, set }) => {
      try { node.published(svc.leaveChannel(node.ctx, params.id, params.ch)); return { ok: true, channels: svc.listChannels(node.ctx, params.id) }; } catch (e) { return fail(e, set); }
    })
    .get("/circles/:id/peers", ({ params, set }) => {
      try { return { ok: true, peers: svc.listPeers(node.ctx, params.id) }; } catch (e) { return fail(e, set); }
    })
    .get("/peers", () => ({ ok: true, peers: svc.listPeers(node.ctx) }))
    .get("/circles/:id/messages", ({ params, query, set }) => {
      try {
        const before = query.before_ts !== undefined ? { sortTs: Number(query.before_ts), msgId: query.before_id ?? "" } : undefined;
        return { ok: true, messages: svc.inbox(node.ctx, params.id, query.channel ?? "general", query.limit ? Number(query.limit) : 50, before) };
      } catch (e) { return fail(e, set); }
    }, { query: t.Object({ channel: t.Optional(t.String()), limit: t.Optional(t.Numeric()), before_ts: t.Optional(t.Numeric()), before_id: t.Optional(t.String()) }) })
    .post("/circles/:id/messages", ({ params, body, set }) => {
      try {
        const m = node.send(params.id, body.channel ?? "general", body.text);
        return { ok: true, message: svc.viewMessage(node.ctx, m, node.nodeId) };
      } catch (e) { return fail(e, set); }
    }, { body: t.Object({ channel: t.Optional(t.String({ maxLength: 64 })), text: t.String({ maxLength: 65536 }) }) })
    .post("/sync", ({ body }) => {
      const ids = body?.circleId ? [body.circleId] : node.store.listCircles().map((c) => c.circleId);
      for (const id of ids) node.syncSoon(id);
      return { ok: true };
    }, { body: t.Optional(t.Object({ circleId: t.Optional(t.String()) })) })
    .ws("/ws", {
      open(ws) { wsClients.add(ws.raw); ws.raw.send(JSON.stringify({ t: "hello", nodeId: node.nodeId })); },
      close(ws) { wsClients.delete(ws.raw); },
      message() {},
    });
}
