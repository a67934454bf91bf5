import { describe, expect, it } from "vitest";
import { section } from "../../bench/progress";

function sink(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, isTTY, write: (text: string) => lines.push(text) };
}

describe("the bench's progress", () => {
  it("says on a terminal when each section starts and ends, with its time and figure", async () => {
    const tty = sink(true);
    let t = 0;
    const result = await section(
      "the clean-up",
      async () => ({ speedup: 7 }),
      (r) => `${r.speedup}x`,
      tty,
      () => (t += 1500),
    );

    expect(result).toEqual({ speedup: 7 });
    expect(tty.lines).toEqual(["▸ the clean-up…\n", "✔ the clean-up (1.5 s): 7x\n"]);
  });

  it("stays quiet when stderr is not a terminal", async () => {
    const piped = sink(false);
    await section("the clean-up", () => 1, String, piped);

    expect(piped.lines).toEqual([]);
  });
});
