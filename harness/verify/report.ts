import { appendFile, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { z } from "zod";
import { initiatorFromEnv, manifestOf, type ArtifactFile, type Initiator } from "../evidence.ts";
import { InputError } from "../errors.ts";
import { sealDirectory, verifyDirectory } from "../report/manifest.ts";
import { toolOf } from "../report/run-evidence.ts";
import { knownSecrets, redact, scrubDirectory } from "../secrets.ts";
import type { Fingerprint } from "./fingerprint.ts";
import type { ResolvedArtifact } from "../artifact-source/index.ts";
import { humanDuration } from "./age.ts";
import type { VerifyResult } from "./run.ts";

export const VERIFICATION_SCHEMA = "dr-drill/verification@1";
export const VERIFICATION_FILE = "verification.json";

/** No ledger was kept of what was written into a brought artifact: what a pass does and does not show. */
export const NO_LEDGER_STATEMENT =
  "There was no ledger of the writes this backup should hold: a pass shows the artifact restorable and internally consistent (the engine's own verifier, every record read back, the engine's invariants and the user's checks), not that nothing was lost.";

/** A verification's record, as `verification.json` holds it. */
export interface Verification {
  schema: typeof VERIFICATION_SCHEMA;
  statement: string;
  runId: string;
  verifyId: string;
  startedAt: string;
  endedAt: string;
  tool: ReturnType<typeof toolOf>;
  initiator: Initiator;
  artifact: {
    origin: string;
    sha256: string;
    bytes: number;
    modifiedAt: string | null;
    ageMs: number | null;
    /** Every file of the artifact with its own SHA-256 (a one-file artifact: itself). */
    files: ArtifactFile[];
  };
  scope: Pick<VerifyResult, "engine" | "version" | "method" | "sourceVersion" | "backupTool" | "images">;
  verdict: VerifyResult["verdict"];
  undecided: string | null;
  interrupted: string | null;
  checks: VerifyResult["checks"];
  /** Every check that did not hold, one line each, and why the verify could not decide. */
  reasons: string[];
  rto: VerifyResult["rto"];
  restoredRecords: number | null;
  fingerprint: Fingerprint | null;
  comparedWith: string | null;
  phases: VerifyResult["phases"];
}

export function verificationOf(
  r: VerifyResult,
  a: ResolvedArtifact,
  files: ArtifactFile[],
  opts: { startedAt: Date; endedAt: Date; comparedWith: string | null; env?: NodeJS.ProcessEnv },
): Verification {
  return {
    schema: VERIFICATION_SCHEMA,
    statement: NO_LEDGER_STATEMENT,
    runId: r.runId,
    verifyId: r.verifyId,
    startedAt: opts.startedAt.toISOString(),
    endedAt: opts.endedAt.toISOString(),
    tool: toolOf(),
    initiator: initiatorFromEnv(opts.env),
    artifact: {
      origin: a.origin,
      sha256: a.sha256,
      bytes: a.bytes,
      modifiedAt: a.modifiedAt?.toISOString() ?? null,
      ageMs: a.modifiedAt ? opts.startedAt.getTime() - a.modifiedAt.getTime() : null,
      files,
    },
    scope: {
      engine: r.engine,
      version: r.version,
      method: r.method,
      sourceVersion: r.sourceVersion,
      backupTool: r.backupTool,
      images: r.images,
    },
    verdict: r.verdict,
    undecided: r.undecided,
    interrupted: r.interrupted,
    checks: r.checks,
    reasons: [
      ...r.checks.filter((c) => c.valid !== true).map((c) => `${c.name}: ${c.summary.split("\n")[0]}`),
      ...(r.undecided ? [`undecided: ${r.undecided.split("\n")[0]}`] : []),
    ],
    rto: r.rto,
    restoredRecords: r.restoredRecords,
    fingerprint: r.fingerprint,
    comparedWith: opts.comparedWith,
    phases: r.phases,
  };
}

/** The files of the artifact for the record: a directory's manifest, or the one file. */
export async function artifactFiles(a: ResolvedArtifact, isDirectory: boolean): Promise<ArtifactFile[]> {
  if (isDirectory) return manifestOf(a.path);
  return [{ path: a.path.split("/").at(-1) ?? a.path, bytes: a.bytes, sha256: a.sha256 }];
}

export function verificationSummary(v: Verification): string {
  const rto = v.rto.achievedMs === null ? "n/a" : humanDuration(v.rto.achievedMs);
  const target = v.rto.targetMs === null ? "" : ` (target ${humanDuration(v.rto.targetMs)})`;
  const age = v.artifact.ageMs === null ? "unknown" : humanDuration(v.artifact.ageMs);
  const lines = [
    `# dr-drill verify: ${v.verdict.toUpperCase()}`,
    "",
    `- artifact: \`${v.artifact.origin}\`, sha256 \`${v.artifact.sha256}\`, ${v.artifact.bytes} bytes, ${age} old at test time`,
    `- restored into: ${v.scope.engine} ${v.scope.version} (${v.scope.method}) on ${v.scope.images.map((i) => `${i.ref} ${i.id}`).join(", ") || "no node"}`,
    `- RTO (restore start to serving): ${rto}${target}; records read back: ${v.restoredRecords ?? "n/a"}`,
    `- ${v.statement}`,
    "",
    "| check | result | summary |",
    "|---|---|---|",
    ...v.checks.map(
      (c) =>
        `| ${c.name} | ${c.valid === true ? "pass" : c.valid === false ? "FAIL" : "unknown"} | ${c.summary.split("\n")[0]!.replace(/\|/g, "\\|")} |`,
    ),
    ...(v.undecided ? ["", `Undecided (an error of dr-drill or Docker, not a finding): ${v.undecided}`] : []),
    "",
  ];
  return lines.join("\n");
}

/**
 * Writes `verification.json` and `summary.md` (also appended to `$GITHUB_STEP_SUMMARY`), removes every known secret,
 * and seals the directory like a run's report: `manifest.sha256`, and `manifest.sig` with a signing key.
 */
export async function writeVerification(
  dir: string,
  v: Verification,
  signingKey: KeyObject | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ signed: boolean }> {
  const { secrets } = knownSecrets(env, [v.scope.engine]);
  const summary = verificationSummary(v);
  await writeFile(join(dir, VERIFICATION_FILE), JSON.stringify(v, null, 2) + "\n");
  await writeFile(join(dir, "summary.md"), summary);
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, redact(summary, secrets));
  await scrubDirectory(dir, secrets);
  return sealDirectory(dir, signingKey);
}

