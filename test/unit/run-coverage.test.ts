import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { runScenarios, type RunOutcome, type ScenarioRun } from "../../harness/run.ts";
import { drillScenario, versionMatrixScenario, type Scenario } from "../../harness/scenario.ts";
import { writeReportOf } from "./sample-evidence.ts";
import { InputError } from "../../harness/errors.ts";
import { MemoryEngine } from "../../engines/memory/index.ts";
import { runEvidenceValidator as schemaValidator } from "../../harness/report/evidence-schema.ts";
import { makeTempDir } from "./support.ts";

const RUN = "2026-11-24T09-00-00-000-cover";
const quiet = { line: () => undefined };

const clean = drillScenario({
  name: "clean",
  description: "in-process drill",
  methods: ["snapshot"],
  build: () => ({ engine: new MemoryEngine("1") }),
});

function runOf(scenario: Scenario, reportsDir: string, seed: number, version = "1"): ScenarioRun {
  return {
    engine: "memory",
    scenario,
    request: {
      version,
      method: "snapshot",
      restoreInto: null,
      rows: 50,
      seed,
      writers: 0,
      images: "offline",
      runId: RUN,
      reportsDir,
      targets: {},
      keepArtifacts: false,
      sink: quiet,
      replay: (d) => ({ command: `replay ${d.seed}`, args: null }),
    },
  };
}

/** The run's report, as `dr-drill run` writes it after runScenarios. */
const reportOf = (root: string, outcome: RunOutcome) =>
  writeReportOf(root, RUN, outcome.results, { planned: outcome.planned, interrupted: outcome.interrupted });

/** A scenario whose drill is judged, then the signal arrives while it cleans up, after its last interruption check. */
function signalledDuringCleanup(inner: Scenario, interrupt: AbortController, signal: string): Scenario {
  return {
    ...inner,
    run: async (req) => {
      const made = await inner.run(req);
      interrupt.abort(signal);
      return made;
    },
  };
}

/** A run of two clean drills (seeds `seed`, `seed + 1`) that SIGTERM stops during the first one's cleanup. */
async function twoDrillsStoppedAfterOne(root: string, seed: number): Promise<RunOutcome> {
  const interrupt = new AbortController();
  return runScenarios(
    [runOf(signalledDuringCleanup(clean, interrupt, "SIGTERM"), root, seed), runOf(clean, root, seed + 1)],
    interrupt.signal,
  );
}

