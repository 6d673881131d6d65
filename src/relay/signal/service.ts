// Call signalling (relay_ws.py, PROTOCOL-V1.md §6.4): short-lived offer/answer/candidate rows addressed
// to one node, polled by id. Rate limited per sending node id, as the original, and also per
// client address, since the node id is self-declared (W10).
import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { relaySignals } from "../../../db/schema.ts";
import * as L from "../../protocol/limits.ts";
import type { TokenBuckets } from "../rate-limit.ts";
import { clamp, intCast } from "../validate.ts";
import { ok, rateLimited, type Outcome } from "../verdict.ts";
import type { PostSignalBody } from "./model.ts";

export interface SignalDeps {
  db: Db;
  nowMs: () => number;
  perNode: TokenBuckets | null;
  perAddress: TokenBuckets | null;
}

const isCandidate = (type: string) => type === "candidate" || type === "media-candidate";

export function signalTtl(type: string, ttl: unknown): number {
  const max = isCandidate(type) ? L.RELAY_SIGNAL_TTL_CANDIDATE_MAX_S : L.RELAY_SIGNAL_TTL_MAX_S;
  if (typeof ttl !== "number" || !Number.isFinite(ttl)) return max;
  return clamp(Math.floor(ttl), L.RELAY_SIGNAL_TTL_MIN_S, max);
}

export class SignalService {
  constructor(private d: SignalDeps) {}

  post(b: PostSignalBody, address: string | null): Outcome<{ server_time: number }> {
    const nowMs = this.d.nowMs();
    for (const [buckets, key] of [[this.d.perNode, b.from_node_id], [this.d.perAddress, address ?? "unknown"]] as const) {
      if (!buckets) continue;
      const r = buckets.take(key, nowMs);
      if (!r.ok) return rateLimited(`Rate limit: too many signals; retry in ${r.retryAfterS} s`, r.retryAfterS);
    }
    const now = Math.floor(nowMs / 1000);
    this.d.db
      .insert(relaySignals)
      .values({
        sessionId: b.session_id,
        fromNode: b.from_node_id,
        toNode: b.to_node_id,
        circleHint: b.circle_hint,
        type: b.type,
        payload: b.payload,
        createdAt: now,
        expiresAt: now + signalTtl(b.type, b.ttl_s),
      })
      .run();
    return ok({ server_time: now });
  }

  list(toNode: string, sinceId: string | undefined, sessionId: string | undefined) {
    const now = Math.floor(this.d.nowMs() / 1000);
    const conds = [eq(relaySignals.toNode, toNode), gt(relaySignals.id, intCast(sinceId)), gt(relaySignals.expiresAt, now)];
    if (sessionId !== undefined && sessionId !== "") conds.push(eq(relaySignals.sessionId, sessionId));
    const signals = this.d.db
      .select({
        id: relaySignals.id,
        session_id: relaySignals.sessionId,
        from_node: relaySignals.fromNode,
        to_node: relaySignals.toNode,
        type: relaySignals.type,
        payload: relaySignals.payload,
        created_at: relaySignals.createdAt,
      })
      .from(relaySignals)
      .where(and(...conds))
      .orderBy(asc(relaySignals.id))
      .limit(L.RELAY_SIGNAL_PAGE_MAX)
      .all();
    return { ok: true as const, signals, server_time: now };
  }

  prune(nowS: number): number {
    return this.d.db.$client.prepare("DELETE FROM relay_signals WHERE expires_at <= ?").run(nowS).changes;
  }
}
