import type pg from "pg";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import { isEngineError } from "../../harness/engine-error.ts";
import { parseRecordLine, readLines } from "../../harness/records.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { socketArgs } from "../../protocols/pg/tools.ts";
import { ROW_DIGEST } from "../../protocols/pg/digest.ts";
import type { PostgresNode } from "./node.ts";
import { ALL_TABLES } from "./schema.ts";

/** The row the drill's probe write added after the oracle read the state (node.ts `probeWrite`). */
const PROBE_KEY = "people/-1";
const BATCH = 5000;
const MAX_EXAMPLES = 10;

/**
 * The deep verification of a restored PostgreSQL node whose drill passed: `pg_amcheck --heapallindexed
 * --parent-check` on every heap and B-tree index of the drill's database (system catalogs included), then every row
 * read again through its primary key index, in key order, compared with the full scan the oracle accepted.
 */
export async function postgresDeepVerify(node: PostgresNode, restored: StateSummary): Promise<CheckResult> {
  const { user, database } = node.pg.credentials;
  const amcheck = await node.pg.tool([
    "pg_amcheck",
    ...socketArgs(user),
    "-d",
    database,
    "--install-missing",
    "--heapallindexed",
    "--parent-check",
  ]);
  // pg_amcheck exits 2 when it found corruption, 1 when it could not run: only the first is a finding.
  if (amcheck.exitCode !== 0 && amcheck.exitCode !== 2)
    throw new Error(`pg_amcheck could not run (exit ${amcheck.exitCode}): ${amcheck.output.trim().slice(-500)}`);
  const amcheckLines = amcheck.output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const byIndex = await readThroughPrimaryKeys(node, restored.path);
  const problems = [
    ...(amcheck.exitCode === 2 ? [`pg_amcheck found corruption: ${amcheckLines[0] ?? "(no output)"}`] : []),
    ...byIndex.problems,
  ];
  return {
    name: "deep-verify",
    valid: problems.length === 0,
    summary: problems.length
      ? problems.join("; ")
      : `pg_amcheck --heapallindexed --parent-check clean on every heap and index; ${byIndex.rows} rows read through their primary keys equal the full scan`,
    details: { amcheckExit: amcheck.exitCode, amcheckOutput: amcheck.output.slice(-2000), rowsByIndex: byIndex.rows },
    examples: [...amcheckLines.slice(0, MAX_EXAMPLES), ...byIndex.examples],
  };
}

/** The full scan's digests of one table, by id, from the restored state file. */
async function scanned(path: string, table: string): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  for await (const line of readLines(path)) {
    const r = parseRecordLine(line);
    if (r.key.startsWith(`${table}/`)) rows.set(r.key.slice(table.length + 1), r.digest);
  }
  return rows;
}

async function readThroughPrimaryKeys(
  node: PostgresNode,
  restoredPath: string,
): Promise<{ rows: number; problems: string[]; examples: string[] }> {
  const client = await node.pg.client();
  const problems: string[] = [];
  const examples: string[] = [];
  let rows = 0;
  try {
    await engineErrors(async () => {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      // The planner must take the index path: a sequential scan here would only repeat the oracle's read.
      await client.query(
        "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_sort = off",
      );
      for (const table of ALL_TABLES) {
        const exists = await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table]);
        if (!exists.rows[0]?.t) continue;
        const expected = await scanned(restoredPath, table);
        const counts = await compareTable(client, table, expected, examples);
        rows += counts.read;
        if (counts.differ + counts.extra + expected.size > 0) {
          problems.push(
            `${table} through its primary key: ${counts.differ} row(s) differ from the full scan, ${counts.extra} found only by the index, ${expected.size} missing from the index`,
          );
          for (const id of [...expected.keys()].slice(0, MAX_EXAMPLES))
            examples.push(`${table}/${id}: in the full scan, not found through the index`);
        }
      }
      await client.query("COMMIT");
    });
  } catch (err) {
    if (!isEngineError(err)) throw err;
    problems.push(`reading through the primary keys failed: ${err.message}`);
  } finally {
    await client.end();
  }
  return { rows, problems, examples };
}

/** Reads `table` in primary-key order (keyset pages), checking each row against `expected` and removing it from there. */
async function compareTable(
  client: pg.Client,
  table: string,
  expected: Map<string, string>,
  examples: string[],
): Promise<{ read: number; differ: number; extra: number }> {
  const sql = `SELECT t.id::text AS id, ${ROW_DIGEST} AS digest FROM ${table} t WHERE t.id > $1::bigint ORDER BY t.id LIMIT ${BATCH}`;
  const plan = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, ["0"]);
  const planText = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
  if (!/Index Scan using \S+ on /.test(planText))
    throw new Error(`the planner would not read ${table} through its primary key:\n${planText}`);
  let after = "-9223372036854775808";
  let read = 0;
  let differ = 0;
  let extra = 0;
  for (;;) {
    const page = await client.query<{ id: string; digest: string }>(sql, [after]);
    for (const r of page.rows) {
      read++;
      const want = expected.get(r.id);
      expected.delete(r.id);
      if (`${table}/${r.id}` === PROBE_KEY) continue;
      if (want === undefined) {
        extra++;
        if (examples.length < MAX_EXAMPLES)
          examples.push(`${table}/${r.id}: found through the index, not in the full scan`);
      } else if (want !== r.digest) {
        differ++;
        if (examples.length < MAX_EXAMPLES)
          examples.push(
            `${table}/${r.id}: digest ${r.digest.slice(0, 12)} through the index, ${want.slice(0, 12)} in the full scan`,
          );
      }
    }
    if (page.rows.length < BATCH) break;
    after = page.rows.at(-1)!.id;
  }
  return { read, differ, extra };
}
