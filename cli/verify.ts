import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { KeyObject } from "node:crypto";
import { newRunId } from "../harness/drill.ts";
import { fromInput } from "../harness/errors.ts";
import { ensureDocker } from "../harness/runtime/docker.ts";
import { parseImageMode, type ImageMode } from "../harness/runtime/image-mode.ts";
import { ImageResolver } from "../harness/runtime/images.ts";
import { guardRun } from "../harness/runtime/resources.ts";
import { loadPrivateKey, loadPublicKey } from "../harness/report/manifest.ts";
import { ATTESTATION } from "../harness/report/attestation.ts";
import { retentionDays } from "../harness/report/audit.ts";
import { readChecksFile, type VerifyChecks } from "../harness/verify/checks-file.ts";
import { resolveArtifact } from "../harness/artifact-source/index.ts";
import { artifactFiles, earlierFingerprint, verificationOf, writeVerification } from "../harness/verify/report.ts";
import { ENGINES, engineEntry } from "../engines/index.ts";
import { UsageError, firstGiven, list } from "./args.ts";
import { writableDirectory } from "./writable.ts";

/** `dr-drill verify`'s options as the command line parsed them (cli/program.ts). */
export interface VerifyOptions {
  engine: string;
  artifact: string;
  version?: string;
  method?: string;
  checks?: string;
  rto?: number;
  compareWith?: string;
  maxAge?: number;
  retention?: number;
  newest?: boolean;
  images?: ImageMode;
  reports?: string;
  signingKey?: string;
}

function keyFrom<K>(load: (s: string) => K, ...given: [string | undefined, string][]): K | undefined {
  const [source, origin] = firstGiven(...given);
  return source ? fromInput(origin, () => load(source)) : undefined;
}

/** A drill directory `run --keep-artifacts` left (`<drill>/work/backup`) stands for the backup in it. */
function keptBackup(path: string): string {
  const inside = join(resolve(path), "work", "backup");
  return existsSync(inside) && statSync(inside).isDirectory() ? inside : path;
}

/**
 * `dr-drill verify --engine E --artifact PATH`: restore a backup someone kept into a fresh node, check it, seal the
 * record. Exit 0 when every check held, 1 when one did not (or the verify could not decide), 2 bad input, 3 no Docker.
 */
export async function verify(v: VerifyOptions): Promise<number> {
  const entry = engineEntry(list(v.engine, Object.keys(ENGINES), "--engine", [])[0]!);
  if (!entry.verify)
    throw new UsageError(
      `--engine ${entry.name}: no verify yet; engines with one: ${Object.values(ENGINES)
        .filter((e) => e.verify)
        .map((e) => e.name)
        .join(", ")}`,
    );
  const version = v.version === undefined ? undefined : list(v.version, entry.versions, "--version", [])[0];
  const checks: VerifyChecks = v.checks ? await readChecksFile(v.checks) : { appendOnly: [], checks: [] };
  const reports = writableDirectory(
    resolve(v.reports ?? "reports"),
    v.reports === undefined ? "the report root ./reports" : "--reports",
  );
  const signingKey: KeyObject | undefined = keyFrom(
    loadPrivateKey,
    [v.signingKey, "--signing-key"],
    [process.env.DR_DRILL_SIGNING_KEY, "DR_DRILL_SIGNING_KEY"],
  );
  const publicKey = keyFrom(loadPublicKey, [process.env.DR_DRILL_PUBLIC_KEY, "DR_DRILL_PUBLIC_KEY"]);
  const compareWith = v.compareWith ? await earlierFingerprint(resolve(v.compareWith), publicKey) : undefined;
  const scenario = await entry.verify();
  if (v.method !== undefined) list(v.method, scenario.methods, "--method", []);
  const images = v.images ?? parseImageMode(...firstGiven([process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"]));
  const runId = newRunId();
  const startedAt = new Date();
  const artifact = await resolveArtifact(v.artifact.includes("://") ? v.artifact : keptBackup(v.artifact), {
    newest: Boolean(v.newest),
    into: join(reports, runId, "download"),
    onProgress: (bytes, total) => {
      if (total === null || bytes === total) console.log(`[artifact] ${bytes} bytes${total ? ` of ${total}` : ""}`);
    },
  });
  await ensureDocker(console.log);
  await new ImageResolver(images, (l) => console.log(`[images] ${l}`)).resolve(
    entry.imageSpec(version ?? entry.defaultVersion),
  );
  const interrupt = new AbortController();
  const unguard = guardRun(runId, console.log, interrupt);
  try {
    const result = await scenario.run({
      artifact,
      ...(version ? { version } : {}),
      ...(v.method ? { method: v.method } : {}),
      versions: entry.versions,
      defaultVersion: entry.defaultVersion,
      checks,
      ...(v.rto === undefined ? {} : { rtoMs: v.rto }),
      ...(v.maxAge === undefined ? {} : { maxAgeMs: v.maxAge }),
      ...(compareWith ? { compareWith } : {}),
      now: startedAt,
      images,
      runId,
      reportsDir: reports,
      signal: interrupt.signal,
    });
    const files = await artifactFiles(artifact, statSync(artifact.path).isDirectory());
    const record = verificationOf(result, artifact, files, {
      startedAt,
      endedAt: new Date(),
      comparedWith: compareWith?.from ?? null,
      maxAgeMs: v.maxAge ?? null,
      retention: v.retention === undefined ? undefined : retentionDays(v.retention, "--retention"),
    });
    const sealed = await writeVerification(result.dir, record, signingKey);
    console.log(`\nverify ${result.engine} ${result.version} ${result.method}: ${result.verdict.toUpperCase()}`);
    for (const c of result.checks)
      console.log(
        `  ${c.valid === true ? "ok  " : c.valid === false ? "FAIL" : "??  "} ${c.name}: ${c.summary.split("\n")[0]}`,
      );
    if (result.undecided) console.log(`  undecided: ${result.undecided}`);
    console.log(
      `Report: ${result.dir}  (verification.json, summary.md, manifest.sha256${sealed.signed ? `, manifest.sig, ${ATTESTATION}` : ""})`,
    );
    if (result.interrupted) return interrupt.signal.reason === "SIGTERM" ? 143 : 130;
    return result.verdict === "pass" ? 0 : 1;
  } finally {
    unguard();
  }
}
