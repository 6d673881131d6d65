// The relay-only browser's signature checker, in a Worker of its own (sig-check.ts starts it):
// Ed25519 by WebCrypto, a page of envelopes' author signatures at once, off the main thread.
// Answers, per request, which of its triples verified (a key WebCrypto refuses: false, and the
// main thread's edVerify decides as before). Imported keys are kept per author (a few hundred).
const keys = new Map<string, Promise<CryptoKey>>();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function keyOf(pub: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const id = hex(pub);
  let k = keys.get(id);
  if (!k) {
    if (keys.size >= 1024) keys.clear();
    keys.set(id, (k = crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"])));
  }
  return k;
}

interface Req {
  id: number;
  items: { sig: Uint8Array<ArrayBuffer>; msg: Uint8Array<ArrayBuffer>; pub: Uint8Array<ArrayBuffer> }[];
}

self.onmessage = async (e: MessageEvent<Req>) => {
  const { id, items } = e.data;
  const ok = await Promise.all(
    items.map(async (it) => {
      try {
        return await crypto.subtle.verify("Ed25519", await keyOf(it.pub), it.sig, it.msg);
      } catch {
        return false;
      }
    }),
  );
  (self as unknown as Worker).postMessage({ id, ok });
};
