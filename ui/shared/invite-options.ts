// What the owner chooses before a felund2 code is made, for both UIs' F2 dialog: the route
// (this node's own address, or through its relay), the lifetime and the use limit, with the
// defaults (through the relay when one is set) and the plain words that go with them.
import type { InviteOptions, InviteRoute } from "./backend.ts";
import type { CircleView, NodeView } from "./types.ts";

export const EXPIRY_CHOICES: { label: string; ttlS: number }[] = [
  { label: "1 hour", ttlS: 3600 },
  { label: "1 day", ttlS: 86_400 },
  { label: "7 days", ttlS: 7 * 86_400 },
  { label: "30 days", ttlS: 30 * 86_400 },
];
/** 0 = no limit */
export const USES_CHOICES = [0, 1, 5, 25];
/** the node's default lifetime (V2_INVITE_TTL_DEFAULT_S) and no use limit */
export const DEFAULT_TTL_S = 7 * 86_400;

export const usesLabel = (n: number): string => (n ? `${n} use${n === 1 ? "" : "s"}` : "no limit");
export const expiryLabel = (ttlS: number): string =>
  EXPIRY_CHOICES.find((c) => c.ttlS === ttlS)?.label ?? `${Math.round(ttlS / 3600)} hours`;

/** The routes this backend can give: a browser on a relay has only the relay; a node its address, and its relay when set. */
export function inviteRoutes(kind: "local" | "relay", node: NodeView | undefined): InviteRoute[] {
  if (kind === "relay") return ["relay"];
  return node?.relayBase ? ["lan", "relay"] : ["lan"];
}

/** Through the relay when one is set (it works across networks); the node's address otherwise. */
export const defaultRoute = (kind: "local" | "relay", node: NodeView | undefined): InviteRoute =>
  inviteRoutes(kind, node).includes("relay") ? "relay" : "lan";

export function routeLabel(route: InviteRoute, node: NodeView | undefined): string {
  if (route === "relay") return `through the relay${node?.relayBase ? ` (${node.relayBase})` : ""}`;
  return `same network${node?.listenAddr ? ` (${node.listenAddr})` : ""}`;
}

export const ROUTE_HINT: Record<InviteRoute, string> = {
  lan: "The joiner's node dials yours: it must reach this address (the same network, or a port you opened).",
  relay: "Works across networks and from a browser: the joiner meets you through the relay.",
};

/** Said plainly next to every felund2 code (the owner's node or tab admits each joiner itself). */
export const onlineNote = (kind: "local" | "relay"): string =>
  kind === "relay"
    ? "This code works only while you are online: this browser tab admits each joiner itself."
    : "This code works only while you are online: your node admits each joiner itself.";

/** The choice in the dialog, and what it asks the backend for. */
export interface InviteChoice {
  route: InviteRoute;
  ttlS: number;
  maxUses: number;
}

export const defaultChoice = (kind: "local" | "relay", node: NodeView | undefined): InviteChoice => ({
  route: defaultRoute(kind, node),
  ttlS: DEFAULT_TTL_S,
  maxUses: 0,
});

/** The default choice asks for the backend's plain code (reused while it is live); any other sets the limits. */
export function inviteRequest(c: InviteChoice, kind: "local" | "relay"): InviteOptions {
  const plain = c.ttlS === DEFAULT_TTL_S && c.maxUses === 0;
  return {
    ...(kind === "local" ? { route: c.route } : {}),
    ...(plain ? {} : { ttlS: c.ttlS }),
    ...(plain || !c.maxUses ? {} : { maxUses: c.maxUses }),
  };
}

/** Whether the F2 dialog offers the choice at all: the owner of a v2 circle (felund2 codes). */
export const choosable = (c: CircleView | undefined): boolean => !!c && c.owned && !c.legacy;

/** One line under the code: where joiners go, how long, how many. */
export const choiceSummary = (c: InviteChoice, node: NodeView | undefined): string =>
  `${routeLabel(c.route, node)} · expires in ${expiryLabel(c.ttlS)} · ${usesLabel(c.maxUses)}`;
