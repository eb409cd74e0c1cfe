import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  BackupArtifact,
  DatasetSpec,
  DrillRuntime,
  Engine,
  RestoreAttempt,
  RestoreHooks,
  RestoreResult,
} from "../../harness/engine.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { refusalOf, startOrRefusal } from "../../harness/runtime/start-or-refusal.ts";
import {
  MQTT_AS_SPECIFIED,
  MQTT_RECORDS,
  MqttWorkload,
  mqttUniverse,
  type MqttCapabilities,
  type MqttPublish,
} from "../../protocols/mqtt/index.ts";
import {
  DEFAULT_SETTINGS,
  MOSQ_DATA,
  MOSQ_UID,
  MosquittoContainer,
  mosquittoConf,
  type DbFileStat,
  type MosquittoSettings,
  type StartedMosquitto,
} from "./container.ts";
import { describeScan, scanDb, type DbScan } from "./db-file.ts";
import { MosquittoNode } from "./node.ts";
import { mosquittoDeepVerify, mosquittoFileKind } from "./deep-verify.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import { mosquittoImageSpec } from "./versions.ts";

/**
 * Mosquitto, backed up as its docs say: with `persistence true` the broker keeps everything in memory and writes it
 * all to `mosquitto.db` on SIGTERM, on SIGUSR1 and every `autosave_interval` seconds, through a temporary file that is
 * renamed into place (src/persist_write.c, `persist__backup`). The backup sends SIGUSR1, waits until a new file (a new
 * inode) is in place and copies it with `mosquitto.conf`. The restore puts the file into an empty data volume before
 * the first start. A second method, `crash`, is no backup but the measure of what autosave alone keeps: it waits for
 * an autosave, kills the broker with SIGKILL some time later and takes the file the crash left.
 */
export type MosquittoMethod = "sigusr1" | "crash";

/**
 * What Mosquitto 2 speaks and how its state reads back: MQTT 5, retained messages on `#`. One FIFO per client
 * (src/database.c at v2.0.11): `db__message_insert` appends a message to the client's in-flight list only while it has
 * send quota, else to its `queued` list (`DL_APPEND`), and queued messages move to in-flight from the head whenever
 * quota frees (`db__message_delete_outgoing`, `db__message_write_queued_out`, `db__message_reconnect_reset_outgoing`):
 * a message published after the session connected comes after everything it held. Retained messages for a new
 * subscription are inserted the same way before the SUBACK is sent (src/handle_subscribe.c).
 */
export const MOSQUITTO_CAPABILITIES: MqttCapabilities = { ...MQTT_AS_SPECIFIED, fifoSessionQueue: true };

export interface MosquittoArtifact extends BackupArtifact {
  sourceVersion: string;
  /** The inode of mosquitto.db before and after the save the backup waited for. */
  save: { before?: DbFileStat; after: DbFileStat; waitedMs: number };
  /** crash: how long after the autosave the broker was killed, and the autosave interval in force. */
  crash?: { killedAfterSaveMs: number; autosaveIntervalS: number };
}

export interface MosquittoEngineOptions {
  method?: MosquittoMethod;
  settings?: Partial<MosquittoSettings>;
  /** crash: the kill comes this fraction of `autosave_interval` after the autosave. */
  killAfterSaveFraction?: number;
}

export const ARTIFACT_DB = join("data", "mosquitto.db");
export const ARTIFACT_CONF = join("config", "mosquitto.conf");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The lines of a log that say what went wrong (Mosquitto prefixes them `Error:` or `Warning:`), joined, or undefined.
 * All of them: a truncated file gives "Error: Success." (strerror of a short read) before "Error: Couldn't open database.".
 */
export function logProblems(log: string): string | undefined {
  const lines = log
    .split("\n")
    .map((l) => l.replace(/^\d+: /, "").trim())
    .filter((l) => /^(Error|Warning):/.test(l));
  return lines.length ? [...new Set(lines)].slice(0, 4).join(" ") : undefined;
}

