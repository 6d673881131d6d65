// Presence, signed-request nonces and call signals on PostgreSQL: the same rules as the SQLite
// services (presence/service.ts, signed.ts, signal/service.ts), through Drizzle and Bun.SQL.
import { and, asc, eq, gt } from "drizzle-orm";
import type { PgDb } from "../../../db/pg.ts";
import { relayPresence, relaySignals } from "../../../db/schema-pg.ts";
import * as L from "../../protocol/limits.ts";
import { RELAY_SIG_WINDOW_S } from "../../protocol/limits.ts";
import { checkSignalProof } from "../../protocol/v2/signal-proof.ts";
import type { RegisterBody, UnregisterBody } from "../presence/model.ts";
import { normalizeCapabilities, peerJson, presenceInputError, type ObservedHost } from "../presence/service.ts";
import type { TokenBuckets } from "../rate-limit.ts";
import { signalTtl } from "../signal/service.ts";
import type { PostSignalBody } from "../signal/model.ts";
import {
  invalidSignature,
  keyRule,
  REPLAY,
  signatureValid,
  signedHeaders,
  type SignatureRefusal,
  type SignedRequest,
} from "../signed.ts";
import type { PresenceApi, Registered, SignalApi, SignalRow, SignedApi } from "../storage.ts";
import { clamp, intCast, isIdOfBytes } from "../validate.ts";
import { invalid, ok, rateLimited, type Outcome } from "../verdict.ts";

export class PgPresence implements PresenceApi {
  constructor(
    private db: PgDb,
    private nowS: () => number,
  ) {}

  async register(b: RegisterBody, observed: ObservedHost | null, signingKey = ""): Promise<Outcome<Registered>> {
    const bad = presenceInputError(b);
    if (bad) return bad;
    const now = this.nowS();
    const expiresAt = now + (b.ttl_s ?? L.RELAY_TTL_DEFAULT_S);
    const row = {
      circleHint: b.circle_hint,
      nodeId: b.node_id,
      endpoints: JSON.stringify(b.endpoints ?? []),
      capabilities: normalizeCapabilities(b.capabilities),
      observedAt: now,
      expiresAt,
      signingKey,
    };
    await this.db
      .insert(relayPresence)
      .values(row)
      .onConflictDoUpdate({
        target: [relayPresence.circleHint, relayPresence.nodeId],
        set: { endpoints: row.endpoints, capabilities: row.capabilities, observedAt: now, expiresAt, signingKey },
      });
    return ok({ server_time: now, expires_at: expiresAt, observed_host: observed });
  }

  async unregister(b: UnregisterBody): Promise<Outcome<{ removed: boolean }>> {
    const bad = presenceInputError(b);
    if (bad) return bad;
    const gone = await this.db
      .delete(relayPresence)
      .where(and(eq(relayPresence.circleHint, b.circle_hint), eq(relayPresence.nodeId, b.node_id)))
      .returning({ n: relayPresence.nodeId });
    return ok({ removed: gone.length > 0 });
  }

  async peers(hint: string, limitParam: string | undefined, exclude: string | null): Promise<Outcome<string>> {
    if (!isIdOfBytes(hint, L.RELAY_ID_MIN, L.RELAY_ID_MAX))
      return invalid(`Field 'circle_hint' must be a string (${L.RELAY_ID_MIN}-${L.RELAY_ID_MAX} bytes)`);
    const limit = limitParam === undefined ? L.RELAY_PEERS_DEFAULT : clamp(intCast(limitParam), 1, L.RELAY_PEERS_MAX);
    const rows = await this.db.$client`SELECT node_id, circle_hint, endpoints, capabilities, observed_at, expires_at
      FROM relay_presence WHERE circle_hint = ${hint} AND expires_at > ${this.nowS()} AND node_id != ${exclude ?? ""}
      ORDER BY observed_at DESC, node_id LIMIT ${limit}`;
    const peers = rows.map(
      (r: {
        node_id: string;
        circle_hint: string;
        endpoints: string;
        capabilities: string;
        observed_at: unknown;
        expires_at: unknown;
      }) =>
        peerJson(r.node_id, r.circle_hint, r.endpoints, r.capabilities, Number(r.observed_at), Number(r.expires_at)),
    );
    return ok(`{"ok":true,"peers":[${peers.join(",")}]}`);
  }

  async prune(nowS: number): Promise<number> {
    const r = await this.db.$client`DELETE FROM relay_presence WHERE expires_at <= ${nowS}`;
    return r.count ?? 0;
  }
}

export class PgSigned implements SignedApi {
  constructor(
    private sql: Bun.SQL,
    private nowS: () => number,
  ) {}

