import { describe, expect, it } from "vitest";
import fc from "fast-check";
import neo4j, { Neo4jError } from "neo4j-driver";
import {
  ACCOUNTS,
  GraphWorkload,
  WORKLOAD_UID_BASE,
  canonicalNodeText,
  canonicalValue,
  decimalOf,
  digestOf,
  graphBatches,
  labelsOf,
  type GraphOp,
} from "../model.ts";
import { isDefiniteBoltFailure } from "../errors.ts";
import { nodeRecords, nodeWrites } from "../workload-client.ts";
import { createNodesCypher, quoteName } from "../cypher.ts";

/** What the driver hands back with lossless integers: every integer, temporal fields included, as a neo4j Integer. */
function asDecoded(v: unknown): unknown {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean" || neo4j.isInt(v)) return v;
  if (Array.isArray(v)) return v.map(asDecoded);
  if (neo4j.isDate(v)) return new neo4j.types.Date(neo4j.int(v.year), neo4j.int(v.month), neo4j.int(v.day));
  if (neo4j.isLocalDateTime(v))
    return new neo4j.types.LocalDateTime(
      neo4j.int(v.year),
      neo4j.int(v.month),
      neo4j.int(v.day),
      neo4j.int(v.hour),
      neo4j.int(v.minute),
      neo4j.int(v.second),
      neo4j.int(v.nanosecond),
    );
  throw new Error(`unexpected ${String(v)}`);
}

describe("graph data model", () => {
  it("an Integer's canonical text is its toString(), across the whole 64-bit range", () => {
    const edges = ["0", "-1", "9007199254740991", "9007199254740992", "-9007199254740993", "9223372036854775807"];
    for (const s of [...edges, "-9223372036854775808"]) expect(canonicalValue(neo4j.int(s))).toBe(`i${s}`);
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (b) => {
        const v = neo4j.int(b.toString());
        expect(canonicalValue(v)).toBe(`i${v.toString()}`);
        expect(decimalOf(v)).toBe(b.toString());
      }),
      { numRuns: 1000 },
    );
  });

  it("a node's record is the same whether or not its property keys come in another order", () => {
    const batch = [...graphBatches(5, 1)][0]!;
    if (batch.kind !== "nodes") throw new Error("the first batch of a graph holds its nodes");
    const node = batch.nodes[0]!;
    const reversed = Object.fromEntries(Object.entries(node.props).reverse());
    expect(Object.keys(reversed)).not.toEqual(Object.keys(node.props));
    expect(nodeRecords(node.labels, reversed)).toEqual(nodeRecords(node.labels, node.props));
  });

  it("the same seed and size give the same graph: nodes, one relationship per node, then the accounts", () => {
    const digest = (seed: number) => {
      const keys: string[] = [];
      for (const b of graphBatches(seed, 600))
        keys.push(
          ...(b.kind === "nodes"
            ? b.nodes.flatMap((n) => nodeWrites(n).map((w) => w.digest))
            : b.rels.map((r) => `${r.uid}:${r.from}->${r.to}`)),
        );
      return keys;
    };
    const a = digest(7);
    expect(a).toEqual(digest(7));
    expect(a).not.toEqual(digest(8));
    // An account is two records: the account, and its balance apart.
    expect(a).toHaveLength(2 * 600 + 2 * ACCOUNTS.count);
  });

  it("holds the values that break naive tools", () => {
    const nodes = [...graphBatches(11, 2_000)].flatMap((b) => (b.kind === "nodes" ? b.nodes : []));
    const values = nodes.flatMap((n) => Object.values(n.props));
    expect(values.some((v) => typeof v === "number" && Number.isNaN(v))).toBe(true);
    expect(values.some((v) => v === Infinity || v === -Infinity)).toBe(true);
    expect(values.some((v) => neo4j.isInt(v) && !v.inSafeRange())).toBe(true);
    expect(values.some((v) => typeof v === "string" && /[^\p{ASCII}]/u.test(v))).toBe(true);
    expect(
      values.some((v) => neo4j.isLocalDateTime(v)) && values.some((v) => neo4j.isDate(v)) && values.some(Array.isArray),
    ).toBe(true);
    expect(nodes.some((n) => "ключ ü🔑" in n.props)).toBe(true);
    expect(new Set(nodes.map((n) => n.labels.join(":")))).toContain("Node:Person:With Space");
  });

  it("one canonical text whether built from the values sent or from the driver's decoding of them", () => {
    const nodes = [...graphBatches(3, 500)].flatMap((b) => (b.kind === "nodes" ? b.nodes : []));
    for (const n of nodes) {
      const decoded = Object.fromEntries(
        Object.entries(n.props)
          .map(([k, v]) => [k, asDecoded(v)])
          .reverse(),
      );
      expect(canonicalNodeText([...n.labels].reverse(), decoded)).toBe(canonicalNodeText(n.labels, n.props));
    }
  });

  it("tells apart what a naive form would merge: -0 and 0, NaN and text, 2^53+1 and 2^53, a date and its text", () => {
    expect(canonicalValue(-0)).not.toBe(canonicalValue(0));
    expect(canonicalValue(NaN)).not.toBe(canonicalValue("NaN"));
    expect(canonicalValue(neo4j.int("9007199254740993"))).not.toBe(canonicalValue(neo4j.int("9007199254740992")));
    expect(canonicalValue(new neo4j.types.Date(1, 2, 3))).not.toBe(canonicalValue("0001-02-03"));
    expect(canonicalValue(1)).not.toBe(canonicalValue(neo4j.int(1)));
    expect(() => canonicalValue({ x: 1 })).toThrow(/no canonical form/);
    expect(digestOf("a")).not.toBe(digestOf("b"));
  });

  it("quotes labels, so a label with a space or a back-quote cannot break out of the statement", () => {
    expect(quoteName("With Space")).toBe("`With Space`");
    expect(quoteName("a`b")).toBe("`a``b`");
    expect(createNodesCypher(labelsOf(3))).toBe(
      "UNWIND $rows AS props CREATE (n:`Node`:`Person`:`With Space`) SET n = props",
    );
  });
});