/** The broker exited before it was ready: its refusal, in its own `Error:` lines. */
export function brokerExited(exit: { exitCode: number; logTail: string }): string {
  const problem = logProblems(exit.logTail);
  return `Mosquitto exited with code ${exit.exitCode}${problem ? `: ${problem}` : ""}`;
}

/**
 * mosquitto.db as the broker will read it. A chunk of a type it does not know is skipped with a warning
 * (persist_read.c: "Warning: Unsupported chunk \"%d\" in persistent database file. Ignoring."): the file still
 * loads, so the check holds, but its summary says what the broker drops.
 */
export function dbFileCheck(scan: DbScan | undefined): CheckResult {
  const name = "preflight:mosquitto.db";
  if (!scan) return { name, valid: false, summary: `${ARTIFACT_DB} is missing from the backup` };
  const details = { ...scan, messages: scan.messages.length };
  if (scan.problem) return { name, valid: false, summary: `${ARTIFACT_DB}: ${scan.problem}`, details };
  const unknown = Object.entries(scan.chunks).filter(([type]) => type.startsWith("unknown-"));
  if (!unknown.length)
    return { name, valid: true, summary: `${ARTIFACT_DB} reads to its end: ${describeScan(scan)}`, details };
  const dropped = unknown.map(([type, n]) => `${n} of type ${type.slice("unknown-".length)}`).join(", ");
  return {
    name,
    valid: true,
    summary: `warning: ${ARTIFACT_DB} holds chunk(s) Mosquitto does not know (${dropped}): the broker skips them ("Unsupported chunk … Ignoring.") and restores the rest: ${describeScan(scan)}`,
    details,
  };
}

/** A broker that started listening, then exited: its refusal, in its own words. */
export function exitedAfterStart(exit: { exitCode: number; logTail: string }): string {
  const problem = logProblems(exit.logTail);
  return `Mosquitto exited with code ${exit.exitCode} after it started listening${problem ? `: ${problem}` : ""}`;
}

export class MosquittoEngine implements Engine<MqttPublish, MosquittoNode, MosquittoArtifact> {
  readonly name = "mosquitto";
  readonly backupMethod: MosquittoMethod;
  readonly backupMode = "online";
  /** One instant: the save runs inside the broker's single-threaded loop, which sends no acknowledgement meanwhile. */
  readonly records: RecordModel = { ...MQTT_RECORDS, consistency: "point-in-time" };
  readonly settings: MosquittoSettings;
  private readonly universe = mqttUniverse(MOSQUITTO_CAPABILITIES);

  constructor(
    readonly version: string,
    private readonly options: MosquittoEngineOptions = {},
  ) {
    mosquittoImageSpec(version); // fails early, naming the known versions
    this.backupMethod = options.method ?? "sigusr1";
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
  }

  private async start(rt: DrillRuntime, volume: string, config: string): Promise<StartedMosquitto> {
    const image = await rt.images.resolve(mosquittoImageSpec(this.version));
    return new MosquittoContainer(image).withLabels(rt.labels).withVolume(volume).withConfig(config).start();
  }

  async provision(rt: DrillRuntime): Promise<MosquittoNode> {
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    return new MosquittoNode(
      await this.start(rt, volume, mosquittoConf(this.settings)),
      volume,
      MOSQUITTO_CAPABILITIES,
      this.universe,
    );
  }

