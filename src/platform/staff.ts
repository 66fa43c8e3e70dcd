// Which units a signed-in person works for, as the console's sections scope their pages: the
// engine answers, and re-authorizes every action on them anyway.

import type { Ctx } from "../engine/index.ts";
import * as engine from "../engine/index.ts";

/** The units (and those below) where the member holds one of `staff` (by default, desk staff). */
export function unitsStaffedBy(
  ctx: Ctx,
  me: number,
  staff: Array<"admin" | "hotline"> = ["admin", "hotline"],
): Promise<Array<{ id: number; name: string }>> {
  return engine.unitsHeldBy(ctx, { actorId: me, roles: staff });
}
