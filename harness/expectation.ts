import type { CheckResult } from "./checkers/checker.ts";
import type { RestoreAttempt } from "./engine.ts";

/** A check that must have the given validity, with a summary (or example) matching `reason` (a RegExp source). */
export interface Observation {
  check: string;
  reason?: string;
}

/**
 * What a scenario predicts, and what must observe it (design.md, "Expectation, not just verdict"):
 * - `pass`: the drill restores and every check holds;
 * - `detects`: the drill fails, and each listed check is among the failures, for the stated reason;
 * - `refuses`: the engine refuses the restore loudly (no attempt comes up, the last one says `reason`), and the backup
 *   is left untouched;
 * - `restores`: the procedure copes: the listed backup and restore attempts fail first for the stated reasons, then
 *   the drill passes, with the listed checks holding;
 * - `no-silent-loss`: the outcome is not predicted (a version pair the docs do not cover): a pass or a loud refusal
 *   are both recorded as such, a node that comes up with wrong data is not.
 * - `caught-or-harmless`: a random fault of a campaign (harness/campaign/): any check may catch it or the engine
 *   refuse it; a drill that passes must have its `deep-verify` check hold (the fault did no harm). A pass that the
 *   deep verification contradicts was missed.
 */
export type Expectation =
  | { outcome: "pass" }
  | { outcome: "detects"; by: Observation[] }
  | { outcome: "refuses"; reason: string }
  | { outcome: "restores"; failedBackups?: string[]; failedRestores?: string[]; holds?: string[] }
  | { outcome: "no-silent-loss" }
  | { outcome: "caught-or-harmless" };

export type Outcome = Expectation["outcome"];

export type Verdict = "pass" | "fail" | "unknown";

/** What the drill saw, in the terms an expectation is judged on. */
export interface DrillFacts {
  verdict: Verdict;
  checks: CheckResult[];
  restoreAttempts: RestoreAttempt[];
  /** Errors of backup attempts that failed before one succeeded. */
  failedBackups: string[];
  /** Why the drill could not decide (an error of dr-drill or Docker, an interruption), when it could not. */
  undecided?: string;
}

export type Observed = "passed" | "detected" | "refused" | "restored" | "missed" | "undecided";

export interface Judgement {
  outcome: Outcome;
  met: boolean;
  observed: Observed;
  /** One line: what was expected and what happened. */
  why: string;
}

const matches = (text: string | undefined, reason: string | undefined) => reason === undefined || (text !== undefined && new RegExp(reason).test(text));

function findCheck(checks: CheckResult[], name: string): CheckResult | undefined {
  return checks.find((c) => c.name === name);
}

function checkSays(c: CheckResult, reason: string | undefined): boolean {
  return matches(c.summary, reason) || (c.examples ?? []).some((e) => matches(e, reason));
}

/**
 * The one function that decides whether a drill did what its scenario expected. The exit code, junit.xml,
 * summary.md, the HTML report and the step summary all read its result; nothing else re-derives it.
 */
export function judge(expect: Expectation, facts: DrillFacts): Judgement {
  const { outcome } = expect;
  if (facts.verdict === "unknown") {
    return { outcome, met: false, observed: "undecided", why: `undecided, so the expectation "${outcome}" is not met: ${facts.undecided ?? "a check could not decide"}` };
  }
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
      if (facts.verdict === "pass") return { outcome, met: true, observed: "restored", why: "restored, every check held" };
      const refused = refusal(facts);
      return refused.ok
        ? { outcome, met: true, observed: "refused", why: `refused loudly: ${refused.summary}` }
        : { outcome, met: false, observed: "missed", why: `the engine came up with wrong data or failed quietly: ${failedNames(facts)}` };
    }
  }
}

function failedNames(facts: DrillFacts): string {
  const failed = facts.checks.filter((c) => c.valid === false);
  return failed.length ? failed.map((c) => `${c.name}: ${c.summary.split("\n")[0]}`).join("; ") : "no check failed";
}

function judgeDetects(by: Observation[], facts: DrillFacts): Judgement {
  if (facts.verdict === "pass") return { outcome: "detects", met: false, observed: "missed", why: `the fault was MISSED: the drill passed, ${by.map((o) => o.check).join(", ")} held` };
  const missing = by.filter((o) => {
    const c = findCheck(facts.checks, o.check);
    return !c || c.valid !== false || !checkSays(c, o.reason);
  });
  if (missing.length === 0) return { outcome: "detects", met: true, observed: "detected", why: `detected by ${by.map((o) => o.check).join(", ")}` };
  const said = missing.map((o) => {
    const c = findCheck(facts.checks, o.check);
    return c ? `${o.check} was ${c.valid === false ? `false but said "${c.summary.split("\n")[0]}" (expected /${o.reason}/)` : String(c.valid)}` : `${o.check} did not run`;
  });
  return { outcome: "detects", met: false, observed: "missed", why: `the drill failed, but not for the stated reason: ${said.join("; ")}; it failed on ${failedNames(facts)}` };
}

