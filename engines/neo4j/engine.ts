import { randomBytes } from "node:crypto";
import type {
  BackupArtifact,
  DatasetSpec,
  DrillRuntime,
  Engine,
  RestoreHooks,
  RestoreResult,
} from "../../harness/engine.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { CommandExitError } from "../../harness/runtime/command-exit.ts";
import { createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { withToolbox } from "../../harness/runtime/toolbox.ts";
import { startOrRefusal } from "../../harness/runtime/start-or-refusal.ts";
import { registerSecret } from "../../harness/secrets.ts";
import { GraphWorkload, type GraphOp } from "../../protocols/bolt/model.ts";
import { NEO4J_DATA, NEO4J_UID, Neo4jContainer } from "./container.ts";
import { Neo4jNode } from "./node.ts";
import { DUMP_FILE, adminFailure, dumpPreflight, coldCopyPreflight } from "./preflight.ts";
import { RECOVERY_LINE, recoveryRuns, upSummary } from "./recovery.ts";
import { neo4jImageSpec } from "./versions.ts";
import { DatabaseNotStartedError } from "./database-status.ts";
import { neo4jDeepVerify, neo4jFileKind } from "./deep-verify.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";

export type Neo4jBackupMethod = "dump" | "cold-copy";

export interface Neo4jArtifact extends BackupArtifact {
  method: Neo4jBackupMethod;
  sourceVersion: string;
}

/** One password per process, set through NEO4J_AUTH; a cold copy brings the source's users along, so both agree. */
const PASSWORD = randomBytes(12).toString("hex");
registerSecret(PASSWORD);

const BACKUPS = "/backups";

/**
 * Neo4j Community, backed up as its Operations Manual says for Docker ("Back up and restore a database in Docker":
 * stop the container, then run `neo4j-admin` in a container of the same image on the same /data):
 * - `dump`: `neo4j-admin database dump neo4j --to-path=/backups` on the stopped database (it refuses a database in
 *   use); restored with `neo4j-admin database load neo4j --from-path=… --overwrite-destination=true` into a fresh
 *   /data, then the server starts on it;
 * - `cold-copy`: the whole /data of the stopped server, put back into a fresh volume as it was.
 * Both are offline backups: the writers drain and the server stops first, so the cut is the moment it stopped.
 */
/**
 * `neo4j-admin database load` exiting non-zero in the toolbox is its refusal of the dump, in its own words; a toolbox
 * that could not be started or reached is an error of ours or Docker's, thrown (undecided).
 */
export function loadRefused(err: unknown): { summary: string; exitCode: number; logTail: string } {
  if (!(err instanceof CommandExitError)) throw err;
  return {
    summary: `neo4j-admin database load refused the dump: ${adminFailure(err.output)}`,
    exitCode: err.exitCode,
    logTail: err.output.slice(-3000),
  };
}

/** The server exited before it was ready: its refusal, in the line of its log that says why. */
export function serverExited(exit: { exitCode: number; logTail: string }): string {
  return `server exited with code ${exit.exitCode}: ${adminFailure(exit.logTail)}`;
}

export class Neo4jEngine implements Engine<GraphOp, Neo4jNode, Neo4jArtifact> {
  readonly name = "neo4j";
  readonly backupMode = "offline";
  readonly records: RecordModel = { consistency: "point-in-time" };

  constructor(
    readonly version: string,
    readonly backupMethod: Neo4jBackupMethod,
  ) {
    neo4jImageSpec(version); // fails early, naming the known versions
  }

  private starter(image: ResolvedImage, rt: DrillRuntime) {
    return (volume: string) => new Neo4jContainer(image, PASSWORD).withLabels(rt.labels).withVolume(volume).start();
  }

  async provision(rt: DrillRuntime): Promise<Neo4jNode> {
    const image = await rt.images.resolve(neo4jImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    const start = this.starter(image, rt);
    return new Neo4jNode(await start(volume), volume, image, start);
  }

  async backup(node: Neo4jNode, dir: string, rt: DrillRuntime): Promise<Neo4jArtifact> {
    rt.log(`  stopping the server (clean shutdown) for an offline ${this.backupMethod}`);
    await node.stop();
    // A container of the node's image on its /data volume, with a shell and the admin tool but no server.
    const volumes = [{ name: node.volume, path: NEO4J_DATA }];
    return withToolbox<Neo4jArtifact>(
      { image: node.image.ref, labels: rt.labels, volumes, host: { dir, direction: "out" } },
      async (box) => {
        // The version from the kernel jar's name (both images ship lib/neo4j-kernel-<version>.jar): no JVM started for it.
        const version = (
          await box.exec(["sh", "-c", 'ls "$NEO4J_HOME/lib" | sed -n "s/^neo4j-kernel-\\([0-9][^-]*\\)\\.jar$/\\1/p"'])
        ).output.trim();
        if (this.backupMethod === "cold-copy") {
          await box.copyOut(NEO4J_DATA);
          return {
            dir,
            method: "cold-copy",
            tool: `copy of ${NEO4J_DATA} of the stopped server (Neo4j ${version}), ${box.how}`,
            finishedAt: rt.clock.now(),
            sourceVersion: this.version,
          };
        }
        await box.exec(["sh", "-c", `mkdir -p ${BACKUPS} && chown neo4j:neo4j ${BACKUPS}`]);
        const dumped = await box.exec(["neo4j-admin", "database", "dump", "neo4j", `--to-path=${BACKUPS}`], "neo4j");
        if (dumped.exitCode !== 0)
          throw new Error(`neo4j-admin database dump exited ${dumped.exitCode}: ${adminFailure(dumped.output)}`);
        const finishedAt = rt.clock.now();
        await box.copyOut(BACKUPS);
        return {
          dir,
          method: "dump",
          tool: `neo4j-admin database dump (Neo4j ${version}), ${box.how}`,
          finishedAt,
          sourceVersion: this.version,
        };
      },
    );
  }

  async preflight(artifact: Neo4jArtifact): Promise<CheckResult[]> {
    const version: CheckResult = {
      name: "preflight:version",
      valid: artifact.sourceVersion === this.version,
      summary: `${artifact.method} from Neo4j ${artifact.sourceVersion}, target ${this.version}`,
    };
    return [
      version,
      artifact.method === "dump" ? await dumpPreflight(artifact.dir) : await coldCopyPreflight(artifact.dir),
    ];
  }

  async restore(artifact: Neo4jArtifact, rt: DrillRuntime, hooks: RestoreHooks): Promise<RestoreResult<Neo4jNode>> {
    const image = await rt.images.resolve(neo4jImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-restored`, rt.labels);
    const started = Date.now();
    const failed = async (
      summary: string,
      extra: { exitCode?: number; logTail?: string } = {},
    ): Promise<RestoreResult<Neo4jNode>> => {
      await removeVolume(volume).catch(() => undefined);
      return { attempts: [{ ok: false, summary, durationMs: Date.now() - started, ...extra }], toolErrors: [] };
    };
    const files = restoreVolume({ image, volume, mountPath: NEO4J_DATA, uid: NEO4J_UID, labels: rt.labels });
    await files.copyIn(artifact.dir);
    await hooks.afterCopyIn?.(files);
    if (artifact.method === "dump") {
      // The load alone in its script, so that only neo4j-admin's own exit can be read as its refusal.
      const refused = await files
        .sh(`neo4j-admin database load neo4j --from-path=${NEO4J_DATA} --overwrite-destination=true 2>&1`)
        .then(() => undefined, loadRefused);
      if (refused) return failed(refused.summary, { exitCode: refused.exitCode, logTail: refused.logTail });
      await files.sh(`rm -f ${NEO4J_DATA}/${DUMP_FILE} && chown -R ${NEO4J_UID}:${NEO4J_UID} ${NEO4J_DATA}`);
    }
    const start = await startOrRefusal(() => this.starter(image, rt)(volume), serverExited, {
      startedAt: started,
    }).catch((err: unknown) => {
      // The server answered, but its database did not start: the engine's own refusal of this store.
      if (err instanceof DatabaseNotStartedError) return { notStarted: err };
      throw err;
    });
    if ("notStarted" in start) return failed(start.notStarted.message);
    if ("refused" in start)
      return failed(start.refused.summary, { exitCode: start.refused.exitCode, logTail: start.refused.logTail });
    const node = new Neo4jNode(start.started, volume, image, this.starter(image, rt));
    const recovery = await start.started
      .debugLogLines(RECOVERY_LINE.source)
      .then(recoveryRuns, async (err: unknown) => {
        await node.destroy().catch(() => undefined);
        throw err;
      });
    return {
      node,
      attempts: [
        {
          ok: true,
          summary: upSummary(image.ref, recovery),
          durationMs: Date.now() - started,
          observed: recovery.observed,
        },
      ],
      toolErrors: [],
    };
  }

  workload(dataset: DatasetSpec): GraphWorkload {
    return new GraphWorkload(dataset.seed, dataset.rows);
  }

  /** The accounts' balances, and every node and relationship found again through its uid index. */
  async invariants(node: Neo4jNode): Promise<CheckResult[]> {
    return [...(await node.invariants()), await node.uidIndexCheck()];
  }

  deepVerify(node: Neo4jNode, restored: StateSummary, rt: DrillRuntime): Promise<CheckResult> {
    return neo4jDeepVerify(node, restored, rt);
  }

  fileKind(artifact: Neo4jArtifact, path: string, at?: number): string {
    return neo4jFileKind(artifact.dir, path, at);
  }
}
