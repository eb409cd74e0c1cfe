import { expect, type TestContext } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { newRunId, type DrillResult } from "../../harness/drill.ts";
import { newSeed } from "../../harness/seed.ts";
import { ImageResolver, ImageUnavailableError, parseImageMode } from "../../harness/runtime/images.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { OracleDetails } from "../../harness/checkers/ledger-oracle.ts";
import { oracleDetails } from "../../harness/checkers/oracle-details.ts";
import type { ProgressSink } from "../../harness/progress.ts";
import type { Evidence } from "../../harness/evidence.ts";
import type { LedgerEntry } from "../../harness/ledger.ts";
import type { ScenarioRequest } from "../../harness/scenario.ts";
import { engineEntry, loadScenario } from "../../engines/index.ts";

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
 * Runs an engine's named scenario exactly as `dr-drill run --engine E --scenario S` does (the same scenario object,
 * the same expectation), with this run's seed and image mode. The replay command is the command line.
 */
export async function runScenario(
  engine: string,
  scenario: string,
  opts: Partial<
    Pick<
      ScenarioRequest,
      | "version"
      | "method"
      | "restoreInto"
      | "rows"
      | "writers"
      | "seed"
      | "sink"
      | "schema"
      | "image"
      | "deepVerify"
      | "keepArtifacts"
      | "reportsDir"
    >
  > = {},
): Promise<DrillResult[]> {
  const entry = engineEntry(engine);
  const found = entry.scenarios.find((s) => s.name === scenario);
  if (!found) throw new Error(`${engine} has no scenario ${scenario}`);
  const images = parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES");
  const req: ScenarioRequest = {
    version: opts.version ?? entry.defaultVersion,
    method: opts.method ?? found.methods[0]!,
    restoreInto: opts.restoreInto ?? null,
    rows: opts.rows ?? SCENARIO_ROWS,
    seed: opts.seed ?? SCENARIO_SEED,
    writers: opts.writers ?? 2,
    images,
    runId: newRunId(),
    reportsDir: opts.reportsDir ?? "reports",
    targets: {},
    keepArtifacts: opts.keepArtifacts ?? false,
    ...(opts.sink ? { sink: opts.sink } : {}),
    ...(opts.schema ? { schema: opts.schema } : {}),
    ...(opts.image ? { image: opts.image } : {}),
    ...(opts.deepVerify ? { deepVerify: true } : {}),
    replay: (d) => ({
      command: `npx dr-drill run --engine ${engine} --scenario ${scenario} --version ${d.version} --method ${opts.method ?? found.methods[0]}${d.restoreInto ? ` --restore-into ${d.restoreInto}` : ""} --rows ${opts.rows ?? SCENARIO_ROWS} --writers ${opts.writers ?? 2} --seed ${d.seed} --images ${images}`,
      args: null,
    }),
  };
  return (await loadScenario(engine, scenario)).run(req);
}

/**
 * Why an engine's drills cannot run here (its image is neither present nor pullable, and it has no offline image), or
 * undefined when they can. Call it at the top of a drill file and hand the answer to `skipUnless`.
 */
export async function missingImage(engine: string, versions?: string[]): Promise<string | undefined> {
  const entry = engineEntry(engine);
  const resolver = new ImageResolver(parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"), () => {});
  for (const version of versions ?? [entry.defaultVersion]) {
    try {
      await resolver.resolve(entry.imageSpec(version));
    } catch (err) {
      if (err instanceof ImageUnavailableError) return err.message;
      throw err;
    }
  }
  return undefined;
}

/** Skips the running test when its image is missing, with the reason printed where a person reads the run. */
export function skipUnless(ctx: TestContext, missing: string | undefined): void {
  if (missing === undefined) return;
  process.stdout.write(`[skipped] ${ctx.task.name}: ${missing}\n`);
  ctx.skip(missing);
}

/** The single drill of a scenario run. */
export async function runOne(
  engine: string,
  scenario: string,
  opts: Parameters<typeof runScenario>[2] = {},
): Promise<DrillResult> {
  const results = await runScenario(engine, scenario, opts);
  expect(results).toHaveLength(1);
  return results[0]!;
}

export function check(result: DrillResult, name: string): CheckResult {
  const found = result.evidence.checks.find((c) => c.name === name);
  expect(found, `check ${name} in ${result.evidencePath}`).toBeDefined();
  return found!;
}

/** The ledger oracle's figures in the drill's evidence, checked for their shape (harness/checkers/oracle-details.ts). */
export function oracleOf(result: DrillResult): OracleDetails {
  const found = oracleDetails(result.evidence.checks);
  expect(found, `ledger-oracle details in ${result.evidencePath}`).toBeDefined();
  return found!;
}

/** The drill did what its scenario expected, for the stated reason (harness/expectation.ts decided it). */
export function expectMet(result: DrillResult): void {
  const e = result.evidence;
  expect(
    e.expectation.met,
    `${e.expectation.why}\nreasons: ${e.reasons.join("\n")}\nevidence ${result.evidencePath}`,
  ).toBe(true);
  expect(e.verdict).not.toBe("unknown");
}

/** A passing drill: every check true, nothing unknown, RTO measured. */
export function expectPass(result: DrillResult): void {
  const e = result.evidence;
  expect(e.reasons, `drill failed, evidence ${result.evidencePath}`).toEqual([]);
  expect(e.verdict).toBe("pass");
  expect(e.expectation.met).toBe(true);
  expect(e.achieved.rtoMs).toBeGreaterThan(0);
  expect(check(result, "ledger-oracle").valid).toBe(true);
  expect(check(result, "new-write").valid).toBe(true);
}

/** The drill's ledger as it wrote it: every write it invoked, in order, timed on the drill clock. */
export async function ledgerOf(result: DrillResult): Promise<LedgerEntry[]> {
  const lines = (await readFile(join(result.dir, "ledger.jsonl"), "utf8")).trim().split("\n");
  return lines.map((l) => JSON.parse(l) as LedgerEntry);
}

/** The backup window on the drill clock (ms from the drill's start), to place the ledger's writes before, in or after it. */
export function backupWindowOf(e: Evidence): { start: number; end: number } {
  const at = (iso: string) => Date.parse(iso) - Date.parse(e.startedAt);
  return { start: at(e.scope.recoveryPoint.backupStartedAt), end: at(e.scope.recoveryPoint.backupEndedAt) };
}

/** The words of a command line written as one string (none of them holding a space). */
export const words = (commandLine: string): string[] => commandLine.split(" ");
