// The oris page: uploads an image and sentences to POST /api/segment and
// draws the answer (the chosen mask tinted, the top-k candidates outlined
// with rank and score) the way `oris segment --overlay` does.

/** The chosen mask's colour (as the CLI's overlays): a clear green. */
const SELECTED_COLOUR = [0, 214, 96];
/** The other candidates' colours in rank order, cycled (as the CLI's). */
const CANDIDATE_PALETTE = [
  [255, 140, 0],
  [236, 64, 200],
  [0, 162, 255],
  [255, 222, 0],
  [232, 40, 48],
  [150, 100, 255],
];
/** The line just outside every outline: near-black. */
const EDGE_COLOUR = [24, 24, 24];
/** The tint's opacity. */
const TINT_OPACITY = 0.45;

/**
 * Unpacks a COCO compressed RLE counts string into run lengths
 * (pycocotools' rleFrString).
 * @param {string} s
 * @returns {number[]}
 */
export function decompressCounts(s) {
  const counts = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/**
 * Decodes a COCO compressed RLE into a row-major mask, 1 inside.
 * @param {{size: [number, number], counts: string}} rle
 * @returns {{width: number, height: number, mask: Uint8Array}}
 */
export function decodeRle(rle) {
  const [height, width] = rle.size;
  const mask = new Uint8Array(width * height);
  let i = 0;
  let value = 0;
  for (const run of decompressCounts(rle.counts)) {
    if (value) {
      for (let j = i; j < i + run; j++) {
        // Column-major index j is pixel (x, y) = (j / h, j % h).
        mask[(j % height) * width + Math.floor(j / height)] = 1;
      }
    }
    i += run;
    value = 1 - value;
  }
  return { width, height, mask };
}

/**
 * RGBA pixels tinting a mask: `colour` at `opacity` inside, transparent out.
 * @param {Uint8Array} mask
 * @param {number[]} colour
 * @param {number} opacity
 * @returns {Uint8ClampedArray}
 */
export function tintPixels(mask, colour, opacity) {
  const data = new Uint8ClampedArray(mask.length * 4);
  const alpha = Math.round(opacity * 255);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    data.set([colour[0], colour[1], colour[2], alpha], i * 4);
  }
  return data;
}

/**
 * The label of a ranked candidate, as the CLI writes it: "#2 0.271".
 * @param {number} rank
 * @param {number} score
 */
export function candidateLabel(rank, score) {
  return `#${rank} ${score.toFixed(3)}`;
}

/** Line thickness for an image, as the CLI's overlayUnit. */
function lineWidth(width, height) {
  return Math.max(1, Math.round(Math.min(width, height) / 300));
}

/** Label font size for an image: about 4% of its shorter side. */
function fontSize(width, height) {
  return Math.max(10, Math.round(Math.min(width, height) * 0.04));
}

/** CSS colour of an [r, g, b] triple. */
function css(colour) {
  return `rgb(${colour[0]} ${colour[1]} ${colour[2]})`;
}

/** Black or white, whichever reads better on `colour`. */
function textColourOn(colour) {
  const [r, g, b] = colour;
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? "#111" : "#fff";
}

/** The candidates to outline with their colours, worst rank first. */
export function outlinePlan(sentence) {
  const chosen = sentence.selected?.rank;
  const others = sentence.candidates.filter((c) => c.rank !== chosen);
  const plan = others.map((c, i) => ({
    candidate: c,
    colour: CANDIDATE_PALETTE[i % CANDIDATE_PALETTE.length],
  }));
  plan.reverse();
  if (sentence.selected) {
    plan.push({ candidate: sentence.selected, colour: SELECTED_COLOUR });
  }
  return plan;
}

/** Draws one box outline with an edge line and a "#rank score" label. */
function drawCandidate(ctx, candidate, colour, unit, size) {
  const [x, y, w, h] = candidate.box;
  ctx.lineWidth = unit;
  ctx.strokeStyle = css(EDGE_COLOUR);
  ctx.strokeRect(x - unit * 1.5, y - unit * 1.5, w + unit * 3, h + unit * 3);
  ctx.strokeStyle = css(colour);
  ctx.strokeRect(x - unit / 2, y - unit / 2, w + unit, h + unit);
  const text = candidateLabel(candidate.rank, candidate.score);
  ctx.font = `${size}px monospace`;
  const pad = Math.ceil(size / 5);
  const tw = ctx.measureText(text).width + 2 * pad;
  const th = size + 2 * pad;
  const lx = Math.min(Math.max(0, x), ctx.canvas.width - tw);
  const ly = y - th - unit >= 0
    ? y - th - unit
    : Math.min(y + h + unit, ctx.canvas.height - th);
  ctx.fillStyle = css(colour);
  ctx.fillRect(lx, ly, tw, th);
  ctx.fillStyle = textColourOn(colour);
  ctx.textBaseline = "top";
  ctx.fillText(text, lx + pad, ly + pad);
}

