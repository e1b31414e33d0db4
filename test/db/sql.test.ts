import { describe, expect, it } from "vitest";
import { isBaseError } from "../../src/core/errors.js";
import { errorMessage, redactUrl, sqlState, toBigInt, toBigIntOrNull } from "../../src/db/sql.js";

describe("toBigInt", () => {
  it("converts decimal strings exactly, beyond 2^53 and negative", () => {
    expect(toBigInt("340282366920938463463374607431768211455")).toBe(2n ** 128n - 1n);
    expect(toBigInt("-9007199254740993")).toBe(-(2n ** 53n) - 1n);
    expect(toBigInt(7n)).toBe(7n);
    expect(toBigInt(42)).toBe(42n);
  });

  it("refuses fractions, unsafe numbers and non-numbers", () => {
    for (const value of ["1.5", "", "0x10", 2 ** 53, 1.5, null, undefined, {}]) {
      let error: unknown;
      try {
        toBigInt(value);
      } catch (caught) {
        error = caught;
      }
      expect(isBaseError(error, "DB_VALUE_INVALID"), String(value)).toBe(true);
    }
  });

  it("keeps SQL NULL as null with toBigIntOrNull", () => {
    expect(toBigIntOrNull(null)).toBeNull();
    expect(toBigIntOrNull("5")).toBe(5n);
  });
});

describe("sqlState", () => {
  it("reads a SQLSTATE and ignores other codes", () => {
    expect(sqlState({ code: "23505" })).toBe("23505");
    expect(sqlState({ code: "ECONNREFUSED" })).toBeUndefined();
    expect(sqlState(undefined)).toBeUndefined();
  });
});

describe("redactUrl", () => {
  it("hides the password and keeps the rest", () => {
    expect(redactUrl("postgres://user:p%40ss@db.example:5432/grid?sslmode=require")).toBe(
      "postgres://user:***@db.example:5432/grid?sslmode=require",
    );
    expect(redactUrl("postgres://user@db.example/grid")).toBe("postgres://user@db.example/grid");
  });
});

describe("errorMessage", () => {
  it("shows the fields of a thrown plain object, not [object Object]", () => {
    expect(errorMessage({ status: 1, name: "ExitStatus" })).toBe("{ status: 1, name: 'ExitStatus' }");
    expect(errorMessage(new Error("disk full"))).toBe("disk full");
    expect(errorMessage("plain")).toBe("plain");
  });
});