const EARLIER = z.object({
  schema: z.literal(VERIFICATION_SCHEMA),
  startedAt: z.string(),
  fingerprint: z.record(z.string(), z.object({ count: z.number(), digest: z.string() })).nullable(),
});

/**
 * `--compare-with <dir>`: an earlier verification's fingerprint, from a report directory that still matches its
 * manifest (and its signature, with a key): a comparison with an altered report proves nothing.
 */
export async function earlierFingerprint(
  dir: string,
  publicKey: KeyObject | undefined,
): Promise<{ from: string; fingerprint: Fingerprint }> {
  const path = join(dir, VERIFICATION_FILE);
  if (!existsSync(path)) throw new InputError(`--compare-with: ${dir} holds no ${VERIFICATION_FILE}`);
  const sealed = await verifyDirectory(dir, publicKey);
  const problems = sealed.problems.filter((p) => !p.includes("no public key given"));
  if (problems.length) throw new InputError(`--compare-with: ${dir} does not verify: ${problems.join("; ")}`);
  const earlier = EARLIER.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!earlier.success) throw new InputError(`--compare-with: ${path} is not a verification: ${earlier.error.message}`);
  const { fingerprint, startedAt } = earlier.data;
  if (!fingerprint)
    throw new InputError(`--compare-with: ${dir} recorded no fingerprint (its restore read nothing back)`);
  return { from: `${dir} (${startedAt})`, fingerprint };
}
