import assert from "node:assert/strict";
import { parseSpatial, tokenizeSpatial } from "../../pipeline/spatial/parse.ts";

const dirs = (s: string) => parseSpatial(s)?.directions ?? null;

Deno.test("tokenizeSpatial() lower-cases whole words, keeps ordinals and punctuation, splits hyphens", () => {
  assert.deepEqual(tokenizeSpatial("The 2nd Dog, far-left!"), [
    "the",
    "2nd",
    "dog",
    ",",
    "far",
    "left",
    "!",
  ]);
  assert.deepEqual(tokenizeSpatial("the man's left-hand side"), [
    "the",
    "man",
    "s",
    "left",
    "hand",
    "side",
  ]);
});

Deno.test("parseSpatial() returns null when nothing points at a place", () => {
  assert.equal(parseSpatial("a man in a blue shirt"), null);
  assert.equal(parseSpatial(""), null);
  assert.equal(parseSpatial("leftover pizza, lefty, topping, backpack"), null);
});

Deno.test("parseSpatial() reads the plain directions whole-word in any case", () => {
  assert.deepEqual(parseSpatial("The zebra on the LEFT"), {
    directions: ["left"],
    triggers: ["left"],
  });
  assert.deepEqual(dirs("zebra on right"), ["right"]);
  assert.deepEqual(dirs("the top banana"), ["top"]);
  assert.deepEqual(dirs("bottom pizza"), ["bottom"]);
  assert.deepEqual(dirs("the bus in front"), ["front"]);
  assert.deepEqual(dirs("the sheep in the back"), ["back"]);
  assert.deepEqual(dirs("middle giraffe"), ["middle"]);
});

Deno.test("parseSpatial() maps synonyms and superlatives to their direction", () => {
  const cases: [string, string][] = [
    ["the leftmost horse", "left"],
    ["the zebra on the far left", "left"],
    ["woman on the left side", "left"],
    ["rightmost skier", "right"],
    ["the truck furthest to the left", "left"],
    ["upper cabinet", "top"],
    ["the uppermost shelf", "top"],
    ["the highest kite", "top"],
    ["the shelf above", "top"],
    ["the lower bunk", "bottom"],
    ["the lowest plane", "bottom"],
    ["the shelf below", "bottom"],
    ["the center donut", "middle"],
    ["the cake in the centre", "middle"],
    ["the sheep in between", "middle"],
    ["the closest elephant", "front"],
    ["nearest boat", "front"],
    ["man in the foreground", "front"],
    ["the one closest to the camera", "front"],
    ["the farthest surfer", "back"],
    ["the furthest chair", "back"],
    ["the person furthest back", "back"],
    ["the tree in the background", "back"],
    ["the one behind", "back"],
    ["the rear car", "back"],
    ["the zebra farthest from the camera", "back"],
    ["the biggest teddy bear", "biggest"],
    ["the largest pizza", "biggest"],
    ["the smallest dog", "smallest"],
    ["the tallest giraffe", "tallest"],
    ["the shortest glass", "shortest"],
    ["the taller of the two men", "tallest"],
    ["the closer bus", "front"],
  ];
  for (const [sentence, want] of cases) {
    assert.deepEqual(dirs(sentence), [want], sentence);
  }
});

Deno.test("parseSpatial() keeps comparatives only after 'the' and not before 'than'", () => {
  assert.equal(parseSpatial("a giraffe taller than the tree"), null);
  assert.equal(parseSpatial("a bigger dog"), null);
  assert.deepEqual(dirs("the bigger dog"), ["biggest"]);
});

Deno.test("parseSpatial() combines directions and keeps the first of two opposites", () => {
  assert.deepEqual(dirs("top left corner"), ["top", "left"]);
  assert.deepEqual(dirs("bottom right corner"), ["bottom", "right"]);
  assert.deepEqual(dirs("the man on the left in the back"), ["left", "back"]);
  assert.deepEqual(dirs("left one, not the right one"), ["left"]);
});

Deno.test("parseSpatial() reads ordinals with their side", () => {
  const cases: [string, number, string][] = [
    ["second from the left", 2, "left"],
    ["third giraffe from right", 3, "right"],
    ["2nd from top", 2, "top"],
    ["the first one on the right", 1, "right"],
    ["the second bus from the front", 2, "front"],
    ["the third one in the row from the left", 3, "left"],
    ["the second largest elephant", 2, "biggest"],
    ["4th from bottom", 4, "bottom"],
  ];
  for (const [sentence, n, from] of cases) {
    const p = parseSpatial(sentence);
    assert.deepEqual(p?.ordinal, { n, from }, sentence);
    assert.deepEqual(p?.directions, [], sentence);
  }
  assert.equal(parseSpatial("the second man"), null);
  assert.equal(parseSpatial("the second to last car")?.ordinal, undefined);
});

