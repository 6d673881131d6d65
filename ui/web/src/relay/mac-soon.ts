// What v2-apply.ts imports as src/protocol/message.ts in the web build (ui/web/vite.config.ts
// sends that one import here): only computeMac, the v1 MAC a legacy-compatible circle's messages
// get. The v1 code (legacy.ts) is loaded before such a circle is in the store and lends it here,
// so the relay-only browser's first load carries no v1 message code.
import type { computeMac as Mac } from "../../../../src/protocol/message.ts";

let mac: typeof Mac | null = null;

export const lendMac = (f: typeof Mac): void => {
  mac = f;
};

export const computeMac: typeof Mac = (secret, m) => {
  // only legacy circles' messages get a MAC, and their code is loaded first: its absence is a bug, and crashes
  if (!mac) throw new Error("the v1 code is not loaded (legacy.ts)");
  return mac(secret, m);
};
