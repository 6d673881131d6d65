// The node's local HTTP API, for this user's own front ends (CLI one-shots, web UI, TUI).
// Bound to loopback by the caller; every request needs the per-install token, a loopback
// Host header (no DNS rebinding) and, when the browser sends one, a same-origin Origin.
//
// Framework-free on purpose: `felund run` serves it with Bun.serve alone, so a headless node
// does not load a web framework (idle memory); `felund serve` mounts the same handler into
// its Elysia app (local-api-elysia.ts).
import type { FelundNode } from "./node.ts";
import type { NodeEvent } from "./shell-ports.ts";
import * as svc from "./service.ts";
import { FelundError } from "../protocol/errors.ts";
import { codeForStatus } from "../protocol/error-status.ts";
import { loadSettings, saveSettings } from "./identity.ts";
import { checkRelay } from "../peer/relay/check.ts";
import type { AccessMode } from "../protocol/control.ts";
import {
  CALL_SIGNAL_DATA_MAX,
  INBOX_PAGE_DEFAULT,
  INBOX_PAGE_MAX,
  JSON_BODY_DEPTH_MAX,
  RETENTION_DAYS_MAX,
  V2_INVITE_TTL_MAX_S,
  V2_INVITE_TTL_MIN_S,
  V2_INVITE_USES_MAX,
  WS_GOING_AWAY,
} from "../protocol/limits.ts";
import { jsonNestsDeeper } from "../protocol/json-depth.ts";
import { SIGNAL_TYPES, type CallSignalType } from "../protocol/v2/call-signal.ts";
import type { CallOp } from "./calls.ts";
import { refusal } from "./local-guard.ts";
import { logEvent } from "../peer/log.ts";
import { nodeMetricsResponse } from "./metrics.ts";
import { draftRoutes } from "./local-api-drafts.ts";
import { socialRoutes } from "./local-api-social.ts";
import { refRoutes } from "./local-api-refs.ts";
import { searchRoutes } from "./local-api-search.ts";
import { backupRoutes } from "./local-api-backup.ts";
import { dmRoutes } from "./local-api-dm.ts";
import { attachmentRequest } from "./local-api-attachments.ts";

export interface LocalApiOptions {
  node: FelundNode;
  token: string;
  port: () => number;
}

export function stateOf(node: FelundNode) {
  const s = node.settings;
  return {
    node: {
      nodeId: s.nodeId,
      displayName: s.displayName,
      bind: s.bind,
      port: node.port,
      listenAddr: node.listenAddr,
      relayBase: node.relay?.base ?? s.relayBase,
      retentionDays: s.retentionDays,
    },
    relay: node.relay?.status() ?? null,
    circles: svc.listCircles(node.ctx).map((c) => ({
      ...c,
      channels: svc.listChannels(node.ctx, c.circleId),
      reachable: node.reach.reachable(c.circleId),
      fill: node.fills.get(c.circleId),
    })),
    calls: node.callNet.list(),
  };
}

export function eventJson(node: FelundNode, e: NodeEvent): unknown {
  if (e.t === "message") return { t: "message", message: svc.viewMessage(node.ctx, e.message, node.nodeId) };
  return e;
}

/** A validation failure of a request (422). */
const invalid = (why: string) => new FelundError("E_INVALID", `invalid input: ${why}`);

type Json = Record<string, unknown>;
const str = (b: Json, k: string, max: number, required = false): string | undefined => {
  const v = b[k];
  if (v === undefined || v === null) {
    if (required) throw invalid(`${k} is required`);
    return undefined;
  }
  if (typeof v !== "string" || v.length > max) throw invalid(`${k} must be a string of at most ${max} characters`);
  return v;
};
const int = (v: unknown, k: string, min: number, max: number): number | undefined => {
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min || n > max)
    throw invalid(`${k} must be a whole number from ${min} to ${max}`);
  return n;
};
const bool = (b: Json, k: string): boolean | undefined => {
  const v = b[k];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw invalid(`${k} must be true or false`);
  return v;
};

/** Largest request body the local API reads. */
const BODY_MAX = 256 * 1024;

interface Req {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
}
type Handler = (r: Req) => unknown;
interface Route {
  method: string;
  re: RegExp;
  keys: string[];
  run: Handler;
}

export interface WsLike {
  send(s: string): unknown;
  close?(code?: number, reason?: string): unknown;
}
export interface UpgradeServer {
  upgrade(req: Request, o?: { data?: unknown }): boolean;
}

