/**
 * A whole run's evidence, evidence.json at the top of a run's report directory: every drill's record, with who ran it,
 * against which targets, and the overall verdict (docs/evidence.md). How to add a field: see evidence-drill.ts.
 */
import { z } from "zod";
import { drillEvidence } from "./evidence-drill.ts";
import { initiator, targets, verdict } from "./evidence-common.ts";
import { count, nonEmpty, sha256, timestamp } from "./values.ts";

/** @2: a run records its plan and any interruption, and passes only when every planned drill ran (docs/evidence.md). */
export const RUN_EVIDENCE_SCHEMA = "dr-drill/run-evidence@2";

export const tool = z
  .object({
    name: z.literal("dr-drill"),
    version: z.string(),
    commit: z
      .string()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?(-dirty)?$/)
      .nullable()
      .describe(
        "git HEAD of dr-drill's own checkout that wrote the report (-dirty: tracked files differed from it); null when not run from one.",
      ),
  })
  .describe(
    "The dr-drill that wrote a report: its version, and its git commit when it runs from a checkout of its own.",
  )
  .meta({ id: "tool" });

export const shard = z
  .object({
    index: z.int().min(1),
    count: z.int().min(1),
    plan: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .describe(
        "Digest of the whole plan (every drill the flags and config select, before slicing): shards of one run share it.",
      ),
    run: z
      .string()
      .min(1)
      .max(200)
      .regex(/^\S+$/)
      .describe(
        "The run nonce: the same for every shard of one run and no other (--run-nonce, DR_DRILL_RUN_NONCE, or the CI run and attempt).",
      ),
    planned: count.describe("Drills in the whole plan."),
  })
  .describe("Which slice of a planned run this is: `dr-drill run --shard index/count`.")
  .meta({ id: "shard" });

export const matrixCell = z
  .object({
    engine: z.string(),
    method: z.string(),
    from: z.string(),
    to: z.string(),
    verdict,
    summary: z.string(),
    drillId: z.string(),
  })
  .describe("One cell of the version compatibility matrix: a backup from one version restored into another.");

export const plannedDrill = z
  .object({
    engine: nonEmpty,
    version: nonEmpty,
    method: nonEmpty,
    scenario: nonEmpty,
    restoreInto: z.string().nullable().describe("The version it restores into; null: the version it backs up from."),
    drillId: z.string().nullable().describe("The drill record it made; null: it did not run."),
  })
  .describe("One drill a run set out to run, and the drill record it made.");

export const mergedShard = z
  .object({
    runId: nonEmpty,
    shard: shard.nullable(),
    startedAt: timestamp,
    endedAt: timestamp,
    verdict,
    drills: count,
    tool: tool.describe("The dr-drill that ran the shard."),
    manifestSha256: sha256.describe("SHA-256 of the shard's manifest.sha256, which was verified before merging."),
    signature: z.enum(["valid", "absent"]),
  })
  .describe("One run a merged report was made from, as its sealed report directory said.");

export const testedArtifact = z
  .object({
    origin: nonEmpty.describe(
      "Where it came from: the path or s3:// URL, and whether a .sha256 beside it was checked.",
    ),
    sha256,
    bytes: count,
    modifiedAt: timestamp.nullable().describe("When it was last written; null when its store did not say."),
    ageAtTestMs: z.number().nullable().describe("Its age when the test started; null when modifiedAt is unknown."),
    maxAgeMs: z.number().nullable().describe("The age it was allowed (--max-age); null when none was stated."),
  })
  .describe("An artifact the user brought to be tested (dr-drill verify).")
  .meta({ id: "testedArtifact" });

export const retention = z
  .object({
    days: z.int().min(1),
    keepUntil: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .describe("The day the retention ends, counted from the end of the run (UTC)."),
    source: nonEmpty.describe("What set it: --retention, the config key, or default."),
  })
  .describe("How long the report is to be kept (dr-drill deletes nothing: the store that keeps it enforces it).")
  .meta({ id: "retention" });

export const runEvidence = z
  .object({
    schema: z.literal(RUN_EVIDENCE_SCHEMA),
    runId: nonEmpty,
    startedAt: timestamp,
    endedAt: timestamp,
    tool,
    initiator,
    targets,
    verdict,
    counts: z
      .object({ drills: count, passed: count, failed: count, unknown: count })
      .describe("`passed`: drills that did what their scenario expected (a detected fault counts as passed)."),
    matrix: z
      .array(matrixCell)
      .nullable()
      .describe("Present when a drill restored into another version than it backed up from."),
    weakCredentials: z
      .array(z.object({ source: nonEmpty, reason: nonEmpty }))
      .describe(
        "Secrets too short or too common to redact without damaging the report: where each came from (never the value) and why it is weak.",
      ),
    drills: z.array(drillEvidence),
    planned: z
      .object({ count, drills: z.array(plannedDrill) })
      .describe(
        "Every drill the run set out to run (a shard: its slice), each with the drill it made; the run passes only when every one ran.",
      ),
    interrupted: z
      .string()
      .nullable()
      .describe(
        "Why the run stopped early (e.g. interrupted by SIGTERM); null when it was not stopped. An interrupted run is never a pass.",
      ),
    shard: shard
      .nullable()
      .describe(
        "Set on the run of one shard (dr-drill run --shard index/count); null otherwise (absent in earlier reports).",
      )
      .optional(),
    mergedFrom: z
      .array(mergedShard)
      .nullable()
      .describe("Set on a report made by dr-drill merge-reports: the verified runs it combines.")
      .optional(),
    artifactsTested: z
      .array(testedArtifact)
      .nullable()
      .describe(
        "Artifacts the user brought to be tested (dr-drill verify); null when the drills made their own backups.",
      )
      .optional(),
    retention: retention.describe("How long to keep this report (absent in earlier reports).").optional(),
    statement: z
      .array(z.string())
      .describe("The evidence in sentences an auditor reads (harness/report/audit.ts; absent in earlier reports).")
      .optional(),
  })
  .meta({
    $id: "https://dr-drill.dev/schemas/run-evidence-2.json",
    title: "dr-drill run evidence, version 2",
    description:
      "The evidence.json of a dr-drill run directory: who ran which drills, against which targets, and every drill's record. Documented in docs/evidence.md.",
  });

export type RunEvidence = z.infer<typeof runEvidence>;
export type Tool = z.infer<typeof tool>;
export type ShardOf = z.infer<typeof shard>;
export type MatrixCell = z.infer<typeof matrixCell>;
export type PlannedDrill = z.infer<typeof plannedDrill>;
export type MergedShard = z.infer<typeof mergedShard>;
export type TestedArtifact = z.infer<typeof testedArtifact>;
export type Retention = z.infer<typeof retention>;
