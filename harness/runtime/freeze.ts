import { docker } from "./docker.ts";

/**
 * Freezes every process of a container (`docker pause`, the cgroup freezer): what a storage snapshot of its volume
 * sees, crash-consistent. The freezer sometimes answers "unable to freeze" on a busy container (measured here: about
 * one first attempt in twelve), so it is retried; a container that cannot be frozen is an error, never copied live.
 * Returns the function that thaws it, to call in a `finally`.
 */
export async function freezeContainer(id: string, attempts = 10): Promise<() => Promise<void>> {
  const container = docker().getContainer(id);
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      await container.pause();
      return () => container.unpause();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(
    `container ${id.slice(0, 12)} could not be frozen after ${attempts} attempts: ${last instanceof Error ? last.message : String(last)}`,
  );
}
