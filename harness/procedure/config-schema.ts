import { z } from "zod";
import type { ProcedureConfig, UserCheckConfig } from "../../config/index.ts";
import { GENERIC_FAULTS } from "./scenario-names.ts";

/** The faults whose expectation a procedure may state. */
const FAULT_NAMES = ["older-backup", ...GENERIC_FAULTS] as const;

/**
 * The config keys of your own procedures and checks (`engines.<name>.procedures`, `engines.<name>.checks`), in zod.
 * Unknown keys are refused, so a typo is an error that names the key.
 */

const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/;

export const procedureStepSchema = z.strictObject({
  name: z.string().min(1).optional(),
  run: z.string().min(1),
  image: z.string().min(1).optional(),
  data: z.enum(["none", "read-only", "read-write"]).optional(),
  user: z.string().min(1).optional(),
  timeout: z.string().regex(DURATION, 'a duration such as "90s" or "5m"').optional(),
  env: z.record(z.string(), z.string()).optional(),
});

const observationSchema = z.strictObject({ check: z.string().min(1), reason: z.string().optional() });

export const faultExpectationSchema = z.union([
  z.strictObject({ detects: z.array(observationSchema).min(1) }),
  z.strictObject({ refuses: z.string().min(1) }),
]);

/** A path pattern must compile: a typo in a regular expression is the config's error, not a fault that matched nothing. */
const pattern = z.string().refine((p) => {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}, "not a valid regular expression");

export const customFaultSchema = z.strictObject({
  description: z.string().optional(),
  action: z.enum(["delete", "flip-byte", "truncate"]),
  path: pattern,
  expect: faultExpectationSchema,
});

export const procedureSchema = z.strictObject({
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
  faults: z.partialRecord(z.enum(FAULT_NAMES), faultExpectationSchema).optional(),
  customFaults: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/), customFaultSchema).optional(),
}) satisfies z.ZodType<ProcedureConfig>;

export const userCheckSchema = z.strictObject({
  description: z.string().optional(),
  query: z.string().min(1),
  expect: z.union([z.enum(["zero-rows", "equals-source"]), z.strictObject({ value: z.string() })]),
}) satisfies z.ZodType<UserCheckConfig>;

/** A procedure's or check's name: it becomes a method name on the command line and a check name in the evidence. */
const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const named = <T extends z.ZodType>(schema: T) =>
  z.record(z.string().regex(NAME, "a name of lowercase letters, digits, '.', '_' and '-'"), schema);

export const proceduresSchema = named(procedureSchema);
export const userChecksSchema = named(userCheckSchema);

/** The first problem zod found, as `key: message`, for a ConfigError that names the key. */
export function firstIssue(error: z.ZodError, path: string): string {
  const issue = error.issues[0]!;
  const where = [path, ...issue.path.map(String)].join(".");
  // A bad record key: zod says "Invalid key in record", the reason is in the key's own issue.
  const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return `${where}: ${message}`;
}
