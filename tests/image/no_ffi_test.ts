import { deepStrictEqual, equal, match } from "node:assert/strict";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** Runs a script with the given permissions only (never --allow-ffi or --allow-write). */
async function runScript(
  script: string,
  permissions: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, script],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const { code, stdout, stderr } = await command.output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

Deno.test("the core image modules run with no permission at all", async () => {
  const { code, stdout, stderr } = await runScript(
    "tests/image/no_ffi/core.ts",
    [],
  );
  equal(code, 0, stderr);
  deepStrictEqual(JSON.parse(stdout), {
    probe: ["png", 10000, 6000],
    limit: "rejected",
    upright: [1, 3, 1, 2, 3],
    rgb: [9, 8, 7, 255],
    blank: 16,
    exif: 1,
    maskPng: [2, 0],
    overlayPng: [2, 6],
  });
});

Deno.test("decodeImage() and encodePng() run without FFI, with read and one env variable", async () => {
  const { code, stdout, stderr } = await runScript(
    "tests/image/no_ffi/codec.ts",
    [
      `--allow-read=${REPO}`,
      "--allow-env=IMAGESCRIPT_WASM_SIMD",
    ],
  );
  equal(code, 0, stderr);
  deepStrictEqual(JSON.parse(stdout), {
    jpeg: [32, 32],
    png: [11, 6, 0, 3, 50, 5],
    overlaySame: true,
    mask: [0, 0, 0, 255, 255, 255, 255, 255],
  });
});

Deno.test("decodeImage() without read access explains the permissions it needs", async () => {
  // The fixtures can be read, imagescript's .wasm files cannot.
  const { code, stderr } = await runScript("tests/image/no_ffi/codec.ts", [
    `--allow-read=${REPO}tests/fixtures/images`,
    "--allow-env=IMAGESCRIPT_WASM_SIMD",
  ]);
  notEqualZero(code);
  match(
    stderr,
    /NotCapable: Decoding PNG and JPEG loads imagescript's WebAssembly decoder/,
  );
  match(stderr, /--allow-read --allow-env=IMAGESCRIPT_WASM_SIMD/);
});

Deno.test("imagescript's main entry fails without --allow-ffi (the reason the codec avoids it)", async () => {
  const { code, stderr } = await runScript(
    "tests/image/no_ffi/imagescript_main.ts",
    [`--allow-read=${REPO}`, "--allow-env"],
  );
  notEqualZero(code);
  match(stderr, /ffi/i);
});

function notEqualZero(code: number): void {
  equal(code !== 0, true, `expected a non-zero exit code, got ${code}`);
}
