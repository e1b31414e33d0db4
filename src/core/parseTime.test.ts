import { describe, expect, it } from "vitest";
import { parseTime } from "./parseTime.js";

describe("parseTime of --from/--to and from/to", () => {
  it("takes Unix seconds and ISO dates from 1970 to 9999", () => {
    expect(parseTime("1767225600", "--from")).toBe(1_767_225_600);
    expect(parseTime("2026-01-01T00:00:00Z", "--from")).toBe(1_767_225_600);
    expect(parseTime(undefined, "--from")).toBeUndefined();
  });

  it("refuses times before 1970, after 9999 or not times at all with CLI_INVALID_TIME", () => {
    for (const value of [
      "-100000000000000000000",
      "-1",
      "99999999999999",
      "+275760-09-13",
      "1e300",
      "soon",
    ]) {
      expect(() => parseTime(value, "--to", "CLI_INVALID_TIME"), value).toThrow(
        expect.objectContaining({ code: "CLI_INVALID_TIME" }),
      );
    }
  });

  it("refuses with the API's code by default and names the parameter", () => {
    expect(() => parseTime("soon", "from")).toThrow(
      expect.objectContaining({ code: "REQUEST_INVALID", details: { from: "soon", parameter: "from" } }),
    );
  });
});
