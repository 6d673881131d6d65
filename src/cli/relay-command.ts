// `felund relay`: a public rendezvous + store-and-forward relay (no identity, no circles of
// its own) that also serves the web client to browsers that have no node.
import { FelundError } from "../protocol/errors.ts";
import type { Cmd } from "./commands.ts";
import { parseHostPort } from "../protocol/hostport.ts";
import { join } from "node:path";
import {
  RELAY_DISK_FREE_MIN_BYTES,
  RELAY_HINT_QUOTA_BYTES,
  RELAY_TOTAL_QUOTA_BYTES,
  SHUTDOWN_DRAIN_MS,
} from "../protocol/limits.ts";
import { drainGate, within } from "../node/drain.ts";
import { stopOnSignals } from "./shutdown.ts";

const MIB = 1024 * 1024;

export const relayCommand: Cmd = {
  name: "relay",
  summary:
    "run a public relay (rendezvous, encrypted store-and-forward, WebSocket push, call signalling) with the web client",
  usage:
    "felund relay [--http HOST:PORT] [--db PATH] [--retention-days N] [--trust-proxy] [--no-web] [--hint-quota-mb N] [--total-quota-mb N] [--disk-floor-mb N]",
  flags: [
    {
      name: "http",
      type: "string",
      placeholder: "HOST:PORT",
      help: "where to listen (all interfaces by default)",
      default: "0.0.0.0:8000",
    },
    {
      name: "db",
      type: "string",
      placeholder: "PATH",
      help: "SQLite database file (default: relay.sqlite in the state dir)",
    },
    { name: "retention-days", type: "int", placeholder: "N", help: "days envelopes are kept", default: 30 },
    {
      name: "trust-proxy",
      type: "bool",
      help: "behind a reverse proxy: take client addresses from X-Forwarded-For / X-Real-IP",
    },
    { name: "no-web", type: "bool", help: "do not serve the web client" },
    {
      name: "hint-quota-mb",
      type: "int",
      placeholder: "N",
      help: "envelope MiB one circle may hold (429 beyond)",
      default: RELAY_HINT_QUOTA_BYTES / MIB,
    },
    {
      name: "total-quota-mb",
      type: "int",
      placeholder: "N",
      help: "envelope MiB in total (oldest evicted beyond, else 507)",
      default: RELAY_TOTAL_QUOTA_BYTES / MIB,
    },
    {
      name: "disk-floor-mb",
      type: "int",
      placeholder: "N",
      help: "refuse writes (507) while the disk has less free space",
      default: RELAY_DISK_FREE_MIN_BYTES / MIB,
    },
  ],
  async run(p, dir) {
    const http = String(p.flags.http);
    const hp = parseHostPort(http) ?? (/^(.+):0$/.test(http) ? { host: http.slice(0, -2), port: 0 } : null);
    if (!hp) throw new FelundError("E_USAGE", `--http must be HOST:PORT, got "${http}"`);
    const days = p.flags["retention-days"] as number;
    if (days < 1 || days > 3650) throw new FelundError("E_USAGE", "--retention-days must be 1-3650");
    const mib = (name: string, min: number) => {
      const v = p.flags[name] as number;
      if (!Number.isSafeInteger(v) || v < min || v > 1024 * 1024)
        throw new FelundError("E_USAGE", `--${name} must be ${min}-${1024 * 1024}`);
      return v * MIB;
    };
    const storage = {
      hintQuotaBytes: mib("hint-quota-mb", 1),
      totalQuotaBytes: mib("total-quota-mb", 1),
      diskFreeMinBytes: mib("disk-floor-mb", 0),
    };
    if (storage.hintQuotaBytes > storage.totalQuotaBytes)
      throw new FelundError("E_USAGE", "--hint-quota-mb cannot exceed --total-quota-mb");
    const dbPath = String(p.flags.db ?? join(dir, "relay.sqlite"));
    // loaded here, not at start-up: other commands need none of the relay (memory of `felund run`)
    const [relayDb, { createRelayApp }, { webClient }] = await Promise.all([
      import("../relay/database.ts"),
      import("../relay/app.ts"),
      import("../node/web-static.ts"),
    ]);
    let db: ReturnType<typeof relayDb.openRelayDb>;
    try {
      db = relayDb.openRelayDb(dbPath);
    } catch (e) {
      throw new FelundError("E_SYSTEM", `cannot open the relay database ${dbPath}: ${(e as Error).message}`);
    }
    let app: any = createRelayApp({
      db,
      config: { trustProxy: !!p.flags["trust-proxy"], retentionS: days * 86400, ...storage },
    });
    if (!p.flags["no-web"]) app = app.use(webClient({ mode: "relay", log: (line: string) => console.error(line) }));
    const gate = drainGate();
    app.onRequest(() => gate.refuse());
    try {
      app.listen({ hostname: hp.host, port: hp.port });
    } catch (e) {
      throw new FelundError("E_SYSTEM", `cannot listen on ${http}: ${(e as Error).message}`);
    }
    app.relay.start();
    relayDb.markRelayRunning(dbPath); // `felund relay-restore` refuses while it is there
    const port = app.server!.port;
    const shown =
      hp.host === "0.0.0.0" || hp.host === "::" ? "127.0.0.1" : hp.host.includes(":") ? `[${hp.host}]` : hp.host;
    console.log(`felund relay listening on ${hp.host}:${port} (database ${dbPath})`);
    console.log(`relay base for nodes and browsers: http://${shown}:${port}   API docs: http://${shown}:${port}/docs`);
    // no new connections; subscribers get 1001; requests being served finish (SHUTDOWN_DRAIN_MS
    // at most); then the prune timer stops and the WAL is checkpointed
    stopOnSignals("relay", async () => {
      gate.begin();
      const drained = app.stop(false);
      app.relay.goingAway();
      if (!(await within(drained, SHUTDOWN_DRAIN_MS))) await app.stop(true);
      app.relay.stop();
      relayDb.closeRelayDb(db);
      relayDb.clearRelayRunning(dbPath);
    });
    await new Promise(() => {});
    return 0;
  },
};
