// Opening the relay-only peer in a browser: IndexedDB storage (in-memory if the browser
// refuses it, e.g. some private modes), presence that names this page, goodbye on unload.
import { IdbPersistence } from "./idb.ts";
import type { Persistence } from "./persist.ts";
import { RelayBackend } from "./relay-backend.ts";

export async function openRelayBackend(o: { relayBase: string }): Promise<RelayBackend> {
  let persist: Persistence;
  try {
    persist = await IdbPersistence.open();
  } catch {
    // rare: a chunk of its own
    persist = new (await import("./persist.ts")).MemoryPersistence();
  }
  const host = location.hostname.replace(/^\[|\]$/g, "");
  const b = await RelayBackend.open({
    relayBase: o.relayBase,
    persist,
    endpoint: {
      transport: "ws",
      host,
      port: Number(location.port) || (location.protocol === "https:" ? 443 : 80),
      family: host.includes(":") ? "ipv6" : "ipv4",
      nat: "unknown",
    },
  });
  addEventListener("pagehide", () => b.goodbye());
  return b;
}
