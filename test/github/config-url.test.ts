import { describe, expect, it } from "vitest";
import { InvalidConfigUrlError, parseConfigUrl } from "../../src/github/config-url.js";

describe("parseConfigUrl", () => {
  const table: [string, Record<string, unknown>][] = [
    ["https://github.com/org", { scope: "org", org: "org", apiBase: "https://api.github.com" }],
    [
      "https://www.github.com/org/repo",
      { scope: "repo", org: "org", repo: "repo", apiBase: "https://api.github.com" },
    ],
    [
      "https://github.com/enterprises/acme",
      {
        scope: "enterprise",
        enterprise: "acme",
        apiBase: "https://api.github.com",
        isHosted: true,
      },
    ],
    ["https://github.com/Enterprises/acme", { scope: "enterprise", enterprise: "acme" }],
    [
      "https://my.ghe.com/org/",
      { scope: "org", apiBase: "https://api.my.ghe.com", isHosted: true },
    ],
    [
      "https://ghes.corp/org/repo",
      { scope: "repo", apiBase: "https://ghes.corp/api/v3", isHosted: false },
    ],
    ["http://github.localhost/o", { apiBase: "http://api.github.localhost", isHosted: true }],
    ["https://GitHub.com/org", { apiBase: "https://api.github.com", isHosted: true }],
    // A non-default port defeats hosted detection, as in the Go SDK.
    ["https://github.com:8443/org", { apiBase: "https://github.com:8443/api/v3", isHosted: false }],
    // Loopback (tests / simulator) is GHES mode.
    [
      "http://127.0.0.1:8080/my-org",
      { scope: "org", org: "my-org", apiBase: "http://127.0.0.1:8080/api/v3", isHosted: false },
    ],
    // Trailing and leading slashes are trimmed, and the trimmed string is kept.
    ["https://github.com/org/repo/", { scope: "repo", configUrl: "https://github.com/org/repo" }],
  ];

  it.each(table)("%s", (url, expected) => {
    expect(parseConfigUrl(url, {})).toMatchObject(expected);
  });

  it("GITHUB_ACTIONS_FORCE_GHES forces GHES mode, even when empty", () => {
    for (const value of ["1", ""]) {
      const parsed = parseConfigUrl("https://test.ghe.com/org", {
        GITHUB_ACTIONS_FORCE_GHES: value,
      });
      expect(parsed).toMatchObject({
        scope: "org",
        isHosted: false,
        apiBase: "https://test.ghe.com/api/v3",
      });
    }
    expect(parseConfigUrl("https://test.ghe.com/org", {}).apiBase).toBe("https://api.test.ghe.com");
  });

  it.each([
    "https://github.com",
    "https://github.com/",
    "https://github.com/a/b/c",
    "not a url",
    "ftp://github.com/org",
  ])("rejects %s with a clear error", (url) => {
    expect(() => parseConfigUrl(url, {})).toThrow(InvalidConfigUrlError);
    expect(() => parseConfigUrl(url, {})).toThrow(/config URL/);
  });

  it("does not echo credentials embedded in the URL", () => {
    const err = (() => {
      try {
        parseConfigUrl("https://user:s3cretpass@github.com/org", {});
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InvalidConfigUrlError);
    expect(err?.message).not.toContain("s3cretpass");
  });
});
