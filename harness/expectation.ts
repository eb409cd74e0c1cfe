import type { CheckResult } from "./checkers/checker.ts";
import type { RestoreAttempt } from "./engine.ts";
import type { Verdict } from "./schema/evidence-common.ts";
import type { Expectation, Judgement, Observation } from "./schema/evidence-drill.ts";

/**
 * An `Observation` is a check that must fail for a reason: its summary matches `reason` (a RegExp source), or an
 * example line starts with it as a whole word (the violation, e.g. `lost`), never the data an example quotes.
 *
 * An `Expectation` is what a scenario predicts, and what must observe it (docs/design.md, "Expectations"):
 * - `pass`: the drill restores and every check holds;
 * - `detects`: the drill fails, and each listed check is among the failures, for the stated reason;
 * - `refuses`: the engine refuses the restore loudly (no node came up, whatever a tool said; the last attempt says
 *   `reason`), and the backup is left untouched;
 * - `restores`: the procedure copes: the listed backup and restore attempts fail first for the stated reasons, then
 *   the drill passes, with the listed checks holding;
 * - `no-silent-loss`: the outcome is not predicted (a version pair the docs do not cover): a pass or a loud refusal
 *   are both recorded as such, a node that comes up with wrong data is not.
 * - `caught-or-harmless`: a random fault of a campaign (harness/campaign/): any check may catch it or the engine
 *   refuse it; a drill that passes must have its `deep-verify` check hold (the fault did no harm). A pass that the
 *   deep verification contradicts was missed.
 */
export type { Expectation, Judgement, Observation, Observed, Outcome } from "./schema/evidence-drill.ts";
export type { Verdict } from "./schema/evidence-common.ts";

/**
 * `detects`, by each named check for its reason (check name → the reason's RegExp source): what a fault scenario
 * usually expects, written as `detectedBy({ "ledger-oracle": "lost" })`.
 */
export function detectedBy(reasons: Record<string, string>): Expectation {
  return { outcome: "detects", by: Object.entries(reasons).map(([check, reason]) => ({ check, reason })) };
}

/** What the drill saw, in the terms an expectation is judged on. */
export interface DrillFacts {
  verdict: Verdict;
  checks: CheckResult[];
  restoreAttempts: RestoreAttempt[];
  /** A restored node came up (it may serve wrong data, whatever its attempts or tools said): never a refusal. */
  nodeUp: boolean;
  /** Errors of backup attempts that failed before one succeeded. */
  failedBackups: string[];
  /** Why the drill could not decide (an error of dr-drill or Docker, an interruption), when it could not. */
  undecided?: string;
}

const matches = (text: string | undefined, reason: string | undefined) =>
  reason === undefined || (text !== undefined && new RegExp(reason).test(text));

/** Every check of that name: an engine's invariants may bundle several under one name. */
function checksNamed(checks: CheckResult[], name: string): CheckResult[] {
  return checks.filter((c) => c.name === name);
}

/** Every check of that name ran and held (none ran: not held). */
function allHold(checks: CheckResult[], name: string): boolean {
  const named = checksNamed(checks, name);
  return named.length > 0 && named.every((c) => c.valid === true);
}

/**
 * The check's own words say `reason`: its summary, or the violation word that opens an example line (`lost k/1…`).
 * The rest of an example quotes data (values, previews), which must never make a check say what it did not.
 */
function checkSays(c: CheckResult, reason: string | undefined): boolean {
  if (reason === undefined) return true;
  const violation = new RegExp(`^(?:${reason})$`);
  return matches(c.summary, reason) || (c.examples ?? []).some((e) => violation.test(/^\S+/.exec(e)?.[0] ?? ""));
}

/**
 * The one function that decides whether a drill did what its scenario expected. The exit code, junit.xml,
 * summary.md, the HTML report and the step summary all read its result; nothing else re-derives it. A drill in which
 * a checker crashed (an error of dr-drill, not a check that lacked input) never meets an expectation.
 */
export function judge(expect: Expectation, facts: DrillFacts): Judgement {
  const { outcome } = expect;
  if (facts.verdict === "unknown") {
    return {
      outcome,
      met: false,
      observed: "undecided",
      why: `undecided, so the expectation "${outcome}" is not met: ${facts.undecided ?? "a check could not decide"}`,
    };
  }
  const judged = judgeOutcome(expect, facts);
  const crashed = facts.checks.filter((c) => c.crashed);
  if (!judged.met || crashed.length === 0) return judged;
  return {
    outcome,
    met: false,
    observed: "undecided",
    why: `${judged.why}, but a checker crashed (an error of dr-drill), so the expectation "${outcome}" is not met: ${crashed.map((c) => `${c.name}: ${c.summary}`).join("; ")}`,
  };
}

