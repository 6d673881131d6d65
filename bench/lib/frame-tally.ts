// Where a session's bytes go, frame type by frame type (bench/scale.ts, issue 17). Every sealed
// frame passes FrameSealer.seal: the tally wraps it once to learn each line's frame type (its
// first plaintext byte) and sizes; handshake lines are JSON and named by their "t". A line's
// wire size is its length plus the newline.
import { FrameSealer } from "../../src/protocol/v2/session.ts";
import { FRAME } from "../../src/protocol/v2/frames.ts";

const NAMES = new Map<number, string>(Object.entries(FRAME).map(([k, v]) => [v, k.toUpperCase()]));
const sealed = new Map<string, { type: string; plain: number }>();
let hooked = false;

/** Start recording sealed frames (idempotent). */
export function hookSealer(): void {
  if (hooked) return;
  hooked = true;
  const seal = FrameSealer.prototype.seal;
  FrameSealer.prototype.seal = function (this: FrameSealer, body: Uint8Array): string {
    const line = seal.call(this, body);
    sealed.set(line, { type: NAMES.get(body[0]!) ?? `0x${body[0]!.toString(16)}`, plain: body.length });
    return line;
  };
}

export interface Row {
  frames: number;
  wire: number;
  plain: number;
}

export class FrameTally {
  readonly rows = new Map<string, Row>();
  add(dir: string, line: string): void {
    let type = "?";
    let plain = line.length;
    const s = sealed.get(line);
    if (s) {
      ({ type, plain } = s);
      sealed.delete(line);
    } else if (line.startsWith("{")) type = String((JSON.parse(line) as { t?: unknown }).t ?? "json");
    const key = `${dir} ${type}`;
    const r = this.rows.get(key) ?? { frames: 0, wire: 0, plain: 0 };
    r.frames++;
    r.wire += line.length + 1;
    r.plain += plain;
    this.rows.set(key, r);
  }
  get total(): number {
    let t = 0;
    for (const r of this.rows.values()) t += r.wire;
    return t;
  }
  /** One line per direction and type: frames, bytes on the wire (plaintext body bytes). */
  lines(): string[] {
    return [...this.rows.entries()].map(
      ([k, r]) =>
        `    ${k.padEnd(22)} ${String(r.frames).padStart(3)} × → ${String(r.wire).padStart(6)} B on the wire (${r.plain} B of frame bodies)`,
    );
  }
}