describe("graph workload", () => {
  it("each writer writes only keys it owns, deletes only what it created itself, and replays from the seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.nat(), (writers, seed) => {
        const run = () => {
          const w = new GraphWorkload(seed, 400);
          const ops: { writer: number; op: GraphOp; keys: string[] }[] = [];
          for (let i = 0; i < 300; i++)
            for (let writer = 0; writer < writers; writer++) {
              const op = w.next(writer, writers);
              ops.push({ writer, op: op.payload, keys: op.keys });
            }
          return ops;
        };
        const ops = run();
        expect(JSON.stringify(ops.map((o) => o.keys))).toBe(JSON.stringify(run().map((o) => o.keys)));
        const created = new Map<number, Set<string>>();
        for (const { writer, op, keys } of ops) {
          const mine = created.get(writer) ?? new Set<string>();
          created.set(writer, mine);
          if (op.kind === "update-node") expect((op.node.uid - 1) % writers).toBe(writer);
          if (op.kind === "create-node" || op.kind === "create-rel" || op.kind === "transfer") {
            const uid = op.kind === "create-node" ? op.node.uid : op.rel.uid;
            expect(uid).toBeGreaterThanOrEqual(WORKLOAD_UID_BASE);
            expect((uid - WORKLOAD_UID_BASE) % writers).toBe(writer);
            mine.add(keys[0]!);
          }
          if (op.kind === "delete-node" || op.kind === "delete-rel") {
            expect(mine.has(keys[0]!), `${keys[0]} deleted by writer ${writer}, which did not create it`).toBe(true);
            mine.delete(keys[0]!);
          }
          if (op.kind === "transfer") expect(op.rel.from).not.toBe(op.rel.to);
        }
        expect(new Set(ops.map((o) => o.op.kind))).toEqual(
          new Set(["create-node", "update-node", "delete-node", "create-rel", "delete-rel", "transfer"]),
        );
      }),
      { numRuns: 8 },
    );
  });

  it("a rolled-back write is a definite failure; a lost connection or a database error is unknown", () => {
    const err = (code: string) => new Neo4jError("x", code, "50N42", "error");
    expect(isDefiniteBoltFailure(err("Neo.ClientError.Schema.ConstraintValidationFailed"))).toBe(true);
    expect(isDefiniteBoltFailure(err("Neo.TransientError.Transaction.DeadlockDetected"))).toBe(true);
    expect(isDefiniteBoltFailure(err("Neo.DatabaseError.General.UnknownError"))).toBe(false);
    expect(isDefiniteBoltFailure(err("ServiceUnavailable"))).toBe(false);
    expect(isDefiniteBoltFailure(new Error("socket hang up"))).toBe(false);
  });
});
