import type { RestoreAttempt } from "../../harness/engine.ts";

/**
 * What a restore attempt showed, from observations only: whether `_restore` was in the root before the start and after
 * it, and QuestDB's own log lines. Nothing here infers a recovery that was not seen.
 */

/**
 * The line QuestDB logs once the `_restore` recovery has finished, found by restoring real checkpoint backups with
 * 8.2.0, 9.2.3 and 9.3.4 (e.g. `… I i.q.c.DatabaseCheckpointAgent checkpoint recovered [metaFilesCount=28,
 * walFilesCount=1, symbolFilesCount=12]`); it follows `starting checkpoint recovery [trigger=file]`.
 */
export const RECOVERED_LINE = /DatabaseCheckpointAgent checkpoint recovered \[[^\]]*\]/;
/** Logged instead when the root has a checkpoint but no trigger: the server starts on the files as they are. */
export const SKIPPED_LINE = /DatabaseCheckpointAgent skipping recovery from checkpoint \[[^\]]*\]/;

/**
 * What QuestDB logs when it cannot serve its data: a line at level C (critical), an E line that names a
 * CairoException or a corruption, a JVM crash. Not every E line: a client's failed statement is logged at E too.
 */
export const QDB_SERVER_ERRORS =
  /^\S+ C |^\S+ E .*(CairoException|corrupt)|A fatal error has been detected by the Java Runtime Environment/i;

/** The first line of `log` matching `pattern`, verbatim. */
export function logLine(log: string, pattern: RegExp): string | undefined {
  return log
    .split("\n")
    .map((l) => l.trim())
    .find((l) => pattern.test(l));
}

/** The message part of a log line: without its timestamp, level and logger. */
function message(line: string, pattern: RegExp): string {
  return pattern.exec(line)?.[0].replace(/^DatabaseCheckpointAgent /, "") ?? line;
}

export interface StartObservations {
  triggerBefore: boolean;
  triggerAfter: boolean;
  /** The server log from its start. */
  log: string;
}

/** A server that came up: what the trigger and the log say, and whether that is the restore asked for. */
export function startedAttempt(
  o: StartObservations,
): Pick<RestoreAttempt, "ok" | "summary" | "observed"> & { toolErrors: string[] } {
  const recovered = logLine(o.log, RECOVERED_LINE);
  const skipped = logLine(o.log, SKIPPED_LINE);
  const observed = [
    o.triggerBefore ? "_restore present before the start" : "no _restore before the start",
    o.triggerAfter
      ? "_restore still present after the start"
      : o.triggerBefore
        ? "_restore gone after the start"
        : "no _restore after the start",
    ...(recovered ? [`log: ${recovered}`] : []),
    ...(skipped ? [`log: ${skipped}`] : []),
    ...(!recovered && !skipped ? ["no checkpoint recovery line in the server log"] : []),
  ];
  if (!o.triggerBefore) {
    return {
      ok: true,
      summary: `no _restore trigger: the server started on the raw copy, no recovery requested${skipped ? ` (log: ${message(skipped, SKIPPED_LINE)})` : ""}`,
      observed,
      toolErrors: [],
    };
  }
  if (o.triggerAfter) {
    return {
      ok: false,
      summary: `server started but _restore is still in the root: the checkpoint recovery did not run${recovered ? "" : " (no recovery line in its log)"}`,
      observed,
      toolErrors: [
        "_restore still present after the server started: recovery did not run (is cairo.checkpoint.recovery.enabled false?), so it serves the raw copy, not the checkpoint",
      ],
    };
  }
  return {
    ok: true,
    summary: recovered
      ? `server started; recovered from the checkpoint (log: ${message(recovered, RECOVERED_LINE)}); _restore removed`
      : "server started and _restore was removed, but its log has no checkpoint recovery line",
    observed,
    toolErrors: [],
  };
}

/** QuestDB exited before it was ready: its refusal, in the line of its log that says why (`causeLine`). */
export function serverExited(exit: { exitCode: number; logTail: string }): string {
  return `server exited with code ${exit.exitCode}: ${causeLine(exit.logTail)}`;
}

/** A server that exited (its refusal, `serverExited`): whether the trigger is still there for a retry. */
export function failedAttempt(o: {
  triggerBefore: boolean;
  triggerAfter: boolean | undefined;
  refusal: string;
}): Pick<RestoreAttempt, "summary" | "observed"> {
  const trigger = o.triggerAfter === undefined ? "" : o.triggerAfter ? "; _restore still present" : "; _restore gone";
  return {
    summary: `${o.refusal}${trigger}`,
    observed: [
      o.triggerBefore ? "_restore present before the start" : "no _restore before the start",
      o.triggerAfter === undefined
        ? "_restore after the exit: could not look"
        : o.triggerAfter
          ? "_restore still present after the exit"
          : "_restore gone after the exit",
    ],
  };
}

/** The JVM's own crash report (hs_err header on stdout): the signal and the frame it died in. */
function jvmCrash(lines: string[]): string | undefined {
  if (!lines.some((l) => /A fatal error has been detected by the Java Runtime Environment/.test(l))) return undefined;
  const signal = lines.map((l) => /^#\s+(SIG[A-Z]+|EXCEPTION_\w+|Internal Error)\b/.exec(l)?.[1]).find(Boolean);
  const at = lines.findIndex((l) => /^#\s*Problematic frame:/.test(l));
  const frame = at >= 0 ? lines[at + 1]?.replace(/^#\s*/, "") : undefined;
  return `JVM crashed${signal ? ` (${signal})` : ""}${frame ? ` in ${frame}` : ""}`;
}

/** The line of a QuestDB log that says why it stopped: a JVM crash, a critical/error line, an exception, else the last line. */
export function causeLine(log: string): string {
  const lines = log
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const crash = jvmCrash(lines);
  if (crash) return crash;
  const patterns = [
    /^[\w.$]+(Exception|Error): /,
    / [CE] [\w.-]+ .*(checkpoint|restore|recover)/i,
    /^\S+ [CE] /,
    /Exception|could not|cannot|failed/i,
  ];
  for (const p of patterns) {
    const at = lines.findIndex((l) => p.test(l));
    if (at < 0) continue;
    let hit = lines[at]!.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, "");
    // "Configuration issues:" and the like: the reason is on the next lines, before the stack trace.
    if (hit.endsWith(":"))
      hit +=
        " " +
        lines
          .slice(at + 1, at + 4)
          .filter((l) => !l.startsWith("at "))
          .join(" ");
    return hit;
  }
  return lines.at(-1) ?? "(no output)";
}
