import { describe, expect, it } from "vitest";
import { assertCleanText, escapeLike, sanitiseText, textProblem } from "./text.js";

describe("text checks", () => {
  it("refuses NUL and other control characters, naming the field and position", () => {
    expect(() => assertCleanText("a\u0000b", "nameZh")).toThrow(
      /nameZh contains the control character U\+0000 at position 1/,
    );
    expect(textProblem("line\nbreak")).toMatch(/U\+000A/);
    expect(textProblem("caf\u009b")).toMatch(/U\+009B/);
  });

  it("allows line breaks and tabs in multiline text, never NUL", () => {
    expect(textProblem("first\nsecond\tthird\r\n", { multiline: true })).toBeUndefined();
    expect(textProblem("a\u0000b", { multiline: true })).toMatch(/U\+0000/);
  });

  it("refuses lone surrogates and accepts paired ones and Chinese", () => {
    expect(textProblem("a\ud800b")).toMatch(/lone UTF-16 surrogate at position 1/);
    expect(textProblem("\udc00")).toMatch(/surrogate/);
    expect(textProblem("广东省 😀")).toBeUndefined();
  });

  it("sanitises chain text to U+FFFD and says whether it changed", () => {
    expect(sanitiseText("a\u0000b\ud800")).toEqual({ text: "a\ufffdb\ufffd", changed: true });
    expect(sanitiseText("广东省")).toEqual({ text: "广东省", changed: false });
  });

  it("escapes LIKE wildcards", () => {
    expect(escapeLike("50%_a\\b")).toBe("50\\%\\_a\\\\b");
  });
});
