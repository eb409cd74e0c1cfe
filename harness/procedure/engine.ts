import type { ProcedureConfig, ProcedureStep } from "../schema/procedure.ts";
import type { CheckResult } from "../checkers/checker.ts";
import type { RecordModel } from "../checkers/ledger-oracle.ts";
import type { BackupArtifact, DatasetSpec, DrillRuntime, Engine, EngineNode, RestoreResult } from "../engine.ts";
import { createVolume, removeVolume } from "../runtime/resources.ts";
import { withToolbox } from "../runtime/toolbox.ts";
import type { OpSource } from "../workload.ts";
import type { ProcedureHost } from "./host.ts";
import { ARTIFACT_PATH, ProcedureFailure, runStep, stepName, type StepPlace } from "./step.ts";

/** A backup made by a procedure of the config: its files, and the procedure that made them. */
export interface ProcedureArtifact extends BackupArtifact {
  procedure: string;
}

const CONSISTENCY: Record<ProcedureConfig["promises"], RecordModel["consistency"]> = {
  "point-in-time": "point-in-time",
  "prefix-per-stream": "prefix-per-stream",
  none: "per-key",
};

/** The steps of a list as the evidence names them: `name: run`, one per line. */
export function describeSteps(steps: ProcedureStep[] | undefined, list: string): string[] {
  return (steps ?? []).map((s, i) => `${stepName(s, list, i)}: ${s.run}`);
}

/**
 * A procedure of the config, drilled like a built-in method: the engine's node, data, workload and invariants (from
 * its host), the user's steps for the backup and the restore. Each step runs in a short-lived container
 * (harness/procedure/step.ts); a step that fails is the procedure's failure (ProcedureFailure), never ours.
 */
export class ProcedureEngine<Payload, Node extends EngineNode<Payload>> implements Engine<
  Payload,
  Node,
  ProcedureArtifact
