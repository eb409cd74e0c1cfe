import type { EmqxVersion } from "./versions.ts";

/**
 * The official image's layout and configuration (github emqx/emqx-docker, which builds the Docker Hub images:
 * 5.5/Dockerfile at 73d7c57 "emqx 5.5.1", 5.8/Dockerfile and docker-entrypoint.sh at 7324fb3 "emqx 5.8.6"; the same
 * as emqx/emqx deploy/docker/ at v5.5.1 and v5.8.6): EMQX in
 * /opt/emqx, user emqx uid/gid 1000, volumes /opt/emqx/data and /opt/emqx/log, configuration in /opt/emqx/etc;
 * ports 1883 (MQTT) and 18083 (dashboard, REST `/api/v5`). Without `EMQX_NODE_NAME` the entrypoint names the node
 * `emqx@<container IP>`, which changes with every container: a restored data directory would then belong to another
 * node name and look empty. dr-drill always pins it, with the hostname.
 */
export const EMQX_HOME = "/opt/emqx";
export const EMQX_DATA = `${EMQX_HOME}/data`;
export const EMQX_ETC = `${EMQX_HOME}/etc`;
export const EMQX_UID = 1000;
export const EMQX_MQTT_PORT = 1883;

export const emqxNodeName = (host: string) => `emqx@${host}`;

/**
 * A configuration path as EMQX reads it from the environment: `EMQX_` and the path, upper-cased, dots as `__`
 * (bin/emqx, v5.5.1 and v5.8.6:
 * `EMQX_NODE__NAME` for `node.name`).
 */
export function envOf(path: string): string {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/.test(path)) throw new Error(`not an EMQX configuration path: ${path}`);
  return `EMQX_${path.toUpperCase().replace(/\./g, "__")}`;
}

export interface EmqxSettings {
  host: string;
  /** `retainer.backend.storage_type` (apps/emqx_retainer/src/emqx_retainer_schema.erl, v5.5.1 and
   * v5.8.6): `ram` by default. */
  retainedStorage: "ram" | "disc";
  /** Keep persistent sessions on disk with the version's durable-session setting (off by default). */
  durableSessions: boolean;
}

/** The container's environment for a node with these settings. */
export function emqxEnvironment(version: EmqxVersion, s: EmqxSettings): Record<string, string> {
  return {
    EMQX_NODE_NAME: emqxNodeName(s.host),
    [envOf("retainer.backend.storage_type")]: s.retainedStorage,
    ...(s.durableSessions ? { [envOf(version.durableSessions)]: "true" } : {}),
  };
}
