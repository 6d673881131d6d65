// HTTP client of the relay API (PROTOCOL-V1.md §6), for the node and the relay-only browser
// alike: presence, peers, store-and-forward messages, the WebSocket push URL, and /signal
// (felund2 admissions, call signals). Knows both the original relays (since/server_time) and the
// felund relay (cursor/next_cursor/more). `fetch` is injected; every answer is read with a cap.
import { RELAY_HTTP_TIMEOUT_MS, RELAY_PEERS_DEFAULT, RELAY_PRESENCE_TTL_S } from "../../protocol/limits.ts";
import { FelundError } from "../../protocol/errors.ts";
import { type CappedBody, readCapped, ResponseTooLarge } from "../capped-read.ts";
import { relayUrl } from "../relay-url.ts";

/**
 * What a relay's failure is thrown as: E_RATE_LIMITED when it answered 429 (worth a retry
 * later), else E_UNREACHABLE (no answer, an answer too large to read, or an error answer), with
 * 502 for whoever passes it on over HTTP: the fault is upstream.
 */
const relayError = (message: string, status?: number) =>
  Object.assign(
    new FelundError(status === 429 ? "E_RATE_LIMITED" : "E_UNREACHABLE", message, status === 429 ? 429 : 502),
    { relayStatus: status },
  );

/** The HTTP status a relay answered a failed call with (undefined: no answer). */
export const relayStatusOf = (e: unknown): number | undefined => (e as { relayStatus?: number }).relayStatus;

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
/** Where a pull goes on from: the felund relay's cursor, or the original relays' clock. */
export interface PullCursor {
  cursor?: string;
  since?: number;
}
export interface MessagesPage {
  messages: unknown[];
  nextCursor?: string;
  more: boolean;
  serverTime?: number;
}

/** What the client hands fetch, and reads of its answer (this layer has no DOM types: the shells bring fetch). */
export interface HttpInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** an AbortSignal (timeout) */
  signal?: unknown;
  keepalive?: boolean;
}
export interface HttpAnswer extends CappedBody {
  ok: boolean;
  status: number;
}
export type FetchLike = (url: string, init: HttpInit) => Promise<HttpAnswer>;

/**
 * How the requests of one circle are signed (the newer original relay, PROTOCOL-V1.md §6.5;
 * signer.ts), given by the peer for its legacy circles: the key register sends, and `send`,
 * which sends a request (its path after /v1, with any query; the exact body) through `go` with
 * the X-Felund-* headers, or without them where a relay cannot take them.
 */
export interface RequestSigner {
  keyHex: string;
  send(method: string, path: string, body: string, go: Go): Promise<HttpAnswer>;
}
/** Sends a request, with these extra headers if given. */
type Go = (headers?: Record<string, string>) => Promise<HttpAnswer>;
/** The signer of a circle's requests, by its relay hint; none: unsigned. */
export type SignerOf = (circleHint: string) => RequestSigner | null | undefined;

/** The runtime's own fetch and timeout signal (Bun and browsers both have them). */
const runtime = globalThis as unknown as { fetch: FetchLike; AbortSignal: { timeout(ms: number): unknown } };

export class RelayApi {
  constructor(
    readonly base: string,
    private nodeId: string,
    private fetchImpl: FetchLike = (u, i) => runtime.fetch(u, i),
    private signerOf: SignerOf = () => null,
  ) {}

  /** Send through `go`, signed by the circle's signer if it has one. */
  private signed(hint: string | undefined, method: string, path: string, body: string | undefined, go: Go) {
    const s = hint && this.signerOf(hint);
    return s ? s.send(method, path, body ?? "", go) : go();
  }

