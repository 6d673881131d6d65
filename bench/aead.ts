// AES-256-GCM speed of the web build's own implementation (src/protocol/aes-gcm-web.ts)
// against @noble/ciphers (the node's fallback) in this runtime, for the relay envelope's
// largest padding bucket (16 KiB) and a chat-sized 512 B. `npx bun bench/aead.ts`.
// Each case: 200 seal+open round trips after 20 warm-up ones; prints the mean per operation.
import { gcm } from "@noble/ciphers/aes.js";
import { gcmOpen, gcmSeal } from "../src/protocol/aes-gcm-web.ts";

const ROUNDS = 200;
const bytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

function time(label: string, size: number, seal: typeof gcmSeal, open: typeof gcmOpen): void {
  const [k, n, m, aad] = [bytes(32), bytes(12), bytes(size), bytes(40)];
  for (let i = 0; i < 20; i++) open(k, n, seal(k, n, m, aad), aad);
  let s = 0;
  let o = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const c = seal(k, n, m, aad);
    const t1 = performance.now();
    open(k, n, c, aad);
    s += t1 - t0;
    o += performance.now() - t1;
  }
  console.log(
    `${label.padEnd(26)} ${String(size).padStart(6)} B  seal ${(s / ROUNDS).toFixed(3)} ms  open ${(o / ROUNDS).toFixed(3)} ms`,
  );
}

console.log(`AES-256-GCM, 40 B AAD, mean of ${ROUNDS} (Bun ${Bun.version})`);
for (const size of [512, 16384]) {
  time("web (aes-gcm-web.ts)", size, gcmSeal, gcmOpen);
  time(
    "@noble/ciphers gcm",
    size,
    (k, n, m, a) => gcm(k, n, a).encrypt(m),
    (k, n, c, a) => gcm(k, n, a).decrypt(c),
  );
}
