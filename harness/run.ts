import type { DrillResult } from "./drill.ts";
import type { PlannedDrill } from "./report/run-evidence.ts";
import type { Scenario, ScenarioRequest } from "./scenario.ts";

/** One scenario to run for one engine, version and method, as the command line resolved it. */
export interface ScenarioRun {
  engine: string;
  scenario: Scenario;
  request: Omit<ScenarioRequest, "signal">;
}

export interface RunOutcome {
  results: DrillResult[];
  /** Every drill the run set out to run, with the id of the drill it made, or null when it did not run. */
  planned: PlannedDrill[];
  /** `interrupted by SIGTERM` when the signal was aborted at any time during the run; null otherwise. */
  interrupted: string | null;
}

/**
 * Runs the scenarios one after another until the signal is aborted. Every drill is planned before the first one runs,
 * so the drills an interruption skipped stay in the record as not run. A signal that arrives after the last check of
 * a drill (during its cleanup) leaves that drill judged, and the run interrupted all the same.
 */
export async function runScenarios(runs: ScenarioRun[], signal: AbortSignal): Promise<RunOutcome> {
  const slots = runs.map(({ engine, scenario, request }) =>
    scenario.restoreTargets(request).map((restoreInto): PlannedDrill => ({
      engine,
      version: request.version,
      method: request.method,
      scenario: scenario.name,
      restoreInto,
      drillId: null,
    })),
  );
  const results: DrillResult[] = [];
  for (const [i, { scenario, request }] of runs.entries()) {
    if (signal.aborted) break;
    const made = await scenario.run({ ...request, signal });
    // A scenario makes its drills in the order it planned them; one it made beyond its plan stays unplanned.
    made.forEach((r, j) => {
      const slot = slots[i]![j];
      if (slot) slot.drillId = r.evidence.drillId;
    });
    results.push(...made);
  }
  return {
    results,
    planned: slots.flat(),
    interrupted: signal.aborted ? `interrupted by ${String(signal.reason)}` : null,
  };
}
