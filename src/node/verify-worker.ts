// A worker of the signature pool (verify-pool.ts): Ed25519 checks with Bun's OpenSSL, off the
// node's main thread. In: { id, buf, n } where buf packs n checks as u32 msg_len | pub 32 |
// sig 64 | msg. Out: { id, ok } with ok[i] = 1 when check i verifies (RFC 8032), else 0. A 0 is
// "not verified here": the engine checks that message inline (with noble's ZIP-215 rules too).
import { createPublicKey, type KeyObject, verify } from "node:crypto";

declare const self: Worker;

const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");
const KEYS_CACHED = 512;
const keys = new Map<string, KeyObject>();

function keyOf(pub: Uint8Array): KeyObject {
  const id = Buffer.from(pub).toString("hex");
  let k = keys.get(id);
  if (!k) {
    k = createPublicKey({ key: Buffer.concat([SPKI_ED25519, pub]), format: "der", type: "spki" });
    if (keys.size >= KEYS_CACHED) keys.delete(keys.keys().next().value!);
    keys.set(id, k);
  }
  return k;
}

self.onmessage = (e: MessageEvent<{ id: number; buf: ArrayBuffer; n: number }>) => {
  const { id, buf, n } = e.data;
  const b = new Uint8Array(buf);
  const dv = new DataView(buf);
  const ok = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const len = dv.getUint32(o);
    const pub = b.subarray(o + 4, o + 36);
    const sig = b.subarray(o + 36, o + 100);
    const msg = b.subarray(o + 100, o + 100 + len);
    o += 100 + len;
    try {
      ok[i] = verify(null, msg, keyOf(pub), sig) ? 1 : 0;
    } catch {
      ok[i] = 0;
    }
  }
  self.postMessage({ id, ok }, [ok.buffer]);
};
