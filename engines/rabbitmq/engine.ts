import { readdir } from "node:fs/promises";
import { join } from "node:path";
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
import { CommandExitError } from "../../harness/runtime/command-exit.ts";
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { startOrRefusal, type RefusalWords } from "../../harness/runtime/start-or-refusal.ts";
import { MNESIA_BASE, RABBIT_DATA_DIR, RABBIT_UID, RabbitMqContainer, nodeNameOf } from "./container.ts";
import { RABBITMQ_MQTT, RABBITMQ_UNIVERSE, rabbitMqNode, type RabbitMqNode } from "./node.ts";
import { featureFlagsCheck, nodesInMnesiaBase, rabbitNodeNameCheck } from "./node-name.ts";
import { bootFailure, startObservations } from "./restore-log.ts";
import { DEFINITIONS_FILE, definitionsCheck, exportDefinitions, importDefinitions } from "./definitions.ts";
import { rabbitmqImageSpec } from "./versions.ts";
import { rabbitMqDeepVerify, rabbitMqFileKind } from "./deep-verify.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import { MQTT_RECORDS, MqttWorkload, type MqttPublish } from "../../protocols/mqtt/index.ts";

/** The node exited before it was ready: its refusal of the restored Mnesia base, with the cause it logged. */
export function nodeExited(host: string): RefusalWords {
  return (exit) => {
    const cause = bootFailure(exit.logTail);
    return `node ${nodeNameOf(host)} did not start on the restored Mnesia base (exit ${exit.exitCode})${cause ? `: ${cause}` : ""}`;
  };
}

/** `rabbitmqctl import_definitions` exiting non-zero is the node refusing them; a failed copy or exec is thrown. */
export function importRefused(err: unknown, startedAt: number): RestoreAttempt {
  if (!(err instanceof CommandExitError)) throw err;
  return {
    ok: false,
    summary: `rabbitmqctl import_definitions failed: ${err.message.split("\n")[0]}`,
    exitCode: err.exitCode,
    logTail: err.output,
    durationMs: Date.now() - startedAt,
  };
}

/** The host (and so the node name, `rabbit@<host>`) every drill's source node runs under. */
export const SOURCE_HOST = "dr-drill-rabbit";

/**
 * A stopped node's Mnesia base (node directory, `-feature_flags`, `-plugins-expand`): stop the node, copy the whole
 * base, start the node again. Nothing reaches the copy after the stop, so it is one point in time: the moment
 * `rabbitmqctl shutdown` returned.
 */
export interface RabbitMqArtifact extends BackupArtifact {
  sourceNodeName: string;
  sourceVersion: string;
}

/** `mnesia-copy`: the stopped node's Mnesia base; `definitions`: `rabbitmqctl export_definitions` (definitions.ts). */
export type RabbitMqMethod = "mnesia-copy" | "definitions";
export const RABBITMQ_METHODS: RabbitMqMethod[] = ["mnesia-copy", "definitions"];

export interface RabbitMqEngineOptions {
  method?: RabbitMqMethod;
  /** The host the restored node runs under; the source's by default. Another one is the node-name fault. */
  restoreHost?: string;
}

export class RabbitMqEngine implements Engine<MqttPublish, RabbitMqNode, RabbitMqArtifact> {
  readonly name = "rabbitmq";
  readonly backupMethod: RabbitMqMethod;
  /**
   * `mnesia-copy` stops the node, copies it and starts it again while the publishers go on (`stop-copy-start`): not
   * `offline`, which reads the source before the stop, and reading an MQTT session's queue takes its messages
   * (protocols/mqtt/read-back.ts): the backup would miss them. `definitions` exports from the running node.
   */
  readonly backupMode: BackupMode;
  /** A stopped node's copy is one instant; a definitions export has no message to order. */
  readonly records: RecordModel;

  constructor(
    readonly version: string,
    readonly options: RabbitMqEngineOptions = {},
  ) {
    rabbitmqImageSpec(version); // fails early, naming the known versions
    this.backupMethod = options.method ?? "mnesia-copy";
    this.backupMode = this.backupMethod === "mnesia-copy" ? "stop-copy-start" : "online";
    this.records =
      this.backupMethod === "mnesia-copy" ? { ...MQTT_RECORDS, consistency: "point-in-time" } : MQTT_RECORDS;
  }

  get restoreNodeName(): string {
    return nodeNameOf(this.options.restoreHost ?? SOURCE_HOST);
  }

  private container(image: ResolvedImage, volume: string, host: string, rt: DrillRuntime): RabbitMqContainer {
    return new RabbitMqContainer(image).withLabels(rt.labels).withVolume(volume).withHost(host);
  }

