// HTTP client of the relay API (PROTOCOL-V1.md §6): presence, peers, store-and-forward messages,
// the WebSocket push URL, and /signal (felund2 admissions). Knows both the original relays
// (since/server_time) and the felund relay (cursor/next_cursor/more).

import { readCapped, ResponseTooLarge } from "../../../../src/peer/capped-read.ts";
import { relayUrl } from "../../../../src/peer/relay-url.ts";

export class RelayError extends Error {
  constructor(
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = "RelayError";
  }
}

export interface RelayEndpoint {
  transport: "ws" | "tcp";
  host: string;
  port: number;
  family: "ipv4" | "ipv6";
  nat: "unknown";
}
export interface RelayPeer {
  node_id: string;
  endpoints?: RelayEndpoint[];
  observed_at?: number;
  expires_at?: number;
}
export interface MessagesPage {
  messages: unknown[];
  nextCursor?: string;
  more: boolean;
  serverTime?: number;
}

const TIMEOUT_MS = 10_000;

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export class RelayApi {
  constructor(
    readonly base: string,
    private nodeId: string,
    private fetchImpl: FetchLike = (u, i) => fetch(u, i),
  ) {}

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(relayUrl(this.base, path), {
        method,
        headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      throw new RelayError(`relay unreachable: ${(e as Error).message}`);
    }
    // read with a size cap: a hostile relay's endless answer must not fill the tab's memory
    let json: Record<string, unknown> | null;
    try {
      const text = await readCapped(res);
      json = JSON.parse(text) as Record<string, unknown> | null;
    } catch (e) {
      if (e instanceof ResponseTooLarge) throw new RelayError(`relay: ${e.message}`, res.status);
      json = null;
    }
    if (!res.ok || !json || json.ok === false) {
      const detail = json?.detail ?? json?.error ?? `HTTP ${res.status}`;
      throw new RelayError(`relay: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`, res.status);
    }
    return json as T;
  }

  health() {
    return this.call<{ ok: true; version?: string; time?: number }>("GET", "/health");
  }

  register(circleHint: string, endpoints: RelayEndpoint[], ttlS = 120) {
    return this.call(
      "POST",
      "/register",
      {
        node_id: this.nodeId,
        circle_hint: circleHint,
        endpoints,
        capabilities: { relay: false, transport: ["ws"], can_anchor: false },
        ttl_s: ttlS,
      },
      { "x-felund-node": this.nodeId },
    );
  }

  /** Best effort, also while the page unloads (keepalive). */
  unregister(circleHint: string): void {
    void this.fetchImpl(relayUrl(this.base, "/register"), {
      method: "DELETE",
      keepalive: true,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ node_id: this.nodeId, circle_hint: circleHint }),
    }).catch(() => {});
  }

  async peers(circleHint: string, limit = 50): Promise<RelayPeer[]> {
    const r = await this.call<{ peers?: RelayPeer[] }>(
      "GET",
      `/peers?circle_hint=${encodeURIComponent(circleHint)}&limit=${limit}`,
      undefined,
      { "x-felund-node": this.nodeId },
    );
    return Array.isArray(r.peers)
      ? r.peers.filter((p) => p && typeof p.node_id === "string" && p.node_id !== this.nodeId)
      : [];
  }

  /** v1 envelopes (PROTOCOL-V1.md §4.4) and v2 envelopes (docs/PROTOCOL.md §9) alike */
  postMessages(circleHint: string, envelopes: unknown[]) {
    return this.call<{ stored?: number }>("POST", "/messages", { circle_hint: circleHint, messages: envelopes });
  }

  async getMessages(circleHint: string, from: { cursor?: string; since?: number }, limit = 200): Promise<MessagesPage> {
    const q = new URLSearchParams({ circle_hint: circleHint, limit: String(limit) });
    if (from.cursor !== undefined) q.set("cursor", from.cursor);
    else q.set("since", String(from.since ?? 0));
    const r = await this.call<{ messages?: unknown[]; next_cursor?: unknown; more?: unknown; server_time?: unknown }>(
      "GET",
      `/messages?${q}`,
    );
    return {
      messages: Array.isArray(r.messages) ? r.messages : [],
      nextCursor: r.next_cursor === undefined || r.next_cursor === null ? undefined : String(r.next_cursor),
      more: r.more === true,
      serverTime: typeof r.server_time === "number" ? r.server_time : undefined,
    };
  }

  /** POST /v1/signal (no node id header: an admission names only the ids in its body). */
  async postSignal(body: Record<string, unknown>): Promise<void> {
    await this.call("POST", "/signal", body);
  }

  async getSignals(q: {
    toNodeId: string;
    sinceId: number;
    sessionId?: string;
  }): Promise<{ signals: unknown[]; serverTime?: number }> {
    const p = new URLSearchParams({ to_node_id: q.toNodeId, since_id: String(q.sinceId) });
    if (q.sessionId) p.set("session_id", q.sessionId);
    const r = await this.call<{ signals?: unknown; server_time?: unknown }>("GET", `/signal?${p}`);
    return {
      signals: Array.isArray(r.signals) ? r.signals : [],
      serverTime: typeof r.server_time === "number" ? r.server_time : undefined,
    };
  }

  wsUrl(circleHint: string): string {
    return (
      relayUrl(this.base, "/relay/ws").replace(/^http/, "ws") +
      `?circle_hint=${encodeURIComponent(circleHint)}&node_id=${encodeURIComponent(this.nodeId)}`
    );
  }
}
