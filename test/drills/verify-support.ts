import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { verifyDirectory } from "../../harness/report/manifest.ts";
import { VERIFICATION_FILE, type Verification } from "../../harness/verify/report.ts";
import { verify, type VerifyOptions } from "../../cli/verify.ts";
import { runOne } from "./support.ts";

export { DAMAGES, damagedCopy } from "../../harness/verify/damage.ts";

/** A backup `run --keep-artifacts` left: a `clean` drill at small rows, its drill directory kept. */
export async function keptArtifact(
  engine: string,
  method: string,
  rows: number,
  seed?: number,
): Promise<{ drillDir: string; backup: string }> {
  const reportsDir = await mkdtemp(join(tmpdir(), `dr-drill-kept-${engine}-`));
  const result = await runOne(engine, "clean", {
    method,
    rows,
    keepArtifacts: true,
    reportsDir,
    ...(seed ? { seed } : {}),
  });
  expect(result.evidence.verdict, `the drill that made the artifact: ${result.evidence.reasons.join("; ")}`).toBe(
    "pass",
  );
  return { drillDir: result.dir, backup: join(result.dir, "work", "backup") };
}

/** `dr-drill verify` as the command line runs it; its exit code and the sealed record it wrote. */
export async function verifyCli(
  opts: Omit<VerifyOptions, "reports">,
): Promise<{ code: number; record: Verification; dir: string }> {
  const reports = await mkdtemp(join(tmpdir(), "dr-drill-verify-"));
  const code = await verify({ ...opts, reports, images: opts.images ?? imagesFromEnv() });
  const [run] = await readdir(reports);
  const runDir = join(reports, run!);
  const [one] = (await readdir(runDir)).filter((d) => d.startsWith("verify-"));
  const dir = join(runDir, one!);
  const sealed = await verifyDirectory(dir);
  expect(sealed.problems).toEqual([]);
  const record: Verification = JSON.parse(await readFile(join(dir, VERIFICATION_FILE), "utf8"));
  return { code, record, dir };
}

function imagesFromEnv(): VerifyOptions["images"] {
  const mode = process.env.DR_DRILL_IMAGES;
  return mode === "official" || mode === "offline" || mode === "auto" ? mode : undefined;
}

/** A checks file marking every group of an earlier fingerprint append-only: any rewritten group then fails. */
export async function appendOnlyChecks(record: Verification): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "dr-drill-checks-")), "checks.json");
  await writeFile(path, JSON.stringify({ appendOnly: Object.keys(record.fingerprint ?? {}) }));
  return path;
}

/** The failed checks of a verification, `name: summary`, for the assertion messages and the report. */
export function failedChecks(record: Verification): string[] {
  return record.checks.filter((c) => c.valid === false).map((c) => `${c.name}: ${c.summary.split("\n")[0]}`);
}

/** A damaged copy fails for a named reason: the verdict is `fail` (never undecided) with at least one failed check. */
export function expectNamedFailure(code: number, record: Verification, what: string): string[] {
  const failed = failedChecks(record);
  expect(record.undecided, `${what}: undecided`).toBeNull();
  expect(record.verdict, `${what}: ${failed.join("; ")}`).toBe("fail");
  expect(code).toBe(1);
  expect(failed.length).toBeGreaterThan(0);
  return failed;
}
