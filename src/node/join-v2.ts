// The node's felund2 join: the admission (src/peer/join2.ts) over the node's TCP dialer or the
// code's relay, then the circle syncs: with the inviter over TCP, or through that relay (with
// the node's own client, or a one-shot one for `felund join`).
import { type Join2Result, joinV2 } from "../peer/join2.ts";
import { RelayApi } from "../peer/relay/api.ts";
import type { ExchangeResult } from "../sync/v1-exchange.ts";
import type { V2Deps } from "../sync/v2-exchange.ts";
import { connectLine } from "./dialer.ts";
import { saveSettings } from "./identity.ts";
import type { ConnTimeouts } from "./line-conn.ts";
import { RelayClient, type RelayNode } from "./relay-client.ts";
import type { Ctx } from "./service.ts";
import type { ShellPorts } from "./shell-ports.ts";

export interface JoinResult {
  circleId: string;
  bootstrap: string;
  created: boolean;
  synced: boolean;
}

export interface JoinHost extends ShellPorts {
  readonly ctx: Ctx;
  v2Deps(): V2Deps;
  readonly timeouts: ConnTimeouts;
  syncWith(circleId: string, addr: string): Promise<ExchangeResult | null>;
  /** the relay this node is set to use, normalized ("": none) */
  configuredRelay(): string;
  /** the node's running relay client, if any */
  relay(): RelayClient | null;
  /** the node listens (it runs, rather than serving a one-shot command) */
  listening(): boolean;
  configureRelay(base: string): void;
  /** what a one-shot relay client needs of the node */
  readonly relayNode: RelayNode;
}

export class Joins {
  constructor(private host: JoinHost) {}

  async joinV2(code: string): Promise<JoinResult> {
    const h = this.host;
    const r = await joinV2(h.ctx, code, {
      v2Deps: () => h.v2Deps(),
      nowMs: Date.now,
      relayApi: (base) => new RelayApi(base, h.relayNode.nodeId),
      tcp: async (addr, hp, ex) => {
        const { connecting, conn } = connectLine({ addr, hp, engine: ex, log: (l) => h.log(l), timeouts: h.timeouts });
        const sock = await connecting.catch(() => null);
        const c = conn();
        return sock && c ? c.finished : null;
      },
      entering: (circleId, path, addr) => {
        if (path === "tcp") h.store.updateCircleBootstrap(circleId, addr);
      },
    });
    if (r.created) {
      if (r.path === "relay") h.log(`joined ${r.circleId} through the relay ${r.addr}`);
      h.emit({ t: "circles" });
    }
    if (r.path === "relay") return this.afterRelay(r);
    const synced = await h.syncWith(r.circleId, r.addr);
    // a one-shot `felund join` stays until the history has arrived (newest first, §23); a running node goes on
    if (synced?.completed && !h.listening()) await h.fills?.idle(r.circleId);
    return { circleId: r.circleId, bootstrap: r.addr, created: r.created, synced: !!synced?.completed };
  }

  /** A circle joined through a relay meets on it: the node uses that relay, then pulls the circle. */
  private async afterRelay(r: Join2Result): Promise<JoinResult> {
    const h = this.host;
    const base = r.addr;
    // a node without a relay starts using it (and keeps it)
    const configured = h.configuredRelay();
    if (!configured) saveSettings(h.store, { relayBase: base });
    else if (configured !== base)
      h.log(`note: ${r.circleId} was joined through ${base}, but this node syncs through ${configured}`);
    if (h.listening() && !h.relay() && !h.stopped()) h.configureRelay(base);
    // a running node pulls with its client; a one-shot `felund join` pulls once with a temporary one
    const client = h.relay() ?? new RelayClient(h.relayNode, configured || base, { ws: false });
    let synced = false;
    await client.pullNow(r.circleId).then(
      () => (synced = !client.lastError),
      () => {},
    );
    if (client !== h.relay()) client.stop();
    return { circleId: r.circleId, bootstrap: "", created: r.created, synced };
  }
}
