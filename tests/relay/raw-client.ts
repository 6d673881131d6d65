// Minimal HTTP/1.1 and WebSocket clients over node:net, for tests that need a chosen source
// address on loopback (127.0.0.x): the relay keys its limits by client address, and neither
// Bun's fetch nor its WebSocket can pick one. Enough for the relay's JSON answers
// (Content-Length bodies) and its server-to-client text frames; nothing more.
import { connect, type Socket } from "node:net";

export interface RawReply {
  status: number;
  body: string;
}

/** One keep-alive connection from `local`; requests go one at a time. */
export class RawHttp {
  private sock: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((r: RawReply | null) => void) | null = null;
  closed = false;

  constructor(
    private port: number,
    local: string,
  ) {
    this.sock = connect({ host: "127.0.0.1", port, localAddress: local });
    this.sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
    });
    const end = () => {
      this.closed = true;
      this.waiting?.(null);
      this.waiting = null;
    };
    this.sock.on("close", end);
    this.sock.on("error", end);
  }

  private parse(): void {
    const head = this.buf.indexOf("\r\n\r\n");
    if (head < 0 || !this.waiting) return;
    const lines = this.buf.subarray(0, head).toString("latin1").split("\r\n");
    const len = Number(lines.find((l) => /^content-length:/i.test(l))?.split(":")[1] ?? 0);
    if (this.buf.length < head + 4 + len) return;
    const reply = {
      status: Number(lines[0]!.split(" ")[1]),
      body: this.buf.subarray(head + 4, head + 4 + len).toString("utf8"),
    };
    this.buf = this.buf.subarray(head + 4 + len);
    const w = this.waiting;
    this.waiting = null;
    w(reply);
  }

  /** null when the connection is gone. */
  post(path: string, body: unknown): Promise<RawReply | null> {
    if (this.closed) return Promise.resolve(null);
    const data = Buffer.from(JSON.stringify(body));
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.sock.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nContent-Type: application/json\r\nContent-Length: ${data.length}\r\n\r\n`,
      );
      this.sock.write(data);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A WebSocket subscriber from `local`; `onText` gets every text frame. */
export function rawWs(
  port: number,
  local: string,
  path: string,
  onText: (t: string) => void,
): Promise<{ close(): void; isOpen(): boolean }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port, localAddress: local });
    let buf: Buffer = Buffer.alloc(0);
    let upgraded = false;
    let open = false;
    const handle = { close: () => sock.destroy(), isOpen: () => open };
    sock.on("connect", () => {
      const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
      sock.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    sock.on("data", (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      if (!upgraded) {
        const head = buf.indexOf("\r\n\r\n");
        if (head < 0) return;
        const status = buf.subarray(0, head).toString("latin1").split(" ")[1];
        if (status !== "101") {
          sock.destroy();
          return reject(new Error(`WebSocket upgrade answered ${status}`));
        }
        upgraded = open = true;
        buf = buf.subarray(head + 4);
        resolve(handle);
      }
      // server frames are unmasked; the relay sends whole text frames, pings and closes
      while (buf.length >= 2) {
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const op = buf[0]! & 0x0f;
        if (op === 1) onText(buf.subarray(off, off + len).toString("utf8"));
        else if (op === 8) open = false;
        buf = buf.subarray(off + len);
      }
    });
    sock.on("close", () => {
      open = false;
    });
    sock.on("error", (e) => {
      open = false;
      if (!upgraded) reject(e);
    });
  });
}
