// Rendezvous (PROTOCOL-V1.md §6.2, PHP semantics): presence records per (circle_hint, node_id) with a
// ttl, listed newest first to the other members. `observed_host` is computed by the edge
// from the connection (or a trusted proxy) and, as in the original, not stored.
import type { Db } from "../../../db/client.ts";
import { relayPresence } from "../../../db/schema.ts";
import * as L from "../../protocol/limits.ts";
import { clamp, intCast, isIdOfBytes } from "../validate.ts";
import { invalid, ok, type Outcome } from "../verdict.ts";
import type { RegisterBody, UnregisterBody } from "./model.ts";

export interface ObservedHost {
  host: string;
  family: "ipv4" | "ipv6";
}

const HINT_DETAIL = `Field 'circle_hint' must be a string (${L.RELAY_ID_MIN}-${L.RELAY_ID_MAX} bytes)`;
const NODE_DETAIL = `Field 'node_id' must be a string (${L.RELAY_ID_MIN}-${L.RELAY_ID_MAX} bytes)`;
const DEFAULT_CAPS = '{"relay":false,"transport":["tcp"]}';

export const observedHost = (address: string | null): ObservedHost | null =>
  address ? { host: address, family: address.includes(":") ? "ipv6" : "ipv4" } : null;

/** PHP keeps only {relay: bool, transport: ["tcp"|"ws"...]} and drops every other key. */
export function normalizeCapabilities(c: RegisterBody["capabilities"]): string {
  if (c === undefined) return DEFAULT_CAPS;
  const transport = Array.isArray(c.transport)
    ? c.transport.filter((x): x is string => x === "tcp" || x === "ws")
    : ["tcp"];
  return JSON.stringify({ relay: !!c.relay, transport });
}

/** The ids of a register or unregister body, or the refusal of them. */
export function presenceInputError(b: { node_id: string; circle_hint: string }) {
  if (!isIdOfBytes(b.node_id, L.RELAY_ID_MIN, L.RELAY_ID_MAX)) return invalid(NODE_DETAIL);
  if (!isIdOfBytes(b.circle_hint, L.RELAY_ID_MIN, L.RELAY_ID_MAX)) return invalid(HINT_DETAIL);
  return null;
}

/** One peer of GET /v1/peers: endpoints and capabilities are stored JSON, spliced in as is. */
export const peerJson = (
  node: string,
  hint: string,
  endpoints: string,
  caps: string,
  observedAt: number,
  expiresAt: number,
): string =>
  `{"node_id":${JSON.stringify(node)},"circle_hint":${JSON.stringify(hint)},"endpoints":${endpoints},"capabilities":${caps},"observed_at":${observedAt},"expires_at":${expiresAt}}`;

export class PresenceService {
  private selectPeers;
  // Deletes go through prepared statements: their change counts are part of the answer.
  private deleteOne;
  private deleteExpired;

  constructor(
    private db: Db,
    private nowS: () => number,
  ) {
    // Endpoints and capabilities are stored as JSON text and spliced into the answer as is.
    this.selectPeers = db.$client.prepare(
      "SELECT node_id, circle_hint, endpoints, capabilities, observed_at, expires_at FROM relay_presence WHERE circle_hint = ? AND expires_at > ? AND node_id != ? ORDER BY observed_at DESC, node_id LIMIT ?",
    );
    this.deleteOne = db.$client.prepare("DELETE FROM relay_presence WHERE circle_hint = ? AND node_id = ?");
    this.deleteExpired = db.$client.prepare("DELETE FROM relay_presence WHERE expires_at <= ?");
  }

  /** `signingKey`: what signed.ts says this registration holds ("" for none) */
  register(
    b: RegisterBody,
    observed: ObservedHost | null,
    signingKey = "",
  ): Outcome<{ server_time: number; expires_at: number; observed_host: ObservedHost | null }> {
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
    this.db
      .insert(relayPresence)
      .values(row)
      .onConflictDoUpdate({
        target: [relayPresence.circleHint, relayPresence.nodeId],
        set: { endpoints: row.endpoints, capabilities: row.capabilities, observedAt: now, expiresAt, signingKey },
      })
      .run();
    return ok({ server_time: now, expires_at: expiresAt, observed_host: observed });
  }

  unregister(b: UnregisterBody): Outcome<{ removed: boolean }> {
    if (!isIdOfBytes(b.node_id, L.RELAY_ID_MIN, L.RELAY_ID_MAX)) return invalid(NODE_DETAIL);
    if (!isIdOfBytes(b.circle_hint, L.RELAY_ID_MIN, L.RELAY_ID_MAX)) return invalid(HINT_DETAIL);
    return ok({ removed: this.deleteOne.run(b.circle_hint, b.node_id).changes > 0 });
  }

  /** Unexpired members of the hint, newest first, without the asking node. Returns JSON text. */
  peers(hint: string, limitParam: string | undefined, exclude: string | null): Outcome<string> {
    if (!isIdOfBytes(hint, L.RELAY_ID_MIN, L.RELAY_ID_MAX)) return invalid(HINT_DETAIL);
    const limit = limitParam === undefined ? L.RELAY_PEERS_DEFAULT : clamp(intCast(limitParam), 1, L.RELAY_PEERS_MAX);
    const rows = this.selectPeers.values(hint, this.nowS(), exclude ?? "", limit) as [
      string,
      string,
      string,
      string,
      number,
      number,
    ][];
    const peers = rows.map(([node, h, endpoints, caps, observedAt, expiresAt]) =>
      peerJson(node, h, endpoints, caps, observedAt, expiresAt),
    );
    return ok(`{"ok":true,"peers":[${peers.join(",")}]}`);
  }

  prune(nowS: number): number {
    return this.deleteExpired.run(nowS).changes;
  }
}
