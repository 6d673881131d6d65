// `felund relay --db postgres://…`: the relay's storage in PostgreSQL, for several relay
// processes on one database behind a load balancer. The routes are the SQLite relay's
// (app.ts); only the services differ. What is per process and why: README "Relay on PostgreSQL".
import { randomUUID } from "node:crypto";
import type { PgDb } from "../../../db/pg.ts";
import * as L from "../../protocol/limits.ts";
import { logEvent } from "../../peer/log.ts";
import { relayAppOf, type AnyRelayApp } from "../app.ts";
import type { RelayConfigInput } from "../config.ts";
import { contextOf, relayParts, type PruneReport, type RelayBackend } from "../context.ts";
import { CHANNEL, parseNotify, typingNotifyText, type Fanout } from "./fanout.ts";
import { PgBlobs } from "./blobs.ts";
import { PgMessages } from "./messages.ts";
import { PgRoom, pgDiskFree, warnNoDiskFloor } from "./quota.ts";
import { PgPresence, PgSignal, PgSigned } from "./rendezvous.ts";

export interface PgRelayDeps {
  pg: PgDb;
  now?: () => number;
  config?: RelayConfigInput;
  /** the database's URL (for the disk floor: is it on this machine?) */
  url?: string;
  /** Free bytes on the database's disk (default: quota.ts pgDiskFree; tests simulate a full disk). */
  freeBytes?: () => number;
}

export type PgRelayApp = AnyRelayApp & {
  /** Stop listening for other processes' notifications (before the database is closed). */
  unlisten(): Promise<void>;
};

/** The relay app on PostgreSQL, listening for the pushes of the other processes. */
export async function createPgRelayApp(deps: PgRelayDeps): Promise<PgRelayApp> {
  const parts = relayParts(deps.config, deps.now);
  const { config, nowMs, nowS, limiters, hub, metrics } = parts;
  const sql = deps.pg.$client;
  const fanout: Fanout = { channel: CHANNEL, origin: randomUUID().slice(0, 8) };
  let freeBytes = deps.freeBytes;
  if (!freeBytes) {
    const probe = deps.url ? await pgDiskFree(sql, deps.url) : null;
    if (!probe) warnNoDiskFloor(config.diskFreeMinBytes);
    freeBytes = probe ?? (() => Infinity);
  }
  const free = freeBytes;
  const room = new PgRoom(
    () => ({
      hintQuotaBytes: config.hintQuotaBytes,
      totalQuotaBytes: config.totalQuotaBytes,
      evictMinAgeS: config.evictMinAgeS,
      diskFreeMinBytes: config.diskFreeMinBytes,
      freeBytes: free,
    }),
    (rows) => messages.forget(rows),
  );
  const messages = new PgMessages({
    sql,
    hub,
    fanout,
    hintRate: limiters.hint,
    nowMs,
    retentionS: () => config.retentionS,
    hintQuotaBytes: () => config.hintQuotaBytes,
    onWrite: (s) => metrics.writes.observe(s),
    cacheBytes: config.cacheBytes,
    room,
  });
  const presence = new PgPresence(deps.pg, nowS);
  const signed = new PgSigned(sql, nowS);
  const blobs = new PgBlobs(
    sql,
    nowS,
    () => config.retentionS,
    () => config.blobQuotaBytes,
  );
  const signal = new PgSignal({ db: deps.pg, nowMs, perNode: limiters.signalNode, perAddress: limiters.signalIp });
  const backend: RelayBackend = {
    messages,
    presence,
    signal,
    signed,
    blobs,
    async stats() {
      const [r] =
        await sql`SELECT (SELECT count(*) FROM relay_messages)::bigint AS n, pg_database_size(current_database()) AS b`;
      return { stored: Number(r.n), dbBytes: Number(r.b) };
    },
    async prune(now): Promise<PruneReport> {
      const report = {
        presence: await presence.prune(now),
        messages: await messages.prune(now, L.RELAY_PRUNE_CHUNK),
        signals: await signal.prune(now),
      };
      await signed.prune(now);
      await blobs.prune(now);
      return report;
    },
  };
  const listener = await sql.listen(CHANNEL, (text: string) => {
    const n = parseNotify(text);
    if (!n || n.origin === fanout.origin || !hub.listening(n.hint)) return;
    if ("typing" in n) return parts.typing.deliver(n.hint, n.frame);
    if ("frame" in n) return hub.publish(n.hint, n.frame);
    messages.framesOf(n.hint, n.from, n.to, n.serverTime).then(
      (frame) => frame && hub.publish(n.hint, frame),
      (e) =>
        logEvent("error", "relay.fanout_failed", `felund relay: reading pushed rows failed ${String(e)}`, { error: e }),
    );
  });
  // typing notices reach the subscribers of every process (best effort: never stored, a lost one only expires)
  parts.typing.share = (hint, frame) => {
    sql`SELECT pg_notify(${CHANNEL}, ${typingNotifyText(fanout.origin, hint, frame)})`.catch((e: unknown) =>
      logEvent("warn", "relay.typing_share_failed", `felund relay: sharing a typing notice failed ${String(e)}`, {
        error: e,
      }),
    );
  };
  const app = relayAppOf(contextOf(parts, backend));
  return Object.assign(app, { unlisten: () => listener.unlisten() });
}
