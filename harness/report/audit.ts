import type { Evidence } from "../evidence.ts";
import { formatMs } from "../progress.ts";
import type { RunEvidence } from "./run-evidence.ts";

// What an artifact under test and a retention record hold is defined in harness/schema/evidence-run.ts.
import type { Retention, TestedArtifact } from "../schema/evidence-run.ts";
export type { Retention, TestedArtifact } from "../schema/evidence-run.ts";

/** A year, when neither `--retention` nor the config's `retention` says otherwise (docs/compliance.md). */
export const DEFAULT_RETENTION_DAYS = 365;
const DAY_MS = 86_400_000;

export function testedArtifact(
  a: { origin: string; sha256: string; bytes: number; modifiedAt: Date | null },
  testStartedAt: Date,
  maxAgeMs: number | null,
): TestedArtifact {
  return {
    origin: a.origin,
    sha256: a.sha256,
    bytes: a.bytes,
    modifiedAt: a.modifiedAt?.toISOString() ?? null,
    ageAtTestMs: a.modifiedAt ? testStartedAt.getTime() - a.modifiedAt.getTime() : null,
    maxAgeMs,
  };
}

/** What the user asked for: a duration (whole days, rounded up) and what set it. */
export interface RetentionAsked {
  days: number;
  source: string;
}

export const retentionDays = (ms: number, source: string): RetentionAsked => ({
  days: Math.max(1, Math.ceil(ms / DAY_MS)),
  source,
});

export function retentionOf(asked: RetentionAsked | undefined, endedAt: string): Retention {
  const days = asked?.days ?? DEFAULT_RETENTION_DAYS;
  const keepUntil = new Date(Date.parse(endedAt) + days * DAY_MS).toISOString().slice(0, 10);
  return { days, keepUntil, source: asked?.source ?? "default" };
}

/** A duration an auditor reads: days and hours past a day, else the short form. */
export function humanDuration(ms: number): string {
  if (ms < DAY_MS) return ms < 3_600_000 ? formatMs(ms) : `${(ms / 3_600_000).toFixed(1)} h`;
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / 3_600_000);
  return `${days} d ${hours} h`;
}

const checkWord = { true: "passed", false: "FAILED", unknown: "undecided" } as const;

/**
 * The run's evidence in sentences an auditor reads without the schema: what was tested, where, by whom, each check's
 * result, RTO against its target, how long to keep the report, and the verdict. Derived from the evidence only, so it
 * can never say more than the evidence holds.
 */
export function auditStatement(run: RunEvidence): string[] {
  const lines: string[] = [];
  for (const a of run.artifactsTested ?? []) lines.push(describeTested(a));
  const brought = (run.artifactsTested ?? []).length > 0;
  for (const d of run.drills) lines.push(...describeDrill(d, brought));
  lines.push(ranBy(run.tool, run.initiator));
  lines.push(`Run ${run.runId} from ${run.startedAt} to ${run.endedAt}; overall result: ${run.verdict.toUpperCase()}.`);
  if (run.retention) lines.push(keepUntil(run.retention));
  return lines;
}

/** Who or what ran it: the dr-drill, the user and host, and the CI job's URL when there is one. */
export function ranBy(tool: RunEvidence["tool"], initiator: RunEvidence["initiator"]): string {
  const ci = initiator.ci;
  const by = `Run by ${tool.name} ${tool.version}${tool.commit ? ` (commit ${tool.commit})` : ""} as user ${initiator.user} on host ${initiator.host}`;
  return ci?.runUrl
    ? `${by}, in the CI job ${ci.runUrl}${ci.actor ? ` started by ${ci.actor}` : ""}${ci.commit ? ` at commit ${ci.commit}` : ""}.`
    : ci
      ? `${by}, in a CI job (${ci.provider}) that gave no job URL.`
      : `${by}, outside CI.`;
}

export const keepUntil = (r: Retention): string =>
  `Keep this report until ${r.keepUntil} (${r.days} days, ${r.source === "default" ? "dr-drill's default" : `set by ${r.source}`}).`;

/** RTO against its target, in words: met, MISSED, not measured, or no target. */
export function rtoAgainstTarget(achievedMs: number | null, targetMs: number | null | undefined): string {
  if (targetMs === undefined || targetMs === null)
    return `RTO ${achievedMs === null ? "not measured" : formatMs(achievedMs)}, no target set`;
  if (achievedMs === null)
    return `RTO not measured against a target of ${formatMs(targetMs)}: target not shown to be met`;
  return `RTO ${formatMs(achievedMs)} against a target of ${formatMs(targetMs)}: ${achievedMs <= targetMs ? "met" : "MISSED"}`;
}

/** Where it was restored: the images by reference and digest. */
export const imagesOf = (list: { ref: string; id: string }[]): string =>
  list.map((i) => `${i.ref} (${i.id})`).join(", ") || "no recorded image";

export const checkSentence = (id: string, c: { name: string; valid: boolean | "unknown"; summary: string }): string =>
  `${id}: check ${c.name} ${checkWord[`${c.valid}`]}: ${c.summary}`;

export function describeTested(a: TestedArtifact): string {
  const age =
    a.ageAtTestMs === null
      ? "its age is unknown (the store gave no modification time)"
      : `last written ${a.modifiedAt}, ${humanDuration(a.ageAtTestMs)} old when the test started`;
  const limit =
    a.maxAgeMs === null
      ? ""
      : a.ageAtTestMs !== null && a.ageAtTestMs <= a.maxAgeMs
        ? `, within the stated maximum age of ${humanDuration(a.maxAgeMs)}`
        : `, NOT within the stated maximum age of ${humanDuration(a.maxAgeMs)}`;
  return `Artifact tested: ${a.origin}, ${a.bytes.toLocaleString("en-US")} bytes, SHA-256 ${a.sha256}; ${age}${limit}.`;
}

/** One drill: the backup (the user's artifact above, or the one the drill made), the restore, RTO, result, checks. */
function describeDrill(d: Evidence, brought: boolean): string[] {
  const files = d.artifacts.length;
  return [
    `${d.drillId}: ${d.scope.engine} ${d.scope.version}, ${
      brought
        ? `the artifact above (${d.scope.backupMethod}, ${files} file(s), the SHA-256 of each in evidence.json)`
        : `backed up by the drill itself with ${d.scope.backupMethod} between ${d.scope.recoveryPoint.backupStartedAt} and ${d.scope.recoveryPoint.backupEndedAt} (${files} file(s), the SHA-256 of each in evidence.json)`
    }, restored into ${d.scope.restoreTarget.version} in a fresh container from ${imagesOf(d.scope.restoreTarget.images)}; ${rtoAgainstTarget(d.achieved.rtoMs, d.targets.rtoMs)}; result ${d.verdict.toUpperCase()}, ${d.expectation.outcome} expected: ${d.expectation.met ? "met" : "NOT met"}.`,
    ...d.checks.map((c) => checkSentence(d.drillId, c)),
  ];
}
