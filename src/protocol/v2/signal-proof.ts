// Proof that the sender of a POST /v1/signal owns its from_node_id (docs/PROTOCOL.md §10.2;
// issue 12, item 5). A v2 node id is the first 24 hex of SHA-256 of an Ed25519 public key, so
// the holder of that key can sign the request; the relay then charges the signal to that
// node's own budget, which nobody else can spend. Without a proof (v1 clients, anonymous
// joiners) the relay keys its budget on the node id and the client address together.
//
//   node_proof = "<ts>.<public key, 64 hex>.<signature, 128 hex>"
//   signed     = "felund-signal-proof/1\n<ts>\n<from_node_id>\n<to_node_id>\n<session_id>\n<type>\n<sha256 hex of payload>"
//
// ts is Unix seconds; the relay accepts it within RELAY_SIGNAL_PROOF_SKEW_S of its clock.
import { fromHex, toHex, utf8 } from "../bytes.ts";
import { nodeIdFromPublicKey } from "../ids.ts";
import { sha256 } from "../primitives.ts";
import { RELAY_SIGNAL_PROOF_SKEW_S } from "../limits.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { sign, verifySig, type NodeKeys } from "./keys.ts";

/** The signed fields of a signal. */
export interface SignalFields {
  from_node_id: string;
  to_node_id: string;
  session_id: string;
  type: string;
  payload: string;
}

const proofMessage = (s: SignalFields, ts: number): Uint8Array =>
  utf8(
    [
      "felund-signal-proof/1",
      String(ts),
      s.from_node_id,
      s.to_node_id,
      s.session_id,
      s.type,
      toHex(sha256(utf8(s.payload))),
    ].join("\n"),
  );

/** A node_proof for a signal this node sends under its own id (tsS: Unix seconds). */
export function signalProof(s: SignalFields, keys: Pick<NodeKeys, "edPublic" | "edSecret">, tsS: number): string {
  return `${tsS}.${toHex(keys.edPublic)}.${toHex(sign(keys.edSecret, proofMessage(s, tsS)))}`;
}

/** Check a node_proof against the signal it came with; the proven node id on success. */
export function checkSignalProof(s: SignalFields, proof: unknown, nowS: number): Verdict<string> {
  if (typeof proof !== "string") return reject("node_proof must be a string");
  const m = /^(\d{1,12})\.([0-9a-f]{64})\.([0-9a-f]{128})$/.exec(proof);
  if (!m) return reject("node_proof must be <ts>.<64 hex public key>.<128 hex signature>");
  const ts = Number(m[1]);
  if (Math.abs(ts - nowS) > RELAY_SIGNAL_PROOF_SKEW_S)
    return reject(`node_proof timestamp is more than ${RELAY_SIGNAL_PROOF_SKEW_S} s from the relay's clock`);
  const pub = fromHex(m[2]!);
  if (nodeIdFromPublicKey(pub) !== s.from_node_id) return reject("node_proof key does not match from_node_id");
  if (!verifySig(fromHex(m[3]!), proofMessage(s, ts), pub)) return reject("node_proof signature does not verify");
  return accept(s.from_node_id);
}
