// The models every consumer scenario runs against (ecosystem-tests/run.mjs, ecosystem-tests/browser.mjs):
// a slow one that outlasts a 1 s sync window, a token stream the fake can drop, and a file.
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function addScenarioModels(fake, owner) {
  fake.model(
    `${owner}/slow`,
    async (input) => {
      await pause(1500);
      return `slow: ${input.text}`;
    },
    { input: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } },
  );
  fake.model(`${owner}/chat`, async function* () {
    for (const word of ["one", "two", "three", "four", "five"]) {
      await pause(20);
      yield `${word} `;
    }
  });
  fake.model(`${owner}/file`, async () => new Blob(["file body"], { type: "text/plain" }));
}
