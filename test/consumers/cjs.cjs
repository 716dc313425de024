// The same scenario, with the package loaded through require().
const lib = {
  main: require("replicate-fetch"),
  run: require("replicate-fetch/run"),
  stream: require("replicate-fetch/stream"),
  webhooks: require("replicate-fetch/webhooks"),
};

import("./scenario.mjs")
  .then(({ scenario }) => scenario(lib, { FAKE_URL: process.env.FAKE_URL }))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
