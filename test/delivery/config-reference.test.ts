import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  buildReference,
  exampleComments,
  renderConfigReference,
} from "../../scripts/config-reference.js";
import { configSchema } from "../../src/config/schema.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const example = read("config.example.yaml");

describe("docs/configuration.md", () => {
  it("is what the generator makes from the schema and config.example.yaml (run `npm run docs:config`)", () => {
    // On a mismatch, regenerate the file instead of editing it by hand.
    expect(read("docs/configuration.md")).toBe(renderConfigReference(configSchema, example));
  });

  it("has a section for every top-level config section and a row for every required field", () => {
    const doc = read("docs/configuration.md");
    const tables = buildReference(configSchema, example);
    const headings = tables.map((t) => t.heading);
    for (const section of ["github", "scalesets", "scaler", "server", "logging"])
      expect(headings).toContain(`\`${section}\``);
    const rows = tables.flatMap((t) => t.rows);
    for (const path of ["github.url", "scalesets[].name", "scalesets[].engine.type"]) {
      expect(rows.find((r) => r.path === path)?.required, path).toBe(true);
      expect(doc).toContain(`| \`${path}\` |`);
    }
    const grace = rows.find((r) => r.path === "scaler.shutdown_grace");
    expect(grace).toMatchObject({ type: "duration", defaultText: "`25s`", required: false });
    const format = rows.find((r) => r.path === "logging.format");
    expect(format?.defaultText).toBe("`json`; `pretty` when stdout is a terminal");
  });

  it("agrees with every `Default:` stated in config.example.yaml", () => {
    const rows = new Map(
      buildReference(configSchema, example)
        .flatMap((t) => t.rows)
        .map((r) => [r.path, r]),
    );
    let compared = 0;
    for (const [path, comment] of exampleComments(example)) {
      const stated = /Default: ([^\s.][^\s]*?)\.?$/m.exec(comment.text)?.[1];
      const row = rows.get(path);
      if (!stated || !row?.defaultText || stated.startsWith("{") || stated.startsWith("["))
        continue;
      expect(row.defaultText, path).toBe(`\`${stated}\``);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(12);
  });
});

describe("exampleComments", () => {
  it("reads comment blocks, trailing comments, list items and commented-out keys", () => {
    const comments = exampleComments(
      [
        "# header, not a field",
        "",
        "top:",
        "  # what a is",
        "  a: 1",
        "",
        "  # unrelated, ended by the blank line",
        "",
        "  b: x  # inline b",
        "  # an optional block:",
        "  # opt:",
        "  #   c: 3  # about c",
        "items:",
        "  - # first field of an item",
        "    name: n",
        "    nested: { k: v }",
      ].join("\n"),
    );
    expect(comments.get("top.a")).toEqual({ text: "what a is", example: "1" });
    expect(comments.get("top.b")).toEqual({ text: "inline b", example: "x" });
    expect(comments.get("top.opt")?.text).toBe("an optional block:");
    expect(comments.get("top.opt.c")).toEqual({ text: "about c", example: "3" });
    expect(comments.get("items[].name")?.text).toBe("first field of an item");
    expect(comments.has("items[].nested")).toBe(true);
    expect([...comments.keys()].some((k) => k.includes("header"))).toBe(false);
  });
});
