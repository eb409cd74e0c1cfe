import { AbstractStartedContainer, type StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "./images.ts";
import { containerLog } from "./container-log.ts";
import { copyDirectoryOut } from "./archive.ts";

/**
 * A started engine container, after testcontainers' AbstractStartedContainer (the handle its modules return): the
 * image it runs and its log; each engine's handle extends it with its own actions. Its `stop()` is testcontainers':
 * no clean shutdown (timeout 0), the container removed with its anonymous volumes, as a disaster ends a server.
 */
export class StartedEngineContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    readonly image: ResolvedImage,
  ) {
    super(started);
  }

  /** The server's log since the container started (stdout and stderr), running or stopped. */
  log(): Promise<string> {
    return containerLog(this);
  }

  /** Copies a directory out of the container, running or stopped, into `hostDir` (its contents). */
  copyDirectoryOut(containerDir: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this, containerDir, hostDir);
  }
}
