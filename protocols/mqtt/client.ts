import {
  connect,
  ErrorWithReasonCode,
  type IClientOptions,
  type IConnackPacket,
  type IPublishPacket,
  type MqttClient,
} from "mqtt";
import { EngineError } from "../../harness/engine-error.ts";
import type { MqttProtocolVersion, SessionSpec } from "./generators.ts";

/**
 * The MQTT client every broker's drill uses, and the outcome of a publish in Jepsen's terms, written down once:
 * - `ok`: PUBACK (QoS 1) or PUBCOMP (QoS 2) arrived with a success reason code: the broker has the message;
 * - `fail`: the broker refused it definitely (an MQTT 5 PUBACK/PUBREC reason code ≥ 0x80), or it was never sent (the
 *   connection was already gone, the client rejected the topic): it cannot have taken effect;
 * - `info`: no acknowledgement (time-out, connection lost while waiting): the broker may or may not have it.
 */

/** A publish that never left this process: it cannot have taken effect. */
export class NotSentError extends Error {
  override name = "NotSentError";
}

/** No acknowledgement in time, or the connection went away while waiting for it. */
export class NoAckError extends Error {
  override name = "NoAckError";
}

/** MQTT 5 reason codes from 0x80 are errors (the spec's "Reason Code" table); 0x10 "no matching subscribers" is a success. */
export function isRefusal(err: unknown): boolean {
  return err instanceof ErrorWithReasonCode && err.code >= 0x80;
}

/** Runs `body`, turning the broker's refusals (reason codes ≥ 0x80) into `EngineError`s; a time-out or lost connection stays. */
export async function brokerRefusals<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw isRefusal(err)
      ? new EngineError(`the broker refused: ${err instanceof Error ? err.message : String(err)}`)
      : err;
  }
}

export function isDefiniteFailure(err: unknown): boolean {
  return err instanceof NotSentError || isRefusal(err);
}

export interface MqttEndpoint {
  /** `mqtt://host:port` */
  url: string;
  username?: string;
  password?: string;
}

/** Persistent sessions outlive a disconnect: MQTT 5 needs a session expiry (a week here), 3.1.1 `clean=false`. */
export const SESSION_EXPIRY_S = 7 * 24 * 3600;

export interface ConnectOptions {
  clientId: string;
  protocol: MqttProtocolVersion;
  /** Keep (or resume) the session after disconnecting. */
  persistent: boolean;
  connectTimeoutMs?: number;
  /**
   * Listens for messages from the first packet on: a session's queued messages follow its CONNACK at once, and one
   * delivered before a listener is attached would be acknowledged unseen.
   */
  onMessage?: (topic: string, payload: Buffer, packet: IPublishPacket) => void;
}

/**
 * Connects once, without reconnecting by itself (a lost connection must show as `info`, never be papered over). A
 * CONNACK refusal is the broker's answer (`EngineError`); a socket error is not.
 */
export async function connectMqtt(
  endpoint: MqttEndpoint,
  opts: ConnectOptions,
): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  const options: IClientOptions = {
    clientId: opts.clientId,
    protocolVersion: opts.protocol,
    clean: !opts.persistent,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    keepalive: 30,
    resubscribe: false,
    ...(opts.protocol === 5 ? { properties: { sessionExpiryInterval: opts.persistent ? SESSION_EXPIRY_S : 0 } } : {}),
    ...(endpoint.username ? { username: endpoint.username, password: endpoint.password ?? "" } : {}),
  };
  const client = connect(endpoint.url, options);
  const onMessage = opts.onMessage;
  if (onMessage) client.on("message", (topic, payload, packet) => onMessage(topic, payload, packet));
  try {
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${opts.clientId}: no CONNACK within ${timeoutMs} ms`)),
        timeoutMs + 1_000,
      );
      const done = (f: () => void) => (clearTimeout(timer), f());
      client.once("connect", (packet) => done(() => resolve(packet)));
      client.once("error", (err) => done(() => reject(err)));
      client.once("close", () =>
        done(() => reject(new Error(`${opts.clientId}: the connection closed before CONNACK`))),
      );
    });
    return { client, sessionPresent: connack.sessionPresent };
  } catch (err) {
    client.end(true);
    // A CONNACK with a refusal is the broker's answer; a socket error is not.
    if (err instanceof ErrorWithReasonCode)
      throw new EngineError(`${opts.clientId}: the broker refused the connection: ${err.message} (code ${err.code})`);
    throw err;
  }
}

export function sessionConnect(session: SessionSpec): ConnectOptions {
  return { clientId: session.clientId, protocol: session.protocol, persistent: true };
}

/** Ends a connection politely (DISCONNECT), or drops it when that does not finish in time. */
export async function closeMqtt(client: MqttClient, timeoutMs = 5_000): Promise<void> {
  if (!client.connected) return void (await client.endAsync(true).catch(() => undefined));
  const polite = client.endAsync(false).then(() => true);
  const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  if (!(await Promise.race([polite, late]))) await client.endAsync(true).catch(() => undefined);
}

/**
 * Publishes with the outcome mapping above. mqtt.js leaves a QoS 1/2 callback pending forever when the socket closes
 * without reconnecting, so every pending publish is rejected with `NoAckError` on close, and after `ackTimeoutMs`.
 */
export class MqttPublisher {
  private readonly pending = new Set<(err: Error) => void>();
  private closed = false;
  /** A publish was given up on: a polite DISCONNECT would wait for it in vain. */
  private abandoned = false;

  constructor(
    readonly client: MqttClient,
    private readonly ackTimeoutMs = 10_000,
  ) {
    client.on("close", () => {
      this.closed = true;
      for (const reject of this.pending) reject(new NoAckError("connection lost before the acknowledgement"));
      this.pending.clear();
    });
    // Without a listener an 'error' event would crash the process; the outcome is decided per publish.
    client.on("error", () => undefined);
  }

  publish(topic: string, payload: Buffer, qos: 1 | 2, retain: boolean): Promise<void> {
    if (this.closed || !this.client.connected)
      return Promise.reject(new NotSentError("not connected: the publish was not sent"));
    return new Promise((resolve, reject) => {
      const settle = (err?: Error) => {
        clearTimeout(timer);
        this.pending.delete(settle);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => (
          (this.abandoned = true),
          settle(new NoAckError(`no ${qos === 1 ? "PUBACK" : "PUBCOMP"} within ${this.ackTimeoutMs} ms`))
        ),
        this.ackTimeoutMs,
      );
      this.pending.add(settle);
      this.client.publish(topic, payload, { qos, retain }, (err) => {
        if (!err) return settle();
        settle(
          isRefusal(err) || err instanceof NoAckError
            ? err
            : /Invalid topic/.test(err.message)
              ? new NotSentError(err.message)
              : new NoAckError(err.message),
        );
      });
    });
  }

  async close(): Promise<void> {
    if (this.abandoned) await this.client.endAsync(true).catch(() => undefined);
    else await closeMqtt(this.client);
  }
}
