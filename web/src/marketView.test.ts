import { describe, expect, it } from "vitest";
import { depthPoints, meterProofLink } from "./marketView.js";

describe("the depth of a book", () => {
  it("adds up bids from the top price down and offers from the bottom price up", () => {
    const points = depthPoints({
      bids: [
        { price: "55", energyWh: "300" },
        { price: "40", energyWh: "200" },
      ],
      asks: [
        { price: "35", energyWh: "100" },
        { price: "50", energyWh: "400" },
      ],
    });
    // Levels 35…55, padded by a tenth of the range (2) on each side.
    expect(points).toEqual([
      { price: 33, bids: 500, asks: 0 },
      { price: 35, bids: 500, asks: 100 },
      { price: 40, bids: 500, asks: 100 },
      { price: 50, bids: 300, asks: 500 },
      { price: 55, bids: 300, asks: 500 },
      { price: 57, bids: 0, asks: 500 },
    ]);
  });

  it("pads a one-level book by 1 and never goes below price 0", () => {
    expect(depthPoints({ bids: [{ price: "0", energyWh: "10" }], asks: [] })).toEqual([
      { price: 0, bids: 10, asks: 0 },
      { price: 1, bids: 0, asks: 0 },
    ]);
  });

  it("is empty for an empty book", () => {
    expect(depthPoints({ bids: [], asks: [] })).toEqual([]);
  });
});

describe("a meter proof link", () => {
  it("opens a reading's proof in the explorer's verifier", () => {
    const device = `0x${"ab".repeat(32)}`;
    expect(meterProofLink(`/v1/readings/${device}/42/proof`)).toBe(`#/explorer?device=${device}&seq=42`);
  });

  it("keeps another path as it is", () => {
    expect(meterProofLink("/v1/anchors/onchain?region=CN-GD")).toBe("/v1/anchors/onchain?region=CN-GD");
  });
});
