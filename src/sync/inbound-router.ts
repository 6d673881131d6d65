// The engine of an inbound connection until its first line (HELLO) says which protocol it
// speaks: a v2 offer goes to V2Exchange, a v1 HELLO for a legacy circle to V1Exchange, and a
// v1 HELLO that must not be served (v2-only circle, stripped offer, known v2 node) is refused
// with the answer an original node would give (routeInbound). `authenticated` says when the
// peer has proved it holds the circle's key (or an invite's ticket): the node's listener then
// moves the connection from the strangers' budget to the sessions' (src/node/inbound-slots.ts).
import type { Step, ExchangeDeps } from "./v1-exchange.ts";
import { V1Exchange } from "./v1-exchange.ts";
import { V2Exchange, type V2Deps, type V2Step } from "./v2-exchange.ts";
import { routeInbound } from "./v2-route.ts";

export class InboundRouter {
  readonly role = "server" as const;
  inner: V1Exchange | V2Exchange | null = null;
  private refused = false;
  refusal = "";
  /** lines handed to a v1 server exchange, and whether its HELLO_AUTH checked */
  private v1Lines = 0;
  private v1Authed = false;

  constructor(
    private v1: () => ExchangeDeps,
    private v2Deps: (() => V2Deps) | null,
    private remoteIp: string,
  ) {}

  get done(): boolean {
    return this.refused || !!this.inner?.done;
  }
  get live(): boolean {
    return this.inner instanceof V2Exchange && this.inner.live;
  }
  get session(): V2Exchange | null {
    return this.inner instanceof V2Exchange ? this.inner : null;
  }
  /**
   * The peer authenticated: a v2 handshake established, or a v1 exchange that accepted its
   * second line (HELLO_AUTH; a token that does not check closes the connection instead).
   */
  get authenticated(): boolean {
    if (this.inner instanceof V2Exchange) return this.inner.result.established;
    return this.v1Authed;
  }
  /** the v1 exchange serving this connection, if it is a v1 one */
  get v1Exchange(): V1Exchange | null {
    return this.inner instanceof V1Exchange ? this.inner : null;
  }

  start(): Step {
    return { send: [] };
  }

  receive(line: string): V2Step {
    if (this.refused) return { send: [] };
    if (!this.inner) {
      if (this.v2Deps) {
        const d = this.v2Deps();
        const r = routeInbound(line, d.store);
        if (r.engine === "refuse") {
          this.refused = true;
          this.refusal = r.reason;
          return { send: r.send, close: { reason: r.reason, error: true } };
        }
        this.inner =
          r.engine === "v2" ? V2Exchange.server(d, this.remoteIp) : V1Exchange.server(this.v1(), this.remoteIp);
        if (this.later && this.inner instanceof V2Exchange) this.inner.onLater(this.later);
      } else this.inner = V1Exchange.server(this.v1(), this.remoteIp);
    }
    const step = this.inner.receive(line);
    if (this.inner instanceof V1Exchange && ++this.v1Lines === 2 && !step.close && !this.inner.done)
      this.v1Authed = true;
    return step;
  }

  private later: ((s: V2Step) => void) | null = null;
  /** steps the v2 engine completes after receive() (passed on when it is made) */
  onLater(fn: (s: V2Step) => void): void {
    this.later = fn;
    if (this.inner instanceof V2Exchange) this.inner.onLater(fn);
  }
  get busy(): boolean {
    return this.inner instanceof V2Exchange && this.inner.busy;
  }

  /** the rest of a long v2 answer, as the connection drains */
  more(): V2Step {
    return this.inner instanceof V2Exchange ? this.inner.more() : { send: [] };
  }

  abort(reason: string): void {
    this.inner?.abort(reason);
  }
}
