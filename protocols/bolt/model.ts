import fc from "fast-check";
import neo4j, { type Integer } from "neo4j-driver";
import type { OpSource, WorkloadOp } from "../../harness/workload.ts";
import { deriveSeed } from "../../harness/seed.ts";
import { int64, nastyText } from "../../harness/hostile-values.ts";
import { compareKeys } from "../../harness/records.ts";
import { sha256Hex } from "../../harness/sha256.ts";

/**
 * The graph data model every Bolt engine (Neo4j, Memgraph) is drilled with. Nodes carry the label `Node` plus a few
 * others (non-ASCII and with spaces among them) and a unique integer `uid`; relationships carry their own unique `uid`.
 * Property values break naive tools: text with quotes, controls and astral characters, 64-bit integers beyond 2^53,
 * doubles with NaN, ±Infinity and -0, lists, dates and local date-times (microsecond precision, which both engines
 * keep), a property key that is not ASCII. Accounts are nodes too; transfers move an amount between two of them and
 * record a TRANSFER relationship, in one transaction, so the total never changes.
 */
export type GraphValue =
  | string
  | number
  | boolean
  | Integer
  | InstanceType<typeof neo4j.types.Date>
  | InstanceType<typeof neo4j.types.LocalDateTime>
  | GraphValue[];
export type Props = Record<string, GraphValue>;

export interface GraphNode {
  uid: number;
  labels: string[];
  /** Every property, `uid` included. */
  props: Props;
}

export interface GraphRel {
  uid: number;
  type: string;
  from: number;
  to: number;
  props: Props;
}

export const NODE_LABEL = "Node";
export const ACCOUNT_LABEL = "Account";
/** The extra labels of loaded and created nodes, chosen by uid (so an update knows a node's labels). */
const LABEL_SETS: readonly string[][] = [[], ["Person"], ["Item", "Ünïcode_标签"], ["Person", "With Space"]];
export const REL_TYPES = ["LINKS", "KNÖWS"] as const;
export const TRANSFER_TYPE = "TRANSFER";

export const ACCOUNTS = { count: 32, initialBalance: 1_000_000, uidBase: 900_000_000 };

export function labelsOf(uid: number): string[] {
  return [NODE_LABEL, ...LABEL_SETS[uid % LABEL_SETS.length]!];
}

const date = fc.record({
  y: fc.integer({ min: 1, max: 9999 }),
  m: fc.integer({ min: 1, max: 12 }),
  d: fc.integer({ min: 1, max: 28 }),
});
const localDate = date.map(({ y, m, d }) => new neo4j.types.Date(y, m, d));
const localDateTime = fc
  .tuple(
    date,
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 999_999 }),
  )
  .map(([{ y, m, d }, h, mi, s, micros]) => new neo4j.types.LocalDateTime(y, m, d, h, mi, s, micros * 1000));
const bigInt = int64.map((s) => neo4j.int(s));

/** A property map: `name` always, every other key present or absent (a graph stores no nulls). */
const propsArb: fc.Arbitrary<Props> = fc.record(
  {
    name: nastyText(30),
    big: bigInt,
    score: fc.double(),
    tags: fc.array(nastyText(10), { maxLength: 5 }),
    counts: fc.array(bigInt, { maxLength: 4 }),
    day: localDate,
    at: localDateTime,
    flag: fc.boolean(),
    "ключ ü🔑": nastyText(8),
  },
  { requiredKeys: ["name"] },
);

const relPropsArb: fc.Arbitrary<Props> = fc.record(
  { weight: fc.double(), note: nastyText(20), since: localDate },
  { requiredKeys: [] },
);

/** Nodes per generated batch: the unit of reproducibility, so part of the data set's definition. */
export const GRAPH_BATCH = 250;

export function nodeOf(uid: number, props: Props): GraphNode {
  return { uid, labels: labelsOf(uid), props: { ...props, uid: neo4j.int(uid) } };
}

export function accountNode(i: number, balance = ACCOUNTS.initialBalance): GraphNode {
  const uid = ACCOUNTS.uidBase + i;
  return { uid, labels: [NODE_LABEL, ACCOUNT_LABEL], props: { uid: neo4j.int(uid), balance: neo4j.int(balance) } };
}

