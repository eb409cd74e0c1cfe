/**
 * The engines' own tools, run alone on a loaded node, for the side-by-side benchmark: what a backup, a full read and
 * a restore cost without dr-drill around them. Each returns wall times in ms, measured around the tool only.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { request } from "node:http";
import { createDrillRuntime } from "../harness/drill.ts";
import type { DrillRuntime, EngineNode } from "../harness/engine.ts";
import { Ledger } from "../harness/ledger.ts";
import { publishedHost } from "../harness/runtime/docker.ts";
import { createVolume, removeManaged, removeVolume } from "../harness/runtime/resources.ts";
import { restoreVolume } from "../harness/runtime/restore-volume.ts";
import { PostgresEngine } from "../engines/postgres/index.ts";
import { ALL_TABLES } from "../engines/postgres/schema.ts";
import { socketArgs } from "../protocols/pg/tools.ts";
import { QuestDbEngine } from "../engines/questdb/index.ts";
import { QDB_HTTP_PORT, QDB_ROOT, QDB_UID, QuestDbContainer } from "../engines/questdb/container.ts";
import type { QuestDbNode } from "../engines/questdb/node.ts";
import { QDB_TABLES } from "../engines/questdb/model.ts";
import { Neo4jEngine } from "../engines/neo4j/index.ts";

/** Measures an engine's own tools on a node of `version` loaded with `rows` rows of seed `seed`. */
export type MeasureBaseline = (
  version: string,
  rows: number,
  seed: number,
  workDir: string,
  log: (l: string) => void,
) => Promise<Baseline>;

export interface Baseline {
  backup: { ms: number; tool: string } | { ms: null; tool: string };
  read: { ms: number; tool: string };
  restore: { ms: number; tool: string } | { ms: null; tool: string };
}

const time = async (what: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await what();
  return performance.now() - t;
};

async function execOk(
  node: { exec(args: string[]): Promise<{ exitCode: number; output: string }> },
  script: string,
): Promise<void> {
  const { exitCode, output } = await node.exec(["sh", "-c", script]);
  if (exitCode !== 0) throw new Error(`${script.slice(0, 80)}… exited ${exitCode}: ${output.slice(-800)}`);
}

/** Provisions and loads a node of `engine` with the drill's own loader, runs `measure`, and removes everything. */
async function onLoadedNode<Node extends EngineNode<unknown>>(
  engine: { provision(rt: DrillRuntime): Promise<Node> },
  rows: number,
  seed: number,
  workDir: string,
  log: (l: string) => void,
  measure: (node: Node, rt: DrillRuntime) => Promise<Baseline>,
): Promise<Baseline> {
  const drillId = `bench-baseline-${process.pid}-${Date.now()}`;
  await mkdir(workDir, { recursive: true });
  const { rt, progress } = createDrillRuntime({ runId: drillId, drillId, workDir, sink: { line: log } });
  let node: Node | undefined;
  try {
    node = await engine.provision(rt);
    const ledger = new Ledger(join(workDir, "ledger.jsonl"), rt.clock);
    await node.load({ seed, rows }, ledger, progress.phase("load"));
    await ledger.close();
    return await measure(node, rt);
  } finally {
    // By label as well: a provision that failed half-way leaves a volume and no node.
    await node?.destroy().catch(() => undefined);
    await removeManaged({ drillId });
  }
}

/**
 * PostgreSQL 15: `pg_basebackup -Fp -X stream -c fast` into the container's /tmp; `COPY <table> TO STDOUT` of every
 * drill table through psql into /dev/null; a restore as the docs describe it: the base backup copied into an empty
 * data directory and `pg_ctl start -w` (WAL replay to the end of the backup, then ready).
 */
export const postgresBaseline: MeasureBaseline = (version, rows, seed, workDir, log) =>
  onLoadedNode(new PostgresEngine(version, "physical"), rows, seed, workDir, log, async (node) => {
    const pg = { exec: (args: string[]) => node.pg.tool(args) };
    const auth = socketArgs("drill").join(" ");
    const backupMs = await time(() =>
      execOk(pg, `rm -rf /tmp/bench-bb && pg_basebackup ${auth} -D /tmp/bench-bb -Fp -X stream -c fast`),
    );
    const copies = ALL_TABLES.map((t) => `-c "COPY ${t} TO STDOUT"`).join(" ");
    const readMs = await time(() => execOk(pg, `psql ${auth} -d drill -q ${copies} > /dev/null`));
    const restoreMs = await time(() =>
      execOk(
        pg,
        `rm -rf /tmp/bench-restore && cp -a /tmp/bench-bb /tmp/bench-restore && chmod 700 /tmp/bench-restore && pg_ctl -D /tmp/bench-restore -o "-p 5499 -k /tmp -c listen_addresses=''" -w -t 600 start > /tmp/bench-restore.log`,
      ),
    );
    await execOk(
      pg,
      "pg_ctl -D /tmp/bench-restore -m fast stop > /dev/null && rm -rf /tmp/bench-bb /tmp/bench-restore",
    );
    return {
      backup: { ms: backupMs, tool: "pg_basebackup -Fp -X stream -c fast (in the container)" },
      read: {
        ms: readMs,
        tool: `COPY … TO STDOUT of ${ALL_TABLES.length} tables (psql in the container, to /dev/null)`,
      },
      restore: { ms: restoreMs, tool: "cp -a of the base backup + pg_ctl start -w (WAL replay, in the container)" },
    };
  });

