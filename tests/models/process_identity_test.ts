import assert from "node:assert/strict";
import {
  currentProcess,
  parseHostnameFile,
  parseStartTicks,
  probeProcess,
} from "../../io/process_identity.ts";

const LINUX = Deno.build.os === "linux";

Deno.test("parseStartTicks() reads field 22 of a /proc stat line, even when the command name holds spaces and parentheses", () => {
  const rest = Array.from({ length: 50 }, (_, i) => i + 3); // fields 3..52
  assert.equal(parseStartTicks(`12 (deno) ${rest.join(" ")}`), 22);
  assert.equal(parseStartTicks(`12 (a) b (c) ${rest.join(" ")}\n`), 22);
  assert.equal(parseStartTicks("12 (deno) S 1 2"), undefined);
  assert.equal(parseStartTicks("not a stat line"), undefined);
});

Deno.test(
  "currentProcess() names this process by pid, host, boot id and start time, which probeProcess() finds alive",
  {
    ignore: !LINUX,
  },
  async () => {
    const self = await currentProcess();
    assert.equal(self.pid, Deno.pid);
    assert.equal(self.hostname, Deno.hostname());
    assert.match(self.bootId!, /^[0-9a-f-]{36}$/);
    assert.ok(Number.isInteger(self.startTicks));
    assert.deepEqual(await probeProcess(Deno.pid), {
      state: "alive",
      startTicks: self.startTicks,
    });
  },
);

Deno.test("probeProcess() finds an ended process gone", {
  ignore: !LINUX,
}, async () => {
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.deepEqual(await probeProcess(child.pid), { state: "gone" });
});

Deno.test("parseHostnameFile() takes the first line of /etc/hostname, trimmed, and nothing from an empty file", () => {
  assert.equal(parseHostnameFile("eval-3\n"), "eval-3");
  assert.equal(parseHostnameFile("  node-7 \nignored\n"), "node-7");
  assert.equal(parseHostnameFile("\n"), undefined);
  assert.equal(parseHostnameFile(""), undefined);
});
