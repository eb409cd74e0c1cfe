import { readFile } from "node:fs/promises";
import { z } from "zod";
import { InputError } from "../errors.ts";

/**
 * A named query on the restored engine and what it must return: `zero-rows` (a query that finds violations), or a
 * value the first column of the first row must equal (compared as text). The same shape as the `checks` list of the
 * config's runbook, so one list serves both.
 */
const userCheck = z.strictObject({
  name: z.string().min(1),
  query: z.string().min(1),
  expect: z.union([z.literal("zero-rows"), z.string(), z.number()]),
});

const checksFile = z.strictObject({
  /** Groups (tables, labels, streams) that only ever grow: a changed digest there is a failed comparison. */
  appendOnly: z.array(z.string().min(1)).default([]),
  checks: z.array(userCheck).default([]),
});

export type UserCheck = z.infer<typeof userCheck>;
export type VerifyChecks = z.infer<typeof checksFile>;

/** `--checks F`: a JSON file `{ "appendOnly": ["transfers"], "checks": [{ "name", "query", "expect" }] }`. */
export async function readChecksFile(path: string): Promise<VerifyChecks> {
  const text = await readFile(path, "utf8").catch((err: Error) => {
    throw new InputError(`--checks: cannot read ${path}: ${err.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`--checks: ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = checksFile.safeParse(json);
  if (!parsed.success) throw new InputError(`--checks: ${path}: ${z.prettifyError(parsed.error).replace(/\n/g, "; ")}`);
  const names = parsed.data.checks.map((c) => c.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new InputError(`--checks: ${path}: the check "${twice}" is named twice`);
  return parsed.data;
}
