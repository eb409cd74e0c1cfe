import { z } from "zod";
import type { GENERIC_FAULTS } from "../procedure/scenario-names.ts";

/** The faults whose expectation a procedure may state. */
type FaultName = "older-backup" | (typeof GENERIC_FAULTS)[number];

/**
 * The config keys of your own procedures and checks (`engines.<name>.procedures`, `engines.<name>.checks`), part of
 * the config's one definition (harness/schema/config.ts; docs/procedures.md). Unknown keys are refused, so a typo is an
 * error that names the key.
 */

const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/;

export const procedureStepSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    run: z.string().min(1),
    image: z.string().min(1).optional(),
    data: z.enum(["none", "read-only", "read-write"]).optional(),
    user: z.string().min(1).optional(),
    timeout: z.string().regex(DURATION, 'a duration such as "90s" or "5m"').optional(),
    env: z.record(z.string(), z.string()).optional(),
  })
  .describe(
    "One step of a procedure: a shell script run with `sh -c` in a short-lived container that shares the node's network, with the artifact directory at /dr-drill/artifact and the node's connection variables in its environment.",
  )
  .meta({ id: "ProcedureStep" });

const observationSchema = z.strictObject({ check: z.string().min(1), reason: z.string().optional() });

export const faultExpectationSchema = z
  .union([
    z.strictObject({ detects: z.array(observationSchema).min(1) }),
    z.strictObject({ refuses: z.string().min(1) }),
  ])
  .describe("What a drill must show for a fault: checks that fail for a reason (detects), or the restore refusing.")
  .meta({ id: "FaultExpectationConfig" });

/** A path pattern must compile: a typo in a regular expression is the config's error, not a fault that matched nothing. */
const pattern = z.string().refine((p) => {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}, "not a valid regular expression");

export const customFaultSchema = z
  .strictObject({
    description: z.string().optional(),
    action: z.enum(["delete", "flip-byte", "truncate"]),
    path: pattern,
    expect: faultExpectationSchema,
  })
  .describe("A fault of your own on the artifact: delete, flip a byte of, or truncate the files `path` matches.")
  .meta({ id: "CustomFaultConfig" });

export const procedureSchema = z
  .strictObject({
    description: z.string().optional(),
    promises: z.enum(["point-in-time", "prefix-per-stream", "none"]),
    mode: z.enum(["online", "offline"]),
    image: z.string().min(1).optional(),
    serverArgs: z.array(z.string()).optional(),
    backup: z.array(procedureStepSchema).min(1),
    restore: z
      .strictObject({
        beforeStart: z.array(procedureStepSchema).optional(),
        afterStart: z.array(procedureStepSchema).optional(),
      })
      .refine((r) => (r.beforeStart?.length ?? 0) + (r.afterStart?.length ?? 0) > 0, "needs at least one step"),
    faults: z
      .strictObject({
        "older-backup": faultExpectationSchema.optional(),
        "truncate-largest": faultExpectationSchema.optional(),
        "flip-byte-largest": faultExpectationSchema.optional(),
      } satisfies Record<FaultName, unknown>)
      .describe("What each generic fault must show; a fault not listed is not offered.")
      .optional(),
    customFaults: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/), customFaultSchema).optional(),
  })
  .describe("Your own backup procedure: `dr-drill run --engine E --method <name>` drills it like a built-in method.")
  .meta({ id: "ProcedureConfig" });

export const userCheckSchema = z
  .strictObject({
    description: z.string().optional(),
    query: z.string().min(1),
    expect: z.union([z.enum(["zero-rows", "equals-source"]), z.strictObject({ value: z.string() })]),
  })
  .describe("A query of your own on the restored node (a check user:<name>), and what its result must be.")
  .meta({ id: "UserCheckConfig" });

/** A procedure's or check's name: it becomes a method name on the command line and a check name in the evidence. */
const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const named = <T extends z.ZodType>(schema: T) =>
  z.record(z.string().regex(NAME, "a name of lowercase letters, digits, '.', '_' and '-'"), schema);

export const proceduresSchema = named(procedureSchema);
export const userChecksSchema = named(userCheckSchema);

export type ProcedureStep = z.infer<typeof procedureStepSchema>;
export type FaultExpectationConfig = z.infer<typeof faultExpectationSchema>;
export type CustomFaultConfig = z.infer<typeof customFaultSchema>;
export type ProcedureConfig = z.infer<typeof procedureSchema>;
export type UserCheckConfig = z.infer<typeof userCheckSchema>;
