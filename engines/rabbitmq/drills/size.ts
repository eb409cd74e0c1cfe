/** MQTT publishes in the RabbitMQ drills: a few thousand, over 24 persistent sessions and 48 retained topics. */
export const RABBITMQ_ROWS = Number(process.env.DR_DRILL_ROWS ?? 2_000);
