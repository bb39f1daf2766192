import { describe, expect, it } from "vitest";
import { decodeRunnerReference } from "../../src/github/decode.js";

describe("decodeRunnerReference", () => {
  it("keeps status only when it is a string, and busy only when it is a boolean", () => {
    const base = { id: 5, name: "r-1", runnerScaleSetId: 42 };
    expect(decodeRunnerReference({ ...base, status: "online", busy: false })).toEqual({
      ...base,
      status: "online",
      busy: false,
    });
    // `status` and `busy` are not in GitHub's SDK types: anything else means "not reported".
    expect(decodeRunnerReference({ ...base, status: 1, busy: "yes" })).toEqual(base);
    expect(decodeRunnerReference({ ...base, status: null })).toEqual(base);
    expect(decodeRunnerReference(base)).toEqual(base);
  });
});
