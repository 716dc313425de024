// parseProgress: the latest tqdm bar in a prediction's logs, or null when there is none.
import { describe, expect, test } from "vitest";
import { parseProgress } from "../src/index.js";

describe("parseProgress", () => {
  test("reads a tqdm bar: percent, current and total", () => {
    expect(parseProgress(" 45%|████▌     | 45/100 [00:03<00:04, 12.34it/s]")).toEqual({
      percent: 45,
      current: 45,
      total: 100,
    });
  });

  test("finds the bar among other log lines", () => {
    const logs = ["Using seed: 1234", "Loading model weights", " 45%|████▌     | 45/100 [00:03<00:04, 12.34it/s]"].join(
      "\n",
    );
    expect(parseProgress(logs)).toEqual({ percent: 45, current: 45, total: 100 });
  });

  test("the last bar in the logs wins", () => {
    const logs = [
      "  0%|          | 0/28 [00:00<?, ?it/s]",
      " 50%|█████     | 14/28 [00:01<00:01, 12.50it/s]",
      " 96%|█████████▋| 27/28 [00:02<00:00, 12.61it/s]",
    ].join("\n");
    expect(parseProgress(logs)).toEqual({ percent: 96, current: 27, total: 28 });
  });

  test("a later bar of a second phase wins over a finished first one", () => {
    const logs = "100%|██████████| 50/50 [00:04<00:00, 11.11it/s]\nupscaling\n 10%|█         | 1/10 [00:00<00:05]";
    expect(parseProgress(logs)).toEqual({ percent: 10, current: 1, total: 10 });
  });

  test("lines after the last bar that are not bars do not hide it", () => {
    const logs = " 45%|████▌     | 45/100 [00:03<00:04, 12.34it/s]\nsaving output\n";
    expect(parseProgress(logs)).toEqual({ percent: 45, current: 45, total: 100 });
  });

  test("bars redrawn with \\r on one line: the last state wins", () => {
    const logs =
      "  0%|          | 0/100 [00:00<?, ?it/s]\r 10%|█         | 10/100 [00:01<00:09, 9.90it/s]\r 20%|██        | 20/100 [00:02<00:08, 9.95it/s]";
    expect(parseProgress(logs)).toEqual({ percent: 20, current: 20, total: 100 });
  });

  test("a trailing \\r or \\r\\n after the last redraw still finds it", () => {
    expect(parseProgress(" 10%|█         | 10/100 [00:01]\r 30%|███       | 30/100 [00:03]\r")).toEqual({
      percent: 30,
      current: 30,
      total: 100,
    });
    expect(parseProgress(" 30%|███       | 30/100 [00:03]\r\ndone\r\n")).toEqual({
      percent: 30,
      current: 30,
      total: 100,
    });
  });

  test("100% is read as such", () => {
    expect(parseProgress("100%|██████████| 100/100 [00:08<00:00, 12.02it/s]")).toEqual({
      percent: 100,
      current: 100,
      total: 100,
    });
  });

  test("an ASCII bar (tqdm ascii=True) is read too", () => {
    expect(parseProgress(" 70%|#######   | 7/10 [00:07<00:03,  1.00it/s]")).toEqual({
      percent: 70,
      current: 7,
      total: 10,
    });
  });

  test("logs with no bar give null", () => {
    expect(parseProgress("Using seed: 1234\nLoading model\nDone")).toBeNull();
  });

  test.each([
    ["null", null],
    ["undefined", undefined],
    ["an empty string", ""],
  ])("%s logs give null", (_what, logs) => {
    expect(parseProgress(logs)).toBeNull();
  });

  test("text with a percent sign but no bar gives null", () => {
    expect(parseProgress("GPU memory at 45% utilisation\nsafety checker: 3% flagged")).toBeNull();
    expect(parseProgress("progress: 45% done (45/100)")).toBeNull();
  });

  test("a bar without a known total (tqdm without total) gives null", () => {
    expect(parseProgress("45it [00:03, 12.34it/s]")).toBeNull();
  });
});