export interface LocalHandler {
  /** A response, or undefined when the request was upgraded to the event WebSocket. */
  fetch(req: Request, server?: UpgradeServer | null): Promise<Response | undefined>;
  /** the event WebSocket's hooks (Bun.serve websocket or an Elysia ws route) */
  ws: { open(ws: WsLike): void; close(ws: WsLike): void };
  /** Close every event WebSocket with 1001 "going away" (the node shuts down). */
  goingAway(): void;
}

export function createLocalHandler(o: LocalApiOptions): LocalHandler {
  const { node } = o;
  const wsClients = new Set<WsLike>();
  node.subscribe((e) => {
    if (!wsClients.size) return;
    const s = JSON.stringify(eventJson(node, e));
    for (const c of wsClients) c.send(s);
  });
  const channels = (id: string) => ({ ok: true, channels: svc.listChannels(node.ctx, id) });
  const routes: Route[] = [];
  const on = (method: string, path: string, run: Handler) => {
    const keys: string[] = [];
    const re = new RegExp("^/api" + path.replace(/:(\w+)/g, (_m, k: string) => (keys.push(k), "([^/]+)")) + "/?$");
    routes.push({ method, re, keys, run });
  };

  on("GET", "/health", () => ({ ok: true, nodeId: node.nodeId }));
  on("GET", "/state", () => ({ ok: true, ...stateOf(node) }));
  on("POST", "/settings", async ({ body }) => {
    const displayName = str(body, "displayName", 200);
    const relayBase = str(body, "relayBase", 500);
    const retentionDays = int(body.retentionDays, "retentionDays", 0, RETENTION_DAYS_MAX);
    if (relayBase !== undefined) {
      const r = relayBase.trim().replace(/\/+$/, "");
      if (r && !/^https?:\/\//.test(r))
        throw new FelundError("E_BAD_INPUT", "relay URL must start with http:// or https://");
      // a new relay must answer its health check before it is saved (a typo is refused, not kept)
      if (r && r !== (node.relay?.base ?? loadSettings(node.store).relayBase)) await checkRelay(r, node.nodeId);
    }
    if (displayName !== undefined) node.published(svc.setDisplayName(node.ctx, displayName));
    if (relayBase !== undefined) {
      const r = relayBase.trim().replace(/\/+$/, "");
      saveSettings(node.store, { relayBase: r });
      node.configureRelay(r);
    }
    if (retentionDays !== undefined) saveSettings(node.store, { retentionDays });
    node.emit({ t: "circles" });
    return { ok: true, ...stateOf(node) };
  });
  on("GET", "/circles", () => ({ ok: true, circles: svc.listCircles(node.ctx) }));
  on("POST", "/circles", ({ body }) => ({
    ok: true,
    ...node.createCircle(str(body, "name", 200) ?? "", {
      legacy: bool(body, "legacy"),
      ttlS: int(body.ttlS, "ttlS", V2_INVITE_TTL_MIN_S, V2_INVITE_TTL_MAX_S),
      maxUses: int(body.maxUses, "maxUses", 1, V2_INVITE_USES_MAX),
    }),
  }));
  on("POST", "/circles/join", async ({ body }) => ({
    ok: true,
    ...(await node.join({
      code: str(body, "code", 4096),
      secret: str(body, "secret", 512),
      peer: str(body, "peer", 300),
    })),
  }));
  on("DELETE", "/circles/:id", ({ params }) => {
    node.leave(params.id!);
    return { ok: true };
  });
  on("POST", "/circles/:id/name", ({ params, body }) => {
    node.published(svc.renameCircle(node.ctx, params.id!, str(body, "name", 200, true)!));
    return { ok: true };
  });
  // the history policy for new members (§24.2): "all", "none" or "<N>d"
  on("GET", "/circles/:id/history", ({ params }) => ({ policy: svc.historyPolicy(node.ctx, params.id!) }));
  on("POST", "/circles/:id/history", ({ params, body }) => {
    node.published(svc.setHistoryPolicy(node.ctx, params.id!, str(body, "policy", 20, true)!));
    return { ok: true, policy: svc.historyPolicy(node.ctx, params.id!) };
  });
  on("GET", "/circles/:id/invite", ({ params, query }) => {
    const ttlS = int(query.get("ttlS") ?? undefined, "ttlS", V2_INVITE_TTL_MIN_S, V2_INVITE_TTL_MAX_S);
    const maxUses = int(query.get("maxUses") ?? undefined, "maxUses", 1, V2_INVITE_USES_MAX);
    // viaRelay=1: a felund2 code naming this node's relay (joiners that cannot dial this node are admitted through it)
    const viaRelay = query.get("viaRelay") === "1" || query.get("viaRelay") === "true";
    return {
      ok: true,
      code: node.inviteCode(params.id!, {
        ...(ttlS !== undefined ? { ttlS } : {}),
        ...(maxUses !== undefined ? { maxUses } : {}),
        ...(viaRelay ? { viaRelay } : {}),
      }),
    };
  });
  // the owner's invites of a circle (felund2), and revoking one: its code admits no one after
  on("GET", "/circles/:id/invites", ({ params }) => ({ ok: true, invites: svc.listInvites(node.ctx, params.id!) }));
  on("POST", "/circles/:id/invites/:invite/revoke", ({ params }) => ({
    ok: true,
    invite: svc.revokeInvite(node.ctx, params.id!, params.invite!),
  }));
  on("POST", "/circles/:id/kick", ({ params, body }) => {
    const m = body.members;
    if (!Array.isArray(m) || m.length < 1 || m.length > 100 || m.some((x) => typeof x !== "string" || x.length > 128))
      throw invalid("members must be a list of 1-100 node ids or names");
    return { ok: true, message: svc.viewMessage(node.ctx, node.kick(params.id!, m as string[]), node.nodeId) };
  });
  on("POST", "/circles/:id/channels/:ch/approve", ({ params, body }) => {
    node.approve(params.id!, params.ch!, str(body, "member", 128, true)!);
    return channels(params.id!);
  });
  on("GET", "/circles/:id/channels", ({ params }) => channels(params.id!));
  on("POST", "/circles/:id/channels", ({ params, body }) => {
    const mode = str(body, "mode", 10) ?? "public";
    if (!["public", "key", "invite"].includes(mode)) throw invalid("mode must be public, key or invite");
    node.published(
      svc.createChannel(
        node.ctx,
        params.id!,
        str(body, "name", 64, true)!,
        mode as AccessMode,
        str(body, "key", 200) ?? "",
      ),
    );
    return channels(params.id!);
  });
  on("POST", "/circles/:id/channels/:ch/join", ({ params, body }) => {
    node.published(svc.joinChannel(node.ctx, params.id!, params.ch!, str(body, "key", 200) ?? ""));
    return channels(params.id!);
  });
  on("POST", "/circles/:id/channels/:ch/leave", ({ params }) => {
    node.published(svc.leaveChannel(node.ctx, params.id!, params.ch!));
    return channels(params.id!);
  });
  on("GET", "/circles/:id/peers", ({ params }) => ({ ok: true, peers: svc.listPeers(node.ctx, params.id!) }));
  on("GET", "/peers", () => ({ ok: true, peers: svc.listPeers(node.ctx) }));
  on("GET", "/circles/:id/members", ({ params }) => ({
    ok: true,
    members: node.members.list(svc.requireCircle(node.ctx, params.id!).circleId),
  }));
  on("GET", "/circles/:id/messages", ({ params, query }) => {
    // the page before a message: its sortMs and seq (display order)
    const beforeMs = int(query.get("before_ms") ?? undefined, "before_ms", 0, Number.MAX_SAFE_INTEGER);
    const beforeSeq = int(query.get("before_seq") ?? undefined, "before_seq", 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const before = beforeMs !== undefined ? { sortMs: beforeMs, seq: beforeSeq } : undefined;
    const limit = int(query.get("limit") ?? undefined, "limit", 1, INBOX_PAGE_MAX) ?? INBOX_PAGE_DEFAULT;
    // events=1: the timeline events (joins, renames, …) among the messages, as the front ends show them
    const events = query.get("events") === "1";
    const channel = query.get("channel") ?? "general";
    return { ok: true, messages: svc.inbox(node.ctx, params.id!, channel, limit, before, events) };
  });
  on("POST", "/circles/:id/messages", ({ params, body }) => {
    const m = node.send(params.id!, str(body, "channel", 64) ?? "general", str(body, "text", 65536, true)!);
    return { ok: true, message: svc.viewMessage(node.ctx, m, node.nodeId) };
  });
  on("POST", "/sync", ({ body }) => {
    const id = str(body, "circleId", 64);
    for (const c of id ? [id] : node.store.listCircles().map((x) => x.circleId)) node.syncSoon(c);
    return { ok: true };
  });
  draftRoutes(on, node);
  socialRoutes(on, node);
  refRoutes(on, node);
  searchRoutes(on, node);
  backupRoutes(on, node);
  dmRoutes(on, node);

  // calls (src/node/calls.ts): the page runs the media; the node signs the events and carries the signals
  on("GET", "/calls", () => ({ ok: true, calls: node.callNet.list() }));
  on("POST", "/circles/:id/calls", ({ params, body }) => {
    const op = str(body, "op", 8, true)!;
    if (!["start", "join", "view", "leave", "end", "revoke"].includes(op))
      throw invalid("op must be start, join, view, leave, end or revoke");
    return {
      ok: true,
      call: node.callNet.action(params.id!, op as CallOp, {
        sessionId: str(body, "sessionId", 64),
        channel: str(body, "channel", 64),
        target: str(body, "target", 64),
      }),
    };
  });
  on("POST", "/circles/:id/calls/:sid/signal", async ({ params, body }) => {
    const type = str(body, "type", 16, true)!;
    if (!(type in SIGNAL_TYPES)) throw invalid(`type must be one of ${Object.keys(SIGNAL_TYPES).join(", ")}`);
    const via = await node.callNet.send(
      params.id!,
      params.sid!,
      str(body, "to", 128, true)!,
      type as CallSignalType,
      str(body, "data", CALL_SIGNAL_DATA_MAX, true)!,
    );
    return { ok: true, via };
  });
  on("POST", "/circles/:id/calls/:sid/alive", ({ params }) => {
    node.callNet.keepAlive(params.id!, params.sid!);
    return { ok: true };
  });

  const json = (status: number, v: unknown) => Response.json(v, { status });
  /** an error answer: its message, and the code of its status */
  const fail = (status: number, error: string) => json(status, { ok: false, error, code: codeForStatus(status) });

  return {
    ws: {
      open(ws) {
        wsClients.add(ws);
        ws.send(JSON.stringify({ t: "hello", nodeId: node.nodeId }));
      },
      close(ws) {
        wsClients.delete(ws);
      },
    },
    goingAway() {
      for (const ws of [...wsClients]) ws.close?.(WS_GOING_AWAY, "node shutting down");
    },
    async fetch(req, server) {
      // refused before anything about the request is looked at or reported
      const r = refusal(req, o.token, o.port());
      if (r) return json(r.status, r.body);
      const url = new URL(req.url);
      if (url.pathname === "/api/metrics") return nodeMetricsResponse(node);
      const attached = await attachmentRequest(node, req, url);
      if (attached) return attached;
      if (url.pathname === "/api/ws") {
        if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return fail(426, "WebSocket upgrade required");
        if (server?.upgrade(req, { data: { felundLocal: true } })) return undefined;
        return fail(400, "WebSocket upgrade failed");
      }
      const matches = routes.filter((x) => x.re.test(url.pathname));
      const route = matches.find((x) => x.method === req.method);
      if (!route)
        return matches.length
          ? fail(405, `method ${req.method} not allowed`)
          : fail(404, `Not found: ${req.method} ${url.pathname}`);
      const m = url.pathname.match(route.re)!;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1]!)));
      let body: Json = {};
      if (req.method !== "GET" && req.method !== "HEAD") {
        const text = await req.text();
        if (text.length > BODY_MAX) return fail(413, "request body too large");
        if (text.trim()) {
          if (jsonNestsDeeper(text, JSON_BODY_DEPTH_MAX)) {
            logEvent(
              "warn",
              "api.body_too_deep",
              `felund: local API refused a request body nested deeper than ${JSON_BODY_DEPTH_MAX} levels (${req.method} ${url.pathname})`,
              { method: req.method, path: url.pathname },
            );
            return fail(400, `request body is nested too deeply (max ${JSON_BODY_DEPTH_MAX} levels)`);
          }
          let v: unknown;
          try {
            v = JSON.parse(text);
          } catch {
            return fail(400, "request body is not JSON");
          }
          if (!v || typeof v !== "object" || Array.isArray(v))
            return fail(422, "invalid input: the body must be a JSON object");
          body = v as Json;
        }
      }
      try {
        return json(200, await route.run({ params, query: url.searchParams, body }));
      } catch (e) {
        if (e instanceof FelundError) return json(e.status, { ok: false, error: e.message, code: e.code });
        throw e;
      }
    },
  };
}
