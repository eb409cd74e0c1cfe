import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import neo4j from "neo4j-driver";
import { checkAgainstLedger } from "../../../harness/checkers/ledger-oracle.ts";
import type { LedgerEntry } from "../../../harness/ledger.ts";
import { RecordFile } from "../../../harness/records.ts";
import {
  ACCOUNT_LABEL,
  ACCOUNTS,
  GraphWorkload,
  graphBatches,
  type GraphNode,
  type GraphOp,
  type GraphRel,
} from "../model.ts";
import { nodeRecords, nodeWrites, relWrite, writesOf } from "../workload-client.ts";
import { accountInvariants } from "../account-invariants.ts";
import { makeTempDir } from "../../../test/unit/support.ts";

/**
 * The graph ledger against a restored graph built here as the read-back would see it (no server): the load, then
 * transfers acknowledged before the backup, whose new balances no client knows. A balance may hold any value (the
 * invariants check it); the rest of an account must come back exactly as loaded.
 */
const SEED = 5;
const ROWS = 20;
const WINDOW = { start: 1_000, end: 2_000 };

function history(): { entries: LedgerEntry[]; nodes: GraphNode[]; rels: GraphRel[]; moved: number[] } {
  const entries: LedgerEntry[] = [];
  const nodes: GraphNode[] = [];
  const rels: GraphRel[] = [];
  let t = 0;
  const append = (op: string, writes: LedgerEntry["writes"]) =>
    entries.push({
      seq: entries.length,
      process: "p",
      op,
      invokeAt: (t += 1),
      completeAt: (t += 1),
      outcome: "ok",
      writes,
    });
  for (const batch of graphBatches(SEED, ROWS)) {
    if (batch.kind === "nodes") nodes.push(...batch.nodes);
    else rels.push(...batch.rels);
    append("load", batch.kind === "nodes" ? batch.nodes.flatMap(nodeWrites) : batch.rels.map(relWrite));
  }
  // Transfers the engine applied: each moves an amount from one account to another and records a TRANSFER.
  const workload = new GraphWorkload(SEED, ROWS);
  const balances = new Map(
    nodes.filter((n) => n.labels.includes(ACCOUNT_LABEL)).map((n) => [n.uid, ACCOUNTS.initialBalance]),
  );
  for (let n = 0, transfers = 0; transfers < 5 && n < 200; n++) {
    const op = workload.next(0, 1);
    const p: GraphOp = op.payload;
    if (p.kind !== "transfer") continue;
    transfers++;
    balances.set(p.rel.from, balances.get(p.rel.from)! - p.amount);
    balances.set(p.rel.to, balances.get(p.rel.to)! + p.amount);
    rels.push(p.rel);
    append(op.kind, writesOf(p, op.keys));
  }
  const restoredNodes = nodes.map((n) =>
    balances.has(n.uid) ? { ...n, props: { ...n.props, balance: neo4j.int(balances.get(n.uid)!) } } : n,
  );
  const moved = [...balances].filter(([, balance]) => balance !== ACCOUNTS.initialBalance).map(([uid]) => uid);
  return { entries, nodes: restoredNodes, rels, moved };
}

async function oracle(entries: LedgerEntry[], nodes: GraphNode[], rels: GraphRel[]) {
  const dir = await makeTempDir();
  const ledgerPath = join(dir, "ledger.jsonl");
  await writeFile(ledgerPath, entries.map((e) => JSON.stringify(e) + "\n").join(""));
  const file = new RecordFile(join(dir, "restored.tsv"));
  for (const n of nodes) for (const r of nodeRecords(n.labels, n.props)) await file.add(r);
  for (const r of rels) await file.add({ ...relWrite(r), preview: "" });
  await file.close();
  return checkAgainstLedger({
    ledgerPath,
    restoredPath: file.path,
    window: WINDOW,
    model: { consistency: "point-in-time" },
    workDir: dir,
  });
}

describe("graph accounts against the ledger", () => {
  const { entries, nodes, rels, moved } = history();
  const account = nodes.find((n) => n.uid === moved[0])!;
  const changed = (f: (n: GraphNode) => GraphNode) => nodes.map((n) => (n === account ? f(n) : n));

  it("passes the restored graph, whatever balances the transfers left", async () => {
    expect(moved.length, "accounts the transfers moved").toBeGreaterThan(0);
    const result = await oracle(entries, nodes, rels);
    expect(result.summary).toMatch(/^all \d+ keys consistent/);
    expect(result.valid).toBe(true);
  });

  it("fails an account with an extra property, an extra label, or its uid turned to text: corrupt, naming the account", async () => {
    for (const damaged of [
      changed((n) => ({ ...n, props: { ...n.props, owner: "mallory" } })),
      changed((n) => ({ ...n, labels: [...n.labels, "Frozen"] })),
      changed((n) => ({ ...n, props: { ...n.props, uid: String(n.uid) } })),
    ]) {
      const result = await oracle(entries, damaged, rels);
      expect(result.valid).toBe(false);
      expect(result.figures.violations.corrupt).toBe(1);
      expect(result.examples).toEqual([expect.stringMatching(new RegExp(`^corrupt node/${account.uid}\\n`))]);
    }
  });

  it("fails an account restored without its balance: the balance record is lost", async () => {
    const result = await oracle(
      entries,
      changed((n) => ({ ...n, props: { uid: neo4j.int(n.uid) } })),
      rels,
    );
    expect(result.figures.violations.lost).toBe(1);
    expect(result.examples).toEqual([expect.stringMatching(new RegExp(`^lost node/${account.uid}#balance\\n`))]);
  });
});

describe("the accounts' invariants over what the server returned (a Neo4j campaign fault lost a balance property)", () => {
  const row = (uid: number, balance: unknown, ins = 0, outs = 0) => ({
    get: (k: "uid" | "balance" | "ins" | "outs") => ({ uid, balance, ins, outs })[k],
  });
  const opening = () => Array.from({ length: ACCOUNTS.count }, (_, i) => row(i, ACCOUNTS.initialBalance));

  it("every account as opened holds both invariants", () => {
    expect(accountInvariants(opening()).map((c) => c.valid)).toEqual([true, true]);
  });

  it("an account served without a balance breaks both invariants with its uid, never a crash of ours", () => {
    const rows = opening();
    rows[3] = row(3, null);
    const [total, atomic] = accountInvariants(rows);
    expect(total).toMatchObject({ valid: false, examples: ["node/3: no balance"] });
    expect(total!.summary).toMatch(/1 account\(s\) without a balance/);
    expect(atomic).toMatchObject({ valid: false, examples: ["node/3: no balance"] });
  });
});
