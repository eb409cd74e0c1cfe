import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type {
  BackupArtifact,
  BackupMode,
  DatasetSpec,
  DrillRuntime,
  Engine,
  RestoreAttempt,
  RestoreHooks,
  RestoreResult,
} from "../../harness/engine.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { startOrRefusal, type RefusalWords } from "../../harness/runtime/start-or-refusal.ts";
import { nodeDirectories } from "../../protocols/mnesia-node.ts";
import { MQTT_RECORDS, MqttWorkload, type MqttPublish } from "../../protocols/mqtt/index.ts";
import { EMQX_DATA, EMQX_ETC, EMQX_UID, emqxNodeName, type EmqxSettings } from "./config.ts";
import { EmqxContainer, type StartedEmqx } from "./container.ts";
import { exportedPath, type AttemptOutcome } from "./export.ts";
import { EMQX_BACKUP_DIR, importExport } from "./import.ts";
import { MNESIA_IN_DATA, emqxNodeNameCheck, lsEntries, mnesiaStartObservation } from "./node-name.ts";
import { EMQX_MQTT, EMQX_UNIVERSE, emqxNode, type EmqxNode } from "./node.ts";
import { exportChecks } from "./preflight.ts";
import { emqxImageSpec, emqxVersion } from "./versions.ts";

/** The host (and so the node name, `emqx@<host>`) every drill's source node runs under. */
export const EMQX_SOURCE_HOST = "dr-drill-emqx";

/**
 * - `file-copy` (the guide's procedure, docs/engines/emqx.md, "The vendor's backup guide"): stop the node, copy
 *   `etc/` and `data/`; restore them before the first start.
 * - `data-export` (5.1+): `emqx ctl data export` on the running node; `emqx ctl data import <file>` into a fresh one.
 */
export type EmqxMethod = "file-copy" | "data-export";
export const EMQX_METHODS: EmqxMethod[] = ["file-copy", "data-export"];

export interface EmqxArtifact extends BackupArtifact {
  method: EmqxMethod;
  sourceNodeName: string;
  sourceVersion: string;
  /** For `data-export`: the export's file name in the artifact directory. */
  exportFile?: string;
}

export interface EmqxEngineOptions {
  method?: EmqxMethod;
  /** Settings of the nodes (retained storage, durable sessions); EMQX's defaults are RAM and off. */
  settings?: Partial<Omit<EmqxSettings, "host">>;
  /** The host the restored node runs under; the source's by default. Another one is the node-name fault. */
  restoreHost?: string;
}

export class EmqxEngine implements Engine<MqttPublish, EmqxNode, EmqxArtifact> {
  readonly name = "emqx";
  readonly backupMethod: EmqxMethod;
  /** `file-copy` stops the node, copies it and starts it again (see the RabbitMQ engine for why not `offline`); `data-export` runs on the serving node. */
  readonly backupMode: BackupMode;
  readonly records: RecordModel;

  constructor(
    readonly version: string,
    readonly options: EmqxEngineOptions = {},
  ) {
    const known = emqxVersion(version);
    this.backupMethod = options.method ?? "file-copy";
    this.backupMode = this.backupMethod === "file-copy" ? "stop-copy-start" : "online";
    if (this.backupMethod === "data-export" && !known.dataExport)
      throw new Error(`EMQX ${version} has no \`emqx ctl data export\` (5.1+)`);
    // A stopped node's files are one instant; an export dumps table after table (one Mnesia checkpoint each).
    this.records = this.backupMethod === "file-copy" ? { ...MQTT_RECORDS, consistency: "point-in-time" } : MQTT_RECORDS;
  }

  private container(image: ResolvedImage, volume: string, host: string, rt: DrillRuntime): EmqxContainer {
    return new EmqxContainer(image, this.version)
      .withLabels(rt.labels)
      .withVolume(volume)
      .withSettings({ ...this.options.settings, host });
  }