/** Draws the outlines and labels of one sentence on the boxes canvas. */
function drawBoxes(canvas, sentence) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const unit = lineWidth(canvas.width, canvas.height);
  const size = fontSize(canvas.width, canvas.height);
  for (const { candidate, colour } of outlinePlan(sentence)) {
    drawCandidate(ctx, candidate, colour, unit, size);
  }
}

/** Draws one sentence's mask, tinted, on the mask canvas. */
function drawMask(canvas, sentence) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!sentence.mask) return;
  const { width, height, mask } = decodeRle(sentence.mask);
  const pixels = tintPixels(mask, SELECTED_COLOUR, TINT_OPACITY);
  ctx.putImageData(new ImageData(pixels, width, height), 0, 0);
}

const $ = (id) => document.getElementById(id);

/** Shows an error message, or hides the error line for null. */
function showError(message) {
  $("error").hidden = message === null;
  $("error").textContent = message ?? "";
}

/** The server's state as the status line shows it. */
function showStatus(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
  $("submit").disabled = state !== "ready";
}

const STATUS_TEXT = {
  loading: "Loading models… (the first start may take a while)",
  ready: "Models ready.",
  failed: "The server could not load its models: see its log.",
};

/** Polls GET /api/health until the models are ready or failed. */
async function watchHealth() {
  let state = "unreachable";
  try {
    const res = await fetch("/api/health");
    state = (await res.json()).status ?? "unreachable";
  } catch {
    state = "unreachable";
  }
  showStatus(state, STATUS_TEXT[state] ?? "The server does not answer.");
  if (state !== "ready" && state !== "failed") setTimeout(watchHealth, 1000);
}

/** The sentences typed, one per non-empty line. */
export function sentencesOf(text) {
  return text.split("\n").map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The multipart form for POST /api/segment. */
function requestForm(file, sentences) {
  const form = new FormData();
  form.append("image", file);
  for (const s of sentences) form.append("text", s);
  for (const name of ["spatial", "topK", "alpha", "beta"]) {
    const value = $(name).value.trim();
    if (value !== "") form.append(name, value);
  }
  return form;
}

/** The message of a failed answer: its JSON `error`, else the status. */
async function errorOf(res) {
  try {
    const body = await res.json();
    if (body && typeof body.error === "string") return body.error;
  } catch {
    // Not JSON: fall through to the status line.
  }
  return `the server answered ${res.status} ${res.statusText}`;
}

/** Fills a <dl> with term and value pairs. */
function fillFacts(dl, pairs) {
  dl.replaceChildren();
  for (const [term, value] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  }
}

/** Fills the candidates table of one sentence. */
function fillCandidates(table, sentence) {
  const rows = [["rank", "score", "area", "box"]].concat(
    sentence.candidates.map((c) => [
      (c.rank === sentence.selected?.rank ? "✓ #" : "#") + c.rank,
      c.score.toFixed(3),
      String(c.area),
      c.box.join(", "),
    ]),
  );
  table.replaceChildren(...rows.map((cells, r) => {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement(r === 0 ? "th" : "td");
      td.textContent = cell;
      tr.append(td);
    }
    return tr;
  }));
}

/** The parse facts of one sentence. */
export function parseFacts(sentence) {
  return [
    ["Sentence", sentence.sentence],
    ["Noun phrase", sentence.nounPhrase || "(none)"],
    ["Spatial words", sentence.spatialWords.join(", ") || "(none)"],
    ["Rule", sentence.rule],
    [
      "Chosen",
      sentence.selected
        ? candidateLabel(sentence.selected.rank, sentence.selected.score)
        : "nothing",
    ],
  ];
}

/** The timing facts of a report, in milliseconds. */
export function timingFacts(report) {
  return Object.entries(report.timings).map(([k, v]) => [k, `${v} ms`]);
}

/** State of the page: the last report and its sentence on show. */
const view = { report: null, index: 0, photo: null, maskUrl: null };

