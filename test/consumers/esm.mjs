import * as main from "replicate-fetch";
import * as run from "replicate-fetch/run";
import * as stream from "replicate-fetch/stream";
import * as webhooks from "replicate-fetch/webhooks";
import { scenario } from "./scenario.mjs";

await scenario({ main, run, stream, webhooks }, { FAKE_URL: process.env.FAKE_URL });
