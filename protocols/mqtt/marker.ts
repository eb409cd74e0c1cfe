import type { IPublishPacket } from "mqtt";
import { EngineError } from "../../harness/engine-error.ts";
import { MARKER_LEVEL } from "./generators.ts";
import { isRefusal, type MqttPublisher } from "./client.ts";

/**
 * The read-back's marker: a non-retained QoS 1 message the read-back publishes to the node it reads, while it reads,
 * on a topic only the reader at hand subscribes (a session's own, protocols/mqtt/generators.ts `markerTopic`, or the retained
 * reader's own). Its arrival proves the subscription delivers; on a broker with one FIFO per session
 * (`MqttCapabilities.fifoSessionQueue`) it also proves that everything queued before it has arrived. Not retained and
 * matching no other subscription, it is gone once its reader takes it. One that comes after its reader gave up waits in
 * that session's queue and a later read skips it: no payload of the data set starts like a marker (model.ts frames
 * queued payloads `<seq>|`, retained ones `<write id>|`).
 */
const MARKER_PREFIX = "dr-drill-marker|";
let markers = 0;

export function newMarker(): Buffer {
  return Buffer.from(`${MARKER_PREFIX}${process.pid}-${Date.now()}-${markers++}`);
}

export function isMarker(payload: Buffer): boolean {
  return payload.subarray(0, MARKER_PREFIX.length).toString("latin1") === MARKER_PREFIX;
}

/** A topic no session's filter and no topic of the data set matches: the retained reader's own. */
export function readerMarkerTopic(): string {
  return `${MARKER_LEVEL}/${process.pid}-${Date.now()}`;
}

/** Publishes a marker; a refusal is the broker's answer, a missing acknowledgement is not. */
export async function publishMarker(
  publisher: MqttPublisher,
  topic: string,
  marker: Buffer,
  what: string,
): Promise<void> {
  try {
    await publisher.publish(topic, marker, 1, false);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (isRefusal(err)) throw new EngineError(`${what}: the broker refused a QoS 1 publish to ${topic}: ${reason}`);
    throw new Error(`${what}: the marker published to ${topic} was not acknowledged: ${reason}`);
  }
}

/** How the end of a delivery is decided (milliseconds). */
export interface EndRule {
  /** Silence after the marker that ends the delivery; 0 when the marker ends it (a FIFO per session). */
  lullMs: number;
  /** Silence after which a marker that has not arrived never will: the subscription does not deliver. */
  silenceMs: number;
  /** Bound on one delivery: reaching it decides nothing (a plain error: the drill is undecided). */
  maxMs: number;
}

export type DeliveryEnd = { marker: true; qos: number } | { marker: false };

/** How often a waiting delivery looks at the clock. */
const TICK_MS = 20;

/** The deliveries to one reader: data go to `onData`, its own marker is noted, other read-backs' markers skipped. */
export class Delivery {
  readonly marker = newMarker();
  private readonly startedAt = performance.now();
  private lastAt = this.startedAt;
  private markerQos: number | undefined;
  private interrupted: Error | undefined;

  constructor(private readonly onData: (topic: string, payload: Buffer, packet: IPublishPacket) => void) {}

  /** Goes to the connection before it is made: a session's queue follows its CONNACK at once. */
  readonly listener = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    this.lastAt = performance.now();
    if (!isMarker(payload)) this.onData(topic, payload, packet);
    else if (payload.equals(this.marker)) this.markerQos = packet.qos;
  };

  /** The connection went away: no end can be decided, the waiting `end` throws `err`. */
  interrupt(err: Error): void {
    this.interrupted ??= err;
  }

  /** Waits for the end by `rule`, silence counted from this call at the earliest (make it once the marker is acknowledged). */
  end(rule: EndRule, what: string): Promise<DeliveryEnd> {
    this.lastAt = Math.max(this.lastAt, performance.now());
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const quietMs = now - this.lastAt;
        const qos = this.markerQos;
        if (this.interrupted) reject(this.interrupted);
        else if (qos !== undefined && quietMs >= rule.lullMs) resolve({ marker: true, qos });
        else if (qos === undefined && quietMs >= rule.silenceMs) resolve({ marker: false });
        else if (now - this.startedAt >= rule.maxMs)
          reject(
            new Error(
              `${what}: still delivering after ${rule.maxMs} ms, ${qos === undefined ? "its marker not arrived" : `no ${rule.lullMs} ms lull after its marker`}: the read cannot be known complete`,
            ),
          );
        else return;
        clearInterval(timer);
      }, TICK_MS);
    });
  }
}
