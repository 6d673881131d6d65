// Author signatures of a page of older history checked in a Worker (sig-worker.ts), so the main
// thread stays free for the log while a history fills; the valid ones are remembered for the
// engine's edVerify (primitives-web.ts). Without Workers (or if one fails) the page's signatures
// are checked by WebCrypto on the main thread as before (preverify). Part of the fill's chunk.
import type { SigCheck } from "../../../../src/protocol/primitives.ts";
import { edReady, preverify, rememberVerified } from "../../../../src/protocol/primitives.ts";

let worker: Worker | null | undefined;
let next = 0;
const waiting = new Map<number, (ok: boolean[] | null) => void>();

function start(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(new URL("./sig-worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (e: MessageEvent<{ id: number; ok: boolean[] }>) => {
      waiting.get(e.data.id)?.(e.data.ok);
      waiting.delete(e.data.id);
    };
    worker.onerror = () => {
      worker = null; // from now on: the main thread
      for (const done of waiting.values()) done(null);
      waiting.clear();
    };
  } catch {
    worker = null;
  }
  return worker;
}

/** Check the signatures off the main thread where a Worker runs; remember the valid ones (never throws). */
export async function checkSignatures(items: SigCheck[]): Promise<void> {
  const w = items.length ? start() : null;
  if (!w) return preverify(items);
  const id = ++next;
  const ok = await new Promise<boolean[] | null>((r) => {
    waiting.set(id, r);
    w.postMessage({ id, items: items.map((it) => ({ sig: it.sig, msg: it.msg, pub: it.pub })) });
  });
  if (!ok) return preverify(items);
  rememberVerified(items.filter((_, i) => ok[i]));
  if (ok.some((x) => !x)) await edReady(); // (the engine's edVerify decides those)
}
