import type { BackupArtifact, DrillRuntime, Engine, EngineNode, RestoreAttempt } from "../engine.ts";

/** Where a procedure's steps reach a running node: its container's network, its variables, its data. */
export interface NodeReach {
  /** The container whose network namespace the steps share. */
  container: string;
  /** The connection variables of the node as seen from a container on its network (e.g. PostgreSQL's `PGHOST`…). */
  env: Record<string, string>;
  data: { volume: string; path: string };
}

/**
 * What an engine lends a procedure of the config (harness/procedure/engine.ts): its own engine for the data, the
 * workload and the invariants, and the few node operations the procedure's steps need. Engine names stay in
 * `engines/<name>/procedure.ts`.
 */
export interface ProcedureHost<Payload, Node extends EngineNode<Payload>> {
  readonly base: Engine<Payload, Node, BackupArtifact>;
  /** The engine's image for this version: the steps' default. */
  image(rt: DrillRuntime): Promise<string>;
  /** The owner (`uid:gid`) the server runs as, so the files of the artifact directory are readable by it. */
  readonly owner: string;
  /** A source node with the artifact volume mounted at ARTIFACT_PATH and the procedure's server arguments. */
  provision(rt: DrillRuntime, opts: { artifactVolume: string; serverArgs: string[] }): Promise<Node>;
  reach(node: Node): NodeReach;
  /** Stops the node's server, its data volume kept, for an offline procedure. */
  stop(node: Node): Promise<void>;
  /** An empty data volume for a restored node, and where the server mounts it. */
  freshData(rt: DrillRuntime): Promise<{ volume: string; path: string }>;
  /**
   * Starts a server on that data volume with the artifact volume mounted at ARTIFACT_PATH: the node, or the engine's
   * refusal (it exited). Any other failure is thrown (ours or Docker's). The node owns both volumes.
   */
  start(
    rt: DrillRuntime,
    data: { volume: string; path: string },
    artifactVolume: string,
  ): Promise<{ node: Node } | { refused: RestoreAttempt }>;
}
