/**
 * One drill's record in the evidence (`drills[]` of evidence.json): what an auditor needs to trust it and an engineer
 * needs to replay it (docs/evidence.md). The TypeScript types of harness/evidence.ts and the vocabulary they use
 * (verdicts, outcomes, checks, restore attempts) are inferred from these schemas, and `npm run schema` writes
 * schemas/run-evidence.schema.json from them; every run's evidence is validated against it before it is sealed.
 *
 * To add a field: add it to the object here (or in evidence-run.ts for the run), `.describe()` it, run
 * `npm run schema`, and fill it where the evidence is made; test/unit/schema.test.ts fails while the JSON Schema is out
 * of date, and a run whose evidence lacks a required field is refused when written. A field older reports lack is
 * `.optional()` (or `.nullable().optional()`).
 */
import { z } from "zod";
import { image, initiator, targets, verdict } from "./evidence-common.ts";
import { count, measure, nonEmpty, sha256, timestamp } from "./values.ts";

export const EVIDENCE_SCHEMA = "dr-drill/evidence@1";

export const validity = z.union([z.literal(true), z.literal(false), z.literal("unknown")]);

/** A checker's figures: any object in the JSON; in TypeScript each producer names its type (CheckResult<Details>). */
const figures: z.ZodType<object> = z.record(z.string(), z.unknown());

export const check = z
  .object({
    name: nonEmpty,
    valid: validity,
    summary: z.string().describe("One line a person reads first: what held, or what broke and why."),
    details: figures.describe("Figures behind the verdict (counts, digests, timings).").optional(),
    examples: z.array(z.string()).describe("The first differences, readable.").optional(),
    crashed: z
      .literal(true)
      .describe(
        "The checker threw an error of dr-drill (valid is then unknown): no expectation is met by a drill with one.",
      )
      .optional(),
  })
  .meta({ id: "check" });

const state = z.object({ count, digest: sha256 }).meta({ id: "state" });

export const backupMode = z.enum(["online", "offline", "stop-copy-start"]);

export const restoreAttempt = z.object({
  ok: z.boolean(),
  summary: z.string(),
  exitCode: z.int().optional(),
  logTail: z.string().optional(),
  durationMs: measure,
  observed: z
    .array(z.string())
    .describe("What was seen, not assumed: trigger files before and after, the engine's own log line.")
    .optional(),
  before: z.string().describe("What was done before this attempt (a fix before a retry).").optional(),
});

export const outcome = z.enum(["pass", "detects", "refuses", "restores", "no-silent-loss", "caught-or-harmless"]);
export const observed = z.enum(["passed", "detected", "refused", "restored", "missed", "undecided"]);

export const observation = z.object({
  check: z.string(),
  reason: z
    .string()
    .describe(
      "RegExp source the check's summary must match, or the violation word opening an example line (whole, anchored), never the data an example quotes.",
    )
    .optional(),
});

/** What a scenario predicts, and what must observe it (harness/expectation.ts). */
export const expectation = z.discriminatedUnion("outcome", [
  z.object({ outcome: z.enum(["pass", "no-silent-loss", "caught-or-harmless"]) }),
  z.object({ outcome: z.literal("detects"), by: z.array(observation).min(1) }),
  z.object({ outcome: z.literal("refuses"), reason: z.string() }),
  z.object({
    outcome: z.literal("restores"),
    failedBackups: z.array(z.string()).optional(),
    failedRestores: z.array(z.string()).optional(),
    holds: z.array(z.string()).optional(),
  }),
]);

export const judgement = z.object({
  outcome,
  met: z
    .boolean()
    .describe("Decided by one function (harness/expectation.ts); every report and the exit code read it."),
  observed,
  why: z.string().describe("One line: what was expected and what happened."),
});

