export { brokerRefusals, closeMqtt, connectMqtt, isDefiniteFailure, isRefusal, MqttPublisher, NoAckError, NotSentError, SESSION_EXPIRY_S, sessionConnect, type ConnectOptions, type MqttEndpoint } from "./client.ts";
export { loadMqtt } from "./load.ts";
export {
  DEFAULT_UNIVERSE,
  framePayload,
  MQTT_RECORDS,
  mqttUniverse,
  payloadPreview,
  queuedWrite,
  queueKey,
  retainedKey,
  retainedPayload,
  retainedWrite,
  seqOfPayload,
  SESSION_PRESENT,
  sessionKey,
  sessionWrite,
  subscriptionKey,
  subscriptionWrite,
  UNIVERSE_SEED,
  type MqttCapabilities,
  type MqttUniverse,
  type UniverseSize,
} from "./model.ts";
export { readMqttState, type ReadBackOptions, type ReadBackStats } from "./read-back.ts";
export { MqttPublishes, MqttWorkload, openMqttWorkloadClient, WORKLOAD_SEQ_BASE, type MqttOpKind, type MqttPublish } from "./workload.ts";
