// Call signalling (relay_ws.py, PROTOCOL-V1.md §6.4): short-lived offer/answer/candidate rows addressed
// to one node, polled by id. Rate limited per client address (W10) and per sending node, as
// the original; but from_node_id is self-declared, so a node's budget is keyed on the node id
// AND the client address, unless the request carries a node_proof (docs/PROTOCOL.md §10.2):
// then the node's own budget, which only the holder of its key can spend. Posting under a
// victim's id from elsewhere drains only the poster's own budget (issue 12, item 5).
import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { relaySignals } from "../../../db/schema.ts";
import * as L from "../../protocol/limits.ts";
import type { TokenBuckets } from "../rate-limit.ts";
import { clamp, intCast } from "../validate.ts";
import { invalid, ok, rateLimited, type Outcome } from "../verdict.ts";
import { checkSignalProof } from "../../protocol/v2/signal-proof.ts";
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
    const addr = address ?? "unknown";
    // the address first: it is cheap, and it bounds the signature checks one address can cause
    const byAddr = this.d.perAddress?.take(addr, nowMs);
    if (byAddr && !byAddr.ok)
      return rateLimited(
        `Rate limit: too many signals from this address; retry in ${byAddr.retryAfterS} s`,
        byAddr.retryAfterS,
      );
    const proof = b.node_proof;
    let nodeKey = `${b.from_node_id}@${addr}`;
    if (proof !== undefined) {
      const v = checkSignalProof(b, proof, Math.floor(nowMs / 1000));
      if (!v.ok) return invalid(`Invalid node_proof: ${v.reason}`);
      nodeKey = `proven:${v.value}`;
    }
    const byNode = this.d.perNode?.take(nodeKey, nowMs);
    if (byNode && !byNode.ok)
      return rateLimited(
        `Rate limit: too many signals from this node; retry in ${byNode.retryAfterS} s`,
        byNode.retryAfterS,
      );
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
    const conds = [
      eq(relaySignals.toNode, toNode),
      gt(relaySignals.id, intCast(sinceId)),
      gt(relaySignals.expiresAt, now),
    ];
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
