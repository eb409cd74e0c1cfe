import type pg from "pg";
import type { Sender } from "@questdb/nodejs-client";
import type { DatasetSpec, EngineNode, LoadStats } from "../../harness/engine.ts";
import type { KeyWrite, Ledger } from "../../harness/ledger.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { WorkloadClient, WorkloadOp } from "../../harness/workload.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { EngineError } from "../../harness/engine-error.ts";
import { sha256Hex } from "../../harness/sha256.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { readQuery } from "./user-query.ts";
import { QDB_TABLES, canonicalRowText, questdbDataset, rowKey, type QdbOp, type QdbRow } from "./model.ts";
import { errorLines } from "../../harness/server-log.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import { QDB_HTTP_PORT, QDB_ROOT, type StartedQuestDb } from "./container.ts";
import { exportRows } from "./export-read.ts";
import { QDB_SERVER_ERRORS } from "./recovery.ts";
import {
  CANONICAL_COLUMNS,
  EXPORT_COLUMNS,
  EXPORT_HEADER,
  createTableSql,
  isTrue,
  keyWrites,
  scalar,
  walState,
  writeBatch,
  type WalRow,
} from "./wire.ts";

const DRILL_TABLES = QDB_TABLES.map((t) => t.name);

/** A running QuestDB server on its own volume: the source of a drill, or a restored node. */
export class QuestDbNode implements EngineNode<QdbOp> {
  constructor(
    readonly qdb: StartedQuestDb,
    readonly volume: string,
  ) {}

  get images(): ResolvedImage[] {
    return [this.qdb.image];
  }

  async serverErrors(): Promise<string[]> {
    return errorLines(await this.qdb.log(), QDB_SERVER_ERRORS);
  }

  /** A user's SQL for `verify --checks`: one statement that reads (user-query.ts). */
  async userQuery(text: string): Promise<string[][]> {
    const client = await this.qdb.client({ queryTimeoutMs: 60_000 });
    try {
      return await readQuery(client, text);
    } finally {
      await client.end();
    }
  }

