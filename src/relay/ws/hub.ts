// WebSocket subscribers per circle_hint and the MESSAGES frames pushed to them. Every
// subscriber of the hint gets every newly stored envelope, including the poster's own
// connections: X-Felund-Node is self-declared, so excluding by it would let anyone silence
// a node (W10); clients already dedupe by msg_id.
export interface Subscriber {
  send(text: string): unknown;
  close?(code?: number, reason?: string): unknown;
}

export class Hub {
  private byHint = new Map<string, Set<Subscriber>>();
  private perAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private maxPerAddress: number,
    private maxTotal: number,
  ) {}

  /** Whether one more connection from this address is allowed. */
  admits(address: string): boolean {
    return this.total < this.maxTotal && (this.perAddress.get(address) ?? 0) < this.maxPerAddress;
  }

  add(hint: string, sub: Subscriber, address: string): void {
    let set = this.byHint.get(hint);
    if (!set) this.byHint.set(hint, (set = new Set()));
    if (set.has(sub)) return;
    set.add(sub);
    this.total++;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
  }

  remove(hint: string, sub: Subscriber, address: string): void {
    const set = this.byHint.get(hint);
    if (!set?.delete(sub)) return;
    if (!set.size) this.byHint.delete(hint);
    this.total--;
    const n = (this.perAddress.get(address) ?? 1) - 1;
    if (n > 0) this.perAddress.set(address, n);
    else this.perAddress.delete(address);
  }

  listening(hint: string): boolean {
    return this.byHint.has(hint);
  }

  publish(hint: string, text: string): void {
    const set = this.byHint.get(hint);
    if (!set) return;
    this.pushed += set.size;
    for (const s of set) s.send(text);
  }

  /** Close every subscriber's connection (the server shuts down); their close hooks remove them. */
  closeAll(code: number, reason: string): void {
    for (const set of [...this.byHint.values()]) for (const s of [...set]) s.close?.(code, reason);
  }

  /** frames pushed so far, one per subscriber reached (/metrics) */
  pushed = 0;

  get connections(): number {
    return this.total;
  }
}