  async provision(rt: DrillRuntime): Promise<RabbitMqNode> {
    const image = await rt.images.resolve(rabbitmqImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    try {
      return rabbitMqNode(await this.container(image, volume, SOURCE_HOST, rt).start(), volume, () =>
        this.container(image, volume, SOURCE_HOST, rt).start(),
      );
    } catch (err) {
      await removeVolume(volume).catch(() => undefined);
      throw err;
    }
  }

  /** `rabbitmqctl shutdown`, the whole Mnesia base out of the stopped container, then the node started again. */
  async backup(node: RabbitMqNode, dir: string, rt: DrillRuntime): Promise<RabbitMqArtifact> {
    const broker = node.container;
    const sourceVersion = (await broker.ctl(["rabbitmq-diagnostics", "-q", "server_version"])).trim();
    const erlang = (await broker.ctl(["rabbitmq-diagnostics", "-q", "erlang_version"])).trim();
    if (this.backupMethod === "definitions") {
      await exportDefinitions(broker, dir);
      const finishedAt = rt.clock.now();
      return {
        dir,
        method: this.backupMethod,
        tool: `rabbitmqctl export_definitions (RabbitMQ ${sourceVersion}, ${erlang})`,
        finishedAt,
        sourceNodeName: broker.nodeName,
        sourceVersion,
      };
    }
    const stopping = rt.clock.now();
    await broker.shutdown();
    const finishedAt = rt.clock.now();
    rt.log(
      `  rabbitmqctl shutdown: ${broker.nodeName} stopped in ${(finishedAt - stopping).toFixed(0)} ms; copying ${MNESIA_BASE}`,
    );
    await broker.copyDirectoryOut(MNESIA_BASE, join(dir, "mnesia"));
    const restarted = Date.now();
    await node.restart();
    rt.log(`  ${broker.nodeName} started again on its volume in ${Date.now() - restarted} ms`);
    return {
      dir,
      method: this.backupMethod,
      tool: `rabbitmqctl shutdown + copy of ${MNESIA_BASE} (RabbitMQ ${sourceVersion}, ${erlang})`,
      finishedAt,
      sourceNodeName: broker.nodeName,
      sourceVersion,
    };
  }

  /** The node name in the backup against the target's: a mismatch restores into an empty node, so it is said first. */
  async preflight(artifact: RabbitMqArtifact): Promise<CheckResult[]> {
    if (artifact.method === "definitions") return [await definitionsCheck(join(artifact.dir, DEFINITIONS_FILE))];
    const entries = await readdir(join(artifact.dir, "mnesia"), { withFileTypes: true }).catch(() => []);
    const found = nodesInMnesiaBase(entries.map((e) => ({ name: e.name, dir: e.isDirectory() })));
    return [rabbitNodeNameCheck(found, this.restoreNodeName), featureFlagsCheck(found)];
  }

  /** The Mnesia base back at the same absolute path in a fresh volume, then a node of the target's name started on it. */
  async restore(
    artifact: RabbitMqArtifact,
    rt: DrillRuntime,
    hooks: RestoreHooks,
  ): Promise<RestoreResult<RabbitMqNode>> {
    const image = await rt.images.resolve(rabbitmqImageSpec(this.version));
    const volumeName = await createVolume(`${rt.drillId}-restored`, rt.labels);
    const host = this.options.restoreHost ?? SOURCE_HOST;
    const attempts: RestoreAttempt[] = [];
    try {
      const volume = restoreVolume({
        image,
        volume: volumeName,
        mountPath: RABBIT_DATA_DIR,
        uid: RABBIT_UID,
        labels: rt.labels,
      });
      if (artifact.method === "mnesia-copy") await volume.copyIn(artifact.dir);
      await hooks.afterCopyIn?.(volume);
      const started = Date.now();
      const start = await startOrRefusal(() => this.container(image, volumeName, host, rt).start(), nodeExited(host), {
        startedAt: started,
      });
      if ("refused" in start) {
        attempts.push(start.refused);
        await removeVolume(volumeName).catch(() => undefined);
        return { attempts, toolErrors: [] };
      }
      const node = rabbitMqNode(start.started, volumeName);
      if (artifact.method === "definitions") {
        const imported = await importDefinitions(start.started, join(artifact.dir, DEFINITIONS_FILE)).then(
          (out) => ({ out }),
          (err: unknown) => ({ refused: importRefused(err, started) }),
        );
        if ("refused" in imported) {
          await node.destroy().catch(() => undefined);
          return { attempts: [imported.refused], toolErrors: [] };
        }
        attempts.push({
          ok: true,
          summary: `rabbitmqctl import_definitions into a fresh node ${nodeNameOf(host)}: ${imported.out.split("\n").at(-1)}`,
          durationMs: Date.now() - started,
        });
        return { node, attempts, toolErrors: [] };
      }
      const seen = startObservations(await start.started.log(), `${MNESIA_BASE}/${nodeNameOf(host)}`);
      attempts.push({
        ok: true,
        summary: `node ${nodeNameOf(host)} started: ${seen.summary}`,
        observed: seen.observed,
        durationMs: Date.now() - started,
      });
      rt.log(`  restore: ${attempts[0]!.summary}`);
      return { node, attempts, toolErrors: [] };
    } catch (err) {
      await removeVolume(volumeName).catch(() => undefined);
      throw err;
    }
  }

  workload(dataset: DatasetSpec): MqttWorkload {
    return new MqttWorkload(RABBITMQ_UNIVERSE, RABBITMQ_MQTT, dataset.seed);
  }

  async invariants(node: RabbitMqNode): Promise<CheckResult[]> {
    return [node.notEmptyCheck()];
  }

  deepVerify(node: RabbitMqNode, restored: StateSummary, rt: DrillRuntime): Promise<CheckResult> {
    return rabbitMqDeepVerify(node, restored, rt);
  }

  fileKind(artifact: RabbitMqArtifact, path: string): string {
    return rabbitMqFileKind(artifact.dir, path);
  }
}
