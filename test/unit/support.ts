import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { noViolations, type OracleDetails, type Violation } from "../../harness/checkers/ledger-oracle.ts";

const created: string[] = [];

// Registered in the root suite of every test file that imports this module.
afterEach(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Creates a temp directory that is removed after the current test. */
export async function makeTempDir(prefix = "dr-drill-unit-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes each file (its path relative to `dir` → its content), creating the folders on the way. */
export async function writeTree(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(dir, rel, ".."), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
}

/** A temp directory holding these files (as `writeTree` writes them), removed after the current test. */
export async function tempDirWith(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await makeTempDir();
  await writeTree(dir, files);
  return dir;
}

/**
 * A log kept as data in the `fixtures/` folder beside a test (`testUrl` is its `import.meta.url`), as the engine
 * wrote it (colour codes included), without the file's last newline.
 */
export function logFixture(testUrl: string, name: string): string {
  return readFileSync(fileURLToPath(new URL(`fixtures/${name}`, testUrl)), "utf8").replace(/\n$/, "");
}

/** Ledger-oracle details as the oracle writes them, with the given violations (the others 0). */
export function oracleDetailsWith(violations: Partial<Record<Violation, number>>): OracleDetails {
  return {
    keysChecked: 10,
    ackedBeforeWindow: 5,
    keysPresent: 10,
    violations: { ...noViolations(), ...violations },
    lostInsideRecoveryPoint: violations.lost ?? 0,
    ackedLostAfterRecoveryPoint: 0,
    infoRecovered: 0,
    newestSurvivingAck: 100,
    earliestMissingAck: undefined,
    duplicatesSeen: 0,
    cut: {
      consistency: "point-in-time",
      toleranceMs: 0,
      groups: 1,
      tornGroups: violations["torn-cut"] ?? 0,
      untimedKeys: 0,
    },
    window: { start: 50, end: 60 },
    model: { consistency: "point-in-time" },
  };
}
