import type { EventStoreApi } from "../../protocols/event-store/api.ts";

/**
 * Waits for a scavenge to finish: the server writes `$scavengeCompleted` to the stream `$scavenges-<id>` when it is
 * done (the scavenge log, the same since EventStoreDB 4.x). Bounded; throws at the deadline.
 */
export async function waitForScavenge(
  api: Pick<EventStoreApi, "readStream">,
  id: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const read = await api.readStream(`$scavenges-${id}`);
    if (read.state === "ok" && read.events.some((e) => e.type === "$scavengeCompleted")) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`scavenge ${id} did not complete within ${timeoutMs / 1000} s`);
}