describe("a run that did not run its whole plan", () => {
  it("SIGTERM during a drill's cleanup: that drill passes, the next never runs, and the run is UNKNOWN everywhere, never PASS", async () => {
    const root = await makeTempDir();
    const outcome = await twoDrillsStoppedAfterOne(root, 1);
    expect(outcome.results.map((r) => r.evidence.verdict)).toEqual(["pass"]);
    expect(outcome.results[0]!.evidence.interrupted).toBeNull();
    expect(outcome.interrupted).toBe("interrupted by SIGTERM");
    expect(outcome.planned).toEqual([
      {
        engine: "memory",
        version: "1",
        method: "snapshot",
        scenario: "clean",
        restoreInto: null,
        drillId: outcome.results[0]!.evidence.drillId,
      },
      { engine: "memory", version: "1", method: "snapshot", scenario: "clean", restoreInto: null, drillId: null },
    ]);

    const { dir, evidence } = await reportOf(root, outcome);
    expect(evidence).toMatchObject({
      verdict: "unknown",
      interrupted: "interrupted by SIGTERM",
      planned: { count: 2 },
      counts: { drills: 1, passed: 1 },
    });
    const validate = await schemaValidator();
    const written = JSON.parse(await readFile(join(dir, "evidence.json"), "utf8"));
    expect(validate(written), JSON.stringify(validate.errors)).toBe(true);

    const junit = await readFile(join(dir, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testsuites name="dr-drill" tests="3" failures="0" errors="2"/);
    expect(junit).toContain(
      '<error type="not-run" message="not run: the run was interrupted by SIGTERM">planned, never started: memory 1 snapshot clean</error>',
    );
    expect(junit).toContain('<error type="interrupted" message="interrupted by SIGTERM">');
    const summary = await readFile(join(dir, "summary.md"), "utf8");
    expect(summary).toMatch(/^## dr-drill ❔ UNKNOWN/);
    expect(summary).toContain(
      "**Incomplete run, so not a pass: 1 of 2 planned drill(s) ran; not run: memory 1 snapshot clean; interrupted by SIGTERM.**",
    );
    expect(summary).toContain("### Not run\n\n- memory 1 snapshot clean");
    const html = await readFile(join(dir, "report.html"), "utf8");
    expect(html).toContain('id="verdict">UNKNOWN</span>');
    expect(html).toContain("1 of 2 planned drill(s) ran");
    expect(html).toMatch(
      /<p class="missed" id="coverage">Incomplete run[^<]*<\/p><h2>Not run<\/h2><ul id="not-run"><li>memory 1 snapshot clean<\/li><\/ul>/,
    );
  });

  it("a signal after the last drill's checks still leaves the run interrupted, and undecided", async () => {
    const root = await makeTempDir();
    const interrupt = new AbortController();
    const outcome = await runScenarios(
      [runOf(signalledDuringCleanup(clean, interrupt, "SIGINT"), root, 3)],
      interrupt.signal,
    );
    expect(outcome.planned.every((p) => p.drillId !== null)).toBe(true);
    const { evidence } = await reportOf(root, outcome);
    expect(evidence).toMatchObject({ verdict: "unknown", interrupted: "interrupted by SIGINT", counts: { passed: 1 } });
  });

  it("a version matrix plans one drill per restore target; a scenario that made fewer drills than planned leaves the run undecided", async () => {
    const root = await makeTempDir();
    const matrix = versionMatrixScenario({
      name: "matrix",
      description: "in-process matrix",
      methods: ["snapshot"],
      versions: ["1", "2"],
      source: (from) => new MemoryEngine(from),
      target: (_from, to) => ({ engine: new MemoryEngine(to), expect: { outcome: "pass" } }),
    });
    const short: Scenario = { ...matrix, run: async (req) => (await matrix.run(req)).slice(0, 1) };
    const outcome = await runScenarios([runOf(short, root, 4)], new AbortController().signal);
    expect(outcome.interrupted).toBeNull();
    expect(outcome.planned.map((p) => [p.restoreInto, p.drillId === null])).toEqual([
      ["1", false],
      ["2", true],
    ]);
    const { evidence } = await reportOf(root, outcome);
    expect(evidence.drills.map((d) => d.verdict)).toEqual(["pass"]);
    expect(evidence.verdict).toBe("unknown");
  });

  it("a drill that failed outright still fails an incomplete run: a finding is never hidden as undecided", async () => {
    const root = await makeTempDir();
    const outcome = await twoDrillsStoppedAfterOne(root, 5);
    const failed = {
      ...outcome.results[0]!,
      evidence: {
        ...outcome.results[0]!.evidence,
        verdict: "fail" as const,
        expectation: { ...outcome.results[0]!.evidence.expectation, met: false },
      },
    };
    const { evidence } = await reportOf(root, { ...outcome, results: [failed] });
    expect(evidence.verdict).toBe("fail");
  });
});

describe("a scenario that writes under load", () => {
  const load = drillScenario({
    name: "load",
    description: "in-process drill under load",
    methods: ["snapshot"],
    workload: (writers) => ({ writers, maxOps: 200, maxMs: 5_000, leadInOps: 20, tailMs: 10 }),
    build: () => ({ engine: new MemoryEngine("1") }),
  });

  it("says so, and refuses to run without writers rather than silently become a drill without writes", async () => {
    const root = await makeTempDir();
    expect([load.writesUnderLoad, clean.writesUnderLoad]).toEqual([true, false]);
    const refused = load.run(runOf(load, root, 1).request);
    await expect(refused).rejects.toThrow(InputError);
    await expect(refused).rejects.toThrow(
      "scenario load writes while the backup runs: it needs at least one writer, not 0",
    );
    const [written] = await load.run({ ...runOf(load, root, 2).request, writers: 2 });
    expect(written!.evidence.workload?.writers).toBe(2);
  });
});
