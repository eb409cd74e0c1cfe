import type { WorkloadClient, WorkloadOp } from "../../harness/workload.ts";
import { isDefiniteFailure, NotSentError, type MqttPublish } from "../../protocols/mqtt/index.ts";

/** Pause after a failed reconnect: a node that is down must not turn a writer into a busy loop of failed ops. */
const RECONNECT_PAUSE_MS = 250;

/**
 * A workload writer that outlives its node's restart: the backup stops the node and starts it again, and the
 * writers go on publishing to it, so writes after the backup exist (and the restored node must not have them). A
 * publish on a lost connection was not sent (`fail`, as the shared client says); the next op connects again.
 */
export class ReconnectingWriter implements WorkloadClient<MqttPublish> {
  private inner: WorkloadClient<MqttPublish> | undefined;

  constructor(private readonly open: () => Promise<WorkloadClient<MqttPublish>>) {}

  async apply(op: WorkloadOp<MqttPublish>) {
    if (!this.inner) {
      try {
        this.inner = await this.open();
      } catch (err) {
        await new Promise((r) => setTimeout(r, RECONNECT_PAUSE_MS));
        throw new NotSentError(`not connected (${(err as Error).message}): the publish was not sent`);
      }
    }
    try {
      return await this.inner.apply(op);
    } catch (err) {
      if (err instanceof NotSentError) await this.drop();
      throw err;
    }
  }

  async intended(op: WorkloadOp<MqttPublish>) {
    return [op.payload.write];
  }

  isDefiniteFailure(err: unknown): boolean {
    return isDefiniteFailure(err);
  }

  private async drop(): Promise<void> {
    const inner = this.inner;
    this.inner = undefined;
    await inner?.close().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.drop();
  }
}