  /** Polls mosquitto.db until its inode is not `before`'s (a save renamed a new file into place), bounded. */
  private async nextSave(
    node: MosquittoNode,
    before: DbFileStat | undefined,
    timeoutMs: number,
    rt: DrillRuntime,
  ): Promise<{ after: DbFileStat; seenAt: number }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !rt.signal.aborted) {
      const now = await node.broker.dbStat();
      if (now && now.inode !== before?.inode) return { after: now, seenAt: rt.clock.now() };
      await sleep(50);
    }
    throw new Error(`no new mosquitto.db within ${timeoutMs} ms (inode still ${before?.inode ?? "none"})`);
  }

  async backup(node: MosquittoNode, dir: string, rt: DrillRuntime): Promise<MosquittoArtifact> {
    const invokedAt = rt.clock.now();
    const before = await node.broker.dbStat();
    let crash: MosquittoArtifact["crash"];
    let saved: { after: DbFileStat; seenAt: number };
    if (this.backupMethod === "sigusr1") {
      await node.broker.signal("SIGUSR1");
      saved = await this.nextSave(node, before, 30_000, rt);
    } else {
      const interval = this.settings.autosaveIntervalS;
      saved = await this.nextSave(node, before, (interval + 5) * 1000, rt);
      const killedAfterSaveMs = interval * 1000 * (this.options.killAfterSaveFraction ?? 0.5);
      await sleep(killedAfterSaveMs);
      const current = await node.broker.dbStat();
      if (current?.inode !== saved.after.inode)
        throw new Error(
          `another save came before the kill (inode ${saved.after.inode} → ${current?.inode}): the kill must fall between two autosaves`,
        );
      await node.broker.signal("SIGKILL");
      crash = { killedAfterSaveMs, autosaveIntervalS: interval };
    }
    const waitedMs = saved.seenAt - invokedAt;
    // The file a copy finds is the renamed one, complete: the next save writes a new file beside it.
    const staging = join(dir, ".data");
    await node.broker.copyDataOut(staging);
    await mkdir(join(dir, "data"), { recursive: true });
    await rename(join(staging, "mosquitto.db"), join(dir, ARTIFACT_DB));
    await rm(staging, { recursive: true });
    await mkdir(join(dir, "config"), { recursive: true });
    await writeFile(join(dir, ARTIFACT_CONF), mosquittoConf(this.settings));
    const scan = scanDb(await readFile(join(dir, ARTIFACT_DB)));
    rt.log(
      `  ${this.backupMethod === "sigusr1" ? "SIGUSR1" : `autosave, SIGKILL ${crash!.killedAfterSaveMs} ms later`}: new mosquitto.db (inode ${before?.inode ?? "none"} → ${saved.after.inode}) after ${waitedMs.toFixed(0)} ms; ${describeScan(scan)}`,
    );
    return {
      dir,
      method: this.backupMethod,
      tool:
        this.backupMethod === "sigusr1"
          ? `SIGUSR1 + copy of mosquitto.db and mosquitto.conf (Mosquitto ${this.version})`
          : `autosave every ${this.settings.autosaveIntervalS} s, then SIGKILL: the file the crash left`,
      // The save is at or before the moment its new file was seen.
      finishedAt: saved.seenAt,
      sourceVersion: this.version,
      save: { ...(before ? { before } : {}), after: saved.after, waitedMs },
      ...(crash ? { crash } : {}),
    };
  }

  /** Walks mosquitto.db as Mosquitto reads it (db-file.ts): empty, truncated or foreign files are named before the restore. */
  async preflight(artifact: MosquittoArtifact): Promise<CheckResult[]> {
    const db = await readFile(join(artifact.dir, ARTIFACT_DB)).catch(() => undefined);
    const conf = await readFile(join(artifact.dir, ARTIFACT_CONF), "utf8").catch(() => undefined);
    return [
      dbFileCheck(db ? scanDb(db) : undefined),
      {
        name: "preflight:mosquitto.conf",
        valid: conf !== undefined && /^persistence true$/m.test(conf),
        summary:
          conf === undefined
            ? `${ARTIFACT_CONF} is missing from the backup`
            : /^persistence true$/m.test(conf)
              ? `${ARTIFACT_CONF} present, persistence on`
              : `${ARTIFACT_CONF} does not turn persistence on: the restored broker would ignore mosquitto.db`,
      },
    ];
  }

  /** mosquitto.db into an empty data volume, then the first start with the backed-up mosquitto.conf. */
  async restore(
    artifact: MosquittoArtifact,
    rt: DrillRuntime,
    hooks: RestoreHooks,
  ): Promise<RestoreResult<MosquittoNode>> {
    // The backup's own configuration is part of the procedure: without it there is nothing to start the broker with.
    const config = await readFile(join(artifact.dir, ARTIFACT_CONF), "utf8").catch(() => undefined);
    if (config === undefined)
      return {
        attempts: [
          {
            ok: false,
            summary: `${ARTIFACT_CONF} is missing from the backup: the documented restore has no configuration to start the broker with`,
            durationMs: 0,
          },
        ],
        toolErrors: [],
      };
    const image = await rt.images.resolve(mosquittoImageSpec(this.version));
    const volumeName = await createVolume(`${rt.drillId}-restored`, rt.labels);
    const volume = restoreVolume({ image, volume: volumeName, mountPath: MOSQ_DATA, uid: MOSQ_UID, labels: rt.labels });
    const attempts: RestoreAttempt[] = [];
    try {
      await volume.copyIn(join(artifact.dir, "data"));
      await hooks.afterCopyIn?.(volume);
      const observed = [`mosquitto.db of ${artifact.save.after.bytes} bytes at the backup put in the data volume`];
      const started = Date.now();
      const start = await startOrRefusal(() => this.start(rt, volumeName, config), brokerExited, {
        startedAt: started,
        observed,
      });
      if ("refused" in start) {
        attempts.push(start.refused);
        rt.log(`  restore refused: ${attempts[0]!.summary}`);
        await removeVolume(volumeName).catch(() => undefined);
        return { attempts, toolErrors: [] };
      }
      const node = new MosquittoNode(start.started, volumeName, MOSQUITTO_CAPABILITIES, this.universe);
      const seen = await start.started
        .whileRunning(async () => ({ onDisk: await start.started.dbStat(), log: await start.started.log() }))
        .catch((err: unknown) => ({ refused: refusalOf(err, exitedAfterStart, started, observed) }));
      if ("refused" in seen) {
        // It listened, then exited while its files were looked at: its own answer to this mosquitto.db.
        attempts.push(seen.refused);
        rt.log(`  restore refused: ${attempts[0]!.summary}`);
        await node.destroy().catch(() => undefined);
        return { attempts, toolErrors: [] };
      }
      const { onDisk, log } = seen;
      observed.push(`mosquitto.db the broker started on: ${onDisk ? `${onDisk.bytes} bytes` : "none"}`);
      const problem = logProblems(log);
      attempts.push({
        ok: true,
        summary: `Mosquitto started on the restored mosquitto.db${problem ? ` (log: ${problem})` : ""}`,
        durationMs: Date.now() - started,
        observed: [...observed, ...(problem ? [`log: ${problem}`] : ["no warning or error in the broker's log"])],
      });
      rt.log(`  restore attempt 1: ${attempts[0]!.summary}`);
      return { node, attempts, toolErrors: [] };
    } catch (err) {
      await removeVolume(volumeName).catch(() => undefined);
      throw err;
    }
  }

  workload(dataset: DatasetSpec): MqttWorkload {
    return new MqttWorkload(this.universe, MOSQUITTO_CAPABILITIES, dataset.seed);
  }

  deepVerify(node: MosquittoNode, restored: StateSummary, rt: DrillRuntime): Promise<CheckResult> {
    return mosquittoDeepVerify(node, MOSQUITTO_CAPABILITIES, this.universe, restored, rt);
  }

  fileKind(artifact: MosquittoArtifact, path: string, at?: number): string {
    return mosquittoFileKind(artifact.dir, path, at);
  }

  /** The restored broker's own words: a warning or error in its log while it read mosquitto.db. */
  async invariants(node: MosquittoNode): Promise<CheckResult[]> {
    const problem = logProblems(await node.broker.log());
    return [
      {
        name: "invariant:restore-log",
        valid: problem === undefined,
        summary: problem ? `the broker logged: ${problem}` : "no warning or error in the restored broker's log",
      },
    ];
  }
}
