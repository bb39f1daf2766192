import { describe, expect, it } from "vitest";
import { appendPathSegment, buildActionsUrl, redactUrl } from "../../src/github/url.js";

describe("buildActionsUrl", () => {
  it("keeps the base path, collapses slashes, encodes names, adds api-version", () => {
    const url = buildActionsUrl("https://h/tenant/123/", "/_apis/runtime/runnerscalesets", {
      runnerGroupId: 1,
      name: "my set+1%",
    });
    const parsed = new URL(url);
    expect(parsed.pathname).toBe("/tenant/123/_apis/runtime/runnerscalesets");
    expect(parsed.searchParams.get("name")).toBe("my set+1%");
    expect(parsed.searchParams.get("api-version")).toBe("6.0-preview");
    expect(buildActionsUrl("https://h/rest", "_apis/x/?a=1")).toBe(
      "https://h/rest/_apis/x/?a=1&api-version=6.0-preview",
    );
    expect(buildActionsUrl("https://h/rest/?k=v", "//_apis//y", { "api-version": "7.0" })).toBe(
      "https://h/rest/_apis/y?k=v&api-version=7.0",
    );
  });
});

describe("appendPathSegment", () => {
  it("appends to the path and keeps the query", () => {
    expect(appendPathSegment("https://b/x/message?sessionId=s1", "42")).toBe(
      "https://b/x/message/42?sessionId=s1",
    );
    expect(appendPathSegment("https://b/x/message/", "7")).toBe("https://b/x/message/7");
  });
});

describe("redactUrl", () => {
  it("drops userinfo and masks secret-looking query values", () => {
    const out = redactUrl("https://u:p4ss@h/x?token=abc123&sessionId=s1&sig=zz9");
    expect(out).not.toContain("p4ss");
    expect(out).not.toContain("abc123");
    expect(out).not.toContain("zz9");
    expect(out).toContain("sessionId=s1");
    expect(redactUrl("::not a url")).toBe("<invalid url>");
  });
});
