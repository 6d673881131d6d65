// Reply, react, edit and delete through the local API (docs/PROTOCOL.md §18; src/peer/refs-actions.ts):
//   POST /api/circles/:id/messages/:msg/reply  {text}             -> { ok, message }   (the reply)
//   POST /api/circles/:id/messages/:msg/react  {emoji, add?}      -> { ok, message }   (the target, counts updated)
//   POST /api/circles/:id/messages/:msg/edit   {text}             -> { ok, message }   (the target, edited)
//   POST /api/circles/:id/messages/:msg/delete                    -> { ok, message }   (the tombstone)
//   GET  /api/circles/:id/messages/:msg/history                   -> { ok, history: [{text, ts}] }
// Each signed row is published like a sent message (front ends, sessions, relay, v1 peers).
import { FelundError } from "../protocol/errors.ts";
import { MAX_TEXT_BYTES, REACTION_MAX_BYTES } from "../protocol/limits.ts";
import type { PeerCtx } from "../peer/ctx.ts";
import { deleteMessage, editMessage, messageHistory, react, replyTo } from "../peer/refs-actions.ts";
import { messageView, type MessageView } from "../peer/views.ts";
import type { StoredMessage } from "../sync/store.ts";

interface RefReq {
  params: Record<string, string>;
  body: Record<string, unknown>;
}
type On = (method: string, path: string, run: (r: RefReq) => unknown) => void;
interface RefHost {
  ctx: PeerCtx;
  nodeId: string;
  published(m: StoredMessage): void;
}

const invalid = (why: string) => new FelundError("E_INVALID", `invalid input: ${why}`);
const text = (b: Record<string, unknown>, k: string, max: number): string => {
  const v = b[k];
  if (typeof v !== "string" || v.length > max) throw invalid(`${k} must be a string of at most ${max} characters`);
  return v;
};
const msgId = (p: Record<string, string>): string => {
  if (!/^[0-9a-f]{32}$/.test(p.msg ?? "")) throw invalid("message id must be 32 lowercase hex");
  return p.msg!;
};

export function refRoutes(on: On, host: RefHost): void {
  const done = (m: StoredMessage): { ok: true; message: MessageView } => {
    host.published(m);
    return { ok: true, message: messageView(host.ctx.store, m, (id) => id === host.nodeId) };
  };
  on("POST", "/circles/:id/messages/:msg/reply", ({ params, body }) =>
    done(replyTo(host.ctx, params.id!, msgId(params), text(body, "text", MAX_TEXT_BYTES))),
  );
  on("POST", "/circles/:id/messages/:msg/react", ({ params, body }) => {
    const add = body.add;
    if (add !== undefined && typeof add !== "boolean") throw invalid("add must be true or false");
    return done(react(host.ctx, params.id!, msgId(params), text(body, "emoji", REACTION_MAX_BYTES), add));
  });
  on("POST", "/circles/:id/messages/:msg/edit", ({ params, body }) =>
    done(editMessage(host.ctx, params.id!, msgId(params), text(body, "text", MAX_TEXT_BYTES))),
  );
  on("POST", "/circles/:id/messages/:msg/delete", ({ params }) =>
    done(deleteMessage(host.ctx, params.id!, msgId(params))),
  );
  on("GET", "/circles/:id/messages/:msg/history", ({ params }) => ({
    ok: true,
    history: messageHistory(host.ctx, params.id!, msgId(params)),
  }));
}