export const faultRecord = z.object({
  fault: z.string(),
  target: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

const faultSite = { index: z.int().min(1), seed: count, target: z.string() };
export const campaignFault = z
  .discriminatedUnion("kind", [
    z.object({
      ...faultSite,
      kind: z.literal("flip-bytes"),
      flips: z.array(z.object({ offset: count, mask: count })),
    }),
    z.object({ ...faultSite, kind: z.literal("zero-block"), offset: count, length: count }),
    z.object({ ...faultSite, kind: z.literal("truncate"), size: count }),
    z.object({ ...faultSite, kind: z.literal("delete-file") }),
    z.object({ ...faultSite, kind: z.literal("delete-directory") }),
    z.object({ ...faultSite, kind: z.literal("older-file") }),
  ])
  .describe(
    "A fault campaign's row: the drawn fault (harness/campaign/random-faults.ts), applied alone by dr-drill replay.",
  );

export const replayArgs = z
  .object({
    engine: z.string(),
    version: z.string(),
    method: z.string(),
    scenario: z.string(),
    restoreInto: z.string().nullable(),
    rows: count,
    writers: count,
    images: z.enum(["official", "offline", "auto"]),
    fault: campaignFault.optional(),
    image: z.string().describe("`--image`: the user's image for the engine.").optional(),
    schema: z.string().describe("`--schema`: the user's DDL file the drill applied (scenario user-schema).").optional(),
    deepVerify: z
      .boolean()
      .describe("`--deep-verify`: the engine's deep verification ran after a passed restore.")
      .optional(),
  })
  .describe("What `dr-drill replay` needs to rerun a drill started from the command line.");

export const phase = z.object({
  name: z.string(),
  startedAt: timestamp,
  durationMs: measure,
  counts: z.record(z.string(), z.union([z.number(), z.string()])),
});

export const artifactFile = z.object({ path: z.string(), bytes: count, sha256 });

/** The backup window's ends; empty when the backup never started. */
const windowEnd = z.union([timestamp, z.literal("")]);

export const drillEvidence = z
  .object({
    schema: z.literal(EVIDENCE_SCHEMA),
    drillId: nonEmpty,
    runId: nonEmpty,
    scenario: z.string(),
    startedAt: timestamp,
    endedAt: timestamp,
    initiator,
    scope: z.object({
      engine: z.string(),
      version: z.string(),
      images: z.array(image).describe("Every image of the source node (several for a multi-container node)."),
      restoreTarget: z.object({ version: z.string(), images: z.array(image) }),
      backupMethod: z.string(),
      backupTool: z.string(),
      seed: count,
      dataset: z
        .object({ rows: count, recordsLoaded: count, digest: sha256 })
        .describe(
          "`digest`: order-independent digest of the loaded records as the engine stored them; a replay must match it.",
        ),
      recoveryPoint: z
        .object({
          backupStartedAt: windowEnd,
          backupEndedAt: windowEnd,
          target: z
            .object({
              serverTime: nonEmpty,
              how: nonEmpty,
              from: timestamp,
              to: timestamp,
              clientTimeAt: timestamp,
              skewMs: z.number(),
            })
            .describe(
              "A point-in-time recovery's target T: as the server's clock stated it (what the restore was given), how it was read, the drill-clock interval it lies in (UTC), and the skew of the client's wall clock against the server's.",
            )
            .optional(),
        })
        .describe("The backup window on the wall clock: the restored state must reflect a point inside it."),
      consistency: z
        .enum(["point-in-time", "prefix-per-stream", "per-key"])
        .describe("What the backup promises about the cut, as the oracle checked it."),
    }),
    targets,
    achieved: z
      .object({
        rtoMs: measure
          .nullable()
          .describe(
            "From destroying the source to a restored node serving and taking a new write; verification not included.",
          ),
        verifyMs: measure
          .nullable()
          .describe("Reading the restored state back and checking it, reported beside the RTO."),
        rpoMs: measure
          .nullable()
          .describe(
            "From the disaster (the last acknowledged write before the source was lost) back to the newest acknowledged write that survived.",
          ),
        writesLost: z
          .object({ insideRecoveryPoint: count, afterRecoveryPoint: count })
          .nullable()
          .describe(
            "Acknowledged writes missing after the restore: `insideRecoveryPoint` were acknowledged before the backup started (the backup promised them: the drill fails), `afterRecoveryPoint` came later (lost by design).",
          ),
      })
      .describe('Definitions in docs/evidence.md ("RTO and RPO").'),
    phases: z.array(phase),
    workload: z
      .object({
        writers: z.int().min(1),
        invoked: count,
        ok: count,
        fail: count,
        info: count,
        gaveUp: count.describe("Writers that stopped on their own after their node stopped answering."),
        latencyMs: z.record(z.string(), z.object({ p50: z.number(), p99: z.number(), max: z.number() })),
      })
      .nullable(),
    backup: z.object({
      mode: backupMode,
      durationMs: measure,
      specialModeMs: measure.nullable(),
      files: count,
      bytes: count,
      failedAttempts: z.array(z.string()),
    }),
    integrity: z.object({ source: state.nullable(), restored: state.nullable() }),
    restoreAttempts: z.array(restoreAttempt),
    checks: z.array(check),
    faults: z.array(faultRecord.extend({ expected: outcome, observed })),
    expectation: judgement
      .extend({ declared: expectation })
      .describe("What the scenario expected of this drill, what had to observe it, and whether it happened."),
    deviations: z.array(z.string()),
    artifacts: z.array(artifactFile),
    verdict,
    interrupted: z
      .string()
      .nullable()
      .describe("Set when the run was interrupted (Ctrl-C, SIGTERM) during this drill."),
    reasons: z.array(z.string()),
    replay: z.object({ seed: count, command: nonEmpty, args: replayArgs.nullable() }),
  })
  .meta({ id: "drill" });

export type Evidence = z.infer<typeof drillEvidence>;
export type PhaseRecord = z.infer<typeof phase>;
export type ArtifactFile = z.infer<typeof artifactFile>;
export type ReplayArgs = z.infer<typeof replayArgs>;
export type CampaignFaultSpec = z.infer<typeof campaignFault>;
export type FaultRecord = z.infer<typeof faultRecord>;
export type RestoreAttempt = z.infer<typeof restoreAttempt>;
export type BackupMode = z.infer<typeof backupMode>;
export type Validity = z.infer<typeof validity>;
export type Expectation = z.infer<typeof expectation>;
export type Observation = z.infer<typeof observation>;
export type Outcome = z.infer<typeof outcome>;
export type Observed = z.infer<typeof observed>;
export type Judgement = z.infer<typeof judgement>;
/** A check's verdict; its producer names the type of its figures (`CheckResult<OracleDetails>`). */
export type CheckResult<Details extends object = object> = Omit<z.infer<typeof check>, "details"> & {
  details?: Details;
};
