// This node's identity and settings, kept in the settings table: node_id, bind, port,
// display name, relay base URL, history retention.
import { networkInterfaces } from "node:os";
import { ed25519 } from "@noble/curves/ed25519.js";
import { nodeIdFromPublicKey } from "../protocol/ids.ts";
import { fromHex, toHex } from "../protocol/bytes.ts";
import { systemRng } from "../protocol/crypto.ts";
import type { NodeStore } from "../../db/node-store.ts";

export interface NodeSettings {
  nodeId: string;
  bind: string;
  port: number;
  displayName: string;
  relayBase: string;
  /** days of history to keep; 0 = forever (the default) */
  retentionDays: number;
}

/**
 * The node's signing identity: an Ed25519 key pair, created once. node_id is the first 24 hex
 * of SHA-256(public key): a normal id to v1 peers, and bound to the key for v2.
 */
export function loadIdentity(store: NodeStore): { nodeId: string; publicKey: Uint8Array; secretKey: Uint8Array } {
  let sk = store.getSetting("ed25519_secret");
  if (!sk) {
    store.transaction(() => {
      sk = store.getSetting("ed25519_secret");
      if (sk) return;
      const seed = systemRng(32);
      sk = toHex(seed);
      store.setSetting("ed25519_secret", sk);
      store.setSetting("node_id", nodeIdFromPublicKey(ed25519.getPublicKey(seed)));
    });
  }
  const secretKey = fromHex(sk!);
  const publicKey = ed25519.getPublicKey(secretKey);
  return { nodeId: store.getSetting("node_id")!, publicKey, secretKey };
}

export function loadSettings(store: NodeStore): NodeSettings {
  const nodeId = store.getSetting("node_id") ?? loadIdentity(store).nodeId;
  return {
    nodeId,
    bind: store.getSetting("bind") ?? "0.0.0.0",
    port: Number(store.getSetting("port") ?? 9999),
    displayName: store.getSetting("display_name") ?? "anon",
    relayBase: store.getSetting("relay_base") ?? "",
    retentionDays: Number(store.getSetting("retention_days") ?? 0),
  };
}

export function saveSettings(store: NodeStore, s: Partial<Omit<NodeSettings, "nodeId">>): void {
  store.transaction(() => {
    if (s.bind !== undefined) store.setSetting("bind", s.bind);
    if (s.port !== undefined) store.setSetting("port", String(s.port));
    if (s.displayName !== undefined) store.setSetting("display_name", s.displayName);
    if (s.relayBase !== undefined) store.setSetting("relay_base", s.relayBase);
    if (s.retentionDays !== undefined) store.setSetting("retention_days", String(s.retentionDays));
  });
}

/** Local interface addresses (for the invite peer and for never dialling ourselves). */
export function localAddresses(): string[] {
  const out = new Set(["127.0.0.1", "::1", "localhost", "0.0.0.0", "::"]);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return [...out];
}

/** The address peers should dial: the bind address, or the first non-internal IPv4 when bound to all. */
export function advertisedHost(bind: string): string {
  if (bind && bind !== "0.0.0.0" && bind !== "::") return bind;
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return "127.0.0.1";
}
