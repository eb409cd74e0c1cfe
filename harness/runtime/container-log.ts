import { docker } from "./docker.ts";
import { logTail } from "./wait-for-probe.ts";

/** A container's whole log so far (stdout and stderr), running or stopped. */
export function containerLog(container: { getId(): string }): Promise<string> {
  return logTail(docker().getContainer(container.getId()), 1_000_000);
}
