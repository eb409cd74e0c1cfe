import { runReaper } from "./reaper.ts";
import { INVOCATION_LABEL } from "./resources.ts";

// The reaper of one test run (reaper.ts), started detached by the run's main process: socket, invocation id, main pid.
const [socketPath, invocation, parentPid] = process.argv.slice(2);
if (!socketPath || !invocation || !parentPid) {
  process.stderr.write("usage: reaper-process.ts SOCKET INVOCATION PARENT_PID\n");
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`${line}\n`);
await runReaper(socketPath, invocation, Number(parentPid), log).catch((err: Error) =>
  log(
    `[dr-drill] the reaper of test run ${invocation} failed: ${err.message}; what it left carries the label ${INVOCATION_LABEL}=${invocation}`,
  ),
);
// The Docker client may keep a connection open: nothing is left to do.
process.exit(0);
