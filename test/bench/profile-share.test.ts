import type { Profiler } from "node:inspector";
import { describe, expect, it } from "vitest";
import { profileShare } from "../../src/bench/profile-share.js";

const APP = "file:///app/dist";
const OTEL = "file:///app/node_modules/@opentelemetry/sdk-trace/dist/Span.mjs";

/** A profile from a call tree: [id, function, url, children]; samples as [node id, µs]. */
function profile(
  tree: Array<[number, string, string, number[]]>,
  samples: Array<[number, number]>,
): Profiler.Profile {
  return {
    nodes: tree.map(([id, functionName, url, children]) => ({
      id,
      callFrame: { functionName, url, scriptId: "0", lineNumber: 0, columnNumber: 0 },
      children,
    })),
    startTime: 0,
    endTime: samples.reduce((sum, [, us]) => sum + us, 0),
    samples: samples.map(([id]) => id),
    timeDeltas: samples.map(([, us]) => us),
  };
}

describe("profileShare", () => {
  it("charges Node internals to the nearest app or package frame above them", () => {
    const share = profileShare(
      profile(
        [
          [1, "(root)", "", [2, 3, 8, 9]],
          [2, "handleMessage", `${APP}/listener/listener.js`, [4, 5]],
          [3, "export", "file:///app/node_modules/@opentelemetry/otlp-exporter-base/x.mjs", [6]],
          [4, "onMessage", `${APP}/telemetry/job-tracker.js`, [7]],
          [5, "writeGeneric", "node:internal/stream_base_commons", []],
          [6, "writeGeneric", "node:internal/stream_base_commons", []],
          [7, "addEvent", OTEL, []],
          [8, "(garbage collector)", "", []],
          [9, "(idle)", "", []],
        ],
        [
          [2, 1000], // the app itself
          [5, 2000], // a socket write the app made
          [6, 3000], // a socket write the OTLP exporter made
          [4, 4000], // scaleset's instrumentation
          [7, 5000], // the SDK, called by it
          [8, 600],
          [9, 7000],
        ],
      ),
    );
    expect(share).toEqual({ telemetryMs: 12, otherMs: 3, gcMs: 0.6, idleMs: 7 });
  });

  it("counts the engines' telemetry files as telemetry and the rest of an engine as not", () => {
    const share = profileShare(
      profile(
        [
          [1, "(root)", "", [2, 3]],
          [2, "ec2Call", `${APP}/engines/ec2/telemetry.js`, []],
          [3, "create", `${APP}/engines/ec2/ec2-engine.js`, []],
        ],
        [
          [2, 1500],
          [3, 2500],
        ],
      ),
    );
    expect(share.telemetryMs).toBe(1.5);
    expect(share.otherMs).toBe(2.5);
  });
});
