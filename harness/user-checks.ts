import type { UserCheckConfig } from "./schema/procedure.ts";
import type { CheckResult } from "./checkers/checker.ts";
import { isEngineError } from "./engine-error.ts";
import type { BackupArtifact, Engine, EngineNode } from "./engine.ts";

/** A query's result: rows of columns in the engine's text form. */
export type Rows = string[][];

/** What the source answered at the recovery point, per `equals-source` check; a string says why there is no answer. */
export type SourceAnswers = Map<string, Rows | string>;

const canonical = (rows: Rows) => rows.map((r) => JSON.stringify(r)).sort();
const show = (rows: Rows, max = 5) => rows.slice(0, max).map((r) => r.join(" | "));

/** A node that may take the checks' queries. */
type Queryable = Pick<EngineNode<unknown>, "checkQuery">;

async function ask(node: Queryable, query: string): Promise<Rows> {
  if (!node.checkQuery) throw new Error("this engine cannot run the config's checks: its node takes no queries");
  return node.checkQuery(query);
}

/** Judges one check's rows against its expectation. */
export function judgeUserCheck(name: string, check: UserCheckConfig, rows: Rows, source?: Rows | string): CheckResult {
  const id = `user:${name}`;
  const { expect } = check;
  if (expect === "zero-rows")
    return rows.length === 0
      ? { name: id, valid: true, summary: "no row, as expected" }
      : { name: id, valid: false, summary: `${rows.length} row(s) where none must be`, examples: show(rows) };
  if (expect === "equals-source") {
    if (source === undefined || typeof source === "string")
      return {
        name: id,
        valid: "unknown",
        summary: `no source answer at the recovery point: ${source ?? "not asked"}`,
      };
    const [got, want] = [canonical(rows), canonical(source)];
    const same = got.length === want.length && got.every((r, i) => r === want[i]);
    return same
      ? { name: id, valid: true, summary: `the same ${rows.length} row(s) as the source at the recovery point` }
      : {
          name: id,
          valid: false,
          summary: `${rows.length} row(s) differ from the source's ${source.length} at the recovery point`,
          examples: [...show(rows).map((r) => `restored: ${r}`), ...show(source).map((r) => `source: ${r}`)],
        };
  }
  const value = rows.length === 1 && rows[0]!.length === 1 ? rows[0]![0] : undefined;
  return value === expect.value
    ? { name: id, valid: true, summary: `${JSON.stringify(value)}, as expected` }
    : {
        name: id,
        valid: false,
        summary: `expected ${JSON.stringify(expect.value)}, got ${value === undefined ? `${rows.length} row(s) of ${rows[0]?.length ?? 0} column(s)` : JSON.stringify(value)}`,
        examples: show(rows),
      };
}

/**
 * Asks an `equals-source` query just before and just after the backup: when both answers agree, that is the answer at
 * the recovery point, which lies between them. When writers changed it meanwhile there is no answer (the check is
 * then `unknown`: drill it with the `clean` scenario). An offline backup stops the node: the writers drained before
 * it, so the answer before is the one at the recovery point.
 */
async function answerAround<T>(
  node: Queryable,
  queries: [string, UserCheckConfig][],
  offline: boolean,
  backup: () => Promise<T>,
  into: SourceAnswers,
): Promise<T> {
  const before = new Map<string, Rows>();
  for (const [name, c] of queries) before.set(name, await ask(node, c.query));
  const result = await backup();
  for (const [name, c] of queries) {
    const first = before.get(name)!;
    if (offline) into.set(name, first);
    else {
      const after = await ask(node, c.query);
      const same = JSON.stringify(canonical(first)) === JSON.stringify(canonical(after));
      into.set(
        name,
        same ? first : "the source changed during the backup (writers): compare in a drill without writes",
      );
    }
  }
  return result;
}

/**
 * The engine with the config's checks added to its invariants on every restored node, each a check `user:<name>` of
 * its own (so a fault can name it). `shared` carries the source's answers to the restore targets of one backup.
 */
export function withUserChecks<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  engine: Engine<Payload, Node, Artifact>,
  checks: Record<string, UserCheckConfig>,
  shared: SourceAnswers = new Map(),
): Engine<Payload, Node, Artifact> {
  const entries = Object.entries(checks);
  if (entries.length === 0) return engine;
  const fromSource = entries.filter(([, c]) => c.expect === "equals-source");
  const { deepVerify, fileKind } = engine;
  return {
    name: engine.name,
    version: engine.version,
    backupMethod: engine.backupMethod,
    backupMode: engine.backupMode,
    records: engine.records,
    provision: (rt) => engine.provision(rt),
    backup: (node, dir, rt) =>
      fromSource.length === 0
        ? engine.backup(node, dir, rt)
        : answerAround(node, fromSource, engine.backupMode === "offline", () => engine.backup(node, dir, rt), shared),
    preflight: (artifact, rt) => engine.preflight(artifact, rt),
    restore: (artifact, rt, hooks) => engine.restore(artifact, rt, hooks),
    workload: (dataset) => engine.workload(dataset),
    async invariants(node, rt) {
      const results = await engine.invariants(node, rt);
      for (const [name, check] of entries) {
        try {
          results.push(judgeUserCheck(name, check, await ask(node, check.query), shared.get(name)));
        } catch (err) {
          // The engine's refusal of the query is a finding about the restored node; our error is not.
          if (!isEngineError(err)) throw err;
          results.push({
            name: `user:${name}`,
            valid: false,
            summary: `the restored engine refused the query: ${err.message}`,
          });
        }
      }
      return results;
    },
    ...(deepVerify ? { deepVerify: (node, restored, rt) => deepVerify.call(engine, node, restored, rt) } : {}),
    ...(fileKind ? { fileKind: (artifact, path, at) => fileKind.call(engine, artifact, path, at) } : {}),
  };
}
