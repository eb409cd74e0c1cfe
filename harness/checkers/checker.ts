/** Jepsen's three-valued verdict: `unknown` when the checker could not decide (it crashed, or lacked input). */
export type Validity = true | false | "unknown";

export interface CheckResult {
  name: string;
  valid: Validity;
  /** One line a person reads first: what held, or what broke and why. */
  summary: string;
  /** Figures behind the verdict (counts, digests, timings). */
  details?: Record<string, unknown>;
  /** The first differences, readable. */
  examples?: string[];
}

export interface Checker<Context> {
  readonly name: string;
  check(ctx: Context): Promise<CheckResult>;
}

/** false beats unknown beats true. */
export function mergeValidity(values: Validity[]): Validity {
  if (values.includes(false)) return false;
  if (values.includes("unknown")) return "unknown";
  return true;
}

/** Runs every checker; one that throws yields `unknown` with the error, never a pass and never a lost verdict. */
export async function runCheckers<Context>(checkers: Checker<Context>[], ctx: Context): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const checker of checkers) {
    try {
      results.push(await checker.check(ctx));
    } catch (err) {
      results.push({ name: checker.name, valid: "unknown", summary: `checker crashed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return results;
}
