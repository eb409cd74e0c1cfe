import type { CheckResult } from "../harness/checkers/checker.ts";

/**
 * Erlang brokers built on Mnesia (RabbitMQ, EMQX) keep a node's database in a directory named after the Erlang node
 * name (`rabbit@host`, `emqx@host`). A node started under another name looks for its own directory, finds none, and
 * initialises an EMPTY database beside the restored one without an error. Both engines' preflights compare the node
 * name in the backup with the target's through this one check.
 */
const NODE_NAME = /^[^@\s/]+@[^@\s/]+$/;

export function isNodeName(name: string): boolean {
  return NODE_NAME.test(name);
}

/** Directories of a listing whose names are node names, sorted. */
export function nodeDirectories(entries: { name: string; dir: boolean }[]): string[] {
  return entries
    .filter((e) => e.dir && isNodeName(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Preflight: the node the backup belongs to must be the node it is restored into. Fails (printed before the restore,
 * and a failed check in the verdict) when the names differ, when the backup holds no node directory, or several.
 * `where` says where the node directories were looked for; `pin` how the operator pins the name.
 */
export function nodeNameCheck(nodes: string[], target: string, where: string, pin: string): CheckResult {
  const name = "preflight:node-name";
  if (nodes.length === 0)
    return {
      name,
      valid: false,
      summary: `the backup holds no node directory (<name>@<host>) in ${where}: ${target} would start EMPTY`,
    };
  if (nodes.length > 1)
    return {
      name,
      valid: false,
      summary: `the backup holds several node directories in ${where} (${nodes.join(", ")}); ${target} uses only ${nodes.includes(target) ? target : "none of them"}`,
    };
  const [node] = nodes;
  if (node !== target)
    return {
      name,
      valid: false,
      summary: `the backup is of node ${node}, the restore target is ${target}: it will start EMPTY beside the restored directory (${pin} ${node})`,
    };
  return {
    name,
    valid: true,
    summary: `the backup is of node ${node} (${where}), the restore target has the same name`,
  };
}

/** What an MQTT read-back of a restored Erlang broker found. */
export interface BrokerHoldings {
  retained: number;
  sessionsPresent: number;
  queued: number;
  /** How the read-back decided where each delivery ended (protocols/mqtt/read-back.ts). */
  ended?: string;
}

/**
 * A restored broker that holds nothing at all, while the drill's load created every session of the universe, has
 * started on an empty database (the node-name trap above): said in words, beside the oracle's count of what is
 * missing. A broker that holds something passes: partial losses are the oracle's to count.
 */
export function emptyStartCheck(held: BrokerHoldings | undefined, sessions: number): CheckResult {
  const name = "invariant:not-empty";
  if (!held) return { name, valid: "unknown", summary: "the restored broker was not read back" };
  if (held.retained === 0 && held.sessionsPresent === 0) {
    return {
      name,
      valid: false,
      summary: `the restored broker is EMPTY: all retained messages and all ${sessions} sessions were lost (0 retained messages, 0 of ${sessions} sessions, ${held.queued} queued messages)`,
    };
  }
  return {
    name,
    valid: true,
    summary: `the restored broker serves ${held.retained} retained message(s), ${held.sessionsPresent} of ${sessions} session(s), ${held.queued} queued message(s)${held.ended ? `; ${held.ended}` : ""}`,
  };
}
