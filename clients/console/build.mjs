// Builds the console into one directory that riec-broker serves
// (console.assets): the page, its scripts, and the NL Design System CSS
// (Utrecht component library and design tokens) from node_modules, so that
// nothing is loaded from another origin. Usage: node build.mjs <out-dir>
import { cpSync, mkdirSync, readdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs <out-dir>");
  process.exit(2);
}
const vendor = [
  ["@utrecht/component-library-css/dist/index.css", "utrecht-components.css"],
  ["@utrecht/design-tokens/dist/index.css", "utrecht-tokens.css"],
];
for (const [from] of vendor) {
  if (!existsSync(join(here, "node_modules", from))) {
    console.error(`build.mjs: node_modules/${from} is missing: run 'npm ci' in ${here} first`);
    process.exit(1);
  }
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "vendor"), { recursive: true });
for (const f of readdirSync(join(here, "src"))) cpSync(join(here, "src", f), join(out, f));
for (const [from, to] of vendor) cpSync(join(here, "node_modules", from), join(out, "vendor", to));
console.log(`console built in ${out}`);