function judgeOutcome(expect: Expectation, facts: DrillFacts): Judgement {
  const { outcome } = expect;
  switch (expect.outcome) {
    case "pass":
      return facts.verdict === "pass"
        ? { outcome, met: true, observed: "passed", why: "restored, every check held" }
        : { outcome, met: false, observed: "missed", why: `expected a pass, the drill failed: ${failedNames(facts)}` };
    case "detects":
      return judgeDetects(expect.by, facts);
    case "refuses":
      return judgeRefuses(expect.reason, facts);
    case "restores":
      return judgeRestores(expect, facts);
    case "caught-or-harmless":
      return judgeCaughtOrHarmless(facts);
    case "no-silent-loss": {
      if (facts.verdict === "pass")
        return { outcome, met: true, observed: "restored", why: "restored, every check held" };
      const refused = refusal(facts);
      return refused.ok
        ? { outcome, met: true, observed: "refused", why: `refused loudly: ${refused.summary}` }
        : {
            outcome,
            met: false,
            observed: "missed",
            why: `${refused.up ? "the engine came up with wrong data" : "the engine failed quietly"}: ${failedNames(facts)}`,
          };
    }
  }
}

function failedNames(facts: DrillFacts): string {
  const failed = facts.checks.filter((c) => c.valid === false);
  return failed.length ? failed.map((c) => `${c.name}: ${c.summary.split("\n")[0]}`).join("; ") : "no check failed";
}

/** What the checks of one name made of an expected detection: caught it, could not decide, or did not catch it. */
function observation(o: Observation, checks: CheckResult[]): { seen: "caught" | "undecided" | "missed"; said: string } {
  const named = checksNamed(checks, o.check);
  if (named.some((c) => c.valid === false && checkSays(c, o.reason)))
    return { seen: "caught", said: `${o.check} caught it` };
  const undecided = named.find((c) => c.valid === "unknown");
  if (undecided)
    return {
      seen: "undecided",
      said: `${o.check} ${undecided.crashed ? "crashed" : "could not decide"}: ${undecided.summary.split("\n")[0]}`,
    };
  if (named.length === 0) return { seen: "missed", said: `${o.check} did not run` };
  const wrong = named.find((c) => c.valid === false);
  return {
    seen: "missed",
    said: wrong
      ? `${o.check} was false but said "${wrong.summary.split("\n")[0]}" (expected /${o.reason}/)`
      : `${o.check} was true`,
  };
}

function judgeDetects(by: Observation[], facts: DrillFacts): Judgement {
  if (facts.verdict === "pass")
    return {
      outcome: "detects",
      met: false,
      observed: "missed",
      why: `the fault was MISSED: the drill passed, ${by.map((o) => o.check).join(", ")} held`,
    };
  const seen = by.map((o) => observation(o, facts.checks));
  if (seen.every((s) => s.seen === "caught"))
    return {
      outcome: "detects",
      met: true,
      observed: "detected",
      why: `detected by ${by.map((o) => o.check).join(", ")}`,
    };
  const said = seen.filter((s) => s.seen !== "caught").map((s) => s.said);
  // A miss is a finding only when every expected check decided: one that could not may have caught the fault.
  if (seen.some((s) => s.seen === "undecided"))
    return {
      outcome: "detects",
      met: false,
      observed: "undecided",
      why: `undecided: not every expected check decided: ${said.join("; ")}`,
    };
  return {
    outcome: "detects",
    met: false,
    observed: "missed",
    why: `the drill failed, but not for the stated reason: ${said.join("; ")}; it failed on ${failedNames(facts)}`,
  };
}

/** A loud refusal: no node came up, every attempt failed, and the restore check says so. */
function refusal(facts: DrillFacts): { ok: boolean; up: boolean; summary: string } {
  const attempts = facts.restoreAttempts;
  const last = attempts.at(-1);
  const restore = checksNamed(facts.checks, "restore");
  const noneUp = !facts.nodeUp && attempts.length > 0 && attempts.every((a) => !a.ok);
  return {
    ok: noneUp && restore.length > 0 && restore.every((c) => c.valid === false),
    up: facts.nodeUp,
    summary: last?.summary ?? "no restore attempt was made",
  };
}

