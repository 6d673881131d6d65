// A real relay (createRelayApp on 127.0.0.1:0, in-memory database) for relay-only tests,
// optionally serving the web client in relay mode, plus small waiting helpers.
import { openMemoryDb, type Db } from "../../db/client.ts";
import { createRelayApp } from "../../src/relay/app.ts";
import { webClient } from "../../src/node/web-static.ts";

export interface TestRelay {
  base: string;
  port: number;
  stop(): void /** what the relay stored (relay_messages, relay_signals) */;
  db: Db;
}

export function startRelay(opts: { web?: boolean } = {}): TestRelay {
  const db = openMemoryDb();
  const relay = createRelayApp({ db, config: { rate: false, docs: false } });
  const app = opts.web ? relay.use(webClient({ mode: "relay", build: false })) : relay;
  app.listen({ hostname: "127.0.0.1", port: 0 });
  const port = app.server!.port!;
  return { base: `http://127.0.0.1:${port}`, port, db, stop: () => void app.stop(true) };
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await Bun.sleep(25);
  }
}
