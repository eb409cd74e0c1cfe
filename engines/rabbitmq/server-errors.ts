/**
 * The errors a RabbitMQ 3.10 node logs when a part of it fails, read from its console log, where one event spans
 * several lines that share a timestamp and a process id (`2026-… [error] <0.483.0> ** Generic server …`): a process
 * that crashed (OTP's "** Generic server <pid> terminating", with its "** Reason for termination"; a crash report
 * "crasher:" of a process that was not one), a queue that failed to start or was restarted after a crash, and a
 * supervisor that gave up restarting its child (`reached_max_restart_intensity`: a queue whose damaged index does not
 * recover is then gone for good, and its session's CONNECT never gets a CONNACK). Each is quoted by its first line
 * and, for a crash, the error and the frame it was raised in, as RabbitMQ logged them: a damaged queue index reads
 * "badmatch in rabbit_queue_index:parse_pub_record_body/2 (rabbit_queue_index.erl, line 906)"; a supervisor's give-up
 * by the supervisor and the queue it held.
 */
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
const PREFIX = /^(\S+ \S+) \[\w+\] (<[\d.]+>) ?(.*)$/;
const CRASH = /Generic server .* terminating|crasher:|failed to initialise|Restarting crashed queue/;
/** Where the reason of a crash starts in its event. */
const REASON = /Reason for termination ==|exception (?:exit|error|throw):|failed to initialise:/;
/** An OTP supervisor report (its first line `supervisor: {<pid>|local,Name}`) and the reason that means it gave up. */
const SUPERVISOR = /^supervisor: \{[^,]+,(\w+)\}/;
const GAVE_UP = /reason: reached_max_restart_intensity/;
/** The queue a report is about: `{resource,<<"/">>,queue,<<"name">>}`, over several lines. */
const QUEUE = /queue,\s*<<"([^"]+)">>/;
/** The first frame of an Erlang stack trace: `{Module,Function,Arity,[{file,"…"},{line,N}]}`. */
const FRAME = /\{'?([\w@.]+)'?,\s*'?([^,'\s]+)'?,\s*(\d+),\s*\[\{file,"([^"]+)"\},\s*\{line,(\d+)\}\]\}/;

interface LogEvent {
  pid: string;
  lines: string[];
}

/** The log's events: consecutive lines with one timestamp and process id; a line without that prefix stands alone. */
function events(log: string): LogEvent[] {
  const out: LogEvent[] = [];
  let key: string | undefined;
  for (const raw of log.split("\n")) {
    const line = raw.replace(ANSI, "");
    const m = PREFIX.exec(line);
    if (m && `${m[1]} ${m[2]}` === key) {
      out.at(-1)!.lines.push(m[3]!);
      continue;
    }
    key = m ? `${m[1]} ${m[2]}` : undefined;
    out.push({ pid: m?.[2] ?? "", lines: [m ? m[3]! : line] });
  }
  return out;
}

/** The error and the frame of a crash event, in Erlang's own terms, when it has a reason. */
function crashReason(lines: string[]): string | undefined {
  const text = lines.join(" ").replace(/\s+/g, " ");
  const at = REASON.exec(text);
  if (!at) return undefined;
  const reason = text.slice(at.index + at[0].length);
  const error = /^[\s*{]*([a-z][\w]*)/.exec(reason)?.[1];
  const frame = FRAME.exec(reason);
  return (
    [error, frame ? `in ${frame[1]}:${frame[2]}/${frame[3]} (${frame[4]}, line ${frame[5]})` : undefined]
      .filter(Boolean)
      .join(" ") || undefined
  );
}

/** A supervisor's report that it gave up on its child, quoted by the supervisor and the queue; undefined for any other event. */
function gaveUp(head: string, lines: string[]): string | undefined {
  const supervisor = SUPERVISOR.exec(head)?.[1];
  const text = lines.join(" ");
  if (!supervisor || !GAVE_UP.test(text)) return undefined;
  const queue = QUEUE.exec(text)?.[1];
  return `supervisor ${supervisor} gave up${queue ? ` on queue ${queue}` : ""} (reached_max_restart_intensity)`;
}

export function rabbitServerErrors(log: string): string[] {
  const found = new Set<string>();
  const crashed = new Set<string>();
  for (const e of events(log)) {
    const head = e.lines.find((l) => l.trim() !== "")?.trim() ?? "";
    const given = gaveUp(head, e.lines);
    if (given) found.add(given);
    if (!CRASH.test(head)) continue;
    // A gen_server's crash is logged twice: its own report, then the crash report of the same process.
    if (head === "crasher:" && crashed.has(e.pid)) continue;
    if (/Generic server/.test(head)) crashed.add(e.pid);
    const reason = /Restarting crashed queue/.test(head) ? undefined : crashReason(e.lines);
    found.add(`${head.replace(/:?\s*\{.*$/, "")}${reason ? `: ${reason}` : ""}`.slice(0, 500));
  }
  return [...found].slice(0, 20);
}
