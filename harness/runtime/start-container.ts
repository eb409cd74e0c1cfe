import { randomUUID } from "node:crypto";
import type { GenericContainer, StartedTestContainer } from "testcontainers";
import { docker } from "./docker.ts";
import { ContainerExitedError, exitedCause, logTail } from "./wait-for-probe.ts";

const START_LABEL = "dr-drill.start";

/**
 * Starts a container; when the start fails because the engine exited at once (before testcontainers even saw its ports
 * bound, which it reports as a port time-out), throws the exit with its code and log tail instead, so a refused restore
 * reads as the engine's refusal and not as an error of ours. The container is found by a label unique to this start.
 * `start` is the container's own start: a builder that extends GenericContainer passes `() => super.start()` from the
 * start() it overrides.
 */
export async function startContainer(
  container: GenericContainer,
  start = () => container.start(),
): Promise<StartedTestContainer> {
  const id = randomUUID();
  container.withLabels({ [START_LABEL]: id });
  try {
    return await start();
  } catch (err) {
    if (exitedCause(err)) throw err;
    const [found] = await docker().listContainers({
      all: true,
      filters: JSON.stringify({ label: [`${START_LABEL}=${id}`], status: ["exited"] }),
    });
    if (!found) throw err;
    const exited = docker().getContainer(found.Id);
    const { State } = await exited.inspect();
    throw new ContainerExitedError(State.ExitCode, await logTail(exited), { cause: err });
  }
}