/** Reads a URL to its end, discarding the body; fails on a status other than 200. */
function drain(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () =>
        res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
      );
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

/**
 * QuestDB: `CHECKPOINT CREATE` → `cp -a` of the root inside the container → `CHECKPOINT RELEASE`; the `/exp` CSV export
 * of every table read to its end over HTTP; a restore as the docs describe it, timed alone: the checkpointed root
 * copied into a fresh volume with the `_restore` trigger (untimed), then a server started on it until it serves.
 */
export const questdbBaseline: MeasureBaseline = (version, rows, seed, workDir, log) => {
  const engine = new QuestDbEngine(version);
  return onLoadedNode(engine, rows, seed, workDir, log, async (node, rt) => {
    const client = await node.qdb.client();
    let backupMs: number;
    try {
      backupMs = await time(async () => {
        await client.query("CHECKPOINT CREATE");
        try {
          await execOk(
            node.qdb,
            `rm -rf /tmp/bench-copy && mkdir -p /tmp/bench-copy && cp -a ${QDB_ROOT}/. /tmp/bench-copy/`,
          );
        } finally {
          await client.query("CHECKPOINT RELEASE");
        }
      });
      await execOk(node.qdb, "rm -rf /tmp/bench-copy");
    } finally {
      await client.end();
    }
    const base = `http://${publishedHost(node.qdb)}:${node.qdb.getMappedPort(QDB_HTTP_PORT)}`;
    const readMs = await time(async () => {
      for (const t of QDB_TABLES) await drain(`${base}/exp?query=${encodeURIComponent(`SELECT * FROM ${t.name}`)}`);
    });
    const restoreMs = await bareRestartMs(engine, node, join(workDir, "backup"), rt);
    return {
      backup: { ms: backupMs, tool: "CHECKPOINT CREATE + cp -a <root> (in the container) + CHECKPOINT RELEASE" },
      read: { ms: readMs, tool: `/exp CSV export of ${QDB_TABLES.length} tables over HTTP, read to the end` },
      restore: {
        ms: restoreMs,
        tool: "a bare server start with the _restore trigger on the copied root, until it serves (copy-in untimed)",
      },
    };
  });
};

/**
 * The start of a QuestDB server on a copy of `node`'s checkpointed root with the `_restore` trigger, until it answers a
 * query: the floor of the drill's restore. The root is the drill's own backup, copied in before the clock starts; the
 * trigger must be gone afterwards (the recovery ran), or the figure is not a restore's. Stops `node`'s server.
 */
async function bareRestartMs(engine: QuestDbEngine, node: QuestDbNode, dir: string, rt: DrillRuntime): Promise<number> {
  const artifact = await engine.backup(node, dir, rt);
  const image = node.qdb.image;
  const volume = await createVolume(`${rt.drillId}-bare-restore`, rt.labels);
  try {
    const root = restoreVolume({ image, volume, mountPath: QDB_ROOT, uid: QDB_UID, labels: rt.labels });
    await root.copyIn(artifact.dir);
    await root.sh(`touch ${QDB_ROOT}/_restore && chown ${QDB_UID}:${QDB_UID} ${QDB_ROOT}/_restore`);
    // As in a drill, the source is gone by the restore: its server does not share the cores with the start.
    await node.qdb.stop();
    const builder = new QuestDbContainer(image, node.qdb.credentials).withLabels(rt.labels).withVolume(volume);
    const started = performance.now();
    const qdb = await builder.start();
    const ms = performance.now() - started;
    try {
      if ((await qdb.exec(["test", "-e", `${QDB_ROOT}/_restore`])).exitCode === 0)
        throw new Error("the bare restore left _restore behind: the server did not run the recovery");
    } finally {
      await qdb.stop();
    }
    return ms;
  } finally {
    await removeVolume(volume).catch(() => undefined);
  }
}

/**
 * Neo4j: every node and every relationship streamed by the driver (`MATCH (n) RETURN n`, `MATCH ()-[r]->() RETURN r`),
 * counted and dropped: the read a check cannot go below. Its backup and restore (`neo4j-admin database dump`/`load` of
 * a stopped server) are the drill's own commands, so they have no separate figure.
 */
export const neo4jBaseline: MeasureBaseline = (version, rows, seed, workDir, log) =>
  onLoadedNode(new Neo4jEngine(version, "dump"), rows, seed, workDir, log, async (node) => {
    let records = 0;
    const readMs = await time(async () => (records = await node.plainRead()));
    return {
      backup: { ms: null, tool: "neo4j-admin database dump: the drill's own command" },
      read: {
        ms: readMs,
        tool: `MATCH (n) RETURN n + MATCH ()-[r]->() RETURN r, ${records} records streamed by the driver`,
      },
      restore: { ms: null, tool: "neo4j-admin database load: the drill's own command" },
    };
  });