  async load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    const client = await this.qdb.client();
    let ilp: Sender | undefined;
    try {
      for (const t of QDB_TABLES) await client.query(createTableSql(t));
      let records = 0;
      for (const batch of questdbDataset(dataset.seed, dataset.rows)) {
        const invokeAt = ledger.clock.now();
        await writeBatch(client, async () => (ilp ??= await this.qdb.ilp()), batch.table, batch.rows);
        ledger.appendLoad(invokeAt, keyWrites(batch.table, batch.rows));
        records += batch.rows.length;
        progress.update({ records, "records/s": Math.round(records / (progress.elapsedMs() / 1000)) });
      }
      await this.waitForWal(client, 300_000);
      const bytes = await this.qdb.exec(["du", "-sb", `${QDB_ROOT}/db`]);
      return { records, bytes: Number(bytes.output.trim().split(/\s+/)[0]) || undefined };
    } finally {
      await ilp?.close().catch(() => undefined);
      await client.end();
    }
  }

  /**
   * Waits until the WAL tables among `tables` (the drill's by default) have applied their WAL, bounded. A suspended
   * table will not apply anything more: it throws, unless `readAnyway`, which also returns at the deadline (the
   * canonical read then takes what is served, and the oracle and the invariant say what is missing).
   */
  async waitForWal(
    client: pg.Client,
    timeoutMs: number,
    opts: { readAnyway?: boolean; tables?: string[] } = {},
  ): Promise<WalRow[]> {
    const tables = opts.tables ?? DRILL_TABLES;
    const deadline = Date.now() + timeoutMs;
    let last: WalRow[] = [];
    while (Date.now() < deadline) {
      last = (await walState(client)).filter((w) => tables.includes(w.name));
      const suspended = last.filter((w) => w.suspended);
      if (suspended.length && opts.readAnyway) return last;
      // The server's own word on those tables (wal_tables() says suspended): a finding, not an error of ours.
      if (suspended.length) throw new EngineError(`WAL table(s) suspended: ${suspended.map((w) => w.name).join(", ")}`);
      if (last.every((w) => w.writerTxn === w.sequencerTxn)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (opts.readAnyway) return last;
    throw new Error(
      `WAL not applied within ${timeoutMs} ms: ${last.map((w) => `${w.name} ${w.writerTxn}/${w.sequencerTxn}`).join(", ")}`,
    );
  }

  async openWorkloadClient(): Promise<QuestDbWorkloadClient> {
    return new QuestDbWorkloadClient(await this.qdb.client({ queryTimeoutMs: 30_000 }), () => this.qdb.ilp());
  }

  /**
   * The drill tables (and only those), each in one `/exp` CSV export of the canonical columns, streamed and parsed as it
   * arrives. The server's own errors (a partition listed in `_txn` but missing on disk) are `EngineError`s: a finding
   * about the restore; an export the server breaks off mid-stream says nothing, so it is a plain error (the check then
   * quotes what the server logged). An absent table is no records: the oracle counts what is missing. Each table must
   * serve as many rows as its `count()` says (nothing writes during a read-back; a table still applying its WAL at the
   * deadline excepted): a shorter export is an error, never fewer records.
   */
  async readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    const client = await this.qdb.client();
    const base = `http://${publishedHost(this.qdb)}:${this.qdb.getMappedPort(QDB_HTTP_PORT)}`;
    await engineErrors(async () => {
      const wal = await this.waitForWal(client, 120_000, { readAnyway: true });
      // A table still applying its WAL at the deadline may grow between count() and the export: only framing holds.
      const applying = wal.filter((w) => !w.suspended && w.writerTxn !== w.sequencerTxn).map((w) => w.name);
      for (const t of QDB_TABLES) {
        let count;
        try {
          count = Number(await scalar(client, `SELECT count() FROM ${t.name}`));
        } catch (err) {
          if (/table does not exist/i.test((err as Error).message)) continue;
          throw err;
        }
        let served = 0;
        for await (const rows of exportRows(base, `SELECT ${EXPORT_COLUMNS} FROM ${t.name}`, EXPORT_HEADER)) {
          for (const values of rows) {
            const text = canonicalFromValues(values);
            await into.add({
              key: rowKey(t, values[0] ?? "null"),
              digest: digestOfText(text),
              preview: text.slice(0, 160),
            });
          }
          served += rows.length;
          progress.update({ records: into.digest.count });
        }
        if (served !== count && !applying.includes(t.name))
          throw new Error(`${t.name}: /exp served ${served} rows, count() says ${count}`);
      }
    }).finally(() => client.end());
  }

  /** A PG-wire error the server sent, or a row served back otherwise than written, is the engine's answer (EngineError). */
  async probeWrite(): Promise<string> {
    const client = await this.qdb.client();
    let ilp: Sender | undefined;
    try {
      const ts = Date.UTC(2030, 0, 1) * 1000;
      const note = `dr-drill probe ${new Date().toISOString()} ✓`;
      const probe = (id: number): QdbRow => ({
        id,
        sym: "probe",
        qty: id,
        price: 0.5,
        flag: true,
        note,
        eventTs: ts,
        ts,
      });
      const viaPg = QDB_TABLES.find((t) => !t.wal)!;
      const viaIlp = QDB_TABLES.find((t) => t.protocol === "ilp")!;
      await engineErrors(async () => {
        await writeBatch(client, async () => (ilp ??= await this.qdb.ilp()), viaPg, [probe(-1)]);
        await writeBatch(client, async () => (ilp ??= await this.qdb.ilp()), viaIlp, [probe(-2)]);
        await this.waitForWal(client, 60_000);
      });
      for (const [t, id] of [
        [viaPg, -1],
        [viaIlp, -2],
      ] as const) {
        const back = await engineErrors(() =>
          client.query<Record<string, string | null>>(`SELECT ${CANONICAL_COLUMNS} FROM ${t.name} WHERE id = ${id}`),
        );
        if (back.rows.length !== 1 || canonicalFromServer(back.rows[0]!) !== canonicalRowText(probe(id))) {
          throw new EngineError(
            `wrote ${canonicalRowText(probe(id))} to ${t.name}, read back ${JSON.stringify(back.rows)}`,
          );
        }
      }
      return `inserted a row into ${viaPg.name} over PG wire and one into ${viaIlp.name} over ILP/HTTP, and read both back`;
    } finally {
      await ilp?.close().catch(() => undefined);
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    await this.qdb.stop();
    await removeVolume(this.volume);
  }
}

/** The canonical text of a row as the server sent it back over PG wire (see `canonicalRowText` for the form). */
export function canonicalFromServer(r: Record<string, string | null>): string {
  return canonicalFromValues(EXPORT_HEADER.map((c) => r[c] ?? null));
}

/**
 * The canonical text of a row from the server's text of its canonical columns, in `EXPORT_HEADER` order: LONGs and
 * timestamps (cast to LONG) as sent, the DOUBLE as JavaScript's shortest text of its value, BOOLEAN `t`/`true`.
 */
export function canonicalFromValues(v: readonly (string | null | undefined)[]): string {
  const price = v[3];
  return JSON.stringify([
    v[0] ?? null,
    v[1] ?? null,
    v[2] ?? null,
    price === null || price === undefined ? null : String(Number(price)),
    isTrue(v[4]),
    v[5] ?? null,
    v[6] ?? null,
    v[7] ?? null,
  ]);
}

/** SHA-256 of a row's canonical text, as the ledger's `rowDigest`. */
export const digestOfText = sha256Hex;

/** One writer: a PG-wire session, and an ILP/HTTP sender opened on first use. */
export class QuestDbWorkloadClient implements WorkloadClient<QdbOp> {
  private sender: Sender | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly openSender: () => Promise<Sender>,
  ) {}

  /**
   * The digests of the rows about to be sent: QuestDB has no RETURNING, so they are the client's, computed from the
   * values themselves. A write whose outcome stays unknown then still says which value it may have left.
   */
  async intended(op: WorkloadOp<QdbOp>): Promise<KeyWrite[]> {
    return keyWrites(op.payload.table, op.payload.rows);
  }

  async apply(op: WorkloadOp<QdbOp>): Promise<KeyWrite[]> {
    const { table, rows } = op.payload;
    try {
      await writeBatch(this.client, async () => (this.sender ??= await this.openSender()), table, rows);
    } catch (err) {
      // A sender whose request failed may still hold rows in its buffer: never send them again with the next op.
      await this.sender?.close().catch(() => undefined);
      this.sender = undefined;
      throw err;
    }
    return keyWrites(table, rows);
  }

  /**
   * Only "table busy" proves a write did not happen: a non-WAL table has one writer, and an INSERT that cannot get it
   * is refused before writing anything (two PG-wire writers on one non-WAL table meet this often). Anything else is
   * `info`: QuestDB's PG-wire errors carry no SQLSTATE that means "rolled back", and an ILP/HTTP error may come after
   * the commit (a time-out).
   */
  isDefiniteFailure(err: unknown): boolean {
    return err instanceof Error && /^table busy \[reason=/.test(err.message);
  }

  async close(): Promise<void> {
    await this.sender?.close().catch(() => undefined);
    await this.client.end();
  }
}
