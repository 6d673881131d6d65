// What the one-shot subcommands share: their type, common flags, and the two ways every one
// of them runs (through the running node's local API, or straight on the state dir's database).
import type { CommandSpec, Parsed } from "./args.ts";
import { FelundError } from "../protocol/errors.ts";
import { connect, type Target } from "./client.ts";
import type * as svc from "../node/service.ts";
import { out } from "./print.ts";

export interface Cmd extends CommandSpec {
  run(p: Parsed, dir: string): Promise<number>;
}

export const json = { name: "json", type: "bool", help: "print JSON for scripts" } as const;
export const circleFlag = (required: boolean) =>
  ({
    name: "circle-id",
    type: "string",
    placeholder: "ID",
    help: required ? "the circle (id or unique prefix)" : "only this circle",
  }) as const;
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
export const need = (p: Parsed, name: string): string => {
  const v = p.flags[name];
  if (v === undefined || v === "") throw new FelundError("E_USAGE", `--${name} is required`);
  return String(v);
};
export const via = async <T>(t: Target, api: () => Promise<T>, direct: (ctx: svc.Ctx) => T | Promise<T>): Promise<T> =>
  t.api ? api() : direct(t.ctx!);

/**
 * A listing command from its table row: the rows come from the running node (GET `path`, its
 * `field`) or from the database (`direct`); --json prints them as they are, else `empty` when
 * there are none, else `print`.
 */
export function listing<T>(
  spec: CommandSpec,
  l: {
    /** --circle-id: required, or optional (then the listing covers every circle) */
    circle?: "required" | "optional";
    /** checks the other flags before anything is read */
    check?: (p: Parsed) => void;
    get: (id: string | undefined, p: Parsed) => { path: string; field: string };
    direct: (ctx: svc.Ctx, id: string | undefined, p: Parsed) => T[];
    empty?: (p: Parsed) => string;
    print: (rows: T[], t: Target, id: string | undefined, p: Parsed) => void | Promise<void>;
  },
): Cmd {
  return {
    ...spec,
    async run(p, dir) {
      const id = l.circle === "required" ? need(p, "circle-id") : (p.flags["circle-id"] as string | undefined);
      l.check?.(p);
      const t = connect(dir);
      const { path, field } = l.get(id, p);
      const rows: T[] = await via(
        t,
        async () => (await t.api!("GET", path))[field],
        (ctx) => l.direct(ctx, id, p),
      );
      if (p.flags.json) out(JSON.stringify(rows));
      else if (!rows.length && l.empty) out(l.empty(p));
      else await l.print(rows, t, id, p);
      return 0;
    },
  };
}