  async provision(rt: DrillRuntime): Promise<EmqxNode> {
    const image = await rt.images.resolve(emqxImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    const start = () => this.container(image, volume, EMQX_SOURCE_HOST, rt).start();
    try {
      return emqxNode(await start(), volume, start);
    } catch (err) {
      await removeVolume(volume).catch(() => undefined);
      throw err;
    }
  }

  async backup(node: EmqxNode, dir: string, rt: DrillRuntime): Promise<EmqxArtifact> {
    const emqx = node.container;
    const base = { dir, method: this.backupMethod, sourceNodeName: emqx.nodeName, sourceVersion: this.version };
    if (this.backupMethod === "data-export") {
      const started = rt.clock.now();
      const out = await emqx.exec(["emqx", "ctl", "data", "export"]);
      const finishedAt = rt.clock.now();
      const path = exportedPath(out.output);
      await emqx.copyDirectoryOut(EMQX_BACKUP_DIR, join(dir, "export"));
      const exportFile = join("export", basename(path));
      rt.log(`  emqx ctl data export: ${path} in ${(finishedAt - started).toFixed(0)} ms`);
      return {
        ...base,
        tool: `emqx ctl data export (EMQX ${this.version})`,
        finishedAt,
        cutToleranceMs: finishedAt - started,
        exportFile,
      };
    }
    const exitCode = await emqx.shutdown();
    const finishedAt = rt.clock.now();
    rt.log(
      `  emqx stop: ${emqx.nodeName} stopped (container exit code ${exitCode}); copying ${EMQX_DATA} and ${EMQX_ETC}`,
    );
    await emqx.copyDirectoryOut(EMQX_DATA, join(dir, "data"));
    await emqx.copyDirectoryOut(EMQX_ETC, join(dir, "etc"));
    await node.restart();
    return { ...base, tool: `emqx stop + copy of ${EMQX_DATA} and ${EMQX_ETC} (EMQX ${this.version})`, finishedAt };
  }

  get restoreNodeName(): string {
    return emqxNodeName(this.options.restoreHost ?? EMQX_SOURCE_HOST);
  }

  async preflight(artifact: EmqxArtifact, rt: DrillRuntime): Promise<CheckResult[]> {
    if (artifact.exportFile)
      return exportChecks(join(artifact.dir, artifact.exportFile), join(rt.workDir, "export-preflight"), this.version);
    return [emqxNodeNameCheck(await backupMnesia(artifact), this.restoreNodeName)];
  }

  async restore(artifact: EmqxArtifact, rt: DrillRuntime, hooks: RestoreHooks): Promise<RestoreResult<EmqxNode>> {
    const image = await rt.images.resolve(emqxImageSpec(this.version));
    const volumeName = await createVolume(`${rt.drillId}-restored`, rt.labels);
    const host = this.options.restoreHost ?? EMQX_SOURCE_HOST;
    const started = Date.now();
    try {
      let builder = this.container(image, volumeName, host, rt);
      if (!artifact.exportFile) {
        await restoreVolume({
          image,
          volume: volumeName,
          mountPath: EMQX_DATA,
          uid: EMQX_UID,
          labels: rt.labels,
        }).copyIn(join(artifact.dir, "data"));
        builder = builder.withEtcFrom(join(artifact.dir, "etc"));
      }
      await hooks.afterCopyIn?.(
        restoreVolume({ image, volume: volumeName, mountPath: EMQX_DATA, uid: EMQX_UID, labels: rt.labels }),
      );
      const start = await startOrRefusal(() => builder.start(), nodeExited(emqxNodeName(host)), { startedAt: started });
      if ("refused" in start) {
        await removeVolume(volumeName).catch(() => undefined);
        return { attempts: [start.refused], toolErrors: [] };
      }
      const done = artifact.exportFile
        ? await importExport(start.started, join(artifact.dir, artifact.exportFile))
        : await this.startedOn(start.started, artifact);
      const attempt: RestoreAttempt = { ...done.attempt, durationMs: Date.now() - started };
      if (!attempt.ok) {
        await start.started.stop().catch(() => undefined);
        await removeVolume(volumeName).catch(() => undefined);
        return { attempts: [attempt], toolErrors: [] };
      }
      return { node: emqxNode(start.started, volumeName), attempts: [attempt], toolErrors: done.toolErrors };
    } catch (err) {
      await removeVolume(volumeName).catch(() => undefined);
      throw err;
    }
  }

  /** A file-copy restore: what the started node's data/mnesia/ holds, against the backup's, as listed in both. */
  private async startedOn(emqx: StartedEmqx, artifact: EmqxArtifact): Promise<AttemptOutcome> {
    const listed = await emqx.exec(["ls", "-1p", `${EMQX_DATA}/${MNESIA_IN_DATA}`]);
    const seen = mnesiaStartObservation(
      emqx.nodeName,
      nodeDirectories(await backupMnesia(artifact)),
      nodeDirectories(listed.exitCode === 0 ? lsEntries(listed.output) : []),
    );
    return { attempt: { ok: true, summary: seen.summary, observed: seen.observed }, toolErrors: [] };
  }

  workload(dataset: DatasetSpec): MqttWorkload {
    return new MqttWorkload(EMQX_UNIVERSE, EMQX_MQTT, dataset.seed);
  }

  async invariants(node: EmqxNode): Promise<CheckResult[]> {
    return [node.notEmptyCheck()];
  }
}

/** The entries of a file-copy backup's `data/mnesia/`. */
async function backupMnesia(artifact: EmqxArtifact): Promise<{ name: string; dir: boolean }[]> {
  const entries = await readdir(join(artifact.dir, "data", MNESIA_IN_DATA), { withFileTypes: true }).catch(() => []);
  return entries.map((e) => ({ name: e.name, dir: e.isDirectory() }));
}

/** The node exited before it was ready: its refusal. */
export function nodeExited(nodeName: string): RefusalWords {
  return (exit) => `node ${nodeName} exited with code ${exit.exitCode} before it was ready`;
}