export type GraphBatch = { kind: "nodes"; nodes: GraphNode[] } | { kind: "rels"; rels: GraphRel[] };

/**
 * The data set for a seed: `rows` nodes (uids 1..rows), then one relationship per node (uids 1..rows) from it to
 * another loaded node, then the accounts. The same seed and size always give the same graph.
 */
export function* graphBatches(seed: number, rows: number): Generator<GraphBatch> {
  for (let start = 1; start <= rows; start += GRAPH_BATCH) {
    const n = Math.min(GRAPH_BATCH, rows - start + 1);
    const props = fc.sample(propsArb, { seed: deriveSeed(seed, "graph-nodes", start), numRuns: n });
    yield { kind: "nodes", nodes: props.map((p, i) => nodeOf(start + i, p)) };
  }
  for (let start = 1; start <= rows; start += GRAPH_BATCH) {
    const n = Math.min(GRAPH_BATCH, rows - start + 1);
    const picks = fc.sample(fc.tuple(relPropsArb, fc.nat({ max: Math.max(0, rows - 1) })), {
      seed: deriveSeed(seed, "graph-rels", start),
      numRuns: n,
    });
    yield {
      kind: "rels",
      rels: picks.map(([props, to], i) =>
        relOf(start + i, REL_TYPES[(start + i) % REL_TYPES.length]!, start + i, to + 1, props),
      ),
    };
  }
  yield { kind: "nodes", nodes: Array.from({ length: ACCOUNTS.count }, (_, i) => accountNode(i)) };
}

export function relOf(uid: number, type: string, from: number, to: number, props: Props): GraphRel {
  return { uid, type, from, to, props: { ...props, uid: neo4j.int(uid) } };
}

/** An Integer's decimal text, as its `toString()` gives it, without that method's digit-by-digit long division. */
function intText(v: Integer): string {
  return v.inSafeRange()
    ? String(v.toNumber())
    : BigInt.asIntN(64, (BigInt(v.high) << 32n) | BigInt(v.low >>> 0)).toString();
}

/** A value's decimal text: an Integer's as `intText`, anything else's `String`. */
export const decimalOf = (v: unknown): string => (neo4j.isInt(v) ? intText(v) : String(v));

/**
 * One canonical text per value, the same whichever side built it (the values sent, or the driver's decoding of what
 * the engine returned): integers as decimal, doubles as JavaScript's shortest round-trip form (NaN, ±Infinity and -0
 * spelled out), text as JSON, temporals in ISO form with nanoseconds, lists in order.
 */
export function canonicalValue(v: unknown): string {
  if (neo4j.isInt(v)) return `i${intText(v)}`;
  if (typeof v === "bigint") return `i${v.toString()}`;
  if (typeof v === "number") return Object.is(v, -0) ? "f-0" : `f${String(v)}`;
  if (typeof v === "string") return `s${JSON.stringify(v)}`;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(canonicalValue).join(",")}]`;
  if (neo4j.isDate(v)) return `date(${v.toString()})`;
  if (neo4j.isLocalDateTime(v)) return `localdatetime(${v.toString()})`;
  if (v === null || v === undefined) return "null";
  throw new Error(`no canonical form for a ${typeof v} property value: ${String(v)}`);
}

/** Keys sorted by their UTF-8 bytes, so the canonical text does not depend on the order an engine returns them in. */
export function canonicalProps(props: Record<string, unknown>): string {
  const keys = Object.keys(props).sort(compareKeys);
  let text = "{";
  for (const [i, k] of keys.entries()) text += `${i ? "," : ""}${JSON.stringify(k)}:${canonicalValue(props[k])}`;
  return text + "}";
}

export function canonicalNodeText(labels: string[], props: Record<string, unknown>): string {
  return `(${[...labels].sort().join(":")} ${canonicalProps(props)})`;
}

export function canonicalRelText(type: string, from: unknown, to: unknown, props: Record<string, unknown>): string {
  return `(${canonicalValue(from)})-[${type} ${canonicalProps(props)}]->(${canonicalValue(to)})`;
}

export const digestOf = sha256Hex;
export const nodeKey = (uid: number | string) => `node/${uid}`;
/** An account's balance, a record apart from the rest of the account: transfers move it, nothing else changes. */
export const balanceKey = (uid: number | string) => `${nodeKey(uid)}#balance`;
export const relKey = (uid: number | string) => `rel/${uid}`;