Deno.test("parseSpatial() reads relations with their anchor phrase", () => {
  const cases: [string, string, string][] = [
    ["the man to the left of the dog", "left-of", "the dog"],
    ["left of the dog", "left-of", "the dog"],
    ["the man on the left side of the bed", "left-of", "the bed"],
    ["umbrella to the right of glasses", "right-of", "glasses"],
    ["the lamp above the table", "above", "the table"],
    ["the lamp hanging over the table", "above", "the table"],
    ["the shoes below the bench", "below", "the bench"],
    ["the cat under the table", "under", "the table"],
    ["an apple beneath an orange", "under", "an orange"],
    ["the cat behind the fence", "behind", "the fence"],
    ["the dog in front of the couch", "in-front-of", "the couch"],
    ["the dog next to the red car", "next-to", "the red car"],
    ["the woman beside the lamp", "next-to", "the lamp"],
    ["the chair near the window", "next-to", "the window"],
    ["the zebra closest to the tree", "next-to", "the tree"],
    ["the mouse nearest the black object", "next-to", "the black object"],
    ["the car parked by the curb", "next-to", "the curb"],
    ["the cup between the two plates", "between", "the two plates"],
    [
      "the dog between the cat and the chair",
      "between",
      "the cat and the chair",
    ],
    ["the sheep farthest from the barn", "far-from", "the barn"],
    ["the cat on the bed", "on", "the bed"],
    ["a book on top of the laptop", "on", "the laptop"],
    ["a dog on the back of the truck", "on", "the truck"],
    ["the bowl next to the bowl of fruit", "next-to", "the bowl of fruit"],
    ["the man next to the woman in red", "next-to", "the woman in red"],
    ["the man next to the sleeping dog", "next-to", "the sleeping dog"],
    ["beside her mom", "next-to", "her mom"],
  ];
  for (const [sentence, kind, anchor] of cases) {
    assert.deepEqual(
      parseSpatial(sentence)?.relation,
      { kind, anchor },
      sentence,
    );
  }
});

Deno.test("parseSpatial() ends the anchor before a verb, preposition or new phrase", () => {
  assert.equal(
    parseSpatial("the man behind the fence wearing a hat")?.relation?.anchor,
    "the fence",
  );
  assert.equal(
    parseSpatial("the lamp above the table a man sits at")?.relation?.anchor,
    "the table",
  );
});

Deno.test("parseSpatial() gives a place after the anchor to the anchor", () => {
  const p = parseSpatial("the man standing behind the woman on the left");
  assert.deepEqual(p?.relation, {
    kind: "behind",
    anchor: "the woman on the left",
  });
  assert.deepEqual(p?.directions, []);
});

Deno.test("parseSpatial() prefers a relation other than 'on'", () => {
  assert.equal(
    parseSpatial("the cat on the bed next to the dog")?.relation?.kind,
    "next-to",
  );
});

Deno.test("parseSpatial() reads relations to the picture or the viewer as directions", () => {
  assert.deepEqual(parseSpatial("on the left side of the picture"), {
    directions: ["left"],
    triggers: ["left side of the picture"],
  });
  assert.deepEqual(dirs("the bear to the far right of the photo"), ["right"]);
  assert.deepEqual(dirs("the car in front of the camera"), ["front"]);
  assert.deepEqual(dirs("the vase closest to us"), ["front"]);
  assert.deepEqual(dirs("the man at the back of the room"), ["back"]);
  assert.deepEqual(dirs("the man at the top of the stairs"), ["top"]);
  assert.deepEqual(dirs("the donut in the middle of the box"), ["middle"]);
  assert.deepEqual(dirs("the one closest to the left"), ["left"]);
  // The picture has no parts: its bottom is a place, even after "on".
  assert.deepEqual(dirs("the muffins on the bottom of the photo"), ["bottom"]);
  assert.deepEqual(parseSpatial("a dog on the back of the truck")?.relation, {
    kind: "on",
    anchor: "the truck",
  });
  // Words after the picture don't make it an object.
  assert.deepEqual(
    parseSpatial("a boy on far right of photo in a striped shirt"),
    { directions: ["right"], triggers: ["right of photo"] },
  );
});

Deno.test("parseSpatial() reads a relation to another of the same kind as its direction", () => {
  assert.deepEqual(dirs("a bowl right of another"), ["right"]);
  assert.deepEqual(dirs("a zebra behind the other"), ["back"]);
  assert.deepEqual(dirs("the plane below the one spitting smoke"), ["bottom"]);
  assert.deepEqual(dirs("the dog between them"), ["middle"]);
});

