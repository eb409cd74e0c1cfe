/**
 * What a RabbitMQ node's start log says about the database it booted on (3.10.8, seen on fresh, restored and
 * renamed nodes): its `database dir` line, and, only when that directory held no Mnesia schema, rabbit_mnesia's
 * "Node database directory at … is empty. Assuming we need to join an existing cluster or initialise from
 * scratch..." — logged at info level, the node then starts EMPTY and healthy. That line is the one trace of a
 * restore the node did not use.
 */
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
const DATABASE_DIR = /^\s*database dir\s*:\s*(\S+)\s*$/;
const EMPTY_DIR =
  /Node database directory at (\S+) is empty\. Assuming we need to join an existing cluster or initialise from scratch/;

/** The message part of a log line (after `[level] <pid> `). */
function messageOf(line: string): string {
  return line.replace(ANSI, "").replace(/^\S+ \S+ \[\w+\] <[\d.]+> ?/, "");
}

export function startObservations(
  log: string,
  expectedDir: string,
): { summary: string; observed: string[]; initialisedEmpty: boolean } {
  const messages = log.split("\n").map(messageOf);
  const dir = messages.map((m) => DATABASE_DIR.exec(m)?.[1]).find((d) => d !== undefined);
  const empty = messages.find((m) => EMPTY_DIR.test(m));
  const observed = [
    dir ? `log: database dir : ${dir}` : "no database dir line in the log",
    ...(empty ? [`log: ${empty.trim()}`] : []),
  ];
  if (dir !== undefined && dir !== expectedDir) observed.push(`the node used ${dir}, not ${expectedDir}`);
  const summary = empty
    ? `it found no database in ${EMPTY_DIR.exec(empty)?.[1] ?? "its directory"} and initialised an EMPTY one (logged at info level, no error)`
    : `it booted on the restored database in ${dir ?? "(unknown directory)"}`;
  return { summary, observed, initialisedEmpty: empty !== undefined };
}

/**
 * Why a node did not boot, in its words: rabbit_prelaunch_errors logs "BOOT FAILED", a line of `=`, then the cause
 * ("Error during startup: {error, …}" pretty-printed over several lines, or "Exception during startup:" followed by
 * the exception), to the log and again to stderr. The cause, on one line, or undefined when no such block is there.
 */
export function bootFailure(log: string): string | undefined {
  const messages = log.split("\n").map((l) => messageOf(l).trim());
  const at = messages.indexOf("BOOT FAILED");
  if (at < 0) return undefined;
  const rest = messages.slice(at + 1);
  const from = rest.findIndex((m) => m !== "" && !/^=+$/.test(m));
  const lines: string[] = [];
  for (const m of from < 0 ? [] : rest.slice(from)) {
    // "Exception during startup:" has a blank line before the exception itself.
    if (m === "" && !lines.at(-1)?.endsWith(":")) break;
    if (m !== "") lines.push(m);
  }
  const cause = lines.join(" ").replace(/\s+/g, " ");
  return cause ? `BOOT FAILED: ${cause.length > 400 ? `${cause.slice(0, 400)}…` : cause}` : "BOOT FAILED";
}
