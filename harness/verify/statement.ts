import type { AttestedClaims } from "../report/attestation.ts";
import { checkSentence, describeTested, imagesOf, keepUntil, ranBy, rtoAgainstTarget } from "../report/audit.ts";
import type { Verification } from "./record.ts";

/** No ledger was kept of what was written into a brought artifact: what a pass does and does not show. */
export const NO_LEDGER_STATEMENT =
  "There was no ledger of the writes this backup should hold: a pass shows the artifact restorable and internally consistent (the engine's own verifier, every record read back, the engine's invariants and the user's checks), not that nothing was lost.";

/**
 * A verify in sentences an auditor reads without the schema, in the words of a run's statement (report/audit.ts):
 * the artifact and its age, where it was restored (image digests), each check, RTO against target, what a pass does
 * not show, who ran it, when, and how long to keep the record. Derived from the record only.
 */
export function verificationStatement(v: Omit<Verification, "statement">): string[] {
  const s = v.scope;
  const from = s.sourceVersion ? ` made by ${s.engine} ${s.sourceVersion}` : "";
  return [
    describeTested(v.artifact),
    `${v.verifyId}: ${s.engine}, the artifact above (${s.method}${from}, ${v.artifact.files.length} file(s), the SHA-256 of each in verification.json), restored into ${s.version} in a fresh container from ${imagesOf(s.images)}; ${rtoAgainstTarget(v.rto.achievedMs, v.rto.targetMs)} (restore start to serving a new write); result ${v.verdict.toUpperCase()}.`,
    ...v.checks.map((c) => checkSentence(v.verifyId, c)),
    ...(v.undecided
      ? [`${v.verifyId}: undecided (an error of dr-drill or Docker, not a finding): ${v.undecided}`]
      : []),
    NO_LEDGER_STATEMENT,
    ranBy(v.tool, v.initiator),
    `Verify ${v.runId} from ${v.startedAt} to ${v.endedAt}; overall result: ${v.verdict.toUpperCase()}.`,
    keepUntil(v.retention),
  ];
}

/** What the attestation of a verify asserts: the predicate of a run's, with the verify as its one restore. */
export function verificationClaims(v: Verification): AttestedClaims {
  const a = v.artifact;
  return {
    runId: v.runId,
    verdict: v.verdict,
    startedAt: v.startedAt,
    endedAt: v.endedAt,
    tool: v.tool,
    initiator: v.initiator,
    artifactsTested: [
      {
        origin: a.origin,
        sha256: a.sha256,
        bytes: a.bytes,
        modifiedAt: a.modifiedAt,
        ageAtTestMs: a.ageAtTestMs,
        maxAgeMs: a.maxAgeMs,
      },
    ],
    drills: [
      {
        drillId: v.verifyId,
        engine: v.scope.engine,
        version: v.scope.sourceVersion ?? v.scope.version,
        backupMethod: v.scope.method,
        restoredInto: { version: v.scope.version, images: v.scope.images.map((i) => ({ ref: i.ref, id: i.id })) },
        verdict: v.verdict,
        // A verify expects its artifact to pass.
        expectationMet: v.verdict === "pass",
        rto: { achievedMs: v.rto.achievedMs, targetMs: v.rto.targetMs },
        checks: v.checks.map((c) => ({ name: c.name, valid: c.valid, summary: c.summary })),
      },
    ],
    retention: v.retention,
    statement: v.statement,
  };
}
