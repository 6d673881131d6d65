// Models shared by every relay route.
import { t } from "elysia";

/**
 * Every relay error: {"ok":false,"detail":…}, as the PHP relay (429s also carry Retry-After),
 * plus felund's stable code (src/protocol/errors.ts), which original clients ignore.
 */
export const ErrorResponse = t.Object({ ok: t.Literal(false), detail: t.String(), code: t.String() });
