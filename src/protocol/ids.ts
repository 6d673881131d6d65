// Identifiers of PROTOCOL-V1.md §1 and §4.2: node_id, circle_id, circle_hint, msg_id.
import { fromHex, toHex, utf8 } from "./bytes.ts";
import { sha256Hex, type Rng } from "./crypto.ts";
import { NODE_ID_MAX, NODE_ID_MIN } from "./limits.ts";

/** circle_id = sha256hex(raw secret bytes)[0:24] */
export const circleIdFromSecret = (secretHex: string): string => sha256Hex(fromHex(secretHex)).slice(0, 24);
/** circle_hint = sha256hex(UTF-8 of the circle_id text)[0:16] */
export const circleHint = (circleId: string): string => sha256Hex(utf8(circleId)).slice(0, 16);
/** A new v1 node id: sha256hex(32 random bytes)[0:24] (Python form). */
export const nodeIdFromSeed = (seed: Uint8Array): string => sha256Hex(seed).slice(0, 24);
export const newNodeId = (rng: Rng): string => nodeIdFromSeed(rng(32));
/** v2: node_id = sha256hex(Ed25519 public key)[0:24], so the id is bound to the author key. */
export const nodeIdFromPublicKey = (publicKey: Uint8Array): string => sha256Hex(publicKey).slice(0, 24);
export const newSecretHex = (rng: Rng): string => toHex(rng(32));
/** msg_id = sha256hex(author|created_ts|16 random hex)[0:32] */
export const msgIdFor = (author: string, createdTs: number, randomHex16: string): string =>
  sha256Hex(`${author}|${createdTs}|${randomHex16}`).slice(0, 32);
export const newMsgId = (author: string, createdTs: number, rng: Rng): string =>
  msgIdFor(author, createdTs, toHex(rng(8)));

export const MSG_ID_RE = /^[0-9a-f]{32}$/;
export const CIRCLE_ID_RE = /^[0-9a-f]{24}$/;
/** node ids: printable, no separator characters (they end up in |-joined MAC strings). */
export const NODE_ID_RE = new RegExp(`^[A-Za-z0-9_-]{${NODE_ID_MIN},${NODE_ID_MAX}}$`);
export const isNodeId = (s: unknown): s is string => typeof s === "string" && NODE_ID_RE.test(s);