export type GraphOp =
  | { kind: "create-node"; node: GraphNode }
  | { kind: "update-node"; node: GraphNode }
  | { kind: "delete-node"; uid: number }
  | { kind: "create-rel"; rel: GraphRel }
  | { kind: "delete-rel"; uid: number }
  | { kind: "transfer"; rel: GraphRel; amount: number };

/** Uids of nodes and relationships the workload creates start here, far above any loaded uid and below 2^53. */
export const WORKLOAD_UID_BASE = 1_000_000_000;

/**
 * The write workload: creates, property updates and deletes of nodes and relationships, and transfers between
 * accounts. Each writer owns what it writes (created uids ≡ writer mod writers, and the loaded nodes with that
 * residue), so the writes to one key never overlap and their order is known. A writer deletes only nodes it created
 * itself (never an endpoint of a relationship) and relationships it created, most recent first.
 */
export class GraphWorkload implements OpSource<GraphOp> {
  private readonly counters = new Map<number, number>();
  private readonly created = new Map<number, { nodes: number[]; rels: number[] }>();

  constructor(
    private readonly seed: number,
    private readonly loadedNodes: number,
  ) {}

  next(writer: number, writers: number): WorkloadOp<GraphOp> {
    const n = this.counters.get(writer) ?? 0;
    this.counters.set(writer, n + 1);
    const mine = this.created.get(writer) ?? { nodes: [], rels: [] };
    this.created.set(writer, mine);
    const opSeed = deriveSeed(this.seed, "graph-op", writer, n);
    const [[choice, a, b, amount, props, relProps]] = fc.sample(
      fc.tuple(
        fc.nat({ max: 99 }),
        fc.nat({ max: 1 << 30 }),
        fc.nat({ max: 1 << 30 }),
        fc.integer({ min: 1, max: 5_000 }),
        propsArb,
        relPropsArb,
      ),
      { seed: opSeed, numRuns: 1 },
    ) as [[number, number, number, number, Props, Props]];
    const ownUid = WORKLOAD_UID_BASE + n * writers + writer;
    const loaded = this.loadedNodes;
    if (choice < 20 && loaded >= writers) {
      const uid = writer + 1 + (a % Math.floor((loaded - 1 - writer) / writers + 1)) * writers;
      return { kind: "update-node", keys: [nodeKey(uid)], payload: { kind: "update-node", node: nodeOf(uid, props) } };
    }
    if (choice < 30 && mine.nodes.length > 0) {
      const uid = mine.nodes.pop()!;
      return { kind: "delete-node", keys: [nodeKey(uid)], payload: { kind: "delete-node", uid } };
    }
    if (choice < 38 && mine.rels.length > 0) {
      const uid = mine.rels.pop()!;
      return { kind: "delete-rel", keys: [relKey(uid)], payload: { kind: "delete-rel", uid } };
    }
    if (choice < 55 && loaded > 0) {
      mine.rels.push(ownUid);
      const rel = relOf(ownUid, REL_TYPES[n % REL_TYPES.length]!, 1 + (a % loaded), 1 + (b % loaded), relProps);
      return { kind: "create-rel", keys: [relKey(ownUid)], payload: { kind: "create-rel", rel } };
    }
    if (choice < 75) {
      const from = a % ACCOUNTS.count;
      const to = (from + 1 + (b % (ACCOUNTS.count - 1))) % ACCOUNTS.count;
      const rel = relOf(ownUid, TRANSFER_TYPE, ACCOUNTS.uidBase + from, ACCOUNTS.uidBase + to, {
        amount: neo4j.int(amount),
      });
      // The balances' new values depend on every other writer's transfers: checked by the invariants, not key by key.
      return {
        kind: "transfer",
        keys: [relKey(ownUid), balanceKey(rel.from), balanceKey(rel.to)],
        payload: { kind: "transfer", rel, amount },
      };
    }
    mine.nodes.push(ownUid);
    return {
      kind: "create-node",
      keys: [nodeKey(ownUid)],
      payload: { kind: "create-node", node: nodeOf(ownUid, props) },
    };
  }
}
