import { isEngineError } from "../engine-error.ts";
import type { CheckResult, Validity } from "../schema/evidence-drill.ts";

/**
 * Jepsen's three-valued verdict (`Validity`: `unknown` when the checker could not decide: it crashed, or lacked
 * input) and one check's verdict (`CheckResult`), defined in the evidence schema. A producer names the type of its
 * figures (`CheckResult<OracleDetails>`); a reader of mixed results finds them back through a type guard
 * (check-details.ts), never a cast. `crashed` is set by runCheckers when the checker threw an error of its own (a bug
 * of dr-drill, Docker): `valid` is then `unknown`, but no judgement may rest on a drill with one.
 */
export type { CheckResult, Validity };

export interface Checker<Context> {
  readonly name: string;
  /** One result, or several for a checker that bundles related checks (an engine's invariants). */
  check(ctx: Context): Promise<CheckResult | CheckResult[]>;
}

/** false beats unknown beats true. */
export function mergeValidity(values: Validity[]): Validity {
  if (values.includes(false)) return false;
  if (values.includes("unknown")) return "unknown";
  return true;
}

/**
 * Runs every checker; the others keep their results whatever one of them does. A checker that throws yields `unknown`
 * with the error (never a pass, never a lost verdict), except when the error came from the engine under test: that
 * is a finding, so the check fails with the engine's words.
 */
export async function runCheckers<Context>(checkers: Checker<Context>[], ctx: Context): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const checker of checkers) {
    try {
      results.push(...[await checker.check(ctx)].flat());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      results.push(
        isEngineError(err)
          ? { name: checker.name, valid: false, summary: `the restored engine refused: ${message}` }
          : { name: checker.name, valid: "unknown", summary: `checker crashed: ${message}`, crashed: true },
      );
    }
  }
  return results;
}
