// Run by ed-lazy.test.ts in a process of its own (the web build's primitives before their Ed25519
// code is loaded: module state no other test file may have touched). Prints one JSON line.
import * as web from "../../src/protocol/primitives-web.ts";
import * as node from "../../src/protocol/primitives.ts";
import { toHex } from "../../src/protocol/bytes.ts";

const seed = new Uint8Array(32).map((_, i) => i * 7 + 1);
const msg = new TextEncoder().encode("lazy");
const sig = node.edSign(msg, seed);
const pub = node.edPublicKey(seed);
const outcome = (f: () => unknown) => {
  try {
    const r = f();
    return r instanceof Uint8Array ? toHex(r) : String(r);
  } catch (e) {
    return `throws: ${(e as Error).message}`;
  }
};
const told: string[] = [];
web.edStats.onUnready = (e) => told.push(e.message);
const out: Record<string, unknown> = {};
out.signBefore = outcome(() => web.edSign(msg, seed));
out.verifyBefore = outcome(() => web.edVerify(sig, msg, pub));
out.pubBefore = outcome(() => web.edPublicKey(seed));
await web.edPrepare(seed);
out.pubPrepared = outcome(() => web.edPublicKey(seed)) === toHex(pub);
out.signAfterPrepare = outcome(() => web.edSign(msg, seed)).startsWith("throws"); // preparing a key loads no code
await web.preverify([{ sig, msg, pub }]); // valid: WebCrypto vouches, still no code
out.verifyPreverified = outcome(() => web.edVerify(sig, msg, pub));
out.unready = web.edStats.unready;
const bad = sig.slice();
bad[3]! ^= 1;
await web.preverify([{ sig: bad, msg, pub }]); // not valid by WebCrypto: the code loads for edVerify's verdict
out.verifyBadAfter = outcome(() => web.edVerify(bad, msg, pub));
out.signAfter = outcome(() => web.edSign(msg, seed)) === toHex(sig);
out.told = told.length;
console.log(JSON.stringify(out));