  async key(hint: string, node: string | null): Promise<string | null> {
    if (!node) return null;
    const [row] = await this
      .sql`SELECT signing_key FROM relay_presence WHERE circle_hint = ${hint} AND node_id = ${node}
      AND expires_at > ${this.nowS()} AND signing_key != ''`;
    return row ? (row.signing_key as string) : null;
  }

  async checkFor(hint: string, node: string | null, r: SignedRequest): Promise<SignatureRefusal | null> {
    const key = await this.key(hint, node);
    return key ? this.check(r, key) : null;
  }

  async register(
    hint: string,
    node: string,
    named: string | null,
    r: SignedRequest,
  ): Promise<SignatureRefusal | string> {
    const rule = keyRule(await this.key(hint, node), named);
    if (typeof rule !== "string") return rule;
    if (!rule) return "";
    return (await this.check(r, rule)) ?? rule;
  }

  /** The signature checks of signed.ts; the nonce is kept in PostgreSQL (replays across processes). */
  private async check(r: SignedRequest, keyHex: string): Promise<SignatureRefusal | null> {
    const now = this.nowS();
    const h = signedHeaders(r, now);
    if ("status" in h) return h;
    const [seen] = await this
      .sql`SELECT 1 AS x FROM relay_nonces WHERE nonce = ${h.nonce} AND ts >= ${now - RELAY_SIG_WINDOW_S}`;
    if (seen) return REPLAY;
    if (!signatureValid(r, keyHex, h)) return invalidSignature("Invalid signature");
    // an expired nonce's row is taken over; a concurrent request with the same nonce loses
    const added = await this.sql`INSERT INTO relay_nonces (nonce, ts) VALUES (${h.nonce}, ${h.ts})
      ON CONFLICT (nonce) DO UPDATE SET ts = excluded.ts WHERE relay_nonces.ts < ${now - RELAY_SIG_WINDOW_S}
      RETURNING nonce`;
    return added.length ? null : REPLAY;
  }

  async prune(nowS: number): Promise<number> {
    const r = await this.sql`DELETE FROM relay_nonces WHERE ts < ${nowS - RELAY_SIG_WINDOW_S}`;
    return r.count ?? 0;
  }
}

export interface PgSignalDeps {
  db: PgDb;
  nowMs: () => number;
  perNode: TokenBuckets | null;
  perAddress: TokenBuckets | null;
}

export class PgSignal implements SignalApi {
  constructor(private d: PgSignalDeps) {}

  async post(b: PostSignalBody, address: string | null): Promise<Outcome<{ server_time: number }>> {
    const nowMs = this.d.nowMs();
    const addr = address ?? "unknown";
    const byAddr = this.d.perAddress?.take(addr, nowMs);
    if (byAddr && !byAddr.ok)
      return rateLimited(
        `Rate limit: too many signals from this address; retry in ${byAddr.retryAfterS} s`,
        byAddr.retryAfterS,
      );
    let nodeKey = `${b.from_node_id}@${addr}`;
    if (b.node_proof !== undefined) {
      const v = checkSignalProof(b, b.node_proof, Math.floor(nowMs / 1000));
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
    const row = {
      session_id: b.session_id,
      from_node: b.from_node_id,
      to_node: b.to_node_id,
      circle_hint: b.circle_hint,
      type: b.type,
      payload: b.payload,
      created_at: now,
      expires_at: now + signalTtl(b.type, b.ttl_s),
    };
    // ids of one recipient commit in order (the lock is held until commit), so a poll by
    // since_id never passes an id that a slower writer commits later
    await this.d.db.$client.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${b.to_node_id}))`;
      await tx`INSERT INTO relay_signals ${tx(row)}`;
    });
    return ok({ server_time: now });
  }

  async list(toNode: string, sinceId: string | undefined, sessionId: string | undefined) {
    const now = Math.floor(this.d.nowMs() / 1000);
    const conds = [
      eq(relaySignals.toNode, toNode),
      gt(relaySignals.id, intCast(sinceId)),
      gt(relaySignals.expiresAt, now),
    ];
    if (sessionId !== undefined && sessionId !== "") conds.push(eq(relaySignals.sessionId, sessionId));
    const signals: SignalRow[] = await this.d.db
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
      .limit(L.RELAY_SIGNAL_PAGE_MAX);
    return { ok: true as const, signals, server_time: now };
  }

  async prune(nowS: number): Promise<number> {
    const r = await this.d.db.$client`DELETE FROM relay_signals WHERE expires_at <= ${nowS}`;
    return r.count ?? 0;
  }
}
