import { expect } from "vitest";
import { runDrill, newSeed, type DrillOptions, type DrillResult } from "../harness/drill.ts";
import { parseImageMode } from "../harness/runtime/images.ts";
import type { BackupArtifact } from "../harness/engine.ts";
import type { CheckResult } from "../harness/checkers/checker.ts";
import type { ProgressSink } from "../harness/progress.ts";

/** Rows per scenario drill: small enough for CI, overridable for a bigger run (`DR_DRILL_ROWS=100000`). */
export const SCENARIO_ROWS = Number(process.env.DR_DRILL_ROWS ?? 20_000);

/** The seed of this run: `DR_DRILL_SEED` replays one, otherwise a new one (printed in every drill's first line). */
export const SCENARIO_SEED = process.env.DR_DRILL_SEED ? Number(process.env.DR_DRILL_SEED) : newSeed();

/** A sink that prints like the command does and keeps the lines, so a test can read what a person would see. */
export function capturingSink(): ProgressSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, line: (text) => (lines.push(text), process.stdout.write(text + "\n")) };
}

/**
 * Runs a scenario's drill with the run's seed and image mode; the replay command reruns exactly this test.
 */
export function scenarioDrill<P, A extends BackupArtifact>(
  file: string,
  testName: string,
  opts: Omit<DrillOptions<P, A>, "replayCommand" | "seed" | "imageMode" | "rows"> & { rows?: number; seed?: number },
): Promise<DrillResult> {
  return runDrill({
    rows: SCENARIO_ROWS,
    seed: SCENARIO_SEED,
    imageMode: parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"),
    replayCommand: (seed) => `DR_DRILL_SEED=${seed} DR_DRILL_ROWS=${opts.rows ?? SCENARIO_ROWS} npx vitest run --project drills ${file} -t ${JSON.stringify(testName)}`,
    ...opts,
  });
}

export function check(result: DrillResult, name: string): CheckResult {
  const found = result.evidence.checks.find((c) => c.name === name);
  expect(found, `check ${name} in ${result.evidencePath}`).toBeDefined();
  return found!;
}

/** A passing drill: every check true, nothing unknown, RTO measured. */
export function expectPass(result: DrillResult): void {
  const e = result.evidence;
  expect(e.reasons, `drill failed, evidence ${result.evidencePath}`).toEqual([]);
  expect(e.verdict).toBe("pass");
  expect(e.achieved.rtoMs).toBeGreaterThan(0);
  expect(check(result, "ledger-oracle").valid).toBe(true);
  expect(check(result, "new-write").valid).toBe(true);
}