function refusal(facts: DrillFacts): { ok: boolean; summary: string } {
  const attempts = facts.restoreAttempts;
  const last = attempts.at(-1);
  const noneUp = attempts.length > 0 && attempts.every((a) => !a.ok);
  const restore = findCheck(facts.checks, "restore");
  return { ok: noneUp && restore?.valid === false, summary: last?.summary ?? "no restore attempt was made" };
}

function judgeRefuses(reason: string, facts: DrillFacts): Judgement {
  const refused = refusal(facts);
  const last = facts.restoreAttempts.at(-1);
  if (!refused.ok) {
    return { outcome: "refuses", met: false, observed: "missed", why: facts.verdict === "pass" ? "the restore was NOT refused: the drill passed" : `the engine did not refuse the restore: ${failedNames(facts)}` };
  }
  if (!matches(last?.summary, reason) && !matches(last?.logTail, reason)) {
    return { outcome: "refuses", met: false, observed: "missed", why: `refused, but not for the stated reason: "${refused.summary}" (expected /${reason}/)` };
  }
  const untouched = findCheck(facts.checks, "artifact-untouched");
  if (untouched?.valid !== true) return { outcome: "refuses", met: false, observed: "missed", why: `refused, but the backup was not proven untouched: ${untouched?.summary ?? "not checked"}` };
  return { outcome: "refuses", met: true, observed: "refused", why: `refused loudly: ${refused.summary}` };
}

function judgeRestores(expect: Extract<Expectation, { outcome: "restores" }>, facts: DrillFacts): Judgement {
  const problems: string[] = [];
  if (facts.verdict !== "pass") problems.push(`the drill did not pass: ${failedNames(facts)}`);
  const sequence = (label: string, wanted: string[], seen: string[]) => {
    if (wanted.length !== seen.length) problems.push(`${wanted.length} failed ${label} expected, ${seen.length} seen`);
    wanted.forEach((reason, i) => {
      if (i < seen.length && !matches(seen[i], reason)) problems.push(`failed ${label} ${i + 1} said "${seen[i]}" (expected /${reason}/)`);
    });
  };
  sequence("backup(s)", expect.failedBackups ?? [], facts.failedBackups);
  const failedRestores = facts.restoreAttempts.filter((a) => !a.ok).map((a) => `${a.summary}\n${a.logTail ?? ""}`);
  sequence("restore(s)", expect.failedRestores ?? [], failedRestores);
  for (const name of expect.holds ?? []) {
    const c = findCheck(facts.checks, name);
    if (c?.valid !== true) problems.push(`${name} ${c ? `was ${String(c.valid)}: ${c.summary}` : "did not run"}`);
  }
  return problems.length
    ? { outcome: "restores", met: false, observed: "missed", why: problems.join("; ") }
    : { outcome: "restores", met: true, observed: "restored", why: `recovered after ${facts.failedBackups.length} failed backup(s) and ${failedRestores.length} failed restore attempt(s)` };
}

function judgeCaughtOrHarmless(facts: DrillFacts): Judgement {
  const outcome = "caught-or-harmless";
  const failed = facts.checks.filter((c) => c.valid === false);
  const deep = findCheck(facts.checks, "deep-verify");
  if (failed.length === 0) {
    return deep?.valid === true
      ? { outcome, met: true, observed: "passed", why: `harmless: every check held and the deep verification is clean: ${deep.summary.split("\n")[0]}` }
      : { outcome, met: false, observed: "undecided", why: "the drill passed but no deep verification held: harmless and missed cannot be told apart" };
  }
  if (failed.every((c) => c.name === "deep-verify")) return { outcome, met: false, observed: "missed", why: `MISSED: the drill passed, the deep verification found damage: ${failedNames(facts)}` };
  const refused = refusal(facts);
  if (findCheck(facts.checks, "restore")?.valid === false && findCheck(facts.checks, "artifact-untouched")?.valid !== true) {
    return { outcome, met: false, observed: "undecided", why: `the restore said no, but the backup was not proven untouched: ${refused.summary}` };
  }
  return refused.ok ? { outcome, met: true, observed: "refused", why: `refused loudly: ${refused.summary}` } : { outcome, met: true, observed: "detected", why: `caught by ${failedNames(facts)}` };
}
