// What the relay client needs of a WebSocket (the browser's and Bun's both fit); src/peer has
// no DOM types, so the shells hand in their runtime's constructor as a WsCtor.

/** A handler checked as a method is (bivariantly), so the runtime's WebSocket, whose handlers take its own event types, fits. */
type Handler<E> = { handle(ev: E): void }["handle"];
export interface WsLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<unknown> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(): void;
}
export type WsCtor = new (url: string) => WsLike;
