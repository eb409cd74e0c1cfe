import { readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { z } from "zod";
import { initiatorFromEnv, manifestOf, type ArtifactFile } from "../evidence.ts";
import { InputError } from "../errors.ts";
import { verifyDirectory } from "../report/manifest.ts";
import { finishReport } from "../report/finish.ts";
import { retentionOf, testedArtifact, type RetentionAsked } from "../report/audit.ts";
import { toolOf } from "../report/run-evidence.ts";
import { knownSecrets } from "../secrets.ts";
import type { ResolvedArtifact } from "../artifact-source/index.ts";
import { humanDuration } from "./age.ts";
import type { Fingerprint } from "./fingerprint.ts";
import type { VerifyResult } from "./run.ts";
import { VERIFICATION_FILE, VERIFICATION_SCHEMA, type Verification } from "./record.ts";
import { verificationClaims, verificationStatement } from "./statement.ts";

export { VERIFICATION_FILE, VERIFICATION_SCHEMA, type Verification } from "./record.ts";

export function verificationOf(
  r: VerifyResult,
  a: ResolvedArtifact,
  files: ArtifactFile[],
  opts: {
    startedAt: Date;
    endedAt: Date;
    comparedWith: string | null;
    maxAgeMs: number | null;
    retention?: RetentionAsked | undefined;
    env?: NodeJS.ProcessEnv;
  },
): Verification {
  const endedAt = opts.endedAt.toISOString();
  const record: Omit<Verification, "statement"> = {
    schema: VERIFICATION_SCHEMA,
    runId: r.runId,
    verifyId: r.verifyId,
    startedAt: opts.startedAt.toISOString(),
    endedAt,
    tool: toolOf(),
    initiator: initiatorFromEnv(opts.env),
    artifact: { ...testedArtifact(a, opts.startedAt, opts.maxAgeMs), files },
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
    retention: retentionOf(opts.retention, endedAt),
  };
  return { ...record, statement: verificationStatement(record) };
}

/** The files of the artifact for the record: a directory's manifest, or the one file. */
export async function artifactFiles(a: ResolvedArtifact, isDirectory: boolean): Promise<ArtifactFile[]> {
  if (isDirectory) return manifestOf(a.path);
  return [{ path: a.path.split("/").at(-1) ?? a.path, bytes: a.bytes, sha256: a.sha256 }];
}

export function verificationSummary(v: Verification): string {
  const rto = v.rto.achievedMs === null ? "n/a" : humanDuration(v.rto.achievedMs);
  const target = v.rto.targetMs === null ? "" : ` (target ${humanDuration(v.rto.targetMs)})`;
  const age = v.artifact.ageAtTestMs === null ? "unknown" : humanDuration(v.artifact.ageAtTestMs);
  const lines = [
    `# dr-drill verify: ${v.verdict.toUpperCase()}`,
    "",
    `- artifact: \`${v.artifact.origin}\`, sha256 \`${v.artifact.sha256}\`, ${v.artifact.bytes} bytes, ${age} old at test time`,
    `- restored into: ${v.scope.engine} ${v.scope.version} (${v.scope.method}) on ${v.scope.images.map((i) => `${i.ref} ${i.id}`).join(", ") || "no node"}`,
    `- RTO (restore start to serving): ${rto}${target}; records read back: ${v.restoredRecords ?? "n/a"}`,
    "",
    "| check | result | summary |",
    "|---|---|---|",
    ...v.checks.map(
      (c) =>
        `| ${c.name} | ${c.valid === true ? "pass" : c.valid === false ? "FAIL" : "unknown"} | ${c.summary.split("\n")[0]!.replace(/\|/g, "\\|")} |`,
    ),
    ...(v.undecided ? ["", `Undecided (an error of dr-drill or Docker, not a finding): ${v.undecided}`] : []),
    "",
    "### Audit statement",
    "",
    ...v.statement.map((sentence) => `- ${sentence}`),
    "",
  ];
  return lines.join("\n");
}

/**
 * Writes `verification.json`, then ends the directory as every report ends (finishReport): summary.md, secrets
 * removed, sealed, and with a signing key signed and attested like a run's report.
 */
export async function writeVerification(
  dir: string,
  v: Verification,
  signingKey: KeyObject | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ signed: boolean }> {
  const { secrets } = knownSecrets(env, [v.scope.engine]);
  const path = join(dir, VERIFICATION_FILE);
  await writeFile(path, JSON.stringify(v, null, 2) + "\n");
  return finishReport(dir, {
    summary: verificationSummary(v),
    secrets,
    env,
    signingKey,
    claims: async () => verificationClaims(JSON.parse(await readFile(path, "utf8")) as Verification),
  });
}

const EARLIER = z.object({
  // @1 records hold the same fingerprint: a verify of last week still compares.
  schema: z.enum(["dr-drill/verification@1", VERIFICATION_SCHEMA]),
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