> {
  readonly name: string;
  readonly version: string;
  readonly backupMode: "online" | "offline";
  readonly records: RecordModel;
  /** The artifact volume of each source node, for its backups. */
  private readonly artifactVolumes = new WeakMap<Node, string>();

  constructor(
    readonly backupMethod: string,
    private readonly procedure: ProcedureConfig,
    private readonly host: ProcedureHost<Payload, Node>,
  ) {
    this.name = host.base.name;
    this.version = host.base.version;
    this.backupMode = procedure.mode;
    this.records = { ...host.base.records, consistency: CONSISTENCY[procedure.promises] };
  }

  async provision(rt: DrillRuntime): Promise<Node> {
    const artifactVolume = await this.artifactVolume(rt, "source-artifact");
    const node = await this.host.provision(rt, { artifactVolume, serverArgs: this.procedure.serverArgs ?? [] });
    this.artifactVolumes.set(node, artifactVolume);
    return node;
  }

  async backup(node: Node, dir: string, rt: DrillRuntime): Promise<ProcedureArtifact> {
    const artifactVolume = this.artifactVolumes.get(node);
    if (!artifactVolume) throw new Error("this node was not provisioned by the procedure: it has no artifact volume");
    const reach = this.host.reach(node);
    if (this.backupMode === "offline") await this.host.stop(node);
    const place: StepPlace = {
      defaultImage: await this.host.image(rt),
      labels: rt.labels,
      ...(this.backupMode === "online" ? { networkOf: reach.container } : {}),
      env: reach.env,
      artifactVolume,
      data: reach.data,
      dataDefault: "none",
      signal: rt.signal,
    };
    await this.runSteps(this.procedure.backup, "backup", place, rt);
    const finishedAt = rt.clock.now();
    const via = await withToolbox(
      {
        image: place.defaultImage,
        labels: rt.labels,
        volumes: [{ name: artifactVolume, path: ARTIFACT_PATH, readOnly: true }],
        host: { dir, direction: "out" },
      },
      async (box) => {
        await box.copyOut(ARTIFACT_PATH);
        return box.how;
      },
    );
    const steps = describeSteps(this.procedure.backup, "backup").join("; ");
    return {
      dir,
      method: this.backupMethod,
      procedure: this.backupMethod,
      tool: `procedure ${this.backupMethod} (${steps}), ${via}`,
      finishedAt,
    };
  }

  /** The procedure's own checks are its restore steps: nothing to check before them. */
  async preflight(): Promise<CheckResult[]> {
    return [];
  }

  /**
   * A copy of the artifact goes into a volume of its own (the artifact on the host is never written); the
   * `beforeStart` steps fill the empty data volume, the server starts on it, the `afterStart` steps restore into it.
   * A `beforeStart` step that fails is the procedure refusing the backup: no node came up. An `afterStart` step that
   * fails leaves a node that came up with the restore's error, as a failed pg_restore does.
   */
  async restore(artifact: ProcedureArtifact, rt: DrillRuntime): Promise<RestoreResult<Node>> {
    const started = Date.now();
    const artifactVolume = await this.artifactVolume(rt, "restore-artifact");
    const image = await this.host.image(rt);
    await withToolbox(
      {
        image,
        labels: rt.labels,
        volumes: [{ name: artifactVolume, path: ARTIFACT_PATH }],
        host: { dir: artifact.dir, direction: "in" },
      },
      async (box) => {
        await box.copyIn(ARTIFACT_PATH);
        await box.run(["chown", "-R", this.host.owner, ARTIFACT_PATH]);
      },
    );
    const data = await this.host.freshData(rt);
    const place: StepPlace = {
      defaultImage: image,
      labels: rt.labels,
      env: {},
      artifactVolume,
      data,
      dataDefault: "read-write",
      signal: rt.signal,
    };
    const dropVolumes = async () => {
      await removeVolume(data.volume).catch(() => undefined);
      await removeVolume(artifactVolume).catch(() => undefined);
    };
    try {
      await this.runSteps(this.procedure.restore.beforeStart, "restore.beforeStart", place, rt);
    } catch (err) {
      await dropVolumes();
      if (!(err instanceof ProcedureFailure)) throw err;
      return { attempts: [this.failedAttempt(err, started)], toolErrors: [] };
    }
    const up = await this.host.start(rt, data, artifactVolume).catch(async (err: unknown) => {
      await dropVolumes();
      throw err;
    });
    if ("refused" in up) {
      await dropVolumes();
      return { attempts: [up.refused], toolErrors: [] };
    }
    const reach = this.host.reach(up.node);
    const toolErrors: string[] = [];
    try {
      await this.runSteps(
        this.procedure.restore.afterStart,
        "restore.afterStart",
        {
          ...place,
          networkOf: reach.container,
          env: reach.env,
          data: reach.data,
          dataDefault: "none",
        },
        rt,
      );
    } catch (err) {
      if (!(err instanceof ProcedureFailure)) {
        await up.node.destroy().catch(() => undefined);
        throw err;
      }
      toolErrors.push(err.message);
    }
    const steps = [
      ...describeSteps(this.procedure.restore.beforeStart, "restore.beforeStart"),
      ...describeSteps(this.procedure.restore.afterStart, "restore.afterStart"),
    ].join("; ");
    const summary = toolErrors.length
      ? `server up, but ${toolErrors[0]}`
      : `server up, procedure ${this.backupMethod} restored (${steps})`;
    return {
      node: up.node,
      attempts: [{ ok: toolErrors.length === 0, summary, durationMs: Date.now() - started }],
      toolErrors,
    };
  }

  workload(dataset: DatasetSpec): OpSource<Payload> {
    return this.host.base.workload(dataset);
  }

  invariants(node: Node, rt: DrillRuntime): Promise<CheckResult[]> {
    return this.host.base.invariants(node, rt);
  }

  private async artifactVolume(rt: DrillRuntime, what: string): Promise<string> {
    return createVolume(`${rt.drillId}-${what}-${Date.now().toString(36)}`, rt.labels);
  }

  private async runSteps(
    steps: ProcedureStep[] | undefined,
    list: string,
    place: StepPlace,
    rt: DrillRuntime,
  ): Promise<void> {
    for (const [i, step] of (steps ?? []).entries()) {
      const name = stepName(step, list, i);
      const { durationMs } = await runStep(step, name, this.procedure.image, place);
      rt.log(`  procedure ${this.backupMethod}: ${name} done in ${durationMs} ms`);
    }
  }

  private failedAttempt(err: ProcedureFailure, started: number) {
    return {
      ok: false,
      summary: err.message.split("\n")[0]!,
      ...(typeof err.exitCode === "number" ? { exitCode: err.exitCode } : {}),
      logTail: err.outputTail,
      durationMs: Date.now() - started,
    };
  }
}
