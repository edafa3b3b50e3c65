// Builds the widget into the Python package's static files (committed, so installing the
// Python package never needs Node):
//   embed.js   the loader publishers embed (budget: 3 KB gzip)
//   widget.js  the discussion UI it loads on demand, styles included (budget with the loader: 25 KB gzip)
//   widget.css the same styles as a file, for browsers without constructable stylesheets
//   build-manifest.json  hashes of the sources and outputs; tests/widget checks it is current
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "threadline", "static");
const sha256 = (data) => createHash("sha256").update(data).digest("hex");

const common = {
  bundle: true,
  minify: true,
  write: false,
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  legalComments: "none",
  charset: "utf8",
};

// 1. The stylesheet, minified once, used as text inside widget.js and written as widget.css.
const cssResult = await esbuild.build({ ...common, entryPoints: [join(here, "src/styles.css")], format: undefined });
const css = cssResult.outputFiles[0].text.trim();

const inlineCss = {
  name: "inline-css",
  setup(build) {
    build.onResolve({ filter: /\.css$/ }, (args) => ({ path: args.path, namespace: "css" }));
    build.onLoad({ filter: /.*/, namespace: "css" }, () => ({ contents: css, loader: "text" }));
  },
};

// 2. The widget, then the loader with the widget's content hash baked in (cache busting).
const widget = (
  await esbuild.build({ ...common, entryPoints: [join(here, "src/widget.ts")], plugins: [inlineCss] })
).outputFiles[0].contents;
const version = sha256(widget).slice(0, 12);
const embed = (
  await esbuild.build({
    ...common,
    entryPoints: [join(here, "src/embed.ts")],
    define: { __WIDGET_VERSION__: JSON.stringify(version) },
  })
).outputFiles[0].contents;

const outputs = { "embed.js": embed, "widget.js": widget, "widget.css": Buffer.from(css + "\n") };
for (const [name, data] of Object.entries(outputs)) writeFileSync(join(out, name), data);

// 3. The manifest: the Python tests recompute the source hash the same way.
function sourceFiles() {
  const files = ["build.mjs", "package.json", "package-lock.json", "tsconfig.json"];
  const walk = (dir) => {
    for (const entry of readdirSync(join(here, dir), { withFileTypes: true })) {
      const path = dir + "/" + entry.name;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk("src");
  return files.sort();
}
const hash = createHash("sha256");
for (const file of sourceFiles()) {
  hash.update(relative(here, join(here, file)).split(sep).join("/") + "\0");
  hash.update(readFileSync(join(here, file)));
  hash.update("\0");
}
const manifest = {
  comment: "Written by `npm run build` in widget/; do not edit.",
  sources: hash.digest("hex"),
  widget_version: version,
  files: Object.fromEntries(Object.entries(outputs).map(([name, data]) => [name, sha256(data)])),
};
writeFileSync(join(out, "build-manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

for (const [name, data] of Object.entries(outputs)) {
  const { gzipSync } = await import("node:zlib");
  const gz = gzipSync(data, { level: 9 }).length;
  console.log(`${name.padEnd(11)} ${String(data.length).padStart(7)} B   ${String(gz).padStart(6)} B gzip`);
}
