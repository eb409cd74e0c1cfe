import { join } from "node:path";
import { runCheckers, type Checker, type CheckResult } from "../checkers/checker.ts";
import { checkEquivalence, type StateSummary } from "../checkers/equivalence.ts";
import {
  checkAgainstLedger,
  sortedLedgerWrites,
  type BackupWindow,
  type OracleFigures,
  type RecordModel,
} from "../checkers/ledger-oracle.ts";
import { isEngineError } from "../engine-error.ts";
import type { EngineNode } from "../engine.ts";
import type { PhaseProgress } from "../progress.ts";
import { RecordFile } from "../records.ts";
import { readBackFailure, serverLogCheck } from "./server-log.ts";

/** Reads a node's whole state into a canonical record file. */
export async function readState<Payload>(
  node: EngineNode<Payload>,
  path: string,
  p: PhaseProgress,
): Promise<StateSummary> {
  const file = new RecordFile(path);
  try {
    await node.readCanonical(file, p);
  } catch (err) {
    await file.close();
    throw err;
  }
  return { path, ...(await file.close()) };
}

export interface CheckOutcome {
  checks: CheckResult[];
  restoredState: StateSummary | null;
  oracle: OracleFigures | null;
}

/**
 * Reads the restored state back and runs every checker on it through one composition: the ledger oracle (with the
 * atomicity and prefix checks of the model's cut), exact
 * equivalence with the source (when nothing wrote during the backup), and the engine's invariants. An error the
 * restored engine returns while being read, or logs while a read of ours fails, is a failed `read-back` check
 * carrying its words; the checkers that need the state then cannot decide. The errors it logged are `server-log`.
 */
export async function checkRestored<Payload>(opts: {
  node: EngineNode<Payload>;
  workDir: string;
  ledgerPath: string;
  window: BackupWindow;
  model: RecordModel;
  sourceState?: StateSummary;
  invariants: () => Promise<CheckResult[]>;
  p: PhaseProgress;
}): Promise<CheckOutcome> {
  const { workDir } = opts;
  // The ledger is closed: its side of the oracle is sorted while the restored state is read back. The oracle awaits it
  // and reports its failure; `ledgerSettled` handles that failure when no oracle runs (the read-back failed).
  const ledgerWrites = sortedLedgerWrites(opts.ledgerPath, workDir);
  const ledgerSettled = ledgerWrites.catch(() => undefined);
  let restoredState: StateSummary | null = null;
  const checks: CheckResult[] = [];
  try {
    restoredState = await readState(opts.node, join(workDir, "restored.tsv"), opts.p);
    checks.push({
      name: "read-back",
      valid: true,
      summary: `the restored engine served all its data: ${restoredState.count} records`,
    });
  } catch (err) {
    checks.push(
      isEngineError(err)
        ? { name: "read-back", valid: false, summary: `the restored engine could not serve its data: ${err.message}` }
        : await readBackFailure(opts.node, err),
    );
  }
  checks.push(...(await serverLogCheck(opts.node)));
  let oracle: OracleFigures | null = null;
  const state = restoredState;
  const needsState = (
    name: string,
    check: (s: StateSummary) => Promise<CheckResult | CheckResult[]>,
  ): Checker<null> => ({
    name,
    check: async () =>
      state ? check(state) : { name, valid: "unknown", summary: "no restored state to check: the read-back failed" },
  });
  const source = opts.sourceState;
  const checkers: Checker<null>[] = [
    needsState("ledger-oracle", async (s) => {
      const { figures, cutChecks, ...result } = await checkAgainstLedger({
        ledgerPath: opts.ledgerPath,
        ledgerWrites,
        restoredPath: s.path,
        window: opts.window,
        workDir,
        model: opts.model,
      });
      oracle = figures;
      return [result, ...cutChecks];
    }),
    ...(source ? [needsState("exact-equivalence", (s) => checkEquivalence(source, s, workDir))] : []),
    { name: "invariants", check: () => opts.invariants() },
  ];
  checks.push(...(await runCheckers(checkers, null)));
  await ledgerSettled; // nothing of the check still writes in its directory
  return { checks, restoredState, oracle };
}
