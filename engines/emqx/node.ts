import {
  MQTT_AS_SPECIFIED,
  mqttUniverse,
  openMqttWorkloadClient,
  type MqttCapabilities,
  type MqttUniverse,
} from "../../protocols/mqtt/index.ts";
import { MqttBrokerNode } from "../../protocols/mqtt-broker.ts";
import { errorLines } from "../../harness/server-log.ts";
import type { StartedEmqx } from "./container.ts";

/**
 * What EMQX 5 speaks (apps/emqx/src/emqx_schema.erl defaults, v5.8.6): MQTT 3.1.1 and 5, QoS 1 and 2, retained messages
 * delivered to wildcard subscriptions; topics up to 65535 bytes and `mqtt.max_topic_levels` 128 levels (the
 * generator's topics stay under 62). No FIFO per session: a durable session replays several storage streams, polled
 * apart (apps/emqx/src/emqx_persistent_session_ds/emqx_persistent_session_ds_stream_scheduler.erl at v5.8.6), and a
 * message's shard follows its publisher's client id (apps/emqx_ds_builtin_raft/src/emqx_ds_replication_layer.erl,
 * `shard_of_operation`); retained messages are sent by a pool worker the subscribe only casts to
 * (apps/emqx_retainer/src/emqx_retainer_dispatcher.erl, `dispatch`): the read-back ends on a lull after its marker.
 */
export const EMQX_MQTT: MqttCapabilities = { ...MQTT_AS_SPECIFIED, fifoSessionQueue: false };

export const EMQX_UNIVERSE: MqttUniverse = mqttUniverse(EMQX_MQTT);

export type EmqxNode = MqttBrokerNode<StartedEmqx>;

/**
 * What EMQX 5 logs when a part of it fails: a line at level critical or above (its text formatter's `[level]`,
 * apps/emqx/src/config/emqx_config_logger.erl `do_formatter(text, …)`, v5.5.1 and v5.8.6: `[critical]`, `[alert]`,
 * `[emergency]`), an OTP process crash ("Generic server … terminating", "crasher:"). Not `[error]`, which it also uses
 * for a client's bad packet or a refused connection.
 */
const EMQX_ERRORS = /\[(critical|alert|emergency)\]|Generic server .* terminating|crasher:/;

export function emqxNode(emqx: StartedEmqx, volume: string, startAgain?: () => Promise<StartedEmqx>): EmqxNode {
  return new MqttBrokerNode(emqx, volume, {
    caps: EMQX_MQTT,
    universe: EMQX_UNIVERSE,
    // Writers alternate MQTT 5 and 3.1.1, as the sessions do.
    openWriter: (n, endpoint) => openMqttWorkloadClient(endpoint(), `dd-writer-${n}`, n % 2 === 0 ? 5 : 4),
    errorsIn: (log) => errorLines(log, EMQX_ERRORS),
    ...(startAgain ? { startAgain } : {}),
  });
}
