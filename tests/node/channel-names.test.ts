// Look-alike channel names: creating one that mixes Latin with Cyrillic or Greek letters is
// refused with a clear reason, in both circle kinds; the same name is fine in one script.
import { describe, expect, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import * as svc from "../../src/node/service.ts";
import { FelundError } from "../../src/protocol/errors.ts";

describe("channel creation refuses mixed-script names", () => {
  for (const legacy of [false, true]) {
    test(legacy ? "legacy circle" : "v2 circle", () => {
      const ctx = svc.defaultCtx(new NodeStore(openMemoryDb()));
      const { circleId } = svc.createCircle(ctx, "club", { legacy });
      expect(() => svc.createChannel(ctx, circleId, "pаypal")).toThrow(/may not mix Latin, Cyrillic and Greek letters/); // Cyrillic а
      expect(() => svc.createChannel(ctx, circleId, "Gοogle")).toThrow(FelundError); // Greek ο
      expect(svc.listChannels(ctx, circleId).map((c) => c.channelId)).toEqual(["general"]);
      svc.createChannel(ctx, circleId, "paypal");
      svc.createChannel(ctx, circleId, "новости");
      expect(
        svc
          .listChannels(ctx, circleId)
          .map((c) => c.channelId)
          .sort(),
      ).toEqual(["general", "paypal", "новости"]);
    });
  }
});
