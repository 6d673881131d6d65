// A relay's /v1/signal as the transport of felund2 admissions (src/sync/relay-admission.ts):
// what a joining node uses when a code's peer is a relay URL, and what the node's relay client
// answers admissions through.
import type { SignalIo } from "../sync/relay-admission.ts";
import { relayUrl } from "../peer/relay-url.ts";
import { fetchJsonCapped } from "./capped-http.ts";
import { RELAY_HTTP_TIMEOUT_MS } from "../protocol/limits.ts";

/**
 * /v1/signal of a relay as the transport of felund2 admissions (src/sync/relay-admission.ts).
 * No node id header: a joiner's answers go to a throwaway id, so the relay does not learn who joins.
 */
export function relaySignalIo(base: string): SignalIo {
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetchJsonCapped(relayUrl(base, path), {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: RELAY_HTTP_TIMEOUT_MS,
    });
    const json = res.json;
    if (!res.ok || !json || json.ok === false)
      throw new Error(`${method} /signal: HTTP ${res.status} ${json?.detail ?? json?.error ?? ""}`.trim());
    return json;
  };
  return {
    post: async (s) => void (await call("POST", "/signal", s)),
    async list(q) {
      const p = new URLSearchParams({ to_node_id: q.toNodeId, since_id: String(q.sinceId) });
      if (q.sessionId) p.set("session_id", q.sessionId);
      const r = await call("GET", `/signal?${p}`);
      return {
        signals: Array.isArray(r.signals) ? r.signals : [],
        serverTime: typeof r.server_time === "number" ? r.server_time : undefined,
      };
    },
    sleep: (ms) => Bun.sleep(ms),
    nowMs: () => Date.now(),
  };
}
