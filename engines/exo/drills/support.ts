import type { DrillResult } from "../../../harness/drill.ts";
import { runOne } from "../../../test/drills/support.ts";

/** eXo drills are small: a few thousand records over the three datasources, the volume and the chat database. */
export const EXO_ROWS = Number(process.env.DR_DRILL_EXO_ROWS ?? 2_000);

export function runExo(scenario: string, opts: { deepVerify?: boolean } = {}): Promise<DrillResult> {
  return runOne("exo", scenario, { rows: EXO_ROWS, writers: 2, ...opts });
}
