#!/usr/bin/env node
// The command in this repository: runs the TypeScript sources through tsx, so there is no build to forget. The
// installed package runs the compiled dist/cli/bin.js instead (`npm run build`, and `npm pack` builds it).
import { register } from "tsx/esm/api";

register();
await import("../cli/bin.ts");
