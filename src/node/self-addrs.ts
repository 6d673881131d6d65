// The addresses that are this node, so it never dials itself (PROTOCOL-V1.md §10): the ones it
// listens on, the ones a dial found to answer with its own id, and its port on a local address.
import { parseHostPort } from "../protocol/hostport.ts";
import type { SelfInfo } from "../sync/peers.ts";
import { localAddresses } from "./identity.ts";

export class SelfAddrs implements SelfInfo {
  private addrs = new Set<string>();
  private localHosts = new Set(localAddresses());

  /** `port`: the port the node listens on now (0 before it listens). */
  constructor(
    readonly nodeId: string,
    private port: () => number,
  ) {}

  add(addr: string): void {
    this.addrs.add(addr);
  }

  readonly isSelfAddr = (addr: string): boolean => {
    if (this.addrs.has(addr)) return true;
    const hp = parseHostPort(addr);
    return !!hp && hp.port === this.port() && this.localHosts.has(hp.host);
  };
}
