/** Messages each Mosquitto drill loads: a few thousand keep all its drills within a few minutes (`DR_DRILL_ROWS` overrides). */
export const MOSQUITTO_ROWS = Number(process.env.DR_DRILL_ROWS ?? 2_000);
