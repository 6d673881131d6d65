// The invite id of a felund2 invite (docs/PROTOCOL.md §10.3): derived from its ticket, so the
// compact code need not carry it. Its own module, with SHA-256 only, so a front end can tell a
// code's id (ui/shared/invites.ts) without the rest of the invite codec.
import { sha256 } from "../primitives.ts";
import { TAG, tagged } from "./codec.ts";

/** invite_id = SHA-256(str "felund2/invite-id" | ticket)[0:16] */
export const inviteIdOf = (ticket: Uint8Array): Uint8Array =>
  sha256(tagged(TAG.inviteId).fixed(ticket, 32).finish()).slice(0, 16);
