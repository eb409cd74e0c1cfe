import type { ProcedureConfig } from "../../harness/schema/procedure.ts";
import type { DrillRuntime, RestoreAttempt } from "../../harness/engine.ts";
import type { ProcedureHost, NodeReach } from "../../harness/procedure/host.ts";
import { procedureScenarios } from "../../harness/procedure/scenarios.ts";
import { ARTIFACT_PATH } from "../../harness/procedure/step.ts";
import { docker } from "../../harness/runtime/docker.ts";
import { createVolume } from "../../harness/runtime/resources.ts";
import { startOrRefusal } from "../../harness/runtime/start-or-refusal.ts";
import type { Scenario } from "../../harness/scenario.ts";
import { PGDATA, PG_PORT, PG_UID, PostgresContainer } from "../../protocols/pg/container.ts";
import { postgresImageSpec } from "../../protocols/pg/image.ts";
import { CREDENTIALS, PostgresEngine, serverExited } from "./engine.ts";
import type { PgOp } from "./model.ts";
import { PostgresNode } from "./node.ts";
import { postgresWorkload } from "./scenarios.ts";

/**
 * PostgreSQL for a procedure of the config: the server of a drill with the artifact directory mounted at
 * ARTIFACT_PATH (so an `archive_command` can write there), reached by the steps through libpq's variables.
 */
class PostgresProcedureHost implements ProcedureHost<PgOp, PostgresNode> {
  readonly base: PostgresEngine;
  readonly owner = `${PG_UID}:${PG_UID}`;

  constructor(readonly version: string) {
    this.base = new PostgresEngine(version, "physical");
  }

  async image(rt: DrillRuntime): Promise<string> {
    return (await rt.images.resolve(postgresImageSpec(this.version))).ref;
  }

  async provision(rt: DrillRuntime, opts: { artifactVolume: string; serverArgs: string[] }): Promise<PostgresNode> {
    const image = await rt.images.resolve(postgresImageSpec(this.version));
    const volume = await createVolume(`${rt.drillId}-source`, rt.labels);
    const started = await new PostgresContainer(image, CREDENTIALS)
      .withLabels(rt.labels)
      .withVolume(volume)
      .withBackupVolume(opts.artifactVolume, ARTIFACT_PATH)
      .withServerArgs(opts.serverArgs)
      .start();
    return new PostgresNode(started, volume, () => undefined, opts.artifactVolume);
  }

  reach(node: PostgresNode): NodeReach {
    return {
      container: node.pg.container.getId(),
      env: {
        PGHOST: "127.0.0.1",
        PGPORT: String(PG_PORT),
        PGUSER: CREDENTIALS.user,
        PGPASSWORD: CREDENTIALS.password,
        PGDATABASE: CREDENTIALS.database,
        PGDATA,
      },
      data: { volume: node.volume, path: PGDATA },
    };
  }

  async stop(node: PostgresNode): Promise<void> {
    // A fast shutdown (SIGINT to the postmaster), waited for: the data directory is then consistent.
    await docker().getContainer(node.pg.container.getId()).stop({ t: 60, signal: "SIGINT" });
  }

  async freshData(rt: DrillRuntime): Promise<{ volume: string; path: string }> {
    return { volume: await createVolume(`${rt.drillId}-restored`, rt.labels), path: PGDATA };
  }

  async start(
    rt: DrillRuntime,
    data: { volume: string; path: string },
    artifactVolume: string,
  ): Promise<{ node: PostgresNode } | { refused: RestoreAttempt }> {
    const image = await rt.images.resolve(postgresImageSpec(this.version));
    const start = await startOrRefusal(
      () =>
        new PostgresContainer(image, CREDENTIALS)
          .withLabels(rt.labels)
          .withVolume(data.volume)
          .withBackupVolume(artifactVolume, ARTIFACT_PATH)
          .start(),
      serverExited,
    );
    return "started" in start
      ? { node: new PostgresNode(start.started, data.volume, () => undefined, artifactVolume) }
      : { refused: start.refused };
  }
}

/** The scenarios of one procedure of the config, on PostgreSQL. */
export function postgresProcedureScenarios(name: string, procedure: ProcedureConfig): Scenario[] {
  return procedureScenarios({
    name,
    procedure,
    host: (version) => new PostgresProcedureHost(version),
    workload: (writers, scenario) =>
      scenario === "load"
        ? postgresWorkload(writers)
        : { ...postgresWorkload(writers), leadInOps: 150 * writers, tailMs: 200 },
  });
}
