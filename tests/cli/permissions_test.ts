import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { allowEnvFlag, CLI_ENV_NAMES } from "../../cli/permissions.ts";
import { encodePng } from "../../pipeline/image/png_encode.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { FIXTURE_MODEL_OPTIONS } from "../helpers/fixture_models.ts";
import { withTemp } from "../helpers/temp.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("segment runs with --allow-read, --allow-write and only the --allow-env names the README lists", async () => {
  await withTemp(async (dir) => {
    const scene = generateScene(2024);
    await Deno.writeFile(`${dir}/scene.png`, await encodePng(scene.image));
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-read",
        "--allow-write",
        allowEnvFlag(),
        `${REPO}cli.ts`,
        "segment",
        "--image",
        `${dir}/scene.png`,
        "--text",
        scene.sentences[0].text,
        "--out",
        `${dir}/mask.png`,
        "--json",
        `${dir}/report.json`,
        ...FIXTURE_MODEL_OPTIONS,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    assert.equal(code, 0, text.decode(stderr));
    assert.match(text.decode(stdout), /-> .*mask\.png/);
    assert.ok((await Deno.stat(`${dir}/mask.png`)).size > 0);
    assert.ok((await Deno.stat(`${dir}/report.json`)).size > 0);
  });
});

Deno.test("the README's table of permissions gives the --allow-env names the commands read", async () => {
  const readme = await Deno.readTextFile(`${REPO}README.md`);
  assert.ok(readme.includes(allowEnvFlag()), allowEnvFlag());
  for (const name of CLI_ENV_NAMES) assert.match(readme, new RegExp(name));
});
