// The node's TCP listener: each inbound connection runs an InboundRouter (which picks v1 or
// v2 from the peer's HELLO) on a LineConn, holds a stranger's slot until its peer
// authenticates and a member's slot after (inbound-slots.ts), and reports how it ended.
import type { TCPSocketListener } from "bun";
import { InboundRouter } from "../sync/inbound-router.ts";
import type { ExchangeDeps } from "../sync/v1-exchange.ts";
import type { V2Deps } from "../sync/v2-exchange.ts";
import type { InboundSlot, InboundSlots } from "./inbound-slots.ts";
import { type ConnData, type ConnTimeouts, LineConn } from "./line-conn.ts";
import type { LiveSessions } from "./live-sessions.ts";
import { exchangeEnded } from "./outcomes.ts";
import { type ShellPorts, socketError } from "./shell-ports.ts";

export interface InboundHost extends ShellPorts {
  deps(): ExchangeDeps;
  /** null: a v1-only node */
  readonly v2Deps: (() => V2Deps) | null;
  readonly timeouts: ConnTimeouts;
  readonly slots: InboundSlots<LineConn>;
  readonly sessions: Pick<LiveSessions, "step" | "ended">;
}

export class InboundListener {
  private listener: TCPSocketListener<ConnData> | null = null;

  constructor(private host: InboundHost) {}

  get listening(): boolean {
    return this.listener !== null;
  }

  /** Listen on `hostname:port` (port 0: any free one); returns the port bound. */
  listen(hostname: string, port: number): number {
    const h = this.host;
    this.listener = Bun.listen<ConnData>({
      hostname,
      port,
      socket: {
        open: (sock) => {
          const ip = sock.remoteAddress;
          const router = new InboundRouter(() => h.deps(), h.v2Deps, ip);
          const conn: LineConn = new LineConn(
            sock,
            router,
            (l) => h.log(l),
            h.timeouts,
            (step) => {
              if (!this.authenticated(slot, router)) return;
              h.sessions.step(conn, router.session, step, ip);
            },
          );
          const slot = h.slots.admit(ip, conn);
          sock.data = { conn, release: () => h.slots.release(slot) };
          conn.finished.then((reason) => {
            const v2 = router.session;
            if (v2) h.sessions.ended(conn, v2, ip, false, reason);
            else if (router.v1Exchange) exchangeEnded(h, router.v1Exchange.result, ip, false);
            else if (router.refusal) h.log(`inbound ${ip}: refused (${router.refusal})`);
          });
        },
        data: (sock, chunk) => sock.data?.conn?.onData(chunk),
        drain: (sock) => sock.data?.conn?.onDrain(),
        close: (sock) => {
          sock.data?.release?.();
          if (sock.data?.conn) {
            sock.data.conn.onClose();
            sock.data.conn = undefined;
          }
        },
        error: (_sock, err) => socketError(err, "inbound", (l) => h.log(l)),
      },
    });
    return this.listener.port;
  }

  stop(): void {
    this.listener?.stop(true);
    this.listener = null;
  }

  /**
   * Strangers and members have separate inbound budgets (inbound-slots.ts): a connection moves
   * to the members' budget once its peer authenticated. False = it is closed (no session slot).
   */
  private authenticated(slot: InboundSlot<LineConn>, router: InboundRouter): boolean {
    if (slot.stage !== "pre" || !router.authenticated) return slot.stage !== "gone";
    if (this.host.slots.promote(slot)) return true;
    slot.holder.fail("no free session slot");
    return false;
  }
}
