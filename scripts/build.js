// Compiles the command into dist/ (`npm run build`; `prepare` runs it on `npm ci` and before `npm pack`): tsc emits
// the JavaScript with `.js` imports, the files the code reads next to itself (engine image recipes, jar locks, the
// config module's CommonJS face, the evidence's JSON Schema) are copied beside it, and `dr-drill/config` gets its type
// declarations.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const run = (...args) => execFileSync(process.execPath, [tsc, ...args], { stdio: "inherit" });

rmSync("dist", { recursive: true, force: true });
run("-p", "tsconfig.build.json");
run(
  "--declaration",
  "--emitDeclarationOnly",
  "--strict",
  "--module",
  "nodenext",
  "--target",
  "es2022",
  "--outDir",
  "dist/config",
  "config/index.ts",
);
for (const dir of ["cli", "config", "engines", "harness", "protocols"]) {
  cpSync(dir, `dist/${dir}`, { recursive: true, filter: (src) => !src.endsWith(".ts") });
}
// The evidence's schema: harness/report/evidence-schema.ts validates every run against it, from ../../schemas.
cpSync("schemas", "dist/schemas", { recursive: true });
