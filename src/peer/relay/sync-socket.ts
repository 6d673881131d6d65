// One circle's WebSocket to its relay (the push of RelaySync, sync.ts): MESSAGES frames go to the
// host's ingest, PINGs are answered, and on a felund relay that said so ({"t":"FEATURES",
// "typing":true}) typing notices come and go on it (docs/PROTOCOL.md §22); an original relay
// never says so, and is never sent one.
import type { WsCtor, WsLike } from "./ws-like.ts";

/** The socket's part of a circle's link (sync.ts CircleLink). */
export interface SocketLink {
  ws: WsLike | null;
  open: boolean;
  /** the relay carries typing notices on this socket */
  typing?: boolean;
}

export interface SocketPorts {
  url: string;
  Ws: WsCtor | undefined;
  /** try again later (the socket could not be made, or closed) */
  later(): void;
  opened(): void;
  ingest(raws: unknown[]): void | Promise<void>;
  typing(blob: unknown): void;
  fail(e: unknown): void;
  closed(wasOpen: boolean): void;
}

export function openSocket(p: SocketPorts, l: SocketLink): void {
  let ws: WsLike;
  try {
    ws = new p.Ws!(p.url);
  } catch {
    p.later();
    return;
  }
  l.ws = ws;
  l.typing = false;
  ws.onopen = () => {
    l.open = true;
    p.opened();
  };
  ws.onmessage = (ev) => {
    let f: { t?: unknown; messages?: unknown; typing?: unknown; blob?: unknown } | null = null;
    try {
      f = JSON.parse(String(ev.data));
    } catch {
      return;
    }
    if (f?.t === "MESSAGES" && Array.isArray(f.messages)) {
      const done = p.ingest(f.messages);
      if (done) done.catch((e) => p.fail(e));
    } else if (f?.t === "PING") ws.send(JSON.stringify({ t: "PONG" }));
    else if (f?.t === "FEATURES") l.typing = f.typing === true;
    else if (f?.t === "TYPING" && l.typing) p.typing(f.blob);
  };
  ws.onclose = () => {
    if (l.ws !== ws) return;
    const wasOpen = l.open;
    l.ws = null;
    l.open = false;
    l.typing = false;
    p.later();
    p.closed(wasOpen);
  };
  ws.onerror = () => {};
}

/** Send a sealed typing notice on the link's socket when its relay carries them; false otherwise. */
export function sendTyping(l: SocketLink | undefined, blob: string): boolean {
  if (!l?.ws || !l.open || !l.typing) return false;
  l.ws.send(JSON.stringify({ t: "TYPING", blob }));
  return true;
}
