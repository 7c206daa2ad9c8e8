import assert from "node:assert/strict";
import {
  describeFileValue,
  jsonSyntaxProblem,
} from "../../pipeline/json_problem.ts";

/** What JSON.parse threw for `text`. */
function parseError(text: string): unknown {
  try {
    JSON.parse(text);
  } catch (error) {
    return error;
  }
  assert.fail(`${text} parsed`);
}

Deno.test("jsonSyntaxProblem() says what is wrong and where without quoting the text", () => {
  const cases: [string, RegExp][] = [
    [
      "<html>SECRET-1</html>",
      /does not start with a JSON value at character 1/,
    ],
    ["\n\n  SECRET-2", /at character 5 \(line 3, column 3\)/],
    [
      '{"SECRET-3": 1,}',
      /expected double-quoted property name at character 16/,
    ],
    ['{"SECRET-4": [1, 2', /truncated|expected ',' or '\]'/],
    ['{"SECRET-5": nope}', /a character that does not belong/],
    ['[1] "SECRET-6"', /after JSON at character 5/],
    ["", /it is empty/],
  ];
  for (const [text, expected] of cases) {
    const problem = jsonSyntaxProblem(parseError(text), text);
    assert.match(problem, expected, problem);
    assert.ok(!problem.includes("SECRET"), problem);
  }
});

Deno.test("describeFileValue() gives a string's length and a number's value, never the text", () => {
  assert.equal(describeFileValue("hunter2"), "a string of 7 characters");
  assert.equal(describeFileValue(""), "an empty string");
  assert.equal(describeFileValue(-1), "-1");
  assert.equal(describeFileValue(true), "true");
  assert.equal(describeFileValue([1, -2]), "[1, -2]");
  assert.equal(describeFileValue(["SECRET", 2]), "a list of 2 items");
  assert.equal(describeFileValue({ secret: "x" }), "an object");
  assert.equal(describeFileValue(undefined), "nothing (the field is missing)");
});
