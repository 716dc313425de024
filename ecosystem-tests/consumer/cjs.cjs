// The same scenario, with the package loaded through require().
const lib = require("replicate-kit");

import("./scenario.mjs")
  .then(({ scenario }) => scenario(lib, { FAKE_URL: process.env.FAKE_URL }))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
