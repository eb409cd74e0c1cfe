import type { CheckResult } from "../../harness/checkers/checker.ts";
import { isNodeName, nodeDirectories, nodeNameCheck } from "../../protocols/mnesia-node.ts";

/**
 * What a RabbitMQ Mnesia base says about the node that wrote it. RabbitMQ 3.10 names everything in it after the node:
 * `<node>/` (Mnesia tables, message stores, the MQTT Ra node), `<node>-feature_flags`, `<node>-plugins-expand/`,
 * `<node>.pid` (seen in the containers' /var/lib/rabbitmq/mnesia).
 */
export interface NodesInBackup {
  /** Node names with a node directory (`rabbit@host/`). */
  nodes: string[];
  /** Node names with a `<node>-feature_flags` file. */
  featureFlags: string[];
}

export function nodesInMnesiaBase(entries: { name: string; dir: boolean }[]): NodesInBackup {
  const featureFlags = entries
    .filter((e) => !e.dir)
    .map((e) => /^(.+)-feature_flags$/.exec(e.name)?.[1])
    .filter((n): n is string => n !== undefined && isNodeName(n))
    .sort();
  // `<node>-plugins-expand/` has a node name's shape too; it is the node's unpacked plugins, not a database.
  return { nodes: nodeDirectories(entries.filter((e) => !e.name.endsWith("-plugins-expand"))), featureFlags };
}

export function rabbitNodeNameCheck(found: NodesInBackup, target: string): CheckResult {
  return nodeNameCheck(found.nodes, target, "the Mnesia base", "pin RABBITMQ_NODENAME and the hostname to");
}

/** The documented copy is the whole Mnesia base: the node directory and its `-feature_flags` file together. */
export function featureFlagsCheck(found: NodesInBackup): CheckResult {
  const name = "preflight:feature-flags";
  const missing = found.nodes.filter((n) => !found.featureFlags.includes(n));
  return missing.length === 0 && found.nodes.length > 0
    ? {
        name,
        valid: true,
        summary: `${found.nodes.map((n) => `${n}-feature_flags`).join(", ")} present beside the node directory`,
      }
    : {
        name,
        valid: false,
        summary: `not in the backup: ${(missing.length ? missing : ["<node>"]).map((n) => `${n}-feature_flags`).join(", ")} (copy the whole Mnesia base)`,
      };
}