Deno.test("parseSpatial() ignores body parts and possessives", () => {
  for (
    const s of [
      "a man holding a phone in his left hand",
      "her right arm raised",
      "the man ' s right shoulder",
      "the player with his left leg up",
      "a horse with its front legs up",
      "a dog with its back legs in the water",
      "the girl with her upper body turned",
      "the zebra with its back to the camera",
      "a man lying on his back",
      "the elephant with its trunk above its head",
      "the front wheel of the bike",
      "a man with a hat on his head",
      "a right handed pitcher",
    ]
  ) assert.equal(parseSpatial(s), null, s);
  assert.deepEqual(dirs("the right hand side"), ["right"]);
  assert.deepEqual(dirs("the baby in the right hand picture"), ["right"]);
});

Deno.test("parseSpatial() ignores 'right next to', 'all right', 'left over' and 'left' as a verb", () => {
  assert.deepEqual(parseSpatial("the man right next to the car"), {
    directions: [],
    relation: { kind: "next-to", anchor: "the car" },
    triggers: ["next to"],
  });
  assert.equal(
    parseSpatial("the man right behind the woman")?.directions.length,
    0,
  );
  assert.equal(parseSpatial("a man giving an all right sign"), null);
  assert.equal(parseSpatial("pizza left over"), null);
  assert.equal(parseSpatial("the only slice left"), null);
  assert.equal(parseSpatial("the cake that is left"), null);
  assert.equal(parseSpatial("a bag left behind"), null);
  // Still places: "on the right next to", "is left of".
  const p = parseSpatial("the dog on the right next to the cat");
  assert.deepEqual(p?.directions, ["right"]);
  assert.equal(p?.relation?.kind, "next-to");
  assert.equal(
    parseSpatial("the man who is left of the dog")?.relation?.kind,
    "left-of",
  );
});

Deno.test("parseSpatial() ignores poses, views, garments and names", () => {
  for (
    const s of [
      "the man facing left",
      "a giraffe looking to the right",
      "a skier leaning to the left",
      "a child seen from behind",
      "a woman in a pink top",
      "woman in red top",
      "a girl in a tank top",
      "a man in a top hat",
      "the cake with a candle on top",
      "a skateboard with a green bottom",
      "a middle aged man",
      "a man with a back pack",
      "the front door",
      "a dog running back and forth",
      "the man with his back turned",
      "the car facing away from the camera",
      "a man on the phone",
      "an umbrella held by the woman",
    ]
  ) assert.equal(parseSpatial(s), null, s);
  assert.deepEqual(dirs("the top shelf"), ["top"]);
  assert.deepEqual(dirs("the one on top"), ["top"]);
  assert.deepEqual(dirs("a top shelf"), ["top"]);
  assert.deepEqual(dirs("the near side"), ["front"]);
});

Deno.test("parseSpatial() ignores the part of an object but not a place within one", () => {
  assert.equal(parseSpatial("the front of the bus"), null);
  assert.equal(parseSpatial("the back of a giraffe"), null);
  assert.equal(parseSpatial("the left side of the bed"), null);
  assert.equal(parseSpatial("the top of the cake"), null);
  assert.deepEqual(dirs("the bottom half of a sandwich"), ["bottom"]);
  assert.deepEqual(dirs("a cow , at the front of the herd"), ["front"]);
});

Deno.test("parseSpatial() reads a thing's own front or back as a part, not a place", () => {
  for (
    const s of [
      "a sofa with a striped blanket on the back",
      "a van that has a dent on the front",
      "a player with his name printed on the back",
      "back of a wooden bench",
      "a coat hanging on back of a chair",
      "the rear end of a sheep",
      "a car seen in back view",
      "a front facing bus",
      "the back rest of a bench",
    ]
  ) assert.equal(parseSpatial(s), null, s);
  // Places stay places: nothing to own the side, or "in" before "back of".
  assert.deepEqual(dirs("the man standing on the back"), ["back"]);
  assert.equal(
    parseSpatial("the boy in back of the bus")?.relation?.kind,
    "behind",
  );
  assert.deepEqual(dirs("the front end of the elephant in the front"), [
    "front",
  ]);
});

Deno.test("parseSpatial() lists the trigger words in sentence order", () => {
  assert.deepEqual(
    parseSpatial("the small plane in the upper left, behind the tower")
      ?.triggers,
    ["upper", "left", "behind"],
  );
  assert.deepEqual(parseSpatial("second giraffe from the right")?.triggers, [
    "second from the right",
  ]);
  assert.deepEqual(parseSpatial("the plane to far left")?.triggers, [
    "far left",
  ]);
});

Deno.test("parseSpatial() finds nothing in words that are names of object properties", () => {
  for (
    const s of [
      "the constructor",
      "valueOf second from hasOwnProperty",
      "the __proto__",
    ]
  ) {
    assert.equal(parseSpatial(s), null, s);
  }
});
