/**
 * `npm run bench:cli`: how long the compiled command takes to answer what needs no drill: `--help`, a command's
 * help, `list` (which asks Docker what images it has) and usage errors. The goal is under a second each; this prints
 * the figures (median, min and max of a few runs, and the machine's load), it does not fail on them.
 *
 *   npm run build && npm run bench:cli -- [--bin dist/cli/bin.js] [--runs 5]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { bin: { type: "string", default: "dist/cli/bin.js" }, runs: { type: "string", default: "5" } },
});
const bin = resolve(values.bin);
const runs = Number(values.runs);
if (!existsSync(bin))
  throw new Error(`${bin} does not exist: \`npm run build\` first (or --bin <an installed dr-drill>)`);
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a positive whole number");

const CASES: string[][] = [
  ["--help"],
  ["run", "--help"],
  ["list"],
  ["run", "--engine", "postgres", "--rows", "-5"],
  ["run", "--engine", "postgre"],
  ["run", "--engine", "postgres", "--bogus"],
];

console.log(
  `${bin}, ${runs} runs each, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} on ${process.platform}`,
);
for (const args of CASES) {
  const times: number[] = [];
  let status: number | null = null;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    status = spawnSync(process.execPath, [bin, ...args], { stdio: "ignore" }).status;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const ms = (t: number) => `${Math.round(t)} ms`.padStart(8);
  console.log(
    `${`dr-drill ${args.join(" ")}`.padEnd(46)} median ${ms(times[Math.floor(times.length / 2)]!)}  min ${ms(times[0]!)}  max ${ms(times.at(-1)!)}  exit ${status}`,
  );
}
