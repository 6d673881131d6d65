// `felund relay`: a public rendezvous + store-and-forward relay (no identity, no circles of
// its own) that also serves the web client to browsers that have no node.
import { FelundError } from "../protocol/errors.ts";
import type { Cmd } from "./commands.ts";
import { parseHostPort } from "../protocol/hostport.ts";
import { join } from "node:path";
import { SHUTDOWN_DRAIN_MS } from "../protocol/limits.ts";
import { drainGate, within } from "../node/drain.ts";
import { logEvent, setLogFormat, type LogFormat } from "../peer/log.ts";
import { stopOnSignals } from "./shutdown.ts";
import { configFlags, printSettings, resolveSettings, settingFlags } from "./settings.ts";
import { RELAY_SETTINGS, relayConfigOf } from "./relay-settings.ts";

/** A database for logs: a PostgreSQL URL without its password. */
const shownDb = (db: string) => db.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");

/** a start-up line a person reads: stdout, or a json log event */
const say = (event: string, text: string, fields?: Record<string, unknown>) =>
  logEvent("info", event, text, fields, (l) => console.log(l));

export const relayCommand: Cmd = {
  name: "relay",
  summary:
    "run a public relay (rendezvous, encrypted store-and-forward, WebSocket push, call signalling) with the web client",
  usage:
    "felund relay [--config PATH] [--print-config] [--http HOST:PORT] [--db PATH|postgres://…] [--retention-days N] [--trust-proxy] [--no-web] [--hint-quota-mb N] [--total-quota-mb N] [--disk-floor-mb N] [--log-format text|json]",
  flags: [...configFlags, ...settingFlags(RELAY_SETTINGS)],
  async run(p, dir) {
    const settings = resolveSettings(RELAY_SETTINGS, {
      file: p.flags.config as string | undefined,
      env: process.env,
      flags: p.flags,
    });
    if (p.flags["print-config"]) {
      const values = { ...settings.values, db: shownDb(String(settings.values.db)) }; // no password on screen
      console.log(printSettings(RELAY_SETTINGS, { ...settings, values }, "felund relay"));
      return 0;
    }
    const v = settings.values;
    const http = String(v.http);
    const hp = parseHostPort(http) ?? (/^(.+):0$/.test(http) ? { host: http.slice(0, -2), port: 0 } : null);
    if (!hp)
      throw new FelundError(
        "E_USAGE",
        `${settings.sources.http === "flag" ? "--http" : `http (${settings.sources.http})`} must be HOST:PORT, got "${http}"`,
      );
    const config = relayConfigOf(settings);
    if (config.hintQuotaBytes! > config.totalQuotaBytes!)
      throw new FelundError(
        "E_USAGE",
        "quota.hint_mb (--hint-quota-mb) cannot exceed quota.total_mb (--total-quota-mb)",
      );
    setLogFormat(v.log_format as LogFormat);
    const dbPath = String(v.db || join(dir, "relay.sqlite"));
    // loaded here, not at start-up: other commands need none of the relay (memory of `felund run`)
    const [relayDb, { createRelayApp }, { webClient }] = await Promise.all([
      import("../relay/database.ts"),
      import("../relay/app.ts"),
      import("../node/web-static.ts"),
    ]);
    const onPg = relayDb.isPgUrl(dbPath);
    let app: any;
    let close: () => Promise<void> | void;
    try {
      if (onPg) {
        const r = await relayDb.openPgRelay(dbPath, { config });
        app = r.app;
        close = r.close;
      } else {
        const db = relayDb.openRelayDb(dbPath);
        app = createRelayApp({ db, config });
        close = () => relayDb.closeRelayDb(db);
      }
    } catch (e) {
      throw new FelundError("E_SYSTEM", `cannot open the relay database ${shownDb(dbPath)}: ${(e as Error).message}`);
    }
    if (v.web) app = app.use(webClient({ mode: "relay", log: (line: string) => logEvent("info", "web", line) }));
    const gate = drainGate();
    app.onRequest(() => gate.refuse());
    try {
      app.listen({ hostname: hp.host, port: hp.port });
    } catch (e) {
      throw new FelundError("E_SYSTEM", `cannot listen on ${http}: ${(e as Error).message}`);
    }
    app.relay.start();
    if (!onPg) relayDb.markRelayRunning(dbPath); // `felund relay-restore` refuses while it is there
    const port = app.server!.port;
    const shown =
      hp.host === "0.0.0.0" || hp.host === "::" ? "127.0.0.1" : hp.host.includes(":") ? `[${hp.host}]` : hp.host;
    say("relay.listening", `felund relay listening on ${hp.host}:${port} (database ${shownDb(dbPath)})`, {
      host: hp.host,
      port,
      db: shownDb(dbPath),
    });
    say(
      "relay.base",
      `relay base for nodes and browsers: http://${shown}:${port}   API docs: http://${shown}:${port}/docs`,
      {
        url: `http://${shown}:${port}`,
      },
    );
    // no new connections; subscribers get 1001; requests being served finish (SHUTDOWN_DRAIN_MS
    // at most); then the prune timer stops and the WAL is checkpointed
    stopOnSignals("relay", async () => {
      gate.begin();
      const drained = app.stop(false);
      app.relay.goingAway();
      if (!(await within(drained, SHUTDOWN_DRAIN_MS))) await app.stop(true);
      app.relay.stop();
      await close();
      if (!onPg) relayDb.clearRelayRunning(dbPath);
    });
    await new Promise(() => {});
    return 0;
  },
};
