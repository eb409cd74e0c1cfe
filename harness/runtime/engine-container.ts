import { GenericContainer, type StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "./images.ts";
import { startContainer } from "./start-container.ts";

/**
 * An engine's container builder, after testcontainers' own modules (a GenericContainer with the engine's setters):
 * the image it runs, and the directory its data lives in, which `withVolume` puts on a named volume so destroying
 * the data is an explicit, checkable step. A builder's `start()` wraps `startEngine()` in its started handle.
 */
export class EngineContainer extends GenericContainer {
  constructor(
    readonly image: ResolvedImage,
    private readonly dataDir: string,
  ) {
    super(image.ref);
  }

  /** A named volume on the engine's data directory. */
  withVolume(name: string): this {
    return this.withBindMounts([{ source: name, target: this.dataDir }]);
  }

  /** Testcontainers' start; an engine that exits at once is thrown as its exit, its refusal (startContainer). */
  protected startEngine(): Promise<StartedTestContainer> {
    return startContainer(this, () => super.start());
  }
}
