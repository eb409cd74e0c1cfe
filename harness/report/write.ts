import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { KeyObject } from "node:crypto";
import type { DrillResult } from "../drill.ts";
import type { Evidence } from "../evidence.ts";
import { initiatorFromEnv } from "../evidence.ts";
import { knownSecrets } from "../secrets.ts";
import { assertValidRunEvidence } from "./evidence-schema.ts";
import { appendHistory, historyEntry, readHistory } from "./history.ts";
import { renderHtml } from "./html.ts";
import { ATTESTATION, runClaims } from "./attestation.ts";
import { finishReport } from "./finish.ts";
import { auditStatement, retentionOf, type RetentionAsked, type TestedArtifact } from "./audit.ts";
import {
  RUN_EVIDENCE_SCHEMA,
  compatibilityMatrix,
  runCounts,
  runVerdict,
  toolOf,
  type MergedShard,
  type PlannedDrill,
  type RunEvidence,
  type ShardOf,
} from "./run-evidence.ts";
import { junitXml, summaryMarkdown } from "./text-reports.ts";
import { drillTimeline } from "./timeline.ts";

export interface RunReport {
  dir: string;
  evidence: RunEvidence;
  files: string[];
  signed: boolean;
}

/** What a run report is made of, whether the drills ran here or were merged from shards. */
export interface RunReportInput {
  /** The run's report directory; the drills' directories (`<drillId>/ledger.jsonl`) are inside it. */
  dir: string;
  runId: string;
  startedAt: string;
  endedAt?: string;
  drills: Evidence[];
  /** Every drill the run set out to run, each with the id of the drill it made (null: not run). */
  planned: PlannedDrill[];
  interrupted: string | null;
  targets: RunEvidence["targets"];
  shard?: ShardOf | null;
  mergedFrom?: MergedShard[] | null;
  /** Weak credentials other runs named (merged shards): kept beside the ones this environment names. */
  weakCredentials?: RunEvidence["weakCredentials"];
  /** Artifacts the user brought to be tested (`verify`); absent when the drills made their own backups. */
  artifactsTested?: TestedArtifact[];
  /** How long to keep the report (`--retention`, the config's `retention`); absent: the default (audit.ts). */
  retention?: RetentionAsked | undefined;
  signingKey?: KeyObject;
  env?: NodeJS.ProcessEnv;
}

/**
 * Writes a run's report directory: evidence.json (checked against its schema first: a mismatch throws
 * InvalidEvidenceError and nothing is written), report.html, junit.xml, summary.md, then removes any secret from
 * every file and seals the directory (manifest.sha256, and with a signing key manifest.sig and the in-toto attestation
 * attestation.intoto.jsonl). The history
 * of runs (for trends) lives beside the run directories, in `<reports>/history.jsonl`.
 */
export async function writeRunReport(
  opts: { reportsRoot: string; drills: DrillResult[] } & Omit<RunReportInput, "dir" | "drills">,
): Promise<RunReport> {
  const { reportsRoot, drills, ...rest } = opts;
  return writeReportDirectory({ ...rest, dir: join(reportsRoot, opts.runId), drills: drills.map((d) => d.evidence) });
}

export async function writeReportDirectory(opts: RunReportInput): Promise<RunReport> {
  const env = opts.env ?? process.env;
  const { dir, drills } = opts;
  // The engine names are in every report file: a secret equal to one is named as weak rather than blanked.
  const { secrets, weak } = knownSecrets(env, [...new Set(drills.map((d) => d.scope.engine))]);
  const weakCredentials = [
    ...weak,
    ...(opts.weakCredentials ?? []).filter((w) => !weak.some((x) => x.source === w.source)),
  ];
  const coverage = {
    drills,
    planned: { count: opts.planned.length, drills: opts.planned },
    interrupted: opts.interrupted,
  };
  const endedAt = opts.endedAt ?? new Date().toISOString();
  const evidence: RunEvidence = {
    schema: RUN_EVIDENCE_SCHEMA,
    runId: opts.runId,
    startedAt: opts.startedAt,
    endedAt,
    tool: toolOf(),
    initiator: initiatorFromEnv(env),
    targets: opts.targets,
    verdict: runVerdict(coverage),
    counts: runCounts(drills),
    matrix: compatibilityMatrix(drills),
    weakCredentials,
    drills,
    planned: coverage.planned,
    interrupted: opts.interrupted,
    shard: opts.shard ?? null,
    mergedFrom: opts.mergedFrom ?? null,
    artifactsTested: opts.artifactsTested ?? null,
    retention: retentionOf(opts.retention, endedAt),
  };
  evidence.statement = auditStatement(evidence);
  // Before anything is written: an evidence its schema refuses must not be sealed nor counted in the history.
  await assertValidRunEvidence(evidence);
  const historyPath = join(dirname(dir), "history.jsonl");
  await appendHistory(historyPath, historyEntry(evidence));
  const history = await readHistory(historyPath);
  const timelines = await Promise.all(drills.map((d) => drillTimeline(d, join(dir, d.drillId, "ledger.jsonl"))));
  const summary = summaryMarkdown(evidence);
  await writeFile(join(dir, "evidence.json"), JSON.stringify(evidence, null, 2) + "\n");
  await writeFile(join(dir, "report.html"), renderHtml(evidence, timelines, history));
  await writeFile(join(dir, "junit.xml"), junitXml(evidence));
  const sealed = await finishReport(dir, {
    summary,
    secrets,
    env,
    signingKey: opts.signingKey,
    claims: async () => runClaims(JSON.parse(await readFile(join(dir, "evidence.json"), "utf8")) as RunEvidence),
  });
  return {
    dir,
    evidence,
    files: [
      "evidence.json",
      "report.html",
      "junit.xml",
      "summary.md",
      "manifest.sha256",
      ...(sealed.signed ? ["manifest.sig", ATTESTATION] : []),
    ],
    signed: sealed.signed,
  };
}
