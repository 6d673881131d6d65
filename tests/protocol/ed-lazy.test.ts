// The web build loads its Ed25519 code (@noble/ed25519, ed-noble.ts: 3.5 KB gzip) on first need,
// not in the relay-only first load (issue 16). Before that, signing and verifying a signature that
// WebCrypto did not vouch for throw (never a verdict without a check); a public key comes from
// WebCrypto; a batch with a signature WebCrypto refuses loads the code so the engine decides it.
// In a process of its own (ed-lazy-probe.ts): the state before loading is per process.
import { expect, test } from "bun:test";
import { join } from "node:path";

test("before edReady() nothing is signed or verified unchecked; preverify loads the code on a miss", () => {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "ed-lazy-probe.ts")], { stderr: "pipe" });
  expect(r.stderr.toString()).toBe("");
  const out = JSON.parse(r.stdout.toString());
  expect(out.signBefore).toStartWith("throws: Ed25519 code not loaded");
  expect(out.verifyBefore).toStartWith("throws: Ed25519 code not loaded");
  expect(out.pubBefore).toStartWith("throws: Ed25519 code not loaded");
  expect(out.pubPrepared).toBe(true); // WebCrypto's public key is RFC 8032's
  expect(out.signAfterPrepare).toBe(true);
  expect(out.verifyPreverified).toBe("true"); // vouched for by WebCrypto, no code needed
  expect(out.unready).toBe(4); // the three refused calls above, and the sign after edPrepare
  expect(out.told).toBe(4); // each one reported to the shell (the relay-only page logs them as errors)
  expect(out.verifyBadAfter).toBe("false");
  expect(out.signAfter).toBe(true);
});