  /**
   * `node`: say who we are (x-felund-node); never on /signal, where an admission names only the ids in its body.
   * `hint`: the circle whose signer (if any) signs it.
   */
  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    node = true,
    hint?: string,
    extra?: (text: string) => Record<string, string>,
  ): Promise<T> {
    const text = body !== undefined ? JSON.stringify(body) : undefined;
    const more = extra?.(text ?? "");
    const send = (signed?: Record<string, string>) =>
      this.fetchImpl(relayUrl(this.base, path), {
        method,
        headers: {
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          // a signed request names the node in its own headers (X-Felund-Node)
          ...(signed ?? (node ? { "x-felund-node": this.nodeId } : {})),
          ...more,
        },
        body: text,
        signal: runtime.AbortSignal.timeout(RELAY_HTTP_TIMEOUT_MS),
      });
    let res: HttpAnswer;
    try {
      res = await this.signed(hint, method, path, text, send);
    } catch (e) {
      throw relayError(`relay unreachable: ${(e as Error).message}`);
    }
    // read with a size cap: a hostile relay's endless answer must not fill the tab's memory
    let json: Record<string, unknown> | null;
    try {
      const text = await readCapped(res);
      json = JSON.parse(text) as Record<string, unknown> | null;
    } catch (e) {
      if (e instanceof ResponseTooLarge) throw relayError(e.message);
      json = null;
    }
    if (!res.ok || !json || json.ok === false) {
      const detail = json?.detail ?? json?.error ?? "";
      const text = typeof detail === "string" ? detail : JSON.stringify(detail);
      throw relayError(`relay: ${text ? `${text} ` : ""}(HTTP ${res.status})`, res.status);
    }
    return json as T;
  }

  health() {
    return this.call<{ ok: true; version?: string; time?: number }>("GET", "/health");
  }

  /** `transport`: how members reach us ("tcp" for a node, "ws" for a browser, which they cannot dial) */
  register(circleHint: string, endpoints: RelayEndpoint[], transport: string) {
    const body = {
      node_id: this.nodeId,
      circle_hint: circleHint,
      endpoints,
      capabilities: { relay: false, transport: [transport], can_anchor: false },
      ttl_s: RELAY_PRESENCE_TTL_S,
      // a legacy circle's key (left out by JSON.stringify when undefined)
      signing_key: this.signerOf(circleHint)?.keyHex,
    };
    return this.call("POST", "/register", body, true, circleHint);
  }

  /** Best effort, also while the page unloads (keepalive). */
  unregister(circleHint: string): void {
    const body = JSON.stringify({ node_id: this.nodeId, circle_hint: circleHint });
    const go = (signed?: Record<string, string>) =>
      this.fetchImpl(relayUrl(this.base, "/register"), {
        method: "DELETE",
        keepalive: true,
        headers: { "content-type": "application/json", ...signed },
        body,
      });
    void this.signed(circleHint, "DELETE", "/register", body, go).catch(() => {});
  }

  async peers(circleHint: string, limit = RELAY_PEERS_DEFAULT): Promise<RelayPeer[]> {
    const r = await this.call<{ peers?: RelayPeer[] }>(
      "GET",
      `/peers?circle_hint=${encodeURIComponent(circleHint)}&limit=${limit}`,
      undefined,
      true,
      circleHint,
    );
    return Array.isArray(r.peers)
      ? r.peers.filter((p) => p && typeof p.node_id === "string" && p.node_id !== this.nodeId)
      : [];
  }

  /** v1 envelopes (PROTOCOL-V1.md §4.4) and v2 envelopes (docs/PROTOCOL.md §9) alike */
  postMessages(circleHint: string, envelopes: unknown[]) {
    return this.call<{ stored?: number }>(
      "POST",
      "/messages",
      { circle_hint: circleHint, messages: envelopes },
      true,
      circleHint,
    );
  }

  /**
   * A history push (docs/PROTOCOL.md §25): up to RELAY_PUSH_BATCH_MAX envelopes to POST
   * /v1/messages/batch, signed with the circle's push key. A relay without the endpoint fails
   * it with 404 or 405 (relayStatusOf).
   */
  postBatch(circleHint: string, envelopes: unknown[], allowance: (body: string) => string) {
    return this.call<{ stored?: number }>(
      "POST",
      "/messages/batch",
      { circle_hint: circleHint, messages: envelopes },
      true,
      circleHint,
      (text) => ({ "x-felund-push": allowance(text) }),
    );
  }

  async getMessages(circleHint: string, from: PullCursor, limit: number): Promise<MessagesPage> {
    const q = new URLSearchParams({ circle_hint: circleHint, limit: String(limit) });
    if (from.cursor !== undefined) q.set("cursor", from.cursor);
    else q.set("since", String(from.since ?? 0));
    const r = await this.call<{ messages?: unknown[]; next_cursor?: unknown; more?: unknown; server_time?: unknown }>(
      "GET",
      `/messages?${q}`,
      undefined,
      true,
      circleHint,
    );
    const messages = Array.isArray(r.messages) ? r.messages : [];
    return {
      messages,
      nextCursor: r.next_cursor === undefined || r.next_cursor === null ? undefined : String(r.next_cursor),
      // an original relay does not say: a full page may have more behind it
      more: r.more === true || (r.more === undefined && messages.length >= limit),
      serverTime: typeof r.server_time === "number" ? r.server_time : undefined,
    };
  }

  /** POST /v1/signal (no node id header: an admission names only the ids in its body). */
  async postSignal(body: Record<string, unknown>): Promise<void> {
    await this.call("POST", "/signal", body, false);
  }

  async getSignals(q: {
    toNodeId: string;
    sinceId: number;
    sessionId?: string;
  }): Promise<{ signals: unknown[]; serverTime?: number }> {
    const p = new URLSearchParams({ to_node_id: q.toNodeId, since_id: String(q.sinceId) });
    if (q.sessionId) p.set("session_id", q.sessionId);
    const r = await this.call<{ signals?: unknown; server_time?: unknown }>("GET", `/signal?${p}`, undefined, false);
    return {
      signals: Array.isArray(r.signals) ? r.signals : [],
      serverTime: typeof r.server_time === "number" ? r.server_time : undefined,
    };
  }

  wsUrl(circleHint: string): string {
    return (
      relayUrl(this.base, "/relay/ws").replace(/^http/, "ws") +
      `?circle_hint=${encodeURIComponent(circleHint)}&node_id=${encodeURIComponent(this.nodeId)}&typing=1`
    );
  }
}
