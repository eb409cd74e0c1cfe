import type { CheckResult } from "./checker.ts";

/** What a reader knows of one named check: its name and a guard proving its `details` have the shape it reads. */
export interface CheckKind<Details extends object> {
  readonly name: string;
  readonly holds: (details: unknown) => details is Details;
}

export const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
export const isNumber = (x: unknown): x is number => typeof x === "number";

/**
 * The typed details of the first check of this kind, checked at run time: undefined when the check is absent, carries
 * no details (it could not decide) or details of another shape (an evidence written by another version).
 */
export function detailsOf<Details extends object>(
  checks: readonly CheckResult[],
  kind: CheckKind<Details>,
): Details | undefined {
  const details = checks.find((c) => c.name === kind.name)?.details;
  return kind.holds(details) ? details : undefined;
}
