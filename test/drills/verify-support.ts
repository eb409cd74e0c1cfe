import { cp, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { deleteFile, flipBytes, truncateFile } from "../../harness/faults.ts";
import { manifestOf } from "../../harness/evidence.ts";
import { verifyDirectory } from "../../harness/report/manifest.ts";
import { VERIFICATION_FILE, type Verification } from "../../harness/verify/report.ts";
import { verify, type VerifyOptions } from "../../cli/verify.ts";
import { runOne } from "./support.ts";

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

export type Damage = "flip-byte" | "truncate" | "remove";
export const DAMAGES: Damage[] = ["flip-byte", "truncate", "remove"];

/**
 * A copy of the artifact with one damage on its largest file (its data, for every engine here): a byte flipped, the
 * file cut short, the file removed. Engines preallocate files (QuestDB's column files, WAL segments), so the damage
 * goes where data lies, near the start: the byte at 100 (or the middle of a smaller file), the file cut to 64 bytes
 * (or to half of a smaller one).
 */
export async function damagedCopy(backup: string, damage: Damage): Promise<{ dir: string; what: string }> {
  const dir = join(await mkdtemp(join(tmpdir(), `dr-drill-damaged-${damage}-`)), "backup");
  await cp(backup, dir, { recursive: true, preserveTimestamps: true });
  const files = await manifestOf(dir);
  const largest = [...files].sort((a, b) => b.bytes - a.bytes)[0];
  if (!largest) throw new Error(`${backup} holds no file to damage`);
  const rel = largest.path;
  if (damage === "flip-byte") await flipBytes(dir, rel, Math.min(100, Math.floor(largest.bytes / 2)));
  else if (damage === "truncate") await truncateFile(dir, rel, Math.min(0.5, 64 / largest.bytes));
  else await deleteFile(dir, rel);
  return { dir, what: `${damage} ${rel} (${largest.bytes} bytes)` };
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