function judgeRefuses(reason: string, facts: DrillFacts): Judgement {
  const refused = refusal(facts);
  const last = facts.restoreAttempts.at(-1);
  if (!refused.ok) {
    const why =
      facts.verdict === "pass"
        ? "the restore was NOT refused: the drill passed"
        : refused.up
          ? `the restore was NOT refused: a node came up (whatever its tools said): ${failedNames(facts)}`
          : `the engine did not refuse the restore: ${failedNames(facts)}`;
    return { outcome: "refuses", met: false, observed: "missed", why };
  }
  if (!matches(last?.summary, reason) && !matches(last?.logTail, reason)) {
    return {
      outcome: "refuses",
      met: false,
      observed: "missed",
      why: `refused, but not for the stated reason: "${refused.summary}" (expected /${reason}/)`,
    };
  }
  if (!allHold(facts.checks, "artifact-untouched")) {
    const untouched = checksNamed(facts.checks, "artifact-untouched").find((c) => c.valid !== true);
    return {
      outcome: "refuses",
      met: false,
      observed: "missed",
      why: `refused, but the backup was not proven untouched: ${untouched?.summary ?? "not checked"}`,
    };
  }
  return { outcome: "refuses", met: true, observed: "refused", why: `refused loudly: ${refused.summary}` };
}

function judgeRestores(expect: Extract<Expectation, { outcome: "restores" }>, facts: DrillFacts): Judgement {
  const problems: string[] = [];
  if (facts.verdict !== "pass") problems.push(`the drill did not pass: ${failedNames(facts)}`);
  const sequence = (label: string, wanted: string[], seen: string[]) => {
    if (wanted.length !== seen.length) problems.push(`${wanted.length} failed ${label} expected, ${seen.length} seen`);
    wanted.forEach((reason, i) => {
      if (i < seen.length && !matches(seen[i], reason))
        problems.push(`failed ${label} ${i + 1} said "${seen[i]}" (expected /${reason}/)`);
    });
  };
  sequence("backup(s)", expect.failedBackups ?? [], facts.failedBackups);
  const failedRestores = facts.restoreAttempts.filter((a) => !a.ok).map((a) => `${a.summary}\n${a.logTail ?? ""}`);
  sequence("restore(s)", expect.failedRestores ?? [], failedRestores);
  for (const name of expect.holds ?? []) {
    const named = checksNamed(facts.checks, name);
    if (!allHold(facts.checks, name))
      problems.push(
        `${name} ${
          named.length
            ? named
                .filter((c) => c.valid !== true)
                .map((c) => `was ${String(c.valid)}: ${c.summary}`)
                .join("; ")
            : "did not run"
        }`,
      );
  }
  return problems.length
    ? { outcome: "restores", met: false, observed: "missed", why: problems.join("; ") }
    : {
        outcome: "restores",
        met: true,
        observed: "restored",
        why: `recovered after ${facts.failedBackups.length} failed backup(s) and ${failedRestores.length} failed restore attempt(s)`,
      };
}

function judgeCaughtOrHarmless(facts: DrillFacts): Judgement {
  const outcome = "caught-or-harmless";
  const failed = facts.checks.filter((c) => c.valid === false);
  if (failed.length === 0) {
    const deep = checksNamed(facts.checks, "deep-verify");
    return allHold(facts.checks, "deep-verify")
      ? {
          outcome,
          met: true,
          observed: "passed",
          why: `harmless: every check held and the deep verification is clean: ${deep.map((c) => c.summary.split("\n")[0]).join("; ")}`,
        }
      : {
          outcome,
          met: false,
          observed: "undecided",
          why: "the drill passed but no deep verification held: harmless and missed cannot be told apart",
        };
  }
  if (failed.every((c) => c.name === "deep-verify"))
    return {
      outcome,
      met: false,
      observed: "missed",
      why: `MISSED: the drill passed, the deep verification found damage: ${failedNames(facts)}`,
    };
  const refused = refusal(facts);
  if (
    checksNamed(facts.checks, "restore").some((c) => c.valid === false) &&
    !allHold(facts.checks, "artifact-untouched")
  ) {
    return {
      outcome,
      met: false,
      observed: "undecided",
      why: `the restore said no, but the backup was not proven untouched: ${refused.summary}`,
    };
  }
  return refused.ok
    ? { outcome, met: true, observed: "refused", why: `refused loudly: ${refused.summary}` }
    : { outcome, met: true, observed: "detected", why: `caught by ${failedNames(facts)}` };
}
