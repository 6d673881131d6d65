// The F2 dialog's choice block in the terminal (owner of a v2 circle): the route, the lifetime
// and the use limit the next code is made with, their keys, and the plain word that the
// inviter must be online. The words come from ui/shared/invite-options.ts, as in the web client.
import type { TextChunk } from "@opentui/core";
import type { InviteRoute } from "../shared/backend.ts";
import { expiryLabel, type InviteChoice, onlineNote, routeLabel, usesLabel } from "../shared/invite-options.ts";
import type { NodeView } from "../shared/types.ts";
import { chunk, wrapChunks } from "./markup.ts";
import type { Lines } from "./modal.ts";
import { theme } from "./theme.ts";

const same = (a: InviteChoice, b: InviteChoice) => a.route === b.route && a.ttlS === b.ttlS && a.maxUses === b.maxUses;

export const choiceLines =
  (form: InviteChoice, made: InviteChoice, node: NodeView | undefined, routes: InviteRoute[]): Lines =>
  (width) => {
    const key = (k: string) => chunk(` [${k}]`, { fg: theme.dim });
    const rows: TextChunk[][] = [
      [
        chunk("Joiners reach you ", { fg: theme.dim }),
        chunk(routeLabel(form.route, node), { bold: true }),
        ...(routes.length > 1 ? [key("n")] : []),
      ],
      [
        chunk("Expires in ", { fg: theme.dim }),
        chunk(expiryLabel(form.ttlS), { bold: true }),
        key("e"),
        chunk(" · uses ", { fg: theme.dim }),
        chunk(usesLabel(form.maxUses), { bold: true }),
        key("u"),
        ...(same(form, made)
          ? [chunk("  (this code)", { fg: theme.dim })]
          : [chunk("  press m to make a code with these", { fg: theme.active })]),
      ],
      ...(routes.length === 1 && routes[0] === "lan"
        ? [[chunk("Set a relay URL (F3) to invite people on other networks.", { fg: theme.dim })]]
        : []),
      [chunk(onlineNote("local"), { fg: theme.live })],
    ];
    return rows.flatMap((r) => wrapChunks(r, width, 2));
  };