/** Shows sentence `index` of the current report. */
function showSentence(index) {
  view.index = index;
  const sentence = view.report.sentences[index];
  for (const [i, b] of [...$("sentences").children].entries()) {
    b.setAttribute("aria-pressed", String(i === index));
  }
  drawMask($("mask"), sentence);
  drawBoxes($("boxes"), sentence);
  fillFacts($("parse"), parseFacts(sentence));
  fillCandidates($("candidates"), sentence);
  const link = $("downloadMask");
  link.hidden = !sentence.maskPng;
  link.href = sentence.maskPng
    ? `data:image/png;base64,${sentence.maskPng}`
    : "#";
  link.download = `mask-${index + 1}.png`;
  $("result").dataset.shown = String(index);
}

/** Sizes the canvases to the image and draws it. */
function drawPhoto(bitmap) {
  for (const id of ["photo", "mask", "boxes"]) {
    $(id).width = bitmap.width;
    $(id).height = bitmap.height;
  }
  $("photo").getContext("2d").drawImage(bitmap, 0, 0);
}

/** Shows a report: its sentences as buttons, the first on show. */
function showReport(report, bitmap) {
  view.report = report;
  drawPhoto(bitmap);
  $("sentences").replaceChildren(...report.sentences.map((s, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = s.sentence;
    b.addEventListener("click", () => showSentence(i));
    return b;
  }));
  fillFacts($("timings"), timingFacts(report));
  if (view.maskUrl) URL.revokeObjectURL(view.maskUrl);
  view.maskUrl = URL.createObjectURL(
    new Blob([JSON.stringify(report, null, 2)], { type: "application/json" }),
  );
  $("downloadJson").href = view.maskUrl;
  $("result").hidden = false;
  showSentence(0);
}

/** Sends the form; shows the report or the API's error. */
async function submit(event) {
  event.preventDefault();
  showError(null);
  const file = $("image").files[0];
  const sentences = sentencesOf($("text").value);
  if (!file) return showError("Pick or drop an image first.");
  if (sentences.length === 0) return showError("Type a sentence first.");
  $("submit").disabled = true;
  $("submit").textContent = "Segmenting…";
  document.body.dataset.busy = "true";
  try {
    const res = await fetch("/api/segment", {
      method: "POST",
      body: requestForm(file, sentences),
    });
    if (!res.ok) return showError(await errorOf(res));
    const report = await res.json();
    showReport(
      report,
      await createImageBitmap(file, { imageOrientation: "from-image" }),
    );
  } catch (e) {
    showError(`The request failed: ${e.message}`);
  } finally {
    $("submit").textContent = "Segment";
    $("submit").disabled = $("status").dataset.state !== "ready";
    document.body.dataset.busy = "false";
  }
}

/** Accepts a dropped image as if picked. */
function wireDrop() {
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length > 0) {
      $("image").files = e.dataTransfer.files;
    }
  });
}

/** A File from a base64 PNG. */
function pngFile(base64, name) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new File([bytes], name, { type: "image/png" });
}

/**
 * Offers the server's demo scenes (`serve --demo`), if it has any: a
 * click picks the scene's image and fills in its sentences.
 */
async function offerDemoScenes() {
  let scenes;
  try {
    const res = await fetch("/api/demo/scenes");
    if (!res.ok) return;
    scenes = (await res.json()).scenes;
  } catch {
    return;
  }
  if (!Array.isArray(scenes) || scenes.length === 0) return;
  const strip = $("scenes");
  for (const scene of scenes) {
    const button = document.createElement("button");
    button.type = "button";
    button.title = scene.sentences.join("\n");
    const img = document.createElement("img");
    img.src = `data:image/png;base64,${scene.png}`;
    img.alt = `scene ${scene.seed}`;
    button.append(img);
    button.addEventListener("click", () => {
      const picked = new DataTransfer();
      picked.items.add(pngFile(scene.png, `scene-${scene.seed}.png`));
      $("image").files = picked.files;
      $("text").value = scene.sentences.join("\n");
    });
    strip.append(button);
  }
  strip.hidden = false;
}

function main() {
  wireDrop();
  offerDemoScenes();
  $("form").addEventListener("submit", submit);
  $("showCandidates").addEventListener("change", (e) => {
    $("boxes").hidden = !e.target.checked;
  });
  watchHealth();
}

if (typeof document !== "undefined") main();
