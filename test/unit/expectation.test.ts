import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { detectedBy, judge, type DrillFacts } from "../../harness/expectation.ts";

/** What a drill with these checks saw: a node came up, and the verdict the checks give. */
function facts(checks: CheckResult[]): DrillFacts {
  const verdict = checks.some((c) => c.valid === false)
    ? "fail"
    : checks.some((c) => c.valid === "unknown")
      ? "unknown"
      : "pass";
  return {
    verdict,
    checks,
    restoreAttempts: [{ ok: true, summary: "server up", durationMs: 1 }],
    nodeUp: true,
    failedBackups: [],
  };
}

const invariant = (valid: CheckResult["valid"], summary: string): CheckResult => ({
  name: "invariant:graph",
  valid,
  summary,
});

describe("judge: several checks of one name (an engine's invariants bundle)", () => {
  const failedSecond = [
    invariant(true, "12 accounts hold their opening total"),
    invariant(false, "3 dangling TRANSFER edges"),
    { name: "ledger-oracle", valid: true, summary: "all 10 keys consistent" } satisfies CheckResult,
  ];

  it("detects: any check of that name false for the reason, not only the first", () => {
    expect(
      judge({ outcome: "detects", by: [{ check: "invariant:graph", reason: "dangling" }] }, facts(failedSecond)),
    ).toMatchObject({ met: true, observed: "detected" });
  });

  it("detects: none of that name false for the reason is missed, naming what the false one said", () => {
    expect(
      judge({ outcome: "detects", by: [{ check: "invariant:graph", reason: "total" }] }, facts(failedSecond)),
    ).toMatchObject({
      met: false,
      observed: "missed",
      why: expect.stringMatching(/invariant:graph was false but said "3 dangling TRANSFER edges"/),
    });
  });

  it("detectedBy: each check for its reason, in the order written", () => {
    expect(detectedBy({ "preflight:parts": "codec", "ledger-oracle": "lost" })).toEqual({
      outcome: "detects",
      by: [
        { check: "preflight:parts", reason: "codec" },
        { check: "ledger-oracle", reason: "lost" },
      ],
    });
    expect(judge(detectedBy({ "invariant:graph": "total" }), facts(failedSecond))).toMatchObject({ met: false });
  });

  it("restores: holds only when every check of that name held", () => {
    const restores = { outcome: "restores" as const, holds: ["invariant:graph"] };
    expect(judge(restores, { ...facts(failedSecond), verdict: "pass" })).toMatchObject({
      met: false,
      why: expect.stringMatching(/invariant:graph was false: 3 dangling/),
    });
    expect(judge(restores, facts([invariant(true, "a"), invariant(true, "b")]))).toMatchObject({
      met: true,
      observed: "restored",
    });
    expect(judge(restores, facts([]))).toMatchObject({
      met: false,
      why: expect.stringMatching(/invariant:graph did not run/),
    });
  });
});

describe("judge: a stated reason is the check's words, never the data it quotes", () => {
  const oracle = (summary: string, examples: string[]): CheckResult => ({
    name: "ledger-oracle",
    valid: false,
    summary,
    examples,
  });
  const detects = (reason: string) => ({ outcome: "detects" as const, by: [{ check: "ledger-oracle", reason }] });

  it("an example's data (a row whose value says 'lost') does not make a corruption a loss", () => {
    const corrupt = oracle("restored state violates the oracle: 1 corrupt (of 10 keys)", [
      'corrupt "k/1"\n  expected: v1\n  restored: lost and found',
    ]);
    expect(judge(detects("lost"), facts([corrupt]))).toMatchObject({ met: false, observed: "missed" });
    expect(judge(detects("corrupt"), facts([corrupt]))).toMatchObject({ met: true });
  });

  it("the violation word that opens an example line counts, whole and anchored", () => {
    const summary = "a summary that names nothing";
    expect(
      judge(detects("lost"), facts([oracle(summary, ['lost "k/1"\n  expected: v1\n  restored: (absent)'])])),
    ).toMatchObject({ met: true });
    expect(judge(detects("lost"), facts([oracle(summary, ['phantom "lost/1"'])]))).toMatchObject({ met: false });
    expect(judge(detects("lost"), facts([oracle(summary, ["lostness k/1"])]))).toMatchObject({ met: false });
    expect(judge(detects("corrupt|lost"), facts([oracle(summary, ['lost "k/1"'])]))).toMatchObject({ met: true });
  });
});

describe("judge: a crashed check is not a check that could not decide", () => {
  const lost: CheckResult = {
    name: "ledger-oracle",
    valid: false,
    summary: "restored state violates the oracle: 3 lost (of 10 keys)",
  };
  const crashed: CheckResult = {
    name: "invariants",
    valid: "unknown",
    summary: "checker crashed: TypeError",
    crashed: true,
  };
  const noInput: CheckResult = {
    name: "exact-equivalence",
    valid: "unknown",
    summary: "no restored state to check: the read-back failed",
  };

  it("a detection beside a check that lacked input stands; beside a crashed one it is undecided", () => {
    const by = { outcome: "detects" as const, by: [{ check: "ledger-oracle", reason: "lost" }] };
    expect(judge(by, facts([lost, noInput]))).toMatchObject({ met: true, observed: "detected" });
    expect(judge(by, facts([lost, crashed]))).toMatchObject({ met: false, observed: "undecided" });
  });

  it("a failed pass beside a crash is still a miss: the loss is a finding", () => {
    expect(judge({ outcome: "pass" }, facts([lost, crashed]))).toMatchObject({ met: false, observed: "missed" });
  });
});
